"""Plain-language sentences for results, in every interface language (``wording.*``,
``reason.*`` strings in ``score_impact/locales``).

Sentences never overclaim: a result that is not significant after correction reads "no
detectable change", never "no change" or "proved"; a suppressed or not estimable result
says so and why, with no number.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from analysis import _common as c
from score_impact.i18n import format_number, t

#: The fixed vocabulary of not-estimable reasons (``analysis._common``), by constant name;
#: each has an interface string ``reason.<name>`` in every language.
REASONS: dict[str, str] = {
    name.lower(): text
    for name, text in vars(c).items()
    if name.isupper() and isinstance(text, str) and text in c.REASONS
}
# Columns read by sentence(); describe() passes only these (fast on large frames).
_READ = ("label", "outcome_id", "suppressed", "not_estimable", "effect_size_name",
         "mean_before", "mean_after", "change", "ci_low", "ci_high", "design", "n_pairs",
         "n_before", "n_after", "p", "p_holm", "p_bh")  # fmt: skip


def translate_reason(reason: str, lang: str = "en") -> str:
    """The not-estimable reason in ``lang`` (fixed vocabulary, see ``analysis._common``)."""
    for name, master in REASONS.items():
        if "{k}" in master:
            pattern = "^" + re.escape(master).replace(re.escape("{k}"), r"(\d+)") + "$"
            found = re.match(pattern, reason)
            if found:
                return t(f"reason.{name}", lang, k=found.group(1))
        elif reason == master:
            return t(f"reason.{name}", lang)
    return reason


def format_p(p: float, lang: str = "en", method: str | None = "holm") -> str:
    """``p<0.001`` / ``p=0.012`` with the correction named (APA-style three decimals)."""
    after = t("wording.after", lang, method=t(f"wording.method.{method}", lang)) if method else ""
    if p < 0.001:
        return t("wording.p", lang, op="<", p="0.001", after=after)
    return t("wording.p", lang, op="=", p=f"{p:.3f}", after=after)


def _num(x: float, proportion: bool, digits: int, lang: str = "en") -> str:
    """A mean in the locale's format ("3.10", "3,10"); a share as a whole percentage."""
    if proportion:
        return f"{format_number(round(100 * x), lang, 0)}%"
    return format_number(x, lang, digits)


def _signed(x: float, proportion: bool, digits: int, lang: str) -> str:
    sign = "+" if x >= 0 else "-"
    if proportion:
        return f"{sign}{format_number(round(abs(100 * x)), lang, 0)}{t('wording.points', lang)}"
    return sign + format_number(abs(x), lang, digits)


def sentence(
    row: dict,
    lang: str = "en",
    alpha: float = 0.05,
    correction: str = "holm",
    confidence: float = 0.95,
    digits: int = 2,
) -> str:
    """One plain-language sentence for one result row.

    Parameters
    ----------
    row : mapping
        A row of :func:`analysis.compare_phases` or :func:`analysis.kpi_tests` output.
    lang : str
        Interface language code (a language without a string falls back to English).
    alpha : float
        Significance level applied to the corrected p-value.
    correction : {"holm", "bh"}
        Which adjusted p-value decides and is quoted.
    confidence : float
        Level quoted for the interval.
    digits : int
        Decimals for means and changes (proportions are shown as whole percentages).

    Returns
    -------
    str
        E.g. "Voice rose from 3.10 to 3.60 (+0.50, 95% CI 0.30 to 0.70, paired n=212,
        p<0.001 after Holm)."
    """
    label = row.get(f"label_{lang}")
    if not isinstance(label, str) or not label:
        label = str(row.get("label") or row.get("outcome_id"))
    reason = row.get("not_estimable")
    if row.get("suppressed") or isinstance(reason, str):
        key = "wording.suppressed" if row.get("suppressed") else "wording.not_estimable"
        return t(key, lang, label=label, reason=translate_reason(str(reason), lang))
    proportion = row.get("effect_size_name") == "difference in proportions"
    b = _num(row["mean_before"], proportion, digits, lang)
    a = _num(row["mean_after"], proportion, digits, lang)
    parts = [_signed(row["change"], proportion, digits, lang)]
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if not (_missing(lo) or _missing(hi)):
        parts.append(
            t(
                "wording.ci",
                lang,
                level=f"{100 * confidence:g}",
                lo=_num(lo, False, digits, lang) if not proportion else f"{100 * lo:.0f}",
                hi=_num(hi, False, digits, lang) if not proportion else f"{100 * hi:.0f}",
            )
        )
    if row.get("design") == "paired":
        parts.append(t("wording.paired_n", lang, n=int(row["n_pairs"])))
    else:
        parts.append(t("wording.indep_n", lang, n1=int(row["n_before"]), n2=int(row["n_after"])))
    p_adj = row.get(f"p_{correction}")
    if _missing(p_adj):
        p_adj, method = row["p"], None
    else:
        method = correction
    parts.append(format_p(p_adj, lang, method))
    details = t("wording.sep", lang).join(parts)
    if not p_adj < alpha or row["change"] == 0:
        key = "flat"
    else:
        key = "up" if row["change"] > 0 else "down"
    return t(f"wording.{key}", lang, label=label, b=b, a=a, details=details)


def describe(
    results: pd.DataFrame,
    lang: str = "en",
    alpha: float = 0.05,
    correction: str = "holm",
    digits: int = 2,
) -> pd.Series:
    """A sentence for every row of a result frame (see :func:`sentence`).

    Returns
    -------
    pandas.Series of str, aligned with ``results``.
    """
    columns = [col for col in _READ if col in results.columns] + [
        col for col in results.columns if col == f"label_{lang}"
    ]
    values = [results[col].tolist() for col in columns]
    texts = [
        sentence(dict(zip(columns, row, strict=True)), lang, alpha, correction, digits=digits)
        for row in zip(*values, strict=True)
    ]
    return pd.Series(texts, index=results.index, dtype=object)


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))
