"""Printable questionnaires (PDF) for when the tablets run out.

Made for respondents who read slowly: large type, one question per block that never
splits across pages, a tick box for every answer with the number a trainer keys in
printed next to it (``score_impact.paper.keys``), skip instructions written out from
``show_if``, and the private-code questions as boxes for digits. Every page carries the
round's join code and the sheet's own random number, so a loose page still finds its
sheet and a sheet its round. Fonts are embedded and chosen by the language's script
(``score_impact.fonts``), because a factory office printer cannot be relied on to have them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import WrapMode

from score_impact.fonts import pdf_fonts
from score_impact.i18n import language as language_of
from score_impact.i18n import t
from score_impact.pairing import ELEMENTS
from score_impact.paper.keys import (
    CODE_DIGITS,
    DECLINE_KEY,
    NO_KEY,
    YES_KEY,
    new_sheet_numbers,
    question_numbers,
)
from score_impact.surveys.schema import Condition, Item, ItemType, Section, Survey

BODY, FALLBACK = "body", "fallback"
TITLE_PT, SECTION_PT, QUESTION_PT, ANSWER_PT, SMALL_PT = 20, 17, 15, 14, 12
BOX = 6.5  # mm, a tick box a shaky hand can hit
LINE = 7.5  # mm per line of question text
GAP = 5  # mm between blocks


@dataclass(frozen=True)
class Questionnaire:
    pdf: bytes
    sheet_numbers: list[str]  # one per printed copy, in print order
    pages_per_sheet: int


def _label(text: dict[str, str] | None, lang: str) -> str:
    return "" if text is None else text.get(lang) or next(iter(text.values()))


class _Sheet(FPDF):
    """An FPDF whose header and footer name the round and the current sheet."""

    def __init__(self, language: str, join_code: str) -> None:
        super().__init__(format="A4")
        self.lang = language
        self.join_code = join_code
        self.sheet_number = ""
        self._heights: dict[tuple, float] = {}
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(True, margin=16)
        fonts = pdf_fonts(language)
        self.add_font(BODY, fname=str(fonts.body))
        self.add_font(BODY, style="B", fname=str(fonts.bold or fonts.body))
        if fonts.fallback is not None:
            self.add_font(FALLBACK, fname=str(fonts.fallback))
            self.set_fallback_fonts([FALLBACK], exact_match=False)
        # Chinese has no spaces: wrap on characters, else a long sentence overflows.
        self.wrap = WrapMode.CHAR if language_of(language).breaks_anywhere else WrapMode.WORD
        self.set_title(join_code)
        self.set_creator("score-impact")

    def header(self) -> None:
        self.set_font(BODY, "B", 13)
        round_text = f"{t('paper.pdf.round', self.lang)}: {self.join_code}"
        sheet_text = f"{t('paper.pdf.sheet', self.lang)}: {self.sheet_number}"
        self.cell(self.epw / 2, 9, round_text, border="B")
        self.cell(self.epw / 2, 9, sheet_text, border="B", align="R")
        self.ln(13)

    def footer(self) -> None:
        """Drawn afterwards by ``number_pages``, once each sheet's page count is known."""

    def number_pages(self, starts: dict[int, str]) -> None:
        """Write "page 2 of 4" and the codes at the foot of every page (``starts``: first
        page of each sheet -> its number). fpdf2 lets us go back to a finished page."""
        firsts = sorted(starts) + [self.page + 1]
        last = self.page
        self.set_auto_page_break(False)
        for first, after in zip(firsts, firsts[1:], strict=False):
            for page in range(first, after):
                self.page = page
                self.set_xy(self.l_margin, self.h - 13)
                self.set_font(BODY, "", 10)
                text = t("paper.pdf.page", self.lang, page=page - first + 1, pages=after - first)
                self.cell(0, 6, f"{text}   ·   {self.join_code} / {starts[first]}", align="C")
        self.page = last

    # ----- primitives with an explicit cursor: measure (draw=False) or draw -------------
    def write_at(
        self, x: float, y: float, w: float, txt: str, pt: float, draw: bool, **kw
    ) -> float:
        """Write wrapped text at (x, y); return its height either way."""
        style = kw.pop("style", "")
        kw.setdefault("align", "L")  # fpdf2 justifies by default: hard to read, odd gaps
        self.set_font(BODY, style, pt)
        h = pt * 0.5
        # Every copy has the same texts: measure each once (measuring is half the work).
        memo = (w, txt, pt, style, tuple(sorted(kw.items())))
        height = self._heights.get(memo)
        if height is None:
            height = self.multi_cell(
                w, h, txt, dry_run=True, output="HEIGHT", wrapmode=self.wrap, **kw
            )
            self._heights[memo] = height
        if draw:
            self.set_xy(x, y)
            self.multi_cell(w, h, txt, wrapmode=self.wrap, **kw)
        return height

    def tick_box(self, x: float, y: float, draw: bool, w: float = BOX) -> None:
        if draw:
            self.set_line_width(0.35)
            self.rect(x, y, w, BOX)


