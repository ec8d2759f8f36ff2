"""Accounts: password hashing and policy, lockout, unknown users, session timeout, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from score_impact.db.models import AuditEvent, Cohort, Role, User
from score_impact.services import accounts as account_service
from score_impact.services.accounts import (
    LOCKOUT,
    MAX_FAILURES,
    authenticate,
    create_user,
    session_expired,
    set_password,
)
from score_impact.services.errors import AccountLocked, InvalidInput, LoginFailed
from tests.conftest import PASSWORD

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


def test_password_is_stored_as_argon2_hash_and_verifies(rt, accounts):
    with rt.session() as s:
        user = _user(s, accounts.admin)
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert authenticate(s, " Admin ", PASSWORD, NOW).id == user.id  # trimmed, any case


def test_wrong_password_and_unknown_user_fail_with_the_same_error(rt, accounts):
    with rt.session() as s:
        with pytest.raises(LoginFailed) as wrong:
            authenticate(s, accounts.admin, "not the password", NOW)
        with pytest.raises(LoginFailed) as unknown:
            authenticate(s, "nobody", PASSWORD, NOW)
    assert type(wrong.value) is type(unknown.value) is LoginFailed


class CountingHasher(PasswordHasher):
    calls = 0

    def verify(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        CountingHasher.calls += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("username", ["nobody", "admin"])
def test_known_and_unknown_users_cost_one_hash_verification(rt, accounts, monkeypatch, username):
    hasher = CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(account_service, "HASHER", hasher)
    CountingHasher.calls = 0
    with rt.session() as s, pytest.raises(LoginFailed):
        authenticate(s, username, "whatever-password", NOW)
    assert CountingHasher.calls == 1


def test_five_failures_lock_for_fifteen_minutes_then_success_resets(rt, accounts):
    with rt.session() as s:
        for _ in range(MAX_FAILURES - 1):
            with pytest.raises(LoginFailed) as exc:
                authenticate(s, accounts.trainer, "wrong-password", NOW)
            assert not isinstance(exc.value, AccountLocked)
        with pytest.raises(AccountLocked) as locked:
            authenticate(s, accounts.trainer, "wrong-password", NOW)
        assert locked.value.retry_at == NOW + LOCKOUT
        # while locked even the right password is refused, and says until when
        with pytest.raises(AccountLocked) as still:
            authenticate(s, accounts.trainer, PASSWORD, NOW + LOCKOUT - timedelta(seconds=1))
        assert still.value.retry_at == NOW + LOCKOUT
        user = authenticate(s, accounts.trainer, PASSWORD, NOW + LOCKOUT)
        assert (user.failed_logins, user.locked_until) == (0, None)


def test_success_resets_the_failure_count(rt, accounts):
    with rt.session() as s:
        for _ in range(MAX_FAILURES - 1):
            with pytest.raises(LoginFailed):
                authenticate(s, accounts.brand, "wrong-password", NOW)
        authenticate(s, accounts.brand, PASSWORD, NOW)
        with pytest.raises(LoginFailed) as exc:
            authenticate(s, accounts.brand, "wrong-password", NOW)
        assert not isinstance(exc.value, AccountLocked)


def test_unknown_user_locks_out_like_a_real_one(rt):
    with rt.session() as s:
        for _ in range(MAX_FAILURES - 1):
            with pytest.raises(LoginFailed):
                authenticate(s, "ghost", "wrong-password", NOW)
        with pytest.raises(AccountLocked) as locked:
            authenticate(s, "ghost", "wrong-password", NOW)
    assert locked.value.retry_at == NOW + LOCKOUT


def test_inactive_user_cannot_log_in(rt, accounts):
    with rt.session() as s:
        _user(s, accounts.manager).is_active = False
        s.commit()
        with pytest.raises(LoginFailed):
            authenticate(s, accounts.manager, PASSWORD, NOW)


def test_hash_is_upgraded_when_parameters_change(rt, accounts, monkeypatch):
    with rt.session() as s:
        old = _user(s, accounts.admin).password_hash
        stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
        monkeypatch.setattr(account_service, "HASHER", stronger)
        user = authenticate(s, accounts.admin, PASSWORD, NOW)
        assert user.password_hash != old and "t=2" in user.password_hash
        assert not stronger.check_needs_rehash(user.password_hash)


@pytest.mark.parametrize(
    ("idle", "expired"),
    [
        (timedelta(0), False),
        (timedelta(minutes=29, seconds=59), False),
        (timedelta(minutes=30), True),
    ],
)
def test_session_expires_after_the_idle_minutes(idle, expired):
    assert session_expired(NOW - idle, NOW, 30) is expired


def test_session_without_activity_is_expired_and_naive_times_are_utc():
    assert session_expired(None, NOW, 30)
    assert not session_expired(NOW.replace(tzinfo=None), NOW, 30)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "ab"}, "The username must be 3-40 characters"),
        ({"username": "li wei"}, "The username must be 3-40 characters"),
        ({"username": "admin"}, "The username 'admin' is already taken."),
        ({"password": "short"}, "The password must have at least 10 characters."),
        ({"password": " padded-password "}, "must not start or end with a space"),
        ({"role": "boss"}, "Unknown role 'boss'"),
        ({"role": "brand"}, "A brand account must be linked to a brand."),
        ({"role": "manager"}, "A manager account must be linked to an enterprise."),
        ({"role": "admin", "brand_id": 1}, "Only brand accounts are linked to a brand."),
        ({"role": "brand", "brand_id": 999}, "There is no brand with id 999."),
        ({"role": "manager", "enterprise_id": 999}, "There is no enterprise with id 999."),
        ({"role": "admin", "cohort_ids": [1]}, "Only trainer accounts train cohorts."),
        ({"role": "trainer", "cohort_ids": [999]}, "There is no cohort with id 999."),
    ],
)
def test_create_user_refuses_bad_input_and_stores_nothing(rt, accounts, fields, message):
    base = {"username": "newuser", "password": "a-good-password", "role": "trainer"}
    with rt.session() as s:
        users = s.scalar(select(func.count()).select_from(User))
        audits = s.scalar(select(func.count()).select_from(AuditEvent))
        with pytest.raises(InvalidInput) as exc:
            create_user(s, **{**base, **fields})
        assert any(message in p for p in exc.value.problems), exc.value.problems
        assert s.scalar(select(func.count()).select_from(User)) == users
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == audits


def test_trainer_is_linked_to_cohorts_and_creation_is_audited(rt, world):
    with rt.session() as s:
        cohort_id = s.scalar(select(Cohort.id))
        user = create_user(
            s,
            username="Hoa.Nguyen",
            password="a-good-password",
            role="trainer",
            display_name="  Nguyen Thi Hoa ",
            cohort_ids=[cohort_id],
            actor="cli",
        )
        assert (user.username, user.display_name) == ("hoa.nguyen", "Nguyen Thi Hoa")
        assert s.get(Cohort, cohort_id).trainer_id == user.id
        event = s.scalar(select(AuditEvent))
        assert (event.username, event.action, event.target) == (
            "cli",
            "user.create",
            "user:hoa.nguyen",
        )


def test_set_password_checks_policy_and_lifts_lockout(rt, accounts):
    with rt.session() as s:
        user = _user(s, accounts.brand)
        with pytest.raises(InvalidInput):
            set_password(s, user.id, "short", actor="admin")
        user.locked_until = NOW + LOCKOUT
        s.commit()
        set_password(s, user.id, "another-good-one", actor="admin")
        assert authenticate(s, accounts.brand, "another-good-one", NOW).id == user.id


def test_demo_accounts_log_in_with_their_documented_passwords(rt):
    from score_impact.demo import COHORTS, DEMO_ACCOUNTS, seed_demo
    from score_impact.services.scope import scope_of

    with rt.session() as s:
        seed_demo(s, rt.catalog, rt.settings.secret_key)
        roles = {}
        for account in DEMO_ACCOUNTS:
            user = authenticate(s, account.username, account.password, NOW)
            roles[account.role] = scope_of(s, user)
        trained = s.scalar(select(Cohort).where(Cohort.trainer_id.is_not(None)))
        assert trained.name == COHORTS[0].name and trained.trainer.username == "trainer.li"
    assert set(roles) == set(Role)
    assert len(roles[Role.MANAGER].enterprise_ids) == 1
    assert roles[Role.TRAINER].cohort_ids == {trained.id}
