"""Printable reports (HTML, PDF in English and Chinese), suppression in every download, and
brand scope: a brand's files hold only its own factories."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from analysis._common import NUMERIC_COLUMNS
from analysis.adapter import answers_frame, kpis_frame
from score_impact.fonts import CjkFontMissing
from score_impact.reports import export
from score_impact.reports.content import build_report
from score_impact.reports.impact import (
    COUNT_COLUMNS,
    SUPPRESSED,
    ImpactFilters,
    build_impact,
    build_impact_for,
    for_display,
)
from score_impact.reports.report_html import report_html
from score_impact.reports.report_pdf import CJK_NAME, build_pdf, report_fonts
from score_impact.services.errors import AccessDenied
from score_impact.services.scope import visible_enterprise_ids
from tests.reports.conftest import scope_for

LOTUS_ONLY = (
    "Shenzhen Brightway Components",
    "Binh Duong Precision Parts",
    "Long An Star Electronics",
)


def _result(session, username: str, **filters):
    return build_impact_for(session, scope_for(session, username), ImpactFilters(**filters))


def test_html_report_is_self_contained_with_headline_and_method(session):
    html = report_html(_result(session, "admin")).decode()
    assert "<script" not in html and "src=" not in html and "<link" not in html
    assert "Win-win-win" in html and "How the numbers were made" in html
    assert "<svg" in html and "Dongguan Evergreen Garments" in html
    assert "@media print" in html


def test_chinese_pdf_embeds_a_cjk_font_and_holds_chinese_text(session):
    try:
        fonts = report_fonts("zh")
    except CjkFontMissing as exc:
        pytest.skip(str(exc))
    report = build_report(_result(session, "admin", lang="zh"))
    pdf = build_pdf(report, fonts)
    assert CJK_NAME in pdf.fonts
    data = bytes(pdf.output())
    assert data.startswith(b"%PDF") and b"/FontFile2" in data
    assert pdf.fonts[CJK_NAME].name.encode() in data  # e.g. /BaseFont /MPDFAA+DroidSansFallback
    # the embedded font's ToUnicode map lists the Chinese characters the text uses
    assert b"57F9" in data.upper()  # 培, from the title "SCORE培训效果报告"
    assert report.title == "SCORE培训效果报告"


def test_english_pdf_builds_from_demo_data(session):
    data = bytes(build_pdf(build_report(_result(session, "northwind"))).output())
    assert data.startswith(b"%PDF") and len(data) > 5_000


def test_chinese_pdf_without_cjk_font_raises_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SCORE_CJK_FONT", str(tmp_path / "missing.ttf"))
    with pytest.raises(CjkFontMissing, match="SCORE_CJK_FONT"):
        report_fonts("zh")


def _numbers_on_suppressed_rows(frame) -> list:
    """(column, value) of any respondent number left on a suppressed row."""
    shown = for_display(frame)
    if "suppressed" not in shown:
        return []
    hidden = shown[shown["suppressed"].astype(bool)]
    cols = [
        c
        for c in hidden.columns
        if c in NUMERIC_COLUMNS or c in COUNT_COLUMNS or c.startswith(("n_", "mean_"))
        or c in ("share", "response_rate")
    ]  # fmt: skip
    return [
        (c, v)
        for c in cols
        for v in hidden[c]
        if isinstance(v, int | float) and not isinstance(v, bool) and v == v
    ]


def test_groups_below_k_never_show_a_number_in_any_download(session):
    # k = 100: Evergreen (100 of 120 workers answered) is shown, Pearl River (80) and
    # smaller are suppressed
    result = build_impact(session, visible_enterprise_ids(session, scope_for(session, "admin")),
                          ImpactFilters(), min_group_size=100)  # fmt: skip
    counts = result.response_counts.set_index(["enterprise", "phase"])
    assert counts.loc[("Dongguan Pearl River Knitwear", "baseline"), "suppressed"]
    assert counts.loc[("Dongguan Evergreen Garments", "baseline"), "responses"] == 100
    for name, frame in result.tables():
        assert not _numbers_on_suppressed_rows(frame), name
    # Dong Nai (50 workers) is below k: left out of every figure, flagged in the counts
    small = result.constructs.query("group == 'Dong Nai Green Footwear'")
    assert small.empty and counts.loc[("Dong Nai Green Footwear", "baseline"), "suppressed"]
    pearl = result.constructs.query("group == 'Dongguan Pearl River Knitwear'")
    assert pearl.empty

    wb = openpyxl.load_workbook(io.BytesIO(export.results_xlsx(result)))
    for ws in wb.worksheets[1:]:
        header = [c.value for c in ws[1]]
        if "suppressed" not in header:
            continue
        flag = header.index("suppressed")
        for row in ws.iter_rows(min_row=2, values_only=True):
            if row[flag] is True:
                for col, value in zip(header, row, strict=True):
                    if col.startswith(("n_", "mean_")) or col in ("n", "p", "change", "responses"):
                        assert value in (SUPPRESSED, None), (ws.title, col, value)
    with zipfile.ZipFile(io.BytesIO(export.results_csv_zip(result))) as zf:
        text = zf.read("response_counts.csv").decode("utf-8-sig")
    pearl = [line for line in text.splitlines() if "Pearl River" in line and "baseline" in line]
    assert pearl and "suppressed" in pearl[0] and ",80," in pearl[0]  # 80 = headcount only
    html = report_html(result).decode()
    assert re.search(r"Pearl River Knitwear</td><td>baseline</td><td class=\"suppressed\">", html)


def test_brand_download_holds_only_the_brands_own_factories(session):
    scope = scope_for(session, "northwind")
    own = visible_enterprise_ids(session, scope)
    frame = answers_frame(session, own)
    assert set(frame["enterprise_id"]) <= own  # restricted in the query, not afterwards
    assert set(kpis_frame(session, own)["enterprise_id"]) <= own
    result = build_impact_for(session, scope, ImpactFilters())
    assert result.enterprises and not set(result.enterprises) & set(LOTUS_ONLY)
    files = [
        export.results_xlsx(result),
        report_html(result),
    ]
    with zipfile.ZipFile(io.BytesIO(export.results_csv_zip(result))) as zf:
        files += [zf.read(n) for n in zf.namelist()]
    wb = openpyxl.load_workbook(io.BytesIO(files[0]))
    cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    for name in LOTUS_ONLY:
        assert name not in cells
        assert all(name.encode() not in f for f in files[1:])
    assert "Saigon Lotus Sewing" in cells  # shared supplier of both brands: visible to both


def test_filters_outside_the_scope_are_refused(session):
    lotus = visible_enterprise_ids(session, scope_for(session, "lotus"))
    lotus_factory = min(lotus - visible_enterprise_ids(session, scope_for(session, "northwind")))
    with pytest.raises(AccessDenied):
        _result(session, "northwind", enterprise_id=lotus_factory)


def test_comparison_factories_feed_difference_in_differences(session):
    result = _result(session, "admin")
    assert len(result.did) and result.did["estimate"].notna().any()
    assert not result.constructs.query("group == 'Foshan Harmony Apparel'").shape[0]
    trainer = _result(session, "trainer.li")  # no comparison factories in their cohort
    assert trainer.did.empty
    assert "not available" in trainer.method_notes.set_index("topic").loc["did", "note"]


def test_chinese_pdf_wrapped_latin_lines_keep_their_paragraph_size(session):
    """Regression: a paragraph starting with a Chinese glyph lost its page-level font in
    fpdf2, and its wrapped Latin-only line was drawn at the title's 18 pt."""
    pypdf = pytest.importorskip("pypdf")
    try:
        fonts = report_fonts("zh")
    except CjkFontMissing as exc:
        pytest.skip(str(exc))
    data = bytes(build_pdf(build_report(_result(session, "admin", lang="zh")), fonts).output())
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font_dict, font_size) -> None:  # noqa: ANN001
        if text.strip():
            sizes[text.strip()] = font_size * tm[0]

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    factory_lines = {t: s for t, s in sizes.items() if "Knitwear" in t or "Components" in t}
    assert factory_lines and all(size < 12 for size in factory_lines.values()), factory_lines


def test_a_band_within_one_factory_and_the_source_filter_are_refused(session):
    evergreen = min(visible_enterprise_ids(session, scope_for(session, "manager.evergreen")))
    band = {"band": "demo_tenure", "band_value": "one_to_3_years"}
    with pytest.raises(AccessDenied):
        _result(session, "northwind", enterprise_id=evergreen, **band)
    for username in ("northwind", "trainer.li"):
        with pytest.raises(AccessDenied):
            _result(session, username, source="paper")
    assert len(_result(session, "admin", source="tablet").constructs)
    cohort = _result(session, "northwind", **band)
    assert set(cohort.constructs["grouping"]) == {"overall", "cohort"}
    assert set(cohort.did["kind"]) == {"kpi"}  # no worker DiD; KPIs are factory figures
    assert "one worker group" in cohort.method_notes.set_index("topic").loc["did_band", "note"]


def test_every_view_states_the_rule_without_saying_how_many_were_left_out(session):
    notes = _result(session, "lotus").method_notes.set_index("topic")["note"]
    assert "cannot be worked out by subtracting" in notes["disclosure"]
    assert re.findall(r"\d+", notes["disclosure"]) == ["5"]  # k, and no count
