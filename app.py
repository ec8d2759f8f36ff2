"""score-impact: router only (page config and navigation), as in Streamlit's multipage docs.

``PAGES`` is the one table of who may open which page: navigation lists only the pages of
the signed-in user's role. A staff page's URL opened without the right to it (a reload
after signing out, a bookmark, a second browser) shows a sign-in page at that URL, saying
why, instead of Streamlit's "Page not found". What a page may *show* is decided by
``score_impact.services.scope``, not here.
"""

from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from pages.auth import WALL_KEY, account_sidebar, current_user, keep_language
from pages.common import demo_banner, language_switch, runtime, show_definition_problems, ui_lang
from pages.error_screen import error_screen
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
        "pages/devices.py",
        "nav.devices",
        ":material/tablet:",
        "devices",
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
    ("pages/power.py", "nav.power", ":material/calculate:", "power", "results", {TRAINER, ADMIN}),
    (
        "pages/quality.py",
        "nav.quality",
        ":material/fact_check:",
        "quality",
        "results",
        {TRAINER, ADMIN},
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
        "pages/admin_translations.py",
        "nav.admin_translations",
        ":material/translate:",
        "translations",
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
    (
        "pages/account.py",
        "nav.account",
        ":material/key:",
        "account",
        "account",
        {ADMIN, TRAINER, BRAND, MANAGER},
    ),
    ("pages/login.py", "nav.login", ":material/login:", "login", "account", EVERYONE),
]
HERE = Path(__file__).parent
WALL = "pages/sign_in_wall.py"  # stands in for a staff page opened without the right to it


def requested_page() -> str:
    """The url path of the page in the address bar ("" for the home page)."""
    return urlsplit(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]


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
    requested = requested_page()
    sections: dict[str, list] = {}
    for path, title, icon, url, section, roles in PAGES:
        if not (HERE / path).exists():
            continue
        if roles is EVERYONE or role in roles:
            # The survey is the home page: Streamlit serves the default page at "/" only (never
            # at its url_path), so tablet links are /?code=... (services.admin.tablet_link).
            if user and url == "login":
                title = "login.logout"  # signed in: this page says who, and signs out
            page = st.Page(
                path, title=t(title, lang), icon=icon, url_path=url, default=url == "survey"
            )
        elif url == requested:  # this page's URL, without the right to it: say why, sign in
            st.session_state[WALL_KEY] = (title, url)
            page = st.Page(WALL, title=t(title, lang), icon=icon, url_path=url)
        else:
            continue
        sections.setdefault(t(f"nav.section.{section}", lang), []).append(page)
    # expanded: every page of the role is listed (Streamlit folds lists past ten links)
    navigation = st.navigation(sections, position="hidden" if tablet else "sidebar", expanded=True)
    if not tablet:
        language_switch(on_change=keep_language if user else None)
        if user:
            account_sidebar(user)
        demo_banner(st if user else st.sidebar)
        if user and user.is_admin:
            show_definition_problems()
    try:
        navigation.run()
    except Exception:  # a bug or an outage: a calm screen, the traceback in the log only
        error_screen()


if __name__ == "__main__":
    main()  # Streamlit runs this file as __main__ on every rerun
else:
    # Imported by `streamlit run app.py` (which finds this st.App and serves it) or by an
    # ASGI server: the HTTP routes beside the pages, on Streamlit's own server. This runs
    # once, before any browser connects, which lets us say here, for the whole process, that
    # this app routes through st.navigation: Streamlit otherwise starts in its old "pages
    # directory" mode because a pages/ folder exists, and the first visitor's deep link would
    # run that file without the router. (The flag is internal to Streamlit; st.App has no
    # option for it. tests/e2e/test_staff_navigation.py checks the behaviour in a browser.)
    PagesManager.uses_pages_directory = False
    app = st.App("app.py", routes=web.routes(), middleware=web.middleware())
