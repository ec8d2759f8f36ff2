"""Admin: how complete each language is, and the translator's spreadsheet out and back in."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.auth import require_role
from pages.common import FLASH_KEY, db, flash, runtime, ui_lang
from score_impact import translations
from score_impact.db.models import Role
from score_impact.i18n import FALLBACK, language_names, t
from score_impact.services.surveys import publish_catalog
from score_impact.surveys.loader import load_catalog

require_role(Role.ADMIN)
lang = ui_lang()
st.title(t("translations.title", lang))
st.caption(t("translations.intro", lang))
flash()
survey_dir = runtime().settings.survey_dir
names = {c: n for c, n in language_names().items() if c != FALLBACK}
target = st.selectbox(t("translations.language", lang), list(names), format_func=names.get)
if target is None:
    st.stop()

reports = translations.report(target, survey_dir)
st.dataframe(
    pd.DataFrame(
        {
            t("translations.col.file", lang): [r.name for r in reports],
            t("translations.col.strings", lang): [r.total for r in reports],
            t("translations.col.missing", lang): [len(r.missing) for r in reports],
            t("translations.col.stale", lang): [len(r.stale) for r in reports],
            t("translations.col.draft", lang): [len(r.draft) for r in reports],
            t("translations.col.reviewed", lang): [len(r.reviewed) for r in reports],
        }
    ),
    hide_index=True,
    width="stretch",
)
if any(r.draft for r in reports):
    st.info(t("translations.drafts", lang))
for r in reports:
    if r.missing or r.stale:
        with st.expander(f"{r.name}: {len(r.missing)} / {len(r.stale)}"):
            st.write(t("translations.col.missing", lang), ", ".join(r.missing) or "-")
            st.write(t("translations.col.stale", lang), ", ".join(r.stale) or "-")

st.subheader(t("translations.export", lang))
st.download_button(
    t("translations.download", lang),
    translations.export_xlsx(target, survey_dir),
    f"score-impact-{target}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

st.subheader(t("translations.import", lang))
upload = st.file_uploader(t("translations.upload", lang), type=["xlsx"])
if upload is not None and st.button(t("translations.import_button", lang), type="primary"):
    try:
        result = translations.import_xlsx(target, upload.getvalue(), survey_dir)
    except translations.TranslationImportError as exc:
        st.error(t("translations.refused", lang))
        for problem in exc.problems:  # they name sheet rows and keys, so stay as written
            st.markdown(f"- {problem}")
    else:
        with db() as s:  # a new or corrected survey translation reaches the tablets now
            publish_catalog(s, load_catalog(survey_dir))
        count = sum(result.changed.values())
        st.session_state[FLASH_KEY] = t("translations.imported", lang, count=count)
        st.rerun()
