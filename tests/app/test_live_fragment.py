"""The dashboard's self-refreshing live counts honour the idle timeout and a deactivated
account (the probe: the fragment kept refreshing after both). A fragment refresh runs
``still_signed_in`` only; it is tested here through a one-line app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from score_impact.db.models import User


def _app() -> None:
    import streamlit as st

    from pages.auth import still_signed_in

    st.write("alive" if still_signed_in() else "signed out")


def _run(rt, username: str, idle: timedelta) -> AppTest:
    with rt.session() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
    at = AppTest.from_function(_app, default_timeout=30)
    at.session_state["auth_user_id"] = user_id
    at.session_state["auth_last_seen"] = seen = datetime.now(UTC) - idle
    at.run()
    if "auth_last_seen" in at.session_state:
        assert at.session_state["auth_last_seen"] == seen  # a refresh is not activity
    return at


@pytest.mark.parametrize(
    ("idle", "alive"), [(timedelta(minutes=5), True), (timedelta(hours=1), False)]
)
def test_the_live_refresh_stops_after_the_idle_timeout(rt, accounts, idle, alive):
    at = _run(rt, accounts.trainer, idle)
    assert at.markdown[0].value == ("alive" if alive else "signed out")
    assert ("auth_user_id" in at.session_state) is alive  # a refresh never extends it


def test_the_live_refresh_stops_for_a_deactivated_account(rt, accounts):
    with rt.session() as s:
        s.scalar(select(User).where(User.username == accounts.trainer)).is_active = False
        s.commit()
    at = _run(rt, accounts.trainer, timedelta(minutes=1))
    assert at.markdown[0].value == "signed out" and "auth_user_id" not in at.session_state
