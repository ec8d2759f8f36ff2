"""score-impact: router only (page config and navigation), as in Streamlit's multipage docs."""

import streamlit as st

from pages.common import runtime, show_definition_problems

st.set_page_config(page_title="SCORE impact", page_icon="📈", layout="centered")
runtime()  # create/upgrade the database (and the demo on first start) before any page
kiosk = st.Page("pages/kiosk.py", title="Worker survey", icon="📝", url_path="survey", default=True)
pages = {
    "Survey": [kiosk, st.Page("pages/manager.py", title="Manager survey & KPIs", icon="🏭")],
}
# A tablet opened by its join link shows the survey only, with no navigation to wander off to.
tablet = "code" in st.query_params
navigation = st.navigation(pages, position="hidden" if tablet else "sidebar")
if not tablet:
    show_definition_problems()
navigation.run()
