"""Reports for people: the executive summary, the brand report PDF in every shipped
language (text extracted with pdfplumber, pages rasterised with pdftoppm), and the labelled
XLSX and CSV downloads."""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
import subprocess
import zipfile
from collections import defaultdict
from dataclasses import replace

import numpy as np
import openpyxl
import pytest
from PIL import Image

from score_impact.fonts import FontMissing
from score_impact.i18n import languages, t
from score_impact.reports import export
from score_impact.reports.charts import CATEGORY_COLOURS, change_rows, legend_items
from score_impact.reports.content import Report, Table, build_report
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.reports.report_html import report_html
from score_impact.reports.report_pdf import render_pdf, report_fonts
from score_impact.reports.summary import NO_NUMBER, executive_summary
from tests.reports.conftest import scope_for

pdfplumber = pytest.importorskip("pdfplumber")
LANGS = sorted(languages())
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?%?")


@pytest.fixture(scope="module")
def results(demo_rt):
    """The brand report of the demo's Northwind brand in every shipped language."""
    with demo_rt.session() as s:
        scope = scope_for(s, "northwind")
        return {lang: build_impact_for(s, scope, ImpactFilters(lang=lang)) for lang in LANGS}


# ----- executive summary ---------------------------------------------------------------------


def test_summary_restates_the_scorecard_and_the_pairing_table(results):
    """Every verdict, basis and n is the scorecard's; the match rate is the pairing table's;
    3-5 sentences, the scorecard's own headlines among them."""
    result = results["en"]
    summary = executive_summary(result)
    card = result.scorecard.query("grouping == 'overall' and group == 'all'")
    assert [r.stakeholder for r in summary.rows] == list(card["stakeholder"])
    for row, (_, want) in zip(summary.rows, card.iterrows(), strict=True):
        verdict = "win" if want["win"] else "no win shown"
        if want["n_not_estimable"] == want["n_outcomes"]:
            verdict = "not estimable"
        assert row.verdict == verdict
        assert row.basis == want["basis"] and row.factories == want["n_factories"]
        assert row.workers == (want["n_workers"] or None)
        assert row.outcomes.startswith(f"{want['n_outcomes']}: ")
        assert f"{want['headline']}" in " ".join(summary.sentences)
    assert 3 <= len(summary.sentences) <= 5
    pairing = result.pairing.iloc[0]
    matched = int(pairing["exact"] + pairing["tolerant"])
    assert f"{matched} of {int(pairing['follow_up_responses'])}" in summary.sentences[-1]
    rate = next(f for f in summary.facts if f.share)
    assert rate.value == pytest.approx(matched / pairing["follow_up_responses"])
    workers_row = summary.rows[0]
    assert workers_row.verdict == "win"  # demo: workers' primary outcomes improved
    assert summary.rows[1].workers is None  # KPIs only: no worker count invented
    assert summary.table_rows()[1][5] == NO_NUMBER


def test_summary_says_suppressed_and_not_measured_in_words(results):
    """A match rate from too few follow-up answers is 'suppressed'; a stakeholder without
    primary outcomes is 'not measured' with no number."""
    result = results["zh"]
    pairing = result.pairing.assign(suppressed=True)
    card = result.scorecard.copy()
    brand = (card["grouping"] == "overall") & (card["stakeholder"] == "brand")
    card.loc[brand, ["n_outcomes", "n_inconclusive", "n_not_estimable"]] = 0
    summary = executive_summary(replace(result, pairing=pairing, scorecard=card))
    rate = next(f for f in summary.facts if f.label == t("summary.match_rate", "zh"))
    assert rate.value == t("report.suppressed", "zh") and not rate.share
    assert summary.sentences[-1] == t("report.note.matched_suppressed", "zh", k=5)
    brand_row = next(r for r in summary.rows if r.stakeholder == "brand")
    assert brand_row.verdict == t("summary.not_measured", "zh")
    assert brand_row.factories is None and brand_row.workers is None


# ----- PDF -----------------------------------------------------------------------------------


def _pdf(result, caplog) -> tuple[Report, bytes]:
    try:
        fonts = report_fonts(result.filters.lang)
    except FontMissing as exc:
        pytest.skip(str(exc))
    report = build_report(result)
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        data = render_pdf(report, fonts)
    missing = [r.getMessage() for r in caplog.records if "missing" in r.getMessage().lower()]
    assert not missing, missing  # a glyph no embedded font has would print as a box
    return report, data


