"""Printable impact report as one self-contained HTML file (inline CSS and SVG charts).

No scripts and no external resources: the file opens offline, prints cleanly (print CSS:
A4, no page break inside a table row or chart) and can be mailed as it is. Every piece
of text is HTML-escaped, since enterprise names and labels are user-entered.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from score_impact.i18n import language, t
from score_impact.reports.charts import GREY, legend_items
from score_impact.reports.content import Report, Section, Table, build_report
from score_impact.reports.impact import ImpactResult

CSS = """
body { font-family: "Noto Sans", "Droid Sans Fallback", "Microsoft YaHei", "PingFang SC",
  Arial, sans-serif; color: #1b2733; max-width: 60rem; margin: 2rem auto; line-height: 1.45; }
h1 { color: #1f5f8b; margin-bottom: 0.2rem; }
h2 { color: #1f5f8b; border-bottom: 2px solid #eef3f7; margin-top: 2rem; }
.subtitle { color: #555; margin: 0.1rem 0; }
.note { background: #fff6e0; border-left: 4px solid #f0a500; padding: 0.5rem 0.8rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; width: 100%; font-size: 0.9rem; }
th { background: #1f5f8b; color: #fff; text-align: left; padding: 0.3rem 0.5rem; }
td { border-bottom: 1px solid #dde3ea; padding: 0.25rem 0.5rem; }
td.suppressed { color: #777; font-style: italic; }
svg { max-width: 100%; }
.legend { font-size: 0.85rem; color: #333; }
.key { margin-right: 1rem; white-space: nowrap; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem;
  vertical-align: -0.1rem; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, svg, .note { break-inside: avoid; }
  .summary { break-after: page; }
}
"""


def _svg_dot_whisker(rows: pd.DataFrame, lang: str) -> str:
    """Change with 95% CI per construct; suppressed constructs are labelled, not drawn."""
    label_w, plot_w, row_h, top = 260, 380, 24, 24
    values = pd.concat([rows["ci_low"], rows["ci_high"], rows["change"]]).dropna()
    span = max(0.25, float(values.abs().max()) if len(values) else 0.25) * 1.1
    height = top + row_h * len(rows) + 10

    def x(v: float) -> float:
        return label_w + (v + span) / (2 * span) * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 20}" '
        f'height="{height}" role="img" aria-label="{escape(t("report.change_ci", lang))}">',
        f'<text x="{label_w}" y="14" font-size="11" fill="#555">'
        f"{escape(t('report.change_ci', lang))}</text>",
        f'<line x1="{x(0):.1f}" y1="{top - 4}" x2="{x(0):.1f}" y2="{height - 6}" '
        'stroke="#666" stroke-dasharray="3,3"/>',
    ]
    for i, r in enumerate(rows.itertuples(index=False)):
        y = top + i * row_h + row_h / 2
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
            f"{escape(str(r.label))}</text>"
        )
        if r.suppressed or pd.isna(r.change):
            parts.append(
                f'<text x="{x(0) + 6:.1f}" y="{y + 4:.1f}" font-size="11" font-style="italic" '
                f'fill="{GREY}">{escape(t("report.suppressed", lang))}</text>'
            )
            continue
        colour = r.colour
        if not pd.isna(r.ci_low):
            parts.append(
                f'<line x1="{x(r.ci_low):.1f}" y1="{y:.1f}" x2="{x(r.ci_high):.1f}" '
                f'y2="{y:.1f}" stroke="{colour}" stroke-width="2"/>'
            )
        parts.append(f'<circle cx="{x(r.change):.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_bars(rows: pd.DataFrame, lang: str) -> str:
    """Mean % change per KPI (green when in the direction of good)."""
    label_w, plot_w, row_h, top = 260, 380, 24, 24
    span = max(5.0, float(rows["pct_change"].abs().max() or 5.0)) * 1.1
    height = top + row_h * len(rows) + 10

    def x(v: float) -> float:
        return label_w + (v + span) / (2 * span) * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 20}" '
        f'height="{height}" role="img">',
        f'<text x="{label_w}" y="14" font-size="11" fill="#555">'
        f"{escape(t('report.pct_change', lang))}</text>",
    ]
    for i, r in enumerate(rows.itertuples(index=False)):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="12" text-anchor="end">'
            f"{escape(str(r.label))}</text>"
        )
        if pd.isna(r.pct_change):
            continue
        left, right = sorted((x(0), x(r.pct_change)))
        colour = r.colour
        parts.append(
            f'<rect x="{left:.1f}" y="{y + 4}" width="{max(right - left, 1):.1f}" '
            f'height="{row_h - 8}" fill="{colour}"/>'
            f'<text x="{right + 4:.1f}" y="{y + 16}" font-size="10">{r.pct_change:+.1f}%</text>'
        )
    parts.append(
        f'<line x1="{x(0):.1f}" y1="{top - 4}" x2="{x(0):.1f}" y2="{height - 6}" stroke="#666"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _legend(rows: pd.DataFrame, lang: str) -> str:
    """The categories drawn, each with its colour and its name as on the dashboard."""
    items = "".join(
        f'<span class="key"><span class="swatch" style="background:{colour}"></span>'
        f"{escape(name)}</span>"
        for name, colour in legend_items(rows, lang)
    )
    return f'<p class="legend">{items}</p>'


def _table(table: Table, lang: str) -> str:
    hidden = t("report.suppressed", lang)
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="suppressed">{escape(c)}</td>' if c == hidden else f"<td>{escape(c)}</td>"
            for c in row
        )
        + "</tr>"
        for row in table.rows
    )
    caption = f"<h3>{escape(table.caption)}</h3>" if table.caption else ""
    return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(section: Section, lang: str) -> str:
    out = [f"<h2>{escape(section.title)}</h2>"]
    if section.chart == "constructs" and section.chart_rows is not None:
        out.append(_svg_dot_whisker(section.chart_rows, lang))
        out.append(_legend(section.chart_rows, lang))
    elif section.chart == "kpis" and section.chart_rows is not None:
        out.append(_svg_bars(section.chart_rows, lang))
        out.append(_legend(section.chart_rows, lang))
    out.extend(f'<p class="note">{escape(n)}</p>' for n in section.notes)
    out.extend(f"<p>{escape(p)}</p>" for p in section.paragraphs)
    out.extend(_table(tb, lang) for tb in section.tables)
    body = "\n".join(out)
    return f'<section class="summary">{body}</section>' if section.page_break_after else body


def render_html(report: Report) -> str:
    """The report as a complete HTML document."""
    subtitle = "".join(f'<p class="subtitle">{escape(s)}</p>' for s in report.subtitle)
    body = "\n".join(_section(s, report.lang) for s in report.sections)
    html_lang = language(report.lang).speech
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{escape(report.title)}</h1>{subtitle}\n{body}</body></html>"
    )


def report_html(result: ImpactResult) -> bytes:
    """The impact result as a self-contained, printable HTML file (UTF-8 bytes)."""
    return render_html(build_report(result)).encode("utf-8")
