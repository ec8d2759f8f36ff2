"""Admin: publish a new survey definition version (YAML or XLSForm); problems are listed."""

from __future__ import annotations

import streamlit as st

from pages.auth import require_role
from pages.common import FLASH_KEY, db, flash, ui_lang
from score_impact import uploads
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.services import admin
from score_impact.surveys.schema import Audience
from score_impact.text import literal

scope = require_role(Role.ADMIN)
lang = ui_lang()
st.title(t("admin.surveys.title", lang))
flash()
with db() as s:
    versions = admin.survey_versions(s, scope)
st.dataframe({t("admin.surveys.published", lang): list(versions.values())}, hide_index=True)
st.caption(t("admin.surveys.frozen", lang))


def show(result: admin.SurveyUpload) -> None:
    # The problems name lines and columns of the uploaded file, so they stay as written.
    if not result.ok:
        st.error(t("admin.surveys.not_published", lang))
        for problem in result.problems:
            st.markdown(f"- {literal(problem)}")
    elif result.already_published:
        st.info(t("admin.surveys.already", lang, survey=result.survey_key, version=result.version))
    else:
        done = t("admin.surveys.done", lang, survey=result.survey_key, version=result.version)
        st.session_state[FLASH_KEY] = done
        st.rerun()


yaml_tab, xls_tab = st.tabs([t("admin.surveys.yaml_tab", lang), t("admin.surveys.xls_tab", lang)])
with yaml_tab:
    upload = st.file_uploader(
        t("admin.surveys.yaml_file", lang), type=["yaml", "yml"], key="yaml_file",
        max_upload_size=max(1, uploads.YAML_MAX_BYTES // 1_000_000),
    )  # fmt: skip
    text = st.text_area(t("admin.surveys.yaml_text", lang), height=200, key="yaml_text")
    if st.button(t("admin.surveys.publish_yaml", lang), type="primary", key="publish_yaml"):
        source = upload.name if upload else "pasted.yaml"
        content = upload.getvalue().decode("utf-8", errors="replace") if upload else text
        with db() as s:
            show(admin.upload_survey_yaml(s, scope, content, source))

with xls_tab:
    workbook = st.file_uploader(
        t("admin.surveys.xls_file", lang), type=["xlsx"], key="xls_file",
        max_upload_size=uploads.XLSX_MAX_BYTES // 1_000_000,
    )  # fmt: skip
    audience = st.radio(
        t("admin.surveys.audience", lang),
        [a.value for a in Audience],
        horizontal=True,
        format_func=lambda a: t(f"admin.audience.{a}", lang),
    )
    likert = st.text_input(t("admin.surveys.likert", lang))
    if (
        st.button(t("admin.surveys.publish_xls", lang), type="primary", key="publish_xls")
        and workbook
    ):
        lists = [name.strip() for name in likert.split(",") if name.strip()]
        with db() as s:
            show(admin.upload_xlsform(s, scope, workbook, audience, workbook.name, lists))
