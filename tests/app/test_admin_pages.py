"""The admin pages in Chinese (AppTest): every label from locales/<lang>/ui.yaml, and the admin
service's refusals shown in the reader's language."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from score_impact.i18n import t
from tests.conftest import ROOT

TITLES = {
    "pages/admin_org.py": "admin.org.title",
    "pages/admin_rounds.py": "admin.rounds.title",
    "pages/admin_surveys.py": "admin.surveys.title",
    "pages/admin_audit.py": "admin.audit.title",
    "pages/admin_translations.py": "translations.title",
}


def admin_in(sign_in_as, username: str, lang: str, page: str) -> AppTest:
    """``page`` for a signed-in admin who chose ``lang`` in the sidebar switch."""
    sign_in_as(username)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["ui_lang"] = lang
    at.run()
    return at.switch_page(page).run()


@pytest.mark.parametrize("page", list(TITLES))
def test_admin_pages_render_in_chinese(rt, accounts, sign_in_as, page):
    at = admin_in(sign_in_as, accounts.admin, "zh", page)
    assert not at.exception, at.exception
    assert [e.value for e in at.title] == [t(TITLES[page], "zh")] and not at.error
    assert at.title[0].value != t(TITLES[page], "en")


def test_round_page_labels_and_status_in_chinese(rt, accounts, sign_in_as):
    at = admin_in(sign_in_as, accounts.admin, "zh", "pages/admin_rounds.py")
    [metric] = at.metric
    assert metric.label == "状态"
    assert metric.value in {t(f"admin.status.{s}", "zh") for s in ("draft", "open", "closed")}
    assert [b.label for b in at.selectbox][:2] == ["培训班", "阶段"]
    assert at.selectbox[1].options == ["基线", "跟踪", "第二次跟踪"]


def test_refused_change_is_explained_in_chinese(rt, accounts, sign_in_as):
    at = admin_in(sign_in_as, accounts.admin, "zh", "pages/admin_org.py")
    [name] = [i for i in at.text_input if i.label == "品牌名称"]
    name.input("test brand")  # "Test Brand" exists; names are unique ignoring case
    [save] = [b for b in at.button if b.label == "保存品牌"]
    save.click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["已经有名为“test brand”的品牌，请换一个名称。"]


def test_refused_change_stays_english_in_english(rt, accounts, sign_in_as):
    at = admin_in(sign_in_as, accounts.admin, "en", "pages/admin_org.py")
    [name] = [i for i in at.text_input if i.label == "Brand name"]
    name.input("   ")
    [save] = [b for b in at.button if b.label == "Save brand"]
    save.click().run()
    assert [e.value for e in at.error] == ["The brand name must not be empty."]


def test_translations_page_shows_each_file_and_vietnamese_drafts_in_vietnamese(
    sign_in_as, accounts
):
    at = admin_in(sign_in_as, accounts.admin, "vi", "pages/admin_translations.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "Bản dịch"
    at.selectbox[0].set_value("vi").run()
    table = at.dataframe[0].value
    files = dict(zip(table[t("translations.col.file", "vi")],
                     table[t("translations.col.draft", "vi")], strict=True))  # fmt: skip
    assert files["ui"] > 500 and files["worker_m1_cooperation.v2"] > 50
    assert set(table[t("translations.col.missing", "vi")]) == {0}
    assert at.info[0].value == t("translations.drafts", "vi")  # drafts are shown as drafts
