"""Admin: publish a new survey definition version (YAML or XLSForm); problems are listed."""

from __future__ import annotations

import streamlit as st

from pages.common import FLASH_KEY, db, flash, require_role
from score_impact.db.models import Role
from score_impact.services import admin
from score_impact.surveys.schema import Audience

scope = require_role(Role.ADMIN)
st.title("Survey versions")
flash()
with db() as s:
    versions = admin.survey_versions(s, scope)
st.dataframe({"published version": list(versions.values())}, hide_index=True)
st.caption(
    "A published version is frozen: answers keep pointing at the version they answered. "
    "To change a survey, upload it with a new version number."
)


def show(result: admin.SurveyUpload) -> None:
    if not result.ok:
        st.error("Nothing was published. Please fix these problems:")
        for problem in result.problems:
            st.markdown(f"- {problem}")
    elif result.already_published:
        st.info(f"{result.survey_key} version {result.version} was already published.")
    else:
        st.session_state[FLASH_KEY] = f"Published {result.survey_key} version {result.version}."
        st.rerun()


yaml_tab, xls_tab = st.tabs(["YAML definition", "XLSForm (ODK / KoboToolbox)"])
with yaml_tab:
    upload = st.file_uploader("Survey definition (.yaml)", type=["yaml", "yml"], key="yaml_file")
    text = st.text_area("…or paste the YAML here", height=200, key="yaml_text")
    if st.button("Validate and publish", type="primary", key="publish_yaml"):
        source = upload.name if upload else "pasted.yaml"
        content = upload.getvalue().decode("utf-8", errors="replace") if upload else text
        with db() as s:
            show(admin.upload_survey_yaml(s, scope, content, source))

with xls_tab:
    workbook = st.file_uploader("XLSForm workbook (.xlsx)", type=["xlsx"], key="xls_file")
    audience = st.radio("Who answers it", [a.value for a in Audience], horizontal=True)
    likert = st.text_input("Choice lists to read as Likert scales (comma-separated)")
    if st.button("Import and publish", type="primary", key="publish_xls") and workbook:
        lists = [name.strip() for name in likert.split(",") if name.strip()]
        with db() as s:
            show(admin.upload_xlsform(s, scope, workbook, audience, workbook.name, lists))
