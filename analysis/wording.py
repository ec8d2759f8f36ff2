"""Plain-language sentences for results, in every interface language.

A sentence says the decision rule's category (:mod:`analysis.decision`) and nothing
else decides: "improved", "worsened", "no meaningful change" (equivalence shown),
"inconclusive" (saying why: not significant after correcting for N comparisons, or the
data cannot tell a meaningful change from none) or "not estimable" (with its reason).
Each sentence states its basis (comparison factories or before/after only) and its n.

Every word comes from ``score_impact/locales/<lang>/ui.yaml`` (keys ``sentence.*``,
``basis.*``, ``reason.*``), so a language is added by files alone.
"""

from __future__ import annotations

import math
import re
from functools import cache

import pandas as pd
from babel.numbers import get_decimal_symbol

from analysis import _common as c
from analysis.decision import ALPHA
from score_impact.i18n import FALLBACK, babel_locale, languages, strings


@cache
def _template(key: str, lang: str) -> str:
    entry = strings()[key]
    return entry.get(lang) or entry[FALLBACK]


def t(key: str, lang: str, **params: object) -> str:
    """:func:`score_impact.i18n.t` with the template looked up once per key and language
    (a large result frame words tens of thousands of rows)."""
    text = _template(key, lang)
    return text.format(**params) if params else text


# Columns read by sentence(); describe() passes only these (fast on large frames).
_READ = ("label", "outcome_id", "suppressed", "not_estimable", "effect_size_name",
         "mean_before", "mean_after", "change", "ci_low", "ci_high", "design", "n_pairs",
         "n_before", "n_after", "p", "category", "basis", "p_decision", "n_comparisons",
         "sesoi", "p_equivalence", "kind", "unit", "estimate", "n_clusters",
         "n_treated_clusters", "n_control_clusters", "value_before",
         "value_after", "test", "p_min")  # fmt: skip


@cache
def _reason_patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each master reason as a regex whose named groups are its placeholders."""
    out = []
    for master, key in c.REASON_KEYS.items():
        pattern = re.escape(master)
        for name in re.findall(r"\{(\w+)\}", master):
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>.+?)")
        out.append((re.compile(f"^{pattern}$"), key))
    return out


def translate_reason(reason: str, lang: str = "en") -> str:
    """The not-estimable reason in ``lang`` (fixed vocabulary, see ``analysis._common``);
    unknown text is returned as it is."""
    for pattern, key in _reason_patterns():
        found = pattern.match(reason)
        if found:
            return t(key, lang, **found.groupdict())
    return reason


def format_p(p: float, lang: str = "en", comparisons: float | None = None) -> str:
    """``p<0.001`` / ``p=0.012`` (APA-style three decimals), naming Holm's correction and
    the family size when there was one."""
    value = t("sentence.p_lt", lang) if p < 0.001 else t("sentence.p_eq", lang, p=f"{p:.3f}")
    if comparisons is None or _missing(comparisons) or comparisons <= 1:
        return value
    return t("sentence.p_holm", lang, p=value, m=int(comparisons))


@cache
def _decimal_mark(lang: str) -> str:
    """The locale's decimal symbol ("." or ","), looked up once per language."""
    return get_decimal_symbol(babel_locale(lang))


def _fixed(x: float, digits: int, lang: str, sign: bool = False) -> str:
    """``x`` with ``digits`` decimals and the locale's decimal mark ("3.10", "3,10")."""
    text = f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
    return text.replace(".", _decimal_mark(lang))


def _num(x: float, proportion: bool, digits: int, lang: str) -> str:
    return f"{100 * x:.0f}%" if proportion else _fixed(x, digits, lang)


def _signed(x: float, proportion: bool, digits: int, lang: str) -> str:
    if proportion:
        return t("sentence.points", lang, value=f"{100 * x:+.0f}")
    return _fixed(x, digits, lang, sign=True)


def _label(row: dict, lang: str) -> str:
    label = row.get(f"label_{lang}")
    if not isinstance(label, str) or not label:
        label = str(row.get("label") or row.get("outcome_id"))
    return label


def _details(row: dict, lang: str, proportion: bool, digits: int, estimate: float) -> str:
    """CI, n, p and basis, in that order, separated by the language's comma."""
    parts = []
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if not (_missing(lo) or _missing(hi)):
        scale = 100 if proportion else 1
        decimals = 0 if proportion else digits
        parts.append(t("sentence.ci", lang, lo=_fixed(scale * lo, decimals, lang),
                       hi=_fixed(scale * hi, decimals, lang)))  # fmt: skip
    basis = row.get("basis")
    if basis == "did":
        parts.append(t("sentence.n_did", lang, n=_int(row.get("n_clusters")),
                       treated=_int(row.get("n_treated_clusters")),
                       control=_int(row.get("n_control_clusters"))))  # fmt: skip
    elif row.get("kind") == "kpi":
        parts.append(t("sentence.n_factories", lang, n=_int(row.get("n_pairs"))))
    elif row.get("design") == "paired":
        parts.append(t("sentence.n_paired", lang, n=_int(row.get("n_pairs"))))
    elif basis != "factory_figures":
        parts.append(t("sentence.n_independent", lang, n1=_int(row.get("n_before")),
                       n2=_int(row.get("n_after"))))  # fmt: skip
    p = row.get("p_decision")
    if not _missing(p):
        parts.append(format_p(p, lang, row.get("n_comparisons")))
    elif not _missing(row.get("p")):
        parts.append(format_p(row["p"], lang))
    if isinstance(basis, str):
        parts.append(t(f"basis.{basis}", lang))
    return t("sentence.sep", lang).join(parts)


