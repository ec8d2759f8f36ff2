"""Staff sessions: a signed cookie names a stored session; the row decides, so sign-out,
idleness, the absolute lifetime, a password change and deactivation each end it, with the
reason kept for the message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from score_impact.db.models import StaffSession, User
from score_impact.services.accounts import set_password
from score_impact.services.sessions import (
    ABSOLUTE_LIFETIME,
    EndReason,
    check_session,
    cookie_value,
    end_session,
    set_session_language,
    start_session,
    token_from_cookie,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
IDLE = 30


def user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


@pytest.fixture
def signed_in(rt, accounts):
    with rt.session() as s:
        return start_session(s, user(s, accounts.trainer), "zh", NOW)


def check(rt, token, at=NOW, activity=True):
    with rt.session() as s:
        return check_session(s, token, at, IDLE, activity)


def test_a_fresh_session_signs_its_user_in_with_their_scope(rt, accounts, signed_in):
    found = check(rt, signed_in, NOW + timedelta(minutes=5))
    assert found.scope.username == accounts.trainer and found.lang == "zh"
    assert found.scope.cohort_ids  # the trainer's cohort, read afresh
    with rt.session() as s:
        stored = s.scalars(select(StaffSession.token_hash)).all()
    assert stored and signed_in not in stored  # only the digest is kept


def test_no_cookie_is_nobody_and_not_a_sign_out(rt, accounts):
    assert check(rt, None) == check(rt, "") and check(rt, None).ended is None


def test_idle_session_ends_and_says_why(rt, signed_in):
    found = check(rt, signed_in, NOW + timedelta(minutes=IDLE))
    assert found.scope is None and found.ended is EndReason.IDLE and found.lang == "zh"
    # Ended for good: activity after the timeout does not bring it back.
    assert check(rt, signed_in, NOW + timedelta(minutes=IDLE + 1)).ended is EndReason.IDLE


def test_activity_keeps_it_alive_but_a_timer_does_not(rt, signed_in):
    for minutes in (20, 40, 60):  # a person acts every 20 minutes
        assert check(rt, signed_in, NOW + timedelta(minutes=minutes)).scope is not None
    later = NOW + timedelta(minutes=60)
    for minutes in (20, 29):  # a live dashboard refreshing on its own
        assert check(rt, signed_in, later + timedelta(minutes=minutes), activity=False).scope
    assert check(rt, signed_in, later + timedelta(minutes=IDLE), activity=False).ended is (
        EndReason.IDLE
    )


def test_absolute_lifetime_ends_even_an_active_session(rt, signed_in):
    at = NOW
    while at < NOW + ABSOLUTE_LIFETIME - timedelta(minutes=20):
        at += timedelta(minutes=20)
        assert check(rt, signed_in, at).scope is not None
    assert check(rt, signed_in, NOW + ABSOLUTE_LIFETIME).ended is EndReason.EXPIRED


def test_sign_out_ends_it_for_every_tab(rt, signed_in):
    with rt.session() as s:
        end_session(s, signed_in, NOW)
    assert check(rt, signed_in).ended is EndReason.SIGNED_OUT


def test_a_password_change_ends_older_sessions_only(rt, accounts, signed_in):
    with rt.session() as s:
        trainer = user(s, accounts.trainer)
        set_password(s, trainer.id, "another long passphrase", actor="admin")
        newer = start_session(s, trainer, "en", NOW)
    assert check(rt, signed_in).ended is EndReason.PASSWORD_CHANGED
    assert check(rt, newer).scope is not None


def test_deactivation_ends_it(rt, accounts, signed_in):
    with rt.session() as s:
        user(s, accounts.trainer).is_active = False
        s.commit()
    assert check(rt, signed_in).ended is EndReason.DEACTIVATED


def test_language_is_kept_on_the_session(rt, signed_in):
    with rt.session() as s:
        set_session_language(s, signed_in, "en")
    assert check(rt, signed_in).lang == "en"


def test_cookie_signature_binds_the_token_to_this_server():
    value = cookie_value(b"server-key", "tok")
    assert token_from_cookie(b"server-key", value) == "tok"
    assert token_from_cookie(b"other-key", value) is None
    assert token_from_cookie(b"server-key", value[:-1] + "x") is None
    assert token_from_cookie(b"server-key", "tok") is None
    assert token_from_cookie(b"server-key", None) is None


def test_unknown_token_counts_as_signed_out(rt, accounts):
    assert check(rt, "never-issued").ended is EndReason.SIGNED_OUT
