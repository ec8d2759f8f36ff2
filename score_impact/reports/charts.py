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
#: Diverging palette for a 5-point agreement scale, disagree (red) to agree (blue).
LIKERT_COLORS = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]


def change_rows(
    constructs: pd.DataFrame, grouping: str = "overall", group: str = "all"
) -> pd.DataFrame:
    """Headline change with its CI per construct: one row per (audience, construct).

    Columns: label, audience, mean_before, mean_after, change, ci_low, ci_high,
    significant (Holm p < 0.05), improved, suppressed, sentence. Suppressed rows carry no
    number at all.
    """
    cols = [
        "label",
        "audience",
        "mean_before",
        "mean_after",
        "change",
        "ci_low",
        "ci_high",
        "significant",
        "improved",
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
    rows["significant"] = rows["p_holm"].astype(float) < 0.05
    rows["improved"] = rows["improved"].astype("boolean").fillna(False).astype(bool)
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
    """Overall headline KPI rows: label, pct_change, improved, significant."""
    cols = ["label", "pct_change", "improved", "significant", "sentence", "stakeholder"]
    if kpi_tests.empty:
        return pd.DataFrame(columns=cols)
    rows = kpi_tests[kpi_tests["primary"].astype(bool) & (kpi_tests["grouping"] == "overall")]
    rows = rows.assign(
        significant=rows["p_holm"].astype(float) < 0.05,
        improved=rows["improved"].astype("boolean").fillna(False).astype(bool),
        pct_change=rows["pct_change"].astype(float),
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


# ----- Altair specs (the app) --------------------------------------------------------------


def construct_chart(rows: pd.DataFrame, lang: str = "en") -> alt.LayerChart:
    """Dot-and-whisker: change after - before with 95% CI per construct; suppressed text."""
    improved, worsened, unchanged = (
        t(f"report.verdict.{v}", lang) for v in ("improved", "worsened", "no_change")
    )
    data = rows.assign(
        colour=np.where(
            rows["significant"] & rows["improved"],
            improved,
            np.where(rows["significant"], worsened, unchanged),
        ),
        note=np.where(rows["suppressed"], t("report.suppressed", lang), ""),
        zero=0.0,
        label=rows["label"].map(wrap_label),
    )
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(**WRAPPED))
    scale = alt.Scale(domain=[improved, worsened, unchanged], range=[GOOD, BAD, GREY])
    base = alt.Chart(data)
    shown = base.transform_filter("!datum.suppressed")
    whisker = shown.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=t("report.change_ci", lang)), x2="ci_high:Q", y=y
    )
    dots = shown.mark_circle(size=90, opacity=1).encode(
        x="change:Q",
        y=y,
        color=alt.Color("colour:N", scale=scale, title=None),
        tooltip=_tooltips(
            lang, "label", "mean_before", "mean_after", "change", "ci_low", "ci_high"
        ),  # fmt: skip
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
    """Mean % change per KPI across factories, coloured by direction of good."""
    improved, other = t("report.verdict.improved", lang), t("report.verdict.not_improved", lang)
    data = rows.assign(
        colour=np.where(rows["improved"], improved, other),
        label=rows["label"].map(wrap_label),
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("pct_change:Q", title=t("report.pct_change", lang)),
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(**WRAPPED)),
            color=alt.Color(
                "colour:N",
                scale=alt.Scale(domain=[improved, other], range=[GOOD, GREY]),
                title=None,
            ),
            tooltip=[
                alt.Tooltip("label:N", title=t("report.col.construct", lang)),
                alt.Tooltip("pct_change:Q", title=t("report.pct_change", lang), format=".1f"),
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
