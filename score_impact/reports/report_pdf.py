"""Printable impact report as PDF (fpdf2), charts drawn with fpdf2 primitives.

Fonts: PDF viewers cannot be relied on to hold the glyphs, so TrueType fonts are embedded
(subset), chosen by the report language's script (``score_impact.fonts``): a Unicode body
font (DejaVu Sans, Debian ``fonts-dejavu-core``; it covers Vietnamese) and the script's
font as fpdf2 fallback for every glyph the body font lacks (Chinese: ``SCORE_CJK_FONT`` or
Debian ``fonts-droid-fallback``, which has no Latin letters). A report in a script that
needs its font raises :class:`CjkFontMissing` with that advice when it is missing. A
Latin-script report embeds the Chinese fallback when present (names may be Chinese);
without any TrueType font it falls back to core Helvetica (Latin-1 only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode

from score_impact.fonts import BODY_SCRIPTS, CjkFontMissing, body_font, fallback_font
from score_impact.i18n import language, t
from score_impact.reports.charts import GREY, legend_items
from score_impact.reports.content import Report, Section, Table, build_report
from score_impact.reports.impact import ImpactResult

FONT_NAME, CJK_NAME = "report", "report-cjk"
BLUE = (31, 95, 139)

__all__ = ["CjkFontMissing", "ReportFonts", "build_pdf", "render_pdf", "report_fonts", "report_pdf"]


@dataclass(frozen=True)
class ReportFonts:
    """The TrueType files to embed: Latin text font and CJK fallback (either may be None)."""

    latin: Path | None
    cjk: Path | None


def report_fonts(lang: str) -> ReportFonts:
    """Fonts for a report in ``lang`` (chosen by its script, see :mod:`score_impact.fonts`);
    raises :class:`CjkFontMissing` when the script's font or, for a script other than
    Latin, the body font with Latin letters and digits is missing."""
    body = body_font()
    fallback = fallback_font(lang)  # raises when the language's script needs a font
    if body is None and language(lang).script not in BODY_SCRIPTS:
        raise CjkFontMissing(
            f"A {language(lang).english_name} PDF also needs a TrueType font with Latin "
            "letters and digits: install one (Debian/Ubuntu: apt-get install fonts-dejavu-core)"
        )
    return ReportFonts(body[0] if body else None, fallback)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class _Pdf(FPDF):
    def __init__(self, fonts: ReportFonts, lang: str):
        super().__init__(format="A4")
        self.report_lang = lang  # not ``lang``: FPDF.set_lang() stores the PDF's own tag there
        self.unicode = fonts.latin is not None
        self.family = "helvetica"
        if fonts.latin is not None:
            self.add_font(FONT_NAME, fname=str(fonts.latin))
            self.family = FONT_NAME
            if fonts.cjk is not None:
                self.add_font(CJK_NAME, fname=str(fonts.cjk))
                self.set_fallback_fonts([CJK_NAME], exact_match=False)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def text_of(self, text: str) -> str:
        if self.unicode:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def style(self, size: float, colour: tuple[int, int, int] = (27, 39, 51)) -> None:
        self.set_font(self.family, size=size)
        # After a run of fallback (Chinese) glyphs fpdf2 2.8 believes the body font is
        # still set on the page and skips it, so the next Latin run (digits) came out in
        # an older size (seen: chart values in the 13 pt of the section title). Setting it
        # again costs a few bytes and keeps every run at the size asked for.
        self.current_font_is_set_on_page = False
        self.set_text_color(*colour)

    def para(self, text: str, size: float = 10, colour=(27, 39, 51), height: float = 5) -> None:
        self.style(size, colour)
        if self.unicode:
            # fpdf2 2.8 skips the page-level font when a paragraph starts with a fallback
            # (Chinese) glyph; a wrapped line of Latin text then inherits an older size
            # (seen: the factory list in the title's 18 pt). A blank cell pins the font.
            x = self.get_x()
            self.cell(0.01, 0, " ")
            self.set_x(x)
        self.multi_cell(0, height, self.text_of(text), new_x="LMARGIN", new_y="NEXT", align="L")

    def footer(self) -> None:
        self.set_y(-12)
        self.style(8, (120, 120, 120))
        self.cell(0, 6, f"{self.page_no()}", align="C")


def _put(pdf: _Pdf, x: float, y: float, text: str, align: str = "L", w: float = 0) -> None:
    """Text with its baseline near ``y``, through cell() so CJK fallback fonts apply
    (fpdf2's text() does not use fallback fonts)."""
    height = 4.0
    width = w or pdf.get_string_width(text) + 1
    pdf.set_xy(x - width if align == "R" else x, y - height * 0.75)
    pdf.cell(width, height, text, align=align)


def _ensure_room(pdf: _Pdf, height: float) -> None:
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()


def _dot_whisker(pdf: _Pdf, rows: pd.DataFrame) -> None:
    """Change with 95% CI per construct, drawn with lines and circles."""
    label_w, plot_w, row_h = 70.0, 100.0, 6.0
    values = pd.concat([rows["ci_low"], rows["ci_high"], rows["change"]]).dropna()
    span = max(0.25, float(values.abs().max()) if len(values) else 0.25) * 1.1
    _ensure_room(pdf, row_h * len(rows) + 12)
    x0, y0 = pdf.l_margin, pdf.get_y() + 6
    pdf.style(8, (90, 90, 90))
    _put(pdf, x0 + label_w, y0 - 2, pdf.text_of(t("report.change_ci", pdf.report_lang)))

    def x(v: float) -> float:
        return x0 + label_w + (v + span) / (2 * span) * plot_w

    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.line(x(0), y0, x(0), y0 + row_h * len(rows))
    pdf.set_dash_pattern()
    pdf.style(7, (90, 90, 90))
    for tick in (-span / 1.1, span / 1.1):
        _put(pdf, x(tick) - 3, y0 + row_h * len(rows) + 4, f"{tick:+.2f}")
    for i, r in enumerate(rows.itertuples(index=False)):
        y = y0 + i * row_h + row_h / 2
        pdf.style(8)
        label = pdf.text_of(str(r.label))
        while pdf.get_string_width(label) > label_w - 3 and len(label) > 4:
            label = label[:-2]
        _put(pdf, x0 + label_w - 2, y + 1.2, label, align="R", w=label_w - 2)
        if r.suppressed or pd.isna(r.change):
            pdf.style(8, _rgb(GREY))
            _put(pdf, x(0) + 2, y + 1.2, pdf.text_of(t("report.suppressed", pdf.report_lang)))
            continue
        colour = _rgb(r.colour)
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        pdf.set_line_width(0.6)
        if not pd.isna(r.ci_low):
            pdf.line(x(r.ci_low), y, x(r.ci_high), y)
        pdf.circle(x=x(r.change), y=y, radius=1.3, style="F")
    pdf.set_line_width(0.2)
    pdf.set_y(y0 + row_h * len(rows) + 7)


def _bars(pdf: _Pdf, rows: pd.DataFrame) -> None:
    """Mean % change per KPI as horizontal bars around zero."""
    label_w, plot_w, row_h = 70.0, 100.0, 6.0
    span = max(5.0, float(rows["pct_change"].abs().max() or 5.0)) * 1.25
    _ensure_room(pdf, row_h * len(rows) + 12)
    x0, y0 = pdf.l_margin, pdf.get_y() + 6
    pdf.style(8, (90, 90, 90))
    _put(pdf, x0 + label_w, y0 - 2, pdf.text_of(t("report.pct_change", pdf.report_lang)))

    def x(v: float) -> float:
        return x0 + label_w + (v + span) / (2 * span) * plot_w

    for i, r in enumerate(rows.itertuples(index=False)):
        y = y0 + i * row_h
        pdf.style(8)
        label = pdf.text_of(str(r.label))
        while pdf.get_string_width(label) > label_w - 3 and len(label) > 4:
            label = label[:-2]
        _put(pdf, x0 + label_w - 2, y + row_h / 2 + 1.2, label, align="R", w=label_w - 2)
        if pd.isna(r.pct_change):
            continue
        left, right = sorted((x(0), x(r.pct_change)))
        pdf.set_fill_color(*_rgb(r.colour))
        pdf.rect(left, y + 1, max(right - left, 0.3), row_h - 2, style="F")
        pdf.style(8)  # the row's label size: one type size per line
        _put(pdf, right + 1, y + row_h / 2 + 1.2, f"{r.pct_change:+.1f}%")
    pdf.set_draw_color(100, 100, 100)
    pdf.line(x(0), y0, x(0), y0 + row_h * len(rows))
    pdf.set_y(y0 + row_h * len(rows) + 4)


TABLE_PT = 8  # one type size for every cell of every table (headings included)


def _widths(pdf: _Pdf, table: Table) -> list[float]:
    """Column widths (relative) from the longest text of each column, between 14 and
    70 mm, so numbers get narrow columns and names and sentences wide ones."""
    pdf.style(TABLE_PT)
    return [
        min(max(max(pdf.get_string_width(pdf.text_of(v)) for v in column) + 3, 14), 70)
        for column in zip(table.headers, *table.rows, strict=True)
    ]


def _table(pdf: _Pdf, table: Table) -> None:
    """A table with fpdf2's table layout: long names and sentences wrap inside their cell
    (never cut short), one type size for the whole table, headings repeated after a page
    break; suppressed cells in grey."""
    if table.caption:
        _ensure_room(pdf, 16)
        pdf.para(table.caption, size=10, colour=BLUE)
    _ensure_room(pdf, 14)
    hidden = t("report.suppressed", pdf.report_lang)
    latin = language(pdf.report_lang).script in BODY_SCRIPTS
    pdf.style(TABLE_PT)
    heading = FontFace(emphasis="", size_pt=TABLE_PT, color=(255, 255, 255), fill_color=BLUE)
    white = (255, 255, 255)  # not the fill colour a chart left behind
    grey = FontFace(size_pt=TABLE_PT, color=_rgb(GREY), fill_color=white)
    plain = FontFace(size_pt=TABLE_PT, color=(27, 39, 51), fill_color=white)
    with pdf.table(
        col_widths=_widths(pdf, table),
        width=pdf.w - pdf.l_margin - pdf.r_margin,
        borders_layout="HORIZONTAL_LINES",
        headings_style=heading,
        line_height=4.2,
        text_align="LEFT",
        v_align="TOP",
        padding=(0.8, 1, 0.8, 1),
        wrapmode=WrapMode.WORD if latin else WrapMode.CHAR,
    ) as out:
        heads = out.row()
        for value in table.headers:
            heads.cell(pdf.text_of(value))  # headings_style
        for cells in table.rows:
            row = out.row()
            for value in cells:
                row.cell(pdf.text_of(value), style=grey if value == hidden else plain)
    pdf.ln(2)


def _legend(pdf: _Pdf, rows: pd.DataFrame) -> None:
    """The categories drawn, each with its colour and its name as on the dashboard."""
    pdf.style(8)
    x, y = pdf.l_margin, pdf.get_y() + 1
    for category, colour in legend_items(rows, pdf.report_lang):
        name = pdf.text_of(category)
        width = pdf.get_string_width(name) + 8
        if x + width > pdf.w - pdf.r_margin:
            x, y = pdf.l_margin, y + 5
        pdf.set_fill_color(*_rgb(colour))
        pdf.rect(x, y + 0.8, 3, 3, style="F")
        _put(pdf, x + 4, y + 3.3, name)
        x += width
    pdf.set_y(y + 7)


def _section(pdf: _Pdf, section: Section) -> None:
    chart = 0 if section.chart_rows is None else 6.0 * len(section.chart_rows) + 25
    _ensure_room(pdf, min(25 + chart, pdf.h - pdf.t_margin - pdf.b_margin))  # title + chart
    pdf.ln(3)
    pdf.para(section.title, size=13, colour=BLUE, height=7)
    if section.chart == "constructs" and section.chart_rows is not None:
        _dot_whisker(pdf, section.chart_rows)
        _legend(pdf, section.chart_rows)
    elif section.chart == "kpis" and section.chart_rows is not None:
        _bars(pdf, section.chart_rows)
        _legend(pdf, section.chart_rows)
    for note in section.notes:
        pdf.set_fill_color(255, 246, 224)
        pdf.style(9, (120, 80, 0))
        pdf.multi_cell(0, 5, pdf.text_of(note), fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    for text in section.paragraphs:
        pdf.para(text, size=9, height=4.6)
        pdf.ln(0.8)
    for table in section.tables:
        _table(pdf, table)
    if section.page_break_after:
        pdf.add_page()


def build_pdf(report: Report, fonts: ReportFonts | None = None) -> FPDF:
    """The laid-out document (tests inspect its font registry); see :func:`render_pdf`."""
    pdf = _Pdf(fonts or report_fonts(report.lang), report.lang)
    pdf.set_title(report.title)
    pdf.set_lang(language(report.lang).speech)
    pdf.add_page()
    pdf.para(report.title, size=18, colour=BLUE, height=9)
    for line in report.subtitle:
        pdf.para(line, size=9, colour=(90, 90, 90))
    for section in report.sections:
        _section(pdf, section)
    return pdf


def render_pdf(report: Report, fonts: ReportFonts | None = None) -> bytes:
    """The report as PDF bytes (fonts default to :func:`report_fonts`)."""
    return bytes(build_pdf(report, fonts).output())


def report_pdf(result: ImpactResult) -> bytes:
    """The impact result as a printable PDF; Chinese needs a CJK font (see module doc)."""
    return render_pdf(build_report(result))