def _condition_text(survey: Survey, cond: Condition, numbers: dict[str, int], lang: str) -> str:
    """ "Answer only if you answered Yes to question 5", from the item's ``show_if``."""
    target = survey.item(cond.item)
    number = numbers[cond.item]

    def answer(value: object) -> str:
        if target.type is ItemType.YES_NO:
            wanted = value if isinstance(value, bool) else str(value).lower() in ("yes", "true")
            word, key = ("kiosk.yes", YES_KEY) if wanted else ("kiosk.no", NO_KEY)
            return f"{t(word, lang)} ({key})"
        for n, option in enumerate(target.options or [], start=1):
            if option.value == str(value):
                return f"{_label(option.label, lang)} ({n})"
        for point in survey.scales.get(target.scale or "", []):
            if str(point.value) == str(value):
                return f"{_label(point.label, lang)} ({point.value})"
        return str(value)

    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    if cond.at_least is not None:
        return t("paper.pdf.skip.at_least", lang, number=number, value=fmt(cond.at_least))
    if cond.at_most is not None:
        return t("paper.pdf.skip.at_most", lang, number=number, value=fmt(cond.at_most))
    wanted = [cond.equals] if cond.equals is not None else list(cond.in_ or [])
    answers = t("paper.pdf.or", lang).join(f"“{answer(v)}”" for v in wanted)
    return t("paper.pdf.skip.equals", lang, number=number, answer=answers)


def _answer_area(pdf: _Sheet, survey: Survey, item: Item, y: float, draw: bool) -> float:
    """Tick boxes, digit boxes or writing lines for one item, and a "prefer not to
    answer" box (key 0) where the item offers it; returns the height used."""
    used = _answers(pdf, survey, item, y, draw)
    if not survey.declinable(item):
        return used
    left = pdf.l_margin
    pdf.tick_box(left + 4, y + used + 2, draw)
    text = f"{DECLINE_KEY}  {t('kiosk.prefer_not', pdf.lang)}"
    pdf.write_at(left + 6 + BOX, y + used + 2.3, pdf.epw - 10 - BOX, text, SMALL_PT, draw)
    return used + 2 + BOX


