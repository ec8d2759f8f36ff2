"""The account page (AppTest): a brand makes an API token (shown once), sees it listed
without the secret, revokes it; a password change signs the user out; managers get no
tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from score_impact.db.models import ApiToken, AuditEvent
from score_impact.i18n import t
from score_impact.runtime import shared
from score_impact.services.tokens import TokenRefused, scope_of_token
from tests.conftest import PASSWORD, ROOT

PAGE = str(ROOT / "pages" / "account.py")


def open_page(sign_in_as, username: str) -> AppTest:
    sign_in_as(username)
    return AppTest.from_file(PAGE, default_timeout=30).run()


def submit(at: AppTest, label_key: str) -> AppTest:
    [button] = [b for b in at.button if b.label == t(label_key, "en")]
    return button.click().run()


def test_brand_makes_a_token_shown_once_then_revokes_it(rt, accounts, sign_in_as):
    at = open_page(sign_in_as, accounts.brand)
    assert not at.exception and at.title[0].value == t("account.title", "en")
    [name] = [i for i in at.text_input if i.label == t("account.token_name", "en")]
    name.input("Power BI")
    at = submit(at, "account.create_token")
    [shown] = at.code
    token = shown.value
    assert token.startswith("sit_") and at.warning[0].value == t("account.token_shown_once", "en")
    with shared().session() as s:
        scope, _ = scope_of_token(s, token, datetime.now(UTC))
        assert scope.username == accounts.brand
        assert token not in s.scalars(select(ApiToken.token_hash)).all()
    at.run()
    assert not at.code  # never shown again
    assert at.dataframe[0].value["name"].tolist() == ["Power BI"]
    at.selectbox[-1].select_index(0)
    at = submit(at, "account.revoke")
    assert at.success[0].value == t("account.token_revoked", "en")
    with shared().session() as s, pytest.raises(TokenRefused, match="revoked"):
        scope_of_token(s, token, datetime.now(UTC))
    with shared().session() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.username == "brand")).all()
    assert {"api_token.create", "api_token.revoke"} <= set(actions)


def test_manager_changes_password_but_gets_no_tokens(rt, accounts, sign_in_as):
    at = open_page(sign_in_as, accounts.manager)
    assert t("account.tokens", "en") not in [h.value for h in at.header]
    current, new, again = at.text_input
    current.input("wrong password!")
    new.input("a fresh long passphrase")
    again.input("a fresh long passphrase")
    at = submit(at, "account.change_password")
    assert at.error[0].value == t("account.wrong_password", "en")
    current, new, again = at.text_input
    current.input(PASSWORD)
    new.input("a fresh long passphrase")
    again.input("a fresh long passphrase")
    at = submit(at, "account.change_password")
    assert at.success[0].value == t("account.password_changed", "en")
    at.run()  # the next action: this session ended with the old password
    assert at.error and at.error[0].value == t("auth.denied", "en")


def test_mismatched_new_passwords_change_nothing(rt, accounts, sign_in_as):
    at = open_page(sign_in_as, accounts.trainer)
    current, new, again = at.text_input[:3]
    current.input(PASSWORD)
    new.input("a fresh long passphrase")
    again.input("a fresh long passphrase!")
    at = submit(at, "account.change_password")
    assert at.error[0].value == t("account.passwords_differ", "en")
    at.run()
    assert not at.error  # still signed in with the old password