def _number_rows(table: Table) -> list[list[str]]:
    """Per row, the numbers of its cells in order (as printed)."""
    return [[n for cell in row for n in NUMBER.findall(cell)] for row in table.rows]


@pytest.mark.parametrize("lang", LANGS)
def test_brand_report_pdf_holds_every_summary_and_construct_number(results, lang, caplog):
    report, data = _pdf(results[lang], caplog)
    assert report.sections[0].title == t("summary.title", lang)
    per_factory = t("report.per_enterprise", lang)
    construct_tables = [tb for s in report.sections if s.title == per_factory for tb in s.tables]
    assert construct_tables, "per-factory construct tables"
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
        first = pdf.pages[0].extract_text()
        sizes = _sizes_per_line(pdf)
        digits = [(c["text"], c["size"]) for p in pdf.pages for c in p.chars
                  if c["text"] in "0123456789%" and c["size"] > 10]  # fmt: skip
    text = "\n".join(pages)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "nan" not in text.lower() and "\ufffd" not in text
    # the executive summary stands alone on page 1: sentences, scorecard, key figures
    flat_first = re.sub(r"\s+", "", first)
    for sentence in report.sections[0].paragraphs:
        assert re.sub(r"\s+", "", sentence) in flat_first, sentence
    for table in report.sections[0].tables:
        for row in _number_rows(table):
            for number in row:
                assert number in first, number
        for header in table.headers:
            assert re.sub(r"\s+", "", header) in flat_first
    # every construct row: its numbers side by side on one printed line
    checked = 0
    for table in construct_tables:
        for cells in table.rows:
            numbers = [c for c in cells[1:] if NUMBER.fullmatch(c.lstrip("<"))]
            if numbers:
                wanted = " ".join(numbers)
                assert any(wanted in line for line in lines), (table.caption, cells)
                checked += 1
    assert checked >= 20
    bad = {key: found for key, found in sizes.items() if len(found) > 1}
    assert not bad, bad  # one type size per printed line, table rows included
    assert not digits, digits[:5]  # no digit outgrows the body text (an old fpdf2 slip)


