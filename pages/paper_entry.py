"""Paper fallback for trainers: print numbered sheets, key them back in from the keyboard.

One text box per question in the order of the paper (Tab moves on, Enter saves), so a
trainer keys a sheet without touching the mouse; the service does every check.
"""

from __future__ import annotations

import re

import streamlit as st

from pages.auth import require_role
from pages.common import db, ui_lang
from pages.widgets import label_of, scroll_into_view
from score_impact.db.models import Role
from score_impact.i18n import language_names, t
from score_impact.paper.keys import CODE_KEYS, CODE_PREFIX, key_hint, question_numbers
from score_impact.services import paper
from score_impact.services.errors import AccessDenied, DomainError, UnknownRound
from score_impact.services.rounds import round_by_code
from score_impact.services.scope import check_cohort
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import Audience, ItemType
from score_impact.text import literal

PROBLEM_CSS = """<style>
[class*="st-key-perr-"] input { border: 2px solid #c62828; background: #fff5f5; }
</style>"""

user = require_role(Role.TRAINER, Role.ADMIN)
state = st.session_state
lang = ui_lang()  # the sidebar's language, as on every staff page
st.html(PROBLEM_CSS)
st.title(t("paper.title", lang))
code = st.text_input(t("paper.round_code", lang), key="p_code").strip()
if not code:
    st.stop()
try:
    with db() as s:
        round_ = round_by_code(s, code)
        check_cohort(user, round_.cohort_id)  # a trainer keys sheets of their own cohorts only
        round_id, survey = round_.id, survey_of(round_.survey_version)
        factories = paper.paper_factories(s, round_id)
except (UnknownRound, AccessDenied):  # the same answer: no probing for other codes
    st.error(t("paper.error.unknown_round", lang))
    st.stop()
if survey.audience is not Audience.WORKER:
    st.error(t("paper.error.not_worker", lang))
    st.stop()
sheet_lang = st.selectbox(
    t("paper.sheet_language", lang),
    survey.languages,
    index=survey.languages.index(lang) if lang in survey.languages else 0,
    format_func=lambda c: language_names().get(c, c),
)

with st.expander(t("paper.print_title", lang)):
    copies = st.number_input(t("paper.copies", lang), min_value=1, max_value=300, value=20)
    if st.button(t("paper.make_pdf", lang)):
        with db() as s:
            pdf = paper.printable_questionnaire(s, round_id, sheet_lang, copies)
        state["p_pdf"] = (round_id, pdf)
    if state.get("p_pdf") and state["p_pdf"][0] == round_id:
        pdf = state["p_pdf"][1]
        label = t("paper.download", lang, count=len(pdf.sheet_numbers))
        st.download_button(label, pdf.pdf, f"{code}-sheets.pdf", "application/pdf")

st.header(t("paper.entry_title", lang))
person = user.username  # double entry needs a second signed-in person
st.caption(t("paper.entered_by", lang) + f": {literal(person)}")
double = st.toggle(t("paper.double_entry", lang), key="p_double")
for kind, text in state.pop("p_flash", []):
    getattr(st, kind)(text)
numbers, n = question_numbers(survey), state.setdefault("p_form", 0)
# The problems of the last refused save of this very form: under their boxes, and listed
# at the top of the form, where the page scrolls to (the Save button is far below).
problems = state["p_problems"][1] if state.get("p_problems", (None,))[0] == n else {}


def box(label: str, name: str, placeholder: str | None = None) -> str:
    """One entry box; a box with a problem is framed red with its message under it."""
    problem = problems.get(name)
    with st.container(key=f"perr-{re.sub(r'[^a-z0-9_]', '-', name)}" if problem else None):
        value = st.text_input(label, key=f"p{n}:{name}", placeholder=placeholder)
        if problem:
            st.error(problem)
    return value


with st.form(f"sheet{n}"):  # a new form number after each save: empty boxes, no mouse
    if problems:
        listed = [
            "- " + t("paper.problem_line", lang, box=paper.box_name(survey, b, lang), problem=m)
            for b, m in problems.items()
            if b != paper.WHOLE
        ]
        with st.container(key="perr-summary"):
            whole = [problems[paper.WHOLE]] if paper.WHOLE in problems else []
            boxes = [t("paper.fix_summary", lang), *listed] if listed else []
            st.error("\n".join([*whole, *boxes]))
        scroll_into_view(".st-key-perr-summary", state["p_problems"][2])
    sheet = box(t("paper.sheet_number", lang), paper.SHEET)
    factory = ""
    if len(factories) > 1:
        keys = literal(paper.factory_keys(factories))
        factory = box(t("paper.factory", lang, keys=keys), paper.FACTORY)
    keyed = {k: box(t(f"kiosk.{k}", lang), k) for k in CODE_KEYS}
    for item in (i for i in survey.items if i.type is not ItemType.NOTE):
        label = f"{numbers[item.id]}. {label_of(item.label, lang)}"
        keyed[item.id] = box(label, item.id, key_hint(survey, item))
    saved = st.form_submit_button(t("paper.save_sheet", lang), type="primary")


def report(exc: DomainError) -> None:
    """Show a refused save (on the next run, at its boxes), or open a pending choice."""
    if isinstance(exc, paper.AwaitingResolution):  # open the pending choice instead
        state["p_pending"] = exc.params["sheet"]
        st.rerun()
    tries = state.get("p_problems", (0, {}, 0))[2] + 1  # scroll again for a new refusal
    state["p_problems"] = (n, paper.problems_by_field(survey, exc, lang), tries)
    st.rerun()


if saved:
    try:
        with db() as s:
            ent = paper.factory_for_key(factories, factory)
            result = paper.enter_sheet(s, round_id, sheet, ent, sheet_lang, keyed, person, double)
    except DomainError as exc:
        report(exc)
    else:
        kind = {"stored": "success", "first_pass": "info", "mismatch": "warning"}[result.status]
        state["p_flash"] = [(kind, result.message(lang))]
        if result.status is paper.EntryStatus.MISMATCH:
            state["p_pending"] = result.sheet_number
        state["p_form"] = n + 1
        state.pop("p_problems", None)
        st.rerun()

pending = state.get("p_pending")
with db() as s:
    mismatches = paper.pending_mismatches(s, round_id, pending) if pending else []
if mismatches:
    st.subheader(t("paper.mismatch", lang, sheet=pending))
    st.table(paper.mismatch_table(survey, mismatches, factories, lang))
    chosen = {
        m.item_id: st.radio(
            paper.mismatch_question(survey, m.item_id, lang),
            [m.first, m.second],
            format_func=lambda v, i=m.item_id: paper.mismatch_value(i, v, factories, lang),
            horizontal=True,
            key=f"p_choose:{pending}:{m.item_id}",
        )
        for m in mismatches
        if not m.item_id.startswith(CODE_PREFIX)
    }
    if any(m.item_id.startswith(CODE_PREFIX) for m in mismatches):
        st.info(t("paper.rekey_code", lang))  # the digits were never stored: key them again
        chosen |= {k: st.text_input(t(f"kiosk.{k}", lang), key=f"p_re:{k}") for k in CODE_KEYS}
    if st.button(t("paper.resolve", lang), type="primary"):
        try:
            with db() as s:
                result = paper.resolve_sheet(s, round_id, pending, chosen, person)
        except DomainError as exc:
            for message in paper.problems_by_field(survey, exc, lang).values():
                st.error(message)
        else:
            state["p_flash"] = [("success", result.message(lang))]
            del state["p_pending"]
            st.rerun()
