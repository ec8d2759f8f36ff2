"""Chart data and Altair specs for the impact views; no Streamlit.

Each chart has a pure "rows" function (what to draw, with suppressed groups kept as
rows flagged ``suppressed`` and no number), used by the Altair spec for the app and by
the SVG / fpdf2 drawings of the printable reports, so all three show the same thing.
"""

from __future__ import annotations

import re
import unicodedata

import altair as alt
import numpy as np
import pandas as pd

from score_impact.i18n import t

GOOD, BAD, NEUTRAL, GREY = "#2e7d32", "#c62828", "#1f5f8b", "#9e9e9e"
CLOSING = set("，。、；：？！）」』】》,.;:?!)")
LINE_WIDTH = 44  # label width before wrapping, in Latin letters (a CJK character counts 2)
# Axis labels are split at "\n" into lines (wrap_label), never cut short.
WRAPPED = {"labelLimit": 0, "labelExpr": "split(datum.label, '\\n')"}
LIGHT = "#d0d0d0"
#: The one colour per decision-rule category, used by the app, the HTML and the PDF.
CATEGORY_COLOURS: dict[str, str] = {
    "improved": GOOD,
    "worsened": BAD,
    "no_meaningful_change": NEUTRAL,
    "inconclusive": GREY,
    "not_estimable": LIGHT,
}


def category_colour(category: object) -> str:
    """Colour of a category (not estimable for a missing one)."""
    return CATEGORY_COLOURS.get(str(category), LIGHT)


def legend_items(rows: pd.DataFrame, lang: str) -> list[tuple[str, str]]:
    """(category name in ``lang``, colour) of the categories a chart's rows show, in the
    dashboard legend's order: the printable charts' legend."""
    shown = set(rows["category"]) if "category" in rows else set()
    return [(t(f"category.{c}", lang), colour) for c, colour in CATEGORY_COLOURS.items()
            if c in shown]  # fmt: skip


#: Diverging palette for a 5-point agreement scale, disagree (red) to agree (blue).
LIKERT_COLORS = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]


def change_rows(
    constructs: pd.DataFrame, grouping: str = "overall", group: str = "all"
) -> pd.DataFrame:
    """Headline change with its CI per construct: one row per (audience, construct).

    Columns: outcome_id, label, audience, mean_before, mean_after, change, ci_low, ci_high,
    category (the decision rule's), basis, colour, suppressed, sentence. Suppressed rows
    carry no number at all.
    """
    cols = [
        "outcome_id",
        "label",
        "audience",
        "mean_before",
        "mean_after",
        "change",
        "ci_low",
        "ci_high",
        "category",
        "basis",
        "colour",
        "suppressed",
        "sentence",
    ]
    if constructs.empty:
        return pd.DataFrame(columns=cols)
    rows = constructs[
        constructs["primary"].astype(bool)
        & (constructs["grouping"] == grouping)
        & (constructs["group"] == group)
    ].copy()
    if "audience" not in rows:
        rows["audience"] = "worker"
    rows["category"] = rows["category"].fillna("not_estimable")
    rows["colour"] = rows["category"].map(category_colour)
    rows["suppressed"] = rows["suppressed"].astype(bool)
    numbers = ["mean_before", "mean_after", "change", "ci_low", "ci_high"]
    rows[numbers] = rows[numbers].astype(float)
    rows.loc[rows["suppressed"], numbers] = np.nan
    return rows[cols].reset_index(drop=True)


def likert_rows(distributions: pd.DataFrame) -> pd.DataFrame:
    """Diverging stacked-bar geometry: start/end of each scale point's segment.

    Disagreement (points below the middle) extends left of zero, agreement right, the
    neutral point straddles zero. Suppressed item/phase rows keep one row with
    ``suppressed`` True and no share.
    """
    cols = ["item_id", "label", "phase", "point", "share", "start", "end", "suppressed"]
    if distributions.empty:
        return pd.DataFrame(columns=cols)
    data = distributions.copy()
    data["share"] = data["share"].astype(float)
    out = []
    for _, part in data.groupby(["item_id", "phase"], sort=False):
        part = part.sort_values("point")
        if part["suppressed"].any():
            row = part.iloc[[0]].assign(share=np.nan, start=np.nan, end=np.nan)
            out.append(row)
            continue
        points = part["point"].to_numpy()
        share = part["share"].fillna(0).to_numpy()
        middle = (points.min() + points.max()) / 2
        below = share[points < middle].sum() + share[points == middle].sum() / 2
        start = -below + np.concatenate([[0], np.cumsum(share)[:-1]])
        out.append(part.assign(start=start, end=start + share))
    return pd.concat(out, ignore_index=True)[cols]


