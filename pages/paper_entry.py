"""Paper fallback for trainers: print numbered sheets, key them back in from the keyboard.

One text box per question in the order of the paper (Tab moves on, Enter saves), so a
trainer keys a sheet without touching the mouse; the service does every check.
"""

from __future__ import annotations

import streamlit as st

from pages.auth import require_role
from pages.common import db
from pages.widgets import label_of
from score_impact.db.models import Role
from score_impact.i18n import language_names, t, t_all
from score_impact.paper.keys import CODE_KEYS, CODE_PREFIX, key_hint, question_numbers
from score_impact.services import paper
from score_impact.services.errors import AccessDenied, DomainError, UnknownRound
from score_impact.services.rounds import round_by_code
from score_impact.services.scope import check_cohort
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import Audience, ItemType

user = require_role(Role.TRAINER, Role.ADMIN)
state = st.session_state
names = language_names()
lang = st.segmented_control(
    t_all("ui.language"), list(names), format_func=names.get, default="en", key="p_lang"
)
lang = lang or "en"
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
    t("paper.sheet_language", lang), survey.languages, format_func=lambda c: names.get(c, c)
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
st.caption(t("paper.entered_by", lang) + f": {person}")
double = st.toggle(t("paper.double_entry", lang), key="p_double")
for kind, text in state.pop("p_flash", []):
    getattr(st, kind)(text)
numbers, n = question_numbers(survey), state.setdefault("p_form", 0)
with st.form(f"sheet{n}"):  # a new form number after each save: empty boxes, no mouse
    sheet = st.text_input(t("paper.sheet_number", lang), key=f"p{n}:sheet")
    factory = ""
    if len(factories) > 1:
        keys = ", ".join(f"{i} = {name}" for i, (_, name) in enumerate(factories, start=1))
        factory = st.text_input(t("paper.factory", lang, keys=keys), key=f"p{n}:factory")
    keyed = {k: st.text_input(t(f"kiosk.{k}", lang), key=f"p{n}:{k}") for k in CODE_KEYS}
    for item in (i for i in survey.items if i.type is not ItemType.NOTE):
        label = f"{numbers[item.id]}. {label_of(item.label, lang)}"
        hint = key_hint(survey, item)
        keyed[item.id] = st.text_input(label, key=f"p{n}:{item.id}", placeholder=hint)
    saved = st.form_submit_button(t("paper.save_sheet", lang), type="primary")


def report(exc: DomainError) -> None:
    if isinstance(exc, paper.AwaitingResolution):  # open the pending choice instead
        state["p_pending"] = exc.params["sheet"]
        st.rerun()
    for message in paper.error_messages(survey, exc, lang):
        st.error(message)


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
            report(exc)
        else:
            state["p_flash"] = [("success", result.message(lang))]
            del state["p_pending"]
            st.rerun()
