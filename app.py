"""score-impact: router only (page config and navigation), as in Streamlit's multipage docs.

``PAGES`` is the one table of who may open which page: navigation lists only the pages of
the signed-in user's role, so any other page's URL falls back to the worker survey. What
a page may *show* is decided by ``score_impact.services.scope``, not here.
"""

from pathlib import Path

import streamlit as st

from pages.auth import NOTICE_KEY, account_sidebar, current_user
from pages.common import language_switch, runtime, show_definition_problems, ui_lang
from score_impact import web
from score_impact.db.models import Role
from score_impact.i18n import t

EVERYONE = None  # signed in or not: the tablet survey must never ask for a login
ADMIN, TRAINER, BRAND, MANAGER = Role.ADMIN, Role.TRAINER, Role.BRAND, Role.MANAGER
# file, title key, icon, url path, section key, roles allowed (EVERYONE or a set of roles).
# A page whose file does not exist yet is left out, so rows can be added ahead of the page.
PAGES = [
    ("pages/kiosk.py", "nav.survey", ":material/edit_note:", "survey", "survey", EVERYONE),
    (
        "pages/manager.py",
        "nav.manager",
        ":material/factory:",
        "manager",
        "survey",
        {MANAGER, ADMIN},
    ),
    (
        "pages/paper_entry.py",
        "nav.paper",
        ":material/description:",
        "paper",
        "survey",
        {TRAINER, ADMIN},
    ),
    (
        "pages/tablet_links.py",
        "nav.tablet_links",
        ":material/qr_code_2:",
        "tablets",
        "survey",
        {TRAINER, ADMIN},
    ),
    (
        "pages/dashboard.py",
        "nav.dashboard",
        ":material/monitoring:",
        "dashboard",
        "results",
        {TRAINER, ADMIN},
    ),
    (
        "pages/actions.py",
        "nav.actions",
        ":material/task_alt:",
        "actions",
        "results",
        {TRAINER, MANAGER, ADMIN},
    ),
    (
        "pages/brand_report.py",
        "nav.brand_report",
        ":material/sell:",
        "brand",
        "results",
        {BRAND, ADMIN},
    ),
    ("pages/admin_org.py", "nav.admin_org", ":material/domain:", "organisation", "admin", {ADMIN}),
    ("pages/admin_rounds.py", "nav.admin_rounds", ":material/event:", "rounds", "admin", {ADMIN}),
    (
        "pages/admin_surveys.py",
        "nav.admin_surveys",
        ":material/inventory_2:",
        "surveys",
        "admin",
        {ADMIN},
    ),
    (
        "pages/admin_audit.py",
        "nav.admin_audit",
        ":material/receipt_long:",
        "audit",
        "admin",
        {ADMIN},
    ),
    ("pages/login.py", "nav.login", ":material/login:", "login", "account", EVERYONE),
]
HERE = Path(__file__).parent


def main() -> None:
    """Route one run of the Streamlit script: page config, then the pages of this role."""

    st.set_page_config(
        page_title="SCORE impact", page_icon=":material/insights:", layout="centered"
    )
    runtime()  # create/upgrade the database (and the demo on first start) before any page
    # A tablet opened by its join link shows the survey only, with no navigation to wander off to.
    tablet = "code" in st.query_params
    user = current_user()  # also ends an idle session, on every run of every page
    role = user.role if user else None
    lang = ui_lang()
    sections: dict[str, list] = {}
    for path, title, icon, url, section, roles in PAGES:
        if (roles is EVERYONE or role in roles) and (HERE / path).exists():
            # The survey is the home page: Streamlit serves the default page at "/" only (never
            # at its url_path), so tablet links are /?code=... (services.admin.tablet_link).
            if user and url == "login":
                title = "nav.account"  # signed in: the page shows who and signs out
            page = st.Page(
                path, title=t(title, lang), icon=icon, url_path=url, default=url == "survey"
            )
            sections.setdefault(t(f"nav.section.{section}", lang), []).append(page)
    navigation = st.navigation(sections, position="hidden" if tablet else "sidebar")
    if not tablet:
        if NOTICE_KEY in st.session_state and navigation.url_path != "login":
            st.switch_page("pages/login.py")  # timed out: say why, on the sign-in page
        language_switch()
        if user:
            account_sidebar(user)
        if user and user.is_admin:
            show_definition_problems()
    navigation.run()


if __name__ == "__main__":
    main()  # Streamlit runs this file as __main__ on every rerun
else:
    # Imported by `streamlit run app.py` (which finds this st.App and serves it) or by an
    # ASGI server: the HTTP routes beside the pages, on Streamlit's own server.
    app = st.App("app.py", routes=web.routes())