def response_rows(counts: pd.DataFrame) -> pd.DataFrame:
    """Response counts against expected headcount, ready to draw."""
    if counts.empty:
        return counts.assign(label=pd.Series(dtype=str))
    out = counts.copy()
    out["label"] = out["enterprise"].astype(str)
    return out


def kpi_rows(kpi_tests: pd.DataFrame) -> pd.DataFrame:
    """Overall headline KPI rows: outcome_id, label, pct_change, category, basis, colour,
    sentence, stakeholder. A % change that cannot be computed (zero baseline) is NaN and
    drawn as no bar."""
    cols = ["outcome_id", "label", "pct_change", "category", "basis", "colour", "sentence",
            "stakeholder"]  # fmt: skip
    if kpi_tests.empty:
        return pd.DataFrame(columns=cols)
    rows = kpi_tests[kpi_tests["primary"].astype(bool) & (kpi_tests["grouping"] == "overall")]
    category = rows["category"].fillna("not_estimable")
    pct = rows["pct_change"].astype(float)
    rows = rows.assign(
        category=category,
        colour=category.map(category_colour),
        pct_change=pct.where(np.isfinite(pct)),
    )
    return rows[cols].reset_index(drop=True)


def wrap_label(text: str, width: int = LINE_WIDTH) -> str:
    """``text`` broken into lines of at most ``width`` columns (a wide East Asian character
    is two columns), at spaces where there are spaces and between characters where the
    script has none; lines joined by "\n" for the chart axis (WRAPPED)."""
    tokens = re.findall(r"[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]|[^\s\u2e80-\u9fff"
                        r"\uac00-\ud7af\uff00-\uffef]+\s*|\s+", str(text))  # fmt: skip
    lines, line = [], ""
    for token in tokens:
        closing = token in CLOSING  # never starts a line (Chinese line-breaking rule)
        if line.strip() and not closing and _columns(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    lines.append(line.rstrip())
    return "\n".join(x for x in lines if x)


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _step(labels: pd.Series, per_line: int = 15) -> alt.Step:
    """Row height that fits the longest wrapped label."""
    lines = max((str(x).count("\n") + 1 for x in labels), default=1)
    return alt.Step(max(22, per_line * lines + 8))


def _category_scale(lang: str) -> tuple[list[str], alt.Scale]:
    """Legend labels and colours of the five categories, in the interface language."""
    names = [t(f"category.{c}", lang) for c in CATEGORY_COLOURS]
    return names, alt.Scale(domain=names, range=list(CATEGORY_COLOURS.values()))


# ----- Altair specs (the app) --------------------------------------------------------------


CONSTRUCT_TIPS = ("label", "mean_before", "mean_after", "change", "ci_low", "ci_high", "verdict",
                  "sentence")  # fmt: skip


def construct_chart(rows: pd.DataFrame, lang: str = "en") -> alt.LayerChart:
    """Dot-and-whisker: change after - before with 95% CI per construct, coloured by the
    decision rule's category; suppressed rows as text."""
    _, scale = _category_scale(lang)
    data = rows.assign(
        verdict=rows["category"].map(lambda c: t(f"category.{c}", lang)),
        note=np.where(rows["suppressed"], t("report.suppressed", lang), ""),
        zero=0.0,
        label=rows["label"].map(wrap_label),
    )
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(**WRAPPED))
    base = alt.Chart(data)
    shown = base.transform_filter("!datum.suppressed")
    whisker = shown.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=t("report.change_ci", lang)), x2="ci_high:Q", y=y
    )
    dots = shown.mark_circle(size=90, opacity=1).encode(
        x="change:Q",
        y=y,
        color=alt.Color("verdict:N", scale=scale, title=None),
        tooltip=_tooltips(lang, *CONSTRUCT_TIPS),
    )
    hidden = (
        base.transform_filter("datum.suppressed")
        .mark_text(align="left", color=GREY, fontStyle="italic")
        .encode(x="zero:Q", y=y, text="note:N")
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#666").encode(x="x:Q")
    return alt.layer(zero, whisker, dots, hidden).properties(height=_step(data["label"]))


def likert_chart(rows: pd.DataFrame, lang: str = "en") -> alt.LayerChart:
    """Diverging stacked bars per item and phase (share of answers per scale point)."""
    phase = rows["phase"].map(lambda p: t(f"phase.{p}", lang))
    data = rows.assign(
        note=t("report.suppressed", lang),
        zero=0.0,
        row=rows["label"].map(wrap_label) + "\n(" + phase + ")",  # which bar is which phase
        phase=phase,
    )
    y = alt.Y("row:N", title=None, sort=None, axis=alt.Axis(**WRAPPED))
    bars = (
        alt.Chart(data)
        .transform_filter("!datum.suppressed")
        .mark_bar()
        .encode(
            x=alt.X("start:Q", title=t("report.share", lang), axis=alt.Axis(format="%")),
            x2="end:Q",
            y=y,
            color=alt.Color(
                "point:O",
                scale=alt.Scale(domain=[1, 2, 3, 4, 5], range=LIKERT_COLORS),
                title=t("report.point", lang),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=t("report.col.question", lang)),
                alt.Tooltip("phase:N", title=t("report.col.phase", lang)),
                alt.Tooltip("point:O", title=t("report.point", lang)),
                alt.Tooltip("share:Q", title=t("report.share", lang), format=".0%"),
            ],
        )
    )
    hidden = (
        alt.Chart(data)
        .transform_filter("datum.suppressed")
        .mark_text(align="left", color=GREY, fontStyle="italic")
        .encode(x="zero:Q", y=y, text="note:N")
    )
    return alt.layer(bars, hidden).properties(height=_step(data["row"]))


