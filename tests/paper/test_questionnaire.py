"""The printable questionnaire: text on every page, sheet numbers, embedded Chinese font."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from score_impact.fonts import cjk_font_path
from score_impact.i18n import t
from score_impact.paper.keys import normalise_sheet_number, question_numbers
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


@pytest.fixture(scope="module", params=["en", "zh", "vi"])
def printed(request):
    lang = request.param
    sheets = build_questionnaire(SURVEY, "TESTWK", lang, copies=3, factories=FACTORIES)
    return lang, sheets, PdfReader(io.BytesIO(sheets.pdf))


def expected(lang: str) -> dict[str, str]:
    """Texts that must come back out of the PDF exactly (Vietnamese with every diacritic,
    e.g. "Tôi sợ nói ra các vấn đề trong công việc.")."""
    numbers = question_numbers(SURVEY)
    made = SURVEY.item("suggestion_acted").show_if.item
    return {
        "title": SURVEY.title[lang],
        "question": f"{numbers['voice_supervisor_listens']}. "
        + SURVEY.item("voice_supervisor_listens").label[lang],
        "reverse item": SURVEY.item("voice_afraid").label[lang],
        "skip": t(
            "paper.pdf.skip.equals",
            lang,
            number=numbers[made],
            answer=f"“{t('kiosk.yes', lang)} (1)”",
        ),  # fmt: skip
        "code": t("kiosk.code.birth_day", lang).split("?")[0],
        "consent": SURVEY.consent[lang].split(".")[0],
        "prefer not": f"0  {t('kiosk.prefer_not', lang)}",
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
    for what, text in expected(lang).items():
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
