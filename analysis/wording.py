"""Plain-language sentences for results, in English and Simplified Chinese.

Sentences never overclaim: a result that is not significant after correction reads "no
detectable change", never "no change" or "proved"; a suppressed or not estimable result
says so and why, with no number.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from analysis import _common as c

LANGUAGES = ("en", "zh")

REASONS_ZH: dict[str, str] = {
    c.NO_BASELINE: "基线阶段没有回答",
    c.NO_FOLLOW_UP: "跟踪阶段没有回答",
    c.FEW_BEFORE: "基线阶段回答少于2份",
    c.FEW_AFTER: "跟踪阶段回答少于2份",
    c.NO_PAIRS: "没有配对的回答者",
    c.FEW_PAIRS: "配对回答者少于2人",
    c.ZERO_VARIANCE_CHANGE: "所有配对变化都相同（方差为零）",
    c.ZERO_VARIANCE: "回答没有差异（方差为零）",
    c.ALL_ZERO_DIFF: "配对回答者均无变化（差值全为零）",
    c.ALL_TIED: "所有回答都相同（全部并列）",
    c.NO_DISCORDANT: "配对回答者均未改变答案（无不一致配对）",
    c.ALL_SAME_BINARY: "两个阶段的所有回答都相同",
    c.ZERO_BASELINE: "基线值为零，无法计算百分比变化",
    c.FEW_ITEMS: "题目少于2个",
    c.FEW_COMPLETE: "完整回答少于2份",
    c.FEW_CLUSTERS: "培训组或对照组的企业少于2家",
    c.NO_CONTRAST: "无法估计培训组×跟踪期的对比",
    c.FEW_ENTERPRISES: "同时有两期数值的企业少于{k}家",
    c.SUPPRESSED: "已隐藏：回答者少于{k}人",
}

_TEMPLATES = {
    "en": {
        "up": "{label} rose from {b} to {a} ({details}).",
        "down": "{label} fell from {b} to {a} ({details}).",
        "flat": "{label}: no detectable change ({b} to {a}, {details}).",
        "suppressed": "{label}: not shown ({reason}).",
        "not_estimable": "{label}: not estimable ({reason}).",
        "ci": "{level}% CI {lo} to {hi}",
        "paired_n": "paired n={n}",
        "indep_n": "n={n1} before, {n2} after",
        "p": "p{op}{p}{after}",
        "after": " after {method}",
        "points": " points",
        "sep": ", ",
    },
    "zh": {
        "up": "{label}从{b}上升到{a}（{details}）。",
        "down": "{label}从{b}下降到{a}（{details}）。",
        "flat": "{label}：未检测到变化（{b}到{a}，{details}）。",
        "suppressed": "{label}：不显示（{reason}）。",
        "not_estimable": "{label}：无法估计（{reason}）。",
        "ci": "{level}%置信区间{lo}至{hi}",
        "paired_n": "配对n={n}",
        "indep_n": "前n={n1}，后n={n2}",
        "p": "{after}p{op}{p}",
        "after": "{method}校正后",
        "points": "个百分点",
        "sep": "，",
    },
}
# Columns read by sentence(); describe() passes only these (fast on large frames).
_READ = ("label", "outcome_id", "suppressed", "not_estimable", "effect_size_name",
         "mean_before", "mean_after", "change", "ci_low", "ci_high", "design", "n_pairs",
         "n_before", "n_after", "p", "p_holm", "p_bh")  # fmt: skip
_METHOD = {"en": {"holm": "Holm", "bh": "Benjamini-Hochberg"}, "zh": {"holm": "Holm", "bh": "BH"}}


def translate_reason(reason: str, lang: str = "en") -> str:
    """The not-estimable reason in ``lang`` (fixed vocabulary, see ``analysis._common``)."""
    if lang == "en":
        return reason
    for master, text in REASONS_ZH.items():
        if "{k}" in master:
            pattern = "^" + re.escape(master).replace(re.escape("{k}"), r"(\d+)") + "$"
            found = re.match(pattern, reason)
            if found:
                return text.format(k=found.group(1))
        elif reason == master:
            return text
    return reason


def format_p(p: float, lang: str = "en", method: str | None = "holm") -> str:
    """``p<0.001`` / ``p=0.012`` with the correction named (APA-style three decimals)."""
    t = _TEMPLATES[lang]
    after = t["after"].format(method=_METHOD[lang][method]) if method else ""
    if p < 0.001:
        return t["p"].format(op="<", p="0.001", after=after)
    return t["p"].format(op="=", p=f"{p:.3f}", after=after)


def _num(x: float, proportion: bool, digits: int) -> str:
    if proportion:
        return f"{100 * x:.0f}%"
    return f"{x:.{digits}f}"


def _signed(x: float, proportion: bool, digits: int, lang: str) -> str:
    if proportion:
        return f"{100 * x:+.0f}{_TEMPLATES[lang]['points']}"
    return f"{x:+.{digits}f}"


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
    lang : {"en", "zh"}
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
    t = _TEMPLATES[lang]
    label = row.get(f"label_{lang}")
    if not isinstance(label, str) or not label:
        label = str(row.get("label") or row.get("outcome_id"))
    reason = row.get("not_estimable")
    if row.get("suppressed"):
        return t["suppressed"].format(label=label, reason=translate_reason(str(reason), lang))
    if isinstance(reason, str):
        return t["not_estimable"].format(label=label, reason=translate_reason(reason, lang))
    proportion = row.get("effect_size_name") == "difference in proportions"
    b = _num(row["mean_before"], proportion, digits)
    a = _num(row["mean_after"], proportion, digits)
    parts = [_signed(row["change"], proportion, digits, lang)]
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if not (_missing(lo) or _missing(hi)):
        parts.append(
            t["ci"].format(
                level=f"{100 * confidence:g}",
                lo=_num(lo, False, digits) if not proportion else f"{100 * lo:.0f}",
                hi=_num(hi, False, digits) if not proportion else f"{100 * hi:.0f}",
            )
        )
    if row.get("design") == "paired":
        parts.append(t["paired_n"].format(n=int(row["n_pairs"])))
    else:
        parts.append(t["indep_n"].format(n1=int(row["n_before"]), n2=int(row["n_after"])))
    p_adj = row.get(f"p_{correction}")
    if _missing(p_adj):
        p_adj, method = row["p"], None
    else:
        method = correction
    parts.append(format_p(p_adj, lang, method))
    details = t["sep"].join(parts)
    if not p_adj < alpha or row["change"] == 0:
        key = "flat"
    else:
        key = "up" if row["change"] > 0 else "down"
    return t[key].format(label=label, b=b, a=a, details=details)


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
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
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