def response_chart(rows: pd.DataFrame, lang: str = "en") -> alt.LayerChart:
    """Responses per factory and phase, with a tick at the expected headcount."""
    data = rows.assign(
        note=t("report.suppressed", lang),
        zero=0.0,
        label=rows["label"].map(wrap_label),
        phase=rows["phase"].map(lambda p: t(f"phase.{p}", lang)),
    )
    y = alt.Y("label:N", title=None, axis=alt.Axis(**WRAPPED))
    y_offset = alt.YOffset("phase:N")
    bars = (
        alt.Chart(data)
        .transform_filter("!datum.suppressed")
        .mark_bar()
        .encode(
            x=alt.X("responses:Q", title=t("report.responses", lang)),
            y=y,
            yOffset=y_offset,
            color=alt.Color("phase:N", title=None),
            tooltip=_tooltips(lang, "enterprise", "phase", "responses", "expected"),
        )
    )
    expected = alt.Chart(data).mark_tick(color="#333", thickness=2).encode(x="expected:Q", y=y)
    hidden = (
        alt.Chart(data)
        .transform_filter("datum.suppressed")
        .mark_text(align="left", color=GREY, fontStyle="italic")
        .encode(x="zero:Q", y=y, yOffset=y_offset, text="note:N")
    )
    return alt.layer(bars, expected, hidden)


def kpi_chart(rows: pd.DataFrame, lang: str = "en") -> alt.Chart:
    """Mean % change per KPI across factories, coloured by the decision rule's category
    (the same colours as the construct chart)."""
    _, scale = _category_scale(lang)
    data = rows.assign(
        verdict=rows["category"].map(lambda c: t(f"category.{c}", lang)),
        label=rows["label"].map(wrap_label),
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("pct_change:Q", title=t("report.pct_change", lang)),
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(**WRAPPED)),
            color=alt.Color("verdict:N", scale=scale, title=None),
            tooltip=[
                alt.Tooltip("label:N", title=t("report.col.construct", lang)),
                alt.Tooltip("pct_change:Q", title=t("report.pct_change", lang), format=".1f"),
                alt.Tooltip("verdict:N", title=t("report.col.category", lang)),
                alt.Tooltip("sentence:N", title=t("report.col.finding", lang)),
            ],
        )
        .properties(height=_step(data["label"]))
    )


# Tooltip fields of the charts: the interface-string key of each field's title.
TOOLTIP_TITLES = {
    "label": "report.col.construct", "mean_before": "report.col.before",
    "mean_after": "report.col.after", "change": "report.col.change",
    "ci_low": "report.col.ci_low", "ci_high": "report.col.ci_high",
    "enterprise": "report.col.factory", "phase": "report.col.phase",
    "responses": "report.responses", "expected": "report.col.expected",
    "verdict": "report.col.category", "sentence": "report.col.finding",
}  # fmt: skip


def _tooltips(lang: str, *fields: str) -> list[alt.Tooltip]:
    """Tooltip fields titled in ``lang``; numbers with two decimals."""
    numbers = {"mean_before", "mean_after", "change", "ci_low", "ci_high"}
    return [
        alt.Tooltip(f, title=t(TOOLTIP_TITLES[f], lang), format=".2f")
        if f in numbers
        else alt.Tooltip(f, title=t(TOOLTIP_TITLES[f], lang))
        for f in fields
    ]