def _answers(pdf: _Sheet, survey: Survey, item: Item, y: float, draw: bool) -> float:
    lang, left, width = pdf.lang, pdf.l_margin, pdf.epw
    kind = item.type
    if kind is ItemType.LIKERT:
        points = survey.scales[item.scale or ""]
        col = width / len(points)
        tallest = 0.0
        for i, point in enumerate(points):
            x = left + i * col
            pdf.tick_box(x + col / 2 - BOX, y, draw)
            pdf.write_at(x + col / 2 + 1, y + 0.3, col / 2 - 1, str(point.value), ANSWER_PT, draw)
            anchor = _label(point.label, lang)
            h = pdf.write_at(x + 1, y + BOX + 1.5, col - 2, anchor, SMALL_PT, draw, align="C")
            tallest = max(tallest, h)
        return BOX + 1.5 + tallest
    if kind is ItemType.YES_NO:
        for i, (key, word) in enumerate(((YES_KEY, "kiosk.yes"), (NO_KEY, "kiosk.no"))):
            x = left + 4 + i * 55
            pdf.tick_box(x, y, draw)
            pdf.write_at(x + BOX + 2, y + 0.3, 45, f"{key}  {t(word, lang)}", ANSWER_PT, draw)
        return BOX + 1
    if kind in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE):
        used = 0.0
        if kind is ItemType.MULTIPLE_CHOICE:
            used += pdf.write_at(left, y, width, t("paper.pdf.tick_all", lang), SMALL_PT, draw) + 1
        for n, option in enumerate(item.options or [], start=1):
            pdf.tick_box(left + 4, y + used, draw)
            label = f"{n}  {_label(option.label, lang)}"
            h = pdf.write_at(
                left + 6 + BOX, y + used + 0.3, width - 10 - BOX, label, ANSWER_PT, draw
            )
            used += max(BOX, h) + 2
        return used
    if kind is ItemType.NUMBER:
        unit = _label(item.unit, lang)
        if draw:
            pdf.line(left + 4, y + BOX, left + 60, y + BOX)
        if unit:
            pdf.write_at(left + 63, y + 0.3, width - 63, unit, ANSWER_PT, draw)
        return BOX + 1
    if kind is ItemType.TEXT:
        lines = 2 if item.max_length <= 200 else 3
        for i in range(lines):
            if draw:
                pdf.line(left, y + 9 * (i + 1), left + width, y + 9 * (i + 1))
        return 9 * lines + 1
    return 0.0


def _item_block(
    pdf: _Sheet, survey: Survey, item: Item, numbers: dict[str, int], y: float, draw: bool
) -> float:
    lang, left, width = pdf.lang, pdf.l_margin, pdf.epw
    used = 0.0
    if item.show_if is not None:
        skip = _condition_text(survey, item.show_if, numbers, lang)
        pdf.set_fill_color(235, 235, 235)
        used += pdf.write_at(left, y, width, skip, SMALL_PT, draw, style="B", fill=True) + 1.5
    label = _label(item.label, lang)
    if item.type is not ItemType.NOTE:
        label = f"{numbers[item.id]}.  {label}"
    used += pdf.write_at(left, y + used, width, label, QUESTION_PT, draw, style="B") + 1
    if item.help:
        used += pdf.write_at(left + 4, y + used, width - 4, _label(item.help, lang), SMALL_PT, draw)
        used += 1
    used += 1.5
    return used + _answer_area(pdf, survey, item, y + used, draw)


def _place(pdf: _Sheet, block, *args) -> None:
    """Draw a block where it fits whole: measure first, and start a new page if needed."""
    height = block(pdf, *args, pdf.get_y(), False)
    if pdf.will_page_break(height):
        pdf.add_page()
    y = pdf.get_y()
    block(pdf, *args, y, True)
    pdf.set_xy(pdf.l_margin, y + height + GAP)


def _intro_block(pdf: _Sheet, survey: Survey, y: float, draw: bool) -> float:
    lang, left, width = pdf.lang, pdf.l_margin, pdf.epw
    used = pdf.write_at(left, y, width, _label(survey.title, lang), TITLE_PT, draw, style="B") + 3
    if survey.consent:
        pdf.set_fill_color(242, 242, 242)
        consent = _label(survey.consent, lang)
        used += pdf.write_at(left, y + used, width, consent, ANSWER_PT, draw, fill=True, padding=2)
        used += 3
    how = t("paper.pdf.how_to", lang)
    return used + pdf.write_at(left, y + used, width, how, ANSWER_PT, draw, style="B")


def _factory_block(pdf: _Sheet, factories: Sequence[str], y: float, draw: bool) -> float:
    lang, left, width = pdf.lang, pdf.l_margin, pdf.epw
    used = pdf.write_at(
        left, y, width, t("kiosk.choose_factory", lang), QUESTION_PT, draw, style="B"
    )
    used += 2.5
    for n, name in enumerate(factories, start=1):
        pdf.tick_box(left + 4, y + used, draw)
        pdf.write_at(
            left + 6 + BOX, y + used + 0.3, width - 10 - BOX, f"{n}  {name}", ANSWER_PT, draw
        )
        used += BOX + 2
    return used


