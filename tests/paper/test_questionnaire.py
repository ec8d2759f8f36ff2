"""The printable questionnaire: text on every page, sheet numbers, embedded Chinese font."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from score_impact.fonts import cjk_font_path
from score_impact.paper.keys import normalise_sheet_number
from score_impact.paper.questionnaire import build_questionnaire
from score_impact.surveys.loader import DEFAULT_DIR, load_catalog

SURVEY = load_catalog(DEFAULT_DIR).latest("worker_m1_cooperation").survey
FACTORIES = ["Alpha Garments", "Beta Knitwear"]


def _font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            if "/FontFile2" in descriptor:  # an embedded TrueType program
                names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


@pytest.fixture(scope="module", params=["en", "zh"])
def printed(request):
    lang = request.param
    sheets = build_questionnaire(SURVEY, "TESTWK", lang, copies=3, factories=FACTORIES)
    return lang, sheets, PdfReader(io.BytesIO(sheets.pdf))


EXPECTED = {
    "en": {
        "title": "Worker survey: cooperation at work",
        "question": "1. My supervisor listens when I raise a problem.",
        "skip": "Answer only if you answered “Yes (1)” to question 5; otherwise skip it.",
        "code": "In which month was your mother born, by the Western calendar?",
        "consent": "This survey is anonymous",
    },
    "zh": {
        "title": "员工问卷：工作中的合作",
        "question": "1. 我提出问题时，我的主管会认真听。",
        "skip": "第 5 题选“是 (1)”的，请回答这道题；否则请跳过。",
        "code": "您母亲是公历（阳历）几月出生的？",
        "consent": "这份问卷不记名",
    },
}


def test_every_page_names_the_round_and_its_own_sheet(printed):
    lang, sheets, reader = printed
    assert len(sheets.sheet_numbers) == len(set(sheets.sheet_numbers)) == 3
    assert all(normalise_sheet_number(n) == n for n in sheets.sheet_numbers)
    assert len(reader.pages) == 3 * sheets.pages_per_sheet
    for index, page in enumerate(reader.pages):
        sheet = sheets.sheet_numbers[index // sheets.pages_per_sheet]
        text = page.extract_text()
        assert "TESTWK" in text and sheet in text, (index, text[:120])
        others = set(sheets.sheet_numbers) - {sheet}
        assert not any(other in text for other in others)


def test_title_consent_questions_skip_rule_and_code_are_printed(printed):
    lang, sheets, reader = printed
    first_sheet = "".join(
        reader.pages[i].extract_text() for i in range(sheets.pages_per_sheet)
    ).replace("\n", "")
    compact = first_sheet.replace(" ", "")
    for what, text in EXPECTED[lang].items():
        assert text.replace(" ", "") in compact, what
    assert "Alpha Garments" in first_sheet  # the factory question, numbered
    last = len([i for i in SURVEY.items if i.type.value != "note"])
    assert f"{last}." in compact


def test_chinese_font_is_embedded(printed):
    lang, _, reader = printed
    names = _font_names(reader)
    cjk = TTFont(cjk_font_path(), lazy=True)["name"].getDebugName(6)  # PostScript name
    if lang == "zh":
        assert any(cjk in name for name in names), names
    assert names  # English text is drawn with an embedded Unicode font too


def test_unknown_language_and_duplicate_numbers_are_refused():
    with pytest.raises(ValueError):
        build_questionnaire(SURVEY, "TESTWK", "fr")
    with pytest.raises(ValueError):
        build_questionnaire(SURVEY, "TESTWK", "en", sheet_numbers=["ABCDEF", "ABCDEF"])