@pytest.mark.parametrize("lang", LANGS)
def test_brand_report_pdf_pages_render_with_pdftoppm(results, lang, caplog, tmp_path):
    """Every page rasterises with poppler (another reader than the one that wrote it),
    without a warning, and none comes out blank."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm: install Debian's poppler-utils (bash .ci/run does)")
    _, data = _pdf(results[lang], caplog)
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(path),
                           str(tmp_path / "page")], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages >= 3
    for image in images:
        with Image.open(image) as page:
            ink = (np.asarray(page.convert("L")) < 128).mean()  # share of dark pixels
        assert ink > 0.002, (image.name, ink)


def _sizes_per_line(pdf) -> dict[tuple[int, int], set[float]]:
    """Font sizes of the characters of each printed line (page, baseline)."""
    found: dict[tuple[int, int], set[float]] = defaultdict(set)
    for number, page in enumerate(pdf.pages):
        for char in page.chars:
            if char["text"].strip():
                found[(number, round(char["bottom"]))].add(round(char["size"], 1))
    return found


def test_pdf_tables_wrap_long_names_instead_of_cutting_them(results, caplog):
    result = results["vi"]
    report, data = _pdf(result, caplog)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        words = {w for p in pdf.pages for w in (p.extract_text() or "").split()}
    names = [row[0] for s in report.sections for tb in s.tables for row in tb.rows]
    assert any(len(n) > 40 for n in names)  # long enough to need a second line
    for name in names:
        assert set(name.split()) <= words, name  # every word whole: wrapped, never cut


# ----- XLSX and CSV --------------------------------------------------------------------------


def test_xlsx_opens_with_the_summary_sheet_headed_in_chinese(results):
    result = results["zh"]
    book = openpyxl.load_workbook(io.BytesIO(export.results_xlsx(result)))
    assert book.sheetnames[0] == "摘要" and book.sheetnames[-1] == "说明"
    summary = book.worksheets[0]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    assert rows[0][0] == "摘要"
    header_at = next(i for i, r in enumerate(rows) if r[0] == "受益方")
    assert rows[header_at] == ["受益方", "结论", "主要结果", "依据", "工厂数", "工人数"]
    assert summary.cell(header_at + 1, 1).font.bold  # a styled header row
    body = rows[header_at + 1 : header_at + 4]
    assert [r[0] for r in body] == ["员工", "供应商（工厂）", "品牌"]
    card = result.scorecard.query("grouping == 'overall' and group == 'all'")
    assert [r[4] for r in body] == card["n_factories"].tolist()  # numbers stay numbers
    rate_row = next(r for r in summary.iter_rows() if r[0].value == t("summary.match_rate", "zh"))
    assert rate_row[1].number_format == "0.0%" and 0.5 < rate_row[1].value <= 1


def test_xlsx_tables_carry_labels_formats_and_a_codebook(results):
    result = results["zh"]
    book = openpyxl.load_workbook(io.BytesIO(export.results_xlsx(result)))
    counts = book["response_counts"]
    header = [c.value for c in counts[1]]
    assert header[:3] == ["工厂编号", "工厂", "培训班"] and "回答率" in header
    rate = header.index("回答率") + 1
    cells = [row[rate - 1] for row in counts.iter_rows(min_row=2)]
    assert all(isinstance(c.value, float) and c.number_format == "0.0%" for c in cells)
    constructs = book["constructs"]
    head = [c.value for c in constructs[1]]
    assert len(set(head)) == len(head)  # labels are unique per sheet
    mean = constructs.cell(2, head.index("之前均值") + 1)
    p = constructs.cell(2, head.index("结论所用p值") + 1)
    assert mean.number_format == "0.00" and p.number_format == "0.000"
    codebook = book["说明"]
    rows = list(codebook.iter_rows(values_only=True))
    assert rows[0][:4] == ("工作表", "列", "列标题", "含义")
    explained = {(r[0], r[2]) for r in rows[1:] if r[1]}
    for name, frame in export.display_tables(result):
        for column in frame.columns:
            assert (name, export.column_label(column, "zh")) in explained
    assert all(r[3] for r in rows[1:] if r[1]), "every column has a meaning"
    assert any("Holm" in str(r[6]) for r in rows[1:]), "method notes beside the codebook"


@pytest.mark.parametrize("lang", LANGS)
def test_every_table_column_has_a_label_unique_in_its_table(results, lang):
    for name, frame in export.display_tables(results[lang]):
        labels = [export.column_label(c, lang) for c in frame.columns]
        unlabelled = [c for c in frame.columns if f"export.label.{c}" not in export.strings()]
        assert not unlabelled, (name, unlabelled)
        assert len(set(labels)) == len(labels), name


def test_csv_files_carry_the_same_labels_rounded_and_safely_quoted(results):
    result = results["vi"]
    with zipfile.ZipFile(io.BytesIO(export.results_csv_zip(result))) as zf:
        names = zf.namelist()
        files = {n: zf.read(n).decode("utf-8-sig") for n in names}
    assert names[:3] == ["summary.csv", "codebook.csv", "method.csv"]
    book = openpyxl.load_workbook(io.BytesIO(export.results_xlsx(result)), read_only=True)
    for name, _ in export.display_tables(result):
        rows = list(csv.reader(io.StringIO(files[f"{name}.csv"])))
        xlsx_header = next(book[name].iter_rows(max_row=1, values_only=True))
        assert rows[0] == list(xlsx_header), name
    counts = list(csv.DictReader(io.StringIO(files["response_counts.csv"])))
    rate = t("export.label.response_rate", "vi")
    assert rate == "Tỷ lệ trả lời" and all(len(r[rate].split(".")[-1]) <= 3 for r in counts)
    constructs = list(csv.DictReader(io.StringIO(files["constructs.csv"])))
    mean = t("export.label.mean_before", "vi")
    shown = [r[mean] for r in constructs if r[mean] not in ("", t("report.suppressed", "vi"))]
    assert shown and all(re.fullmatch(r"\d+(\.\d{1,2})?", v) for v in shown)
    assert t("report.suppressed", "vi") in files["constructs.csv"]  # the word, translated
    summary = list(csv.reader(io.StringIO(files["summary.csv"])))
    assert summary[0][0] == t("summary.title", "vi")
    assert executive_summary(result).sentences[0] in [r[0] for r in summary]


def test_html_report_opens_with_the_summary_and_labels_chart_colours(results):
    result = results["zh"]
    html = report_html(result).decode()
    summary = executive_summary(result)
    body = html[html.index("<body>") :]
    assert body.index('<section class="summary">') < body.index("<svg")  # summary first
    assert f"<h2>{summary.title}</h2>" in body and ".summary { break-after: page; }" in html
    for name, colour in legend_items(change_rows(result.constructs), "zh"):
        assert f'background:{colour}"></span>{name}</span>' in html  # dashboard colours
        assert colour == CATEGORY_COLOURS[next(k for k in CATEGORY_COLOURS
                                               if t(f"category.{k}", "zh") == name)]  # fmt: skip