def _code_block(pdf: _Sheet, y: float, draw: bool) -> float:
    """The private-code questions, one digit per box, as on the tablet."""
    lang, left, width = pdf.lang, pdf.l_margin, pdf.epw
    title = t("kiosk.code_title", lang)
    used = pdf.write_at(left, y, width, title, SECTION_PT, draw, style="B") + 1.5
    intro = f"{t('kiosk.code_intro', lang)} {t('paper.pdf.code_optional', lang)}"
    used += pdf.write_at(left, y + used, width, intro, ANSWER_PT, draw) + 3
    for name in ELEMENTS:
        digit_w = 9.0
        boxes_w = digit_w * CODE_DIGITS[name] + 4
        h = pdf.write_at(
            left, y + used, width - boxes_w - 4, t(f"kiosk.code.{name}", lang), ANSWER_PT, draw
        )
        for d in range(CODE_DIGITS[name]):
            x = left + width - boxes_w + d * digit_w
            if draw:
                pdf.set_line_width(0.35)
                pdf.rect(x, y + used, digit_w - 1, 9)
        used += max(h, 9) + 3
    return used


def _section_title(pdf: _Sheet, title: str, intro: str, y: float, draw: bool) -> float:
    left, width = pdf.l_margin, pdf.epw
    used = pdf.write_at(left, y, width, title, SECTION_PT, draw, style="B", border="B") + 1.5
    if intro:
        used += pdf.write_at(left, y + used, width, intro, ANSWER_PT, draw)
    return used


def _heading_and_first(
    pdf: _Sheet,
    survey: Survey,
    section: Section,
    first: Item,
    numbers: dict[str, int],
    y: float,
    draw: bool,
) -> float:
    """A section title glued to its first question, so a title never ends a page alone."""
    title, intro = _label(section.title, pdf.lang), _label(section.intro, pdf.lang)
    used = _section_title(pdf, title, intro, y, draw) + GAP
    return used + _item_block(pdf, survey, first, numbers, y + used, draw)


def _render_sheet(pdf: _Sheet, survey: Survey, factories: Sequence[str], number: str) -> None:
    pdf.sheet_number = number
    pdf.add_page()
    numbers = question_numbers(survey)
    _place(pdf, _intro_block, survey)
    if len(factories) > 1:
        _place(pdf, _factory_block, factories)
    _place(pdf, _code_block)
    for section in survey.sections:
        first, *rest = section.items
        _place(pdf, _heading_and_first, survey, section, first, numbers)
        for item in rest:
            _place(pdf, _item_block, survey, item, numbers)
    thanks = t("paper.pdf.thanks", pdf.lang)
    _place(pdf, lambda p, y, draw: p.write_at(p.l_margin, y, p.epw, thanks, QUESTION_PT, draw))


def build_questionnaire(
    survey: Survey,
    join_code: str,
    language: str,
    copies: int = 1,
    factories: Sequence[str] = (),
    sheet_numbers: Sequence[str] | None = None,
) -> Questionnaire:
    """A PDF with ``copies`` questionnaires, each with its own random sheet number.

    ``factories`` are the round's factory names in the entry page's order (a numbered
    question is printed when there are several). ``sheet_numbers`` may be given (tests,
    reprints); otherwise fresh ones are drawn. Raises ValueError for a language the survey
    does not have, ``FontMissing`` when no usable font is installed.
    """
    if language not in survey.languages:
        raise ValueError(f"survey {survey.id} has no language {language!r}")
    numbers = list(sheet_numbers) if sheet_numbers is not None else new_sheet_numbers(copies)
    if len(set(numbers)) != len(numbers) or not numbers:
        raise ValueError("sheet numbers must be distinct, at least one")
    pdf = _Sheet(language, join_code)
    starts: dict[int, str] = {}
    for number in numbers:
        starts[pdf.page + 1] = number
        _render_sheet(pdf, survey, factories, number)
    pdf.number_pages(starts)
    return Questionnaire(bytes(pdf.output()), numbers, pdf.page // len(numbers))