def _int(x: object) -> int:
    return 0 if _missing(x) else int(x)  # type: ignore[arg-type]


def _movement(row: dict, lang: str, proportion: bool, digits: int) -> tuple[str, float]:
    """ "from 3.10 to 3.60, +0.50" (or the DiD estimate), and the estimate itself."""
    if row.get("basis") == "did":
        est = float(row["estimate"])
        return t("sentence.move_did", lang, change=_signed(est, proportion, digits, lang)), est
    before = row.get("mean_before")
    after = row.get("mean_after")
    if _missing(before):
        before, after = row.get("value_before"), row.get("value_after")
    change = float(row["change"])
    return (
        t("sentence.move", lang, b=_num(before, proportion, digits, lang),
          a=_num(after, proportion, digits, lang),
          change=_signed(change, proportion, digits, lang)),
        change,
    )  # fmt: skip


def _why_inconclusive(row: dict, lang: str, proportion: bool, digits: int, alpha: float) -> str:
    p_min = row.get("p_min")
    if not _missing(p_min) and p_min > alpha:
        return t("sentence.why_few_factories", lang, p_min=f"{p_min:.3f}")
    lo, hi = row.get("ci_low"), row.get("ci_high")
    m = row.get("n_comparisons")
    excludes_zero = not (_missing(lo) or _missing(hi)) and (lo > 0 or hi < 0)
    if excludes_zero and not _missing(m) and m > 1:
        return t("sentence.why_correction", lang, m=int(m))
    bound = row.get("sesoi")
    if _missing(bound):
        return t("sentence.why_cannot_tell_plain", lang)
    return t("sentence.why_cannot_tell", lang, bound=_num(bound, proportion, digits, lang))


def sentence(row: dict, lang: str = "en", alpha: float = ALPHA, digits: int = 2) -> str:
    """One plain-language sentence for one result row, from its ``category``.

    Parameters
    ----------
    row : mapping
        A row of :func:`analysis.compare_phases`, :func:`analysis.kpi_tests`,
        :func:`analysis.kpi_changes` or a DiD result, with the decision columns.
    lang : str
        Any interface language.
    alpha : float
        Level of the decision rule: a design whose smallest attainable p (``p_min``)
        exceeds it is "too few factories to tell".
    digits : int
        Decimals for means and changes (proportions are shown as whole percentages).

    Returns
    -------
    str
        E.g. "Voice improved: from 3.10 to 3.60, +0.50 (95% CI 0.30 to 0.70, paired
        n=212, p<0.001 after Holm over 6 outcomes, before/after only - no comparison
        group)."
    """
    label = _label(row, lang)
    reason = row.get("not_estimable")
    category = row.get("category")
    if row.get("suppressed"):
        return t("sentence.suppressed", lang, label=label,
                 reason=translate_reason(str(reason), lang))  # fmt: skip
    if category == "not_estimable" or isinstance(reason, str):
        text = translate_reason(str(reason), lang) if isinstance(reason, str) else "-"
        return t("sentence.not_estimable", lang, label=label, reason=text)
    proportion = row.get("effect_size_name") == "difference in proportions"
    movement, estimate = _movement(row, lang, proportion, digits)
    details = _details(row, lang, proportion, digits, estimate)
    if category == "inconclusive":
        why = _why_inconclusive(row, lang, proportion, digits, alpha)
        return t("sentence.inconclusive", lang, label=label, why=why, move=movement,
                 details=details)  # fmt: skip
    if category == "no_meaningful_change":
        bound = row.get("sesoi")
        return t("sentence.no_meaningful_change", lang, label=label, move=movement,
                 bound=_num(bound, proportion, digits, lang), details=details)  # fmt: skip
    if category in ("improved", "worsened"):
        return t(f"sentence.{category}", lang, label=label, move=movement, details=details)
    return t("sentence.supporting", lang, label=label, move=movement, details=details)


def describe(
    results: pd.DataFrame, lang: str = "en", alpha: float = ALPHA, digits: int = 2
) -> pd.Series:
    """A sentence for every row of a result frame (see :func:`sentence`).

    Returns
    -------
    pandas.Series of str, aligned with ``results``.
    """
    if lang not in languages():
        raise ValueError(f"unsupported language {lang!r}; use one of {tuple(languages())}")
    columns = [col for col in _READ if col in results.columns] + [
        col for col in results.columns if col == f"label_{lang}"
    ]
    values = [results[col].tolist() for col in columns]
    texts = [
        sentence(dict(zip(columns, row, strict=True)), lang, alpha, digits=digits)
        for row in zip(*values, strict=True)
    ]
    return pd.Series(texts, index=results.index, dtype=object)


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))
