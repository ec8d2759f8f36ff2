"""Accounts: password hashing and policy, lockout, unknown users, session timeout, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from score_impact.db.models import AuditEvent, Cohort, Role, User
from score_impact.services import accounts as account_service
from score_impact.services.accounts import (
    CLIENT,
    SIGN_IN,
    authenticate,
    create_user,
    password_problems,
    session_expired,
    set_password,
)
from score_impact.services.errors import InvalidInput, LoginFailed, TooManyAttempts
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


ATTACKER, ADMIN_DESK = "203.0.113.7", "198.51.100.20"


def _fail(s, username: str, client: str, when: datetime) -> LoginFailed:
    with pytest.raises(LoginFailed) as exc:
        authenticate(s, username, "wrong-password", when, client)
    return exc.value


def test_failures_make_the_same_client_wait_longer_and_longer(rt, accounts):
    with rt.session() as s:
        for _ in range(SIGN_IN.free):
            assert not isinstance(_fail(s, accounts.trainer, ATTACKER, NOW), TooManyAttempts)
        waits = []
        when = NOW
        for _ in range(6):
            refused = _fail(s, accounts.trainer, ATTACKER, when)
            assert isinstance(refused, TooManyAttempts)
            waits.append(refused.retry_at - when)
            # while waiting even the right password is refused, and says for how long
            with pytest.raises(TooManyAttempts):
                authenticate(s, accounts.trainer, PASSWORD, when, ATTACKER)
            when = refused.retry_at
        assert waits == [timedelta(seconds=2 * 2**i) for i in range(6)]  # 2, 4, 8 ... s
        assert authenticate(s, accounts.trainer, PASSWORD, when, ATTACKER).username == "trainer"


def test_nobody_can_lock_the_admin_out_from_elsewhere(rt, accounts):
    """The probe: five guesses every 15 minutes kept ``admin`` locked for everyone."""
    with rt.session() as s:
        when = NOW
        for _ in range(40):  # an attacker hammering the admin account for hours
            refused = _fail(s, accounts.admin, ATTACKER, when)
            when = getattr(refused, "retry_at", when)
        assert isinstance(_fail(s, accounts.admin, ATTACKER, when), TooManyAttempts)
        assert when - NOW > timedelta(hours=2)  # the attacker got ~40 guesses in hours
        # the admin, at their own desk, signs in at once
        assert authenticate(s, accounts.admin, PASSWORD, when, ADMIN_DESK).username == "admin"


def test_a_caps_waits_at_fifteen_minutes_and_forgets_after_a_day(rt, accounts):
    with rt.session() as s:
        when = NOW
        for _ in range(20):
            refused = _fail(s, accounts.brand, ATTACKER, when)
            wait = getattr(refused, "retry_at", when) - when
            when += wait
        assert wait == timedelta(minutes=15)
        later = when + timedelta(hours=24)
        assert not isinstance(_fail(s, accounts.brand, ATTACKER, later), TooManyAttempts)


def test_one_client_trying_many_accounts_is_slowed_too(rt, accounts):
    with rt.session() as s:
        for n in range(CLIENT.free):
            _fail(s, f"user{n}", ATTACKER, NOW)  # each account fails only once
        assert isinstance(_fail(s, "user-next", ATTACKER, NOW), TooManyAttempts)
        assert not isinstance(_fail(s, "user-next", ADMIN_DESK, NOW), TooManyAttempts)


def test_success_resets_the_failure_count(rt, accounts):
    with rt.session() as s:
        for _ in range(SIGN_IN.free):
            _fail(s, accounts.brand, ATTACKER, NOW)
        authenticate(s, accounts.brand, PASSWORD, NOW, ATTACKER)
        assert not isinstance(_fail(s, accounts.brand, ATTACKER, NOW), TooManyAttempts)


def test_unknown_user_is_slowed_like_a_real_one(rt):
    with rt.session() as s:
        for _ in range(SIGN_IN.free):
            _fail(s, "ghost", ATTACKER, NOW)
        refused = _fail(s, "ghost", ATTACKER, NOW)
    assert isinstance(refused, TooManyAttempts) and refused.retry_at == NOW + SIGN_IN.first


def test_sign_ins_failures_and_waits_are_audited(rt, accounts):
    with rt.session() as s:
        authenticate(s, accounts.admin, PASSWORD, NOW, ADMIN_DESK)
        for _ in range(SIGN_IN.free + 1):
            _fail(s, accounts.trainer, ATTACKER, NOW)
        _fail(s, "ghost", ATTACKER, NOW)
        events = [
            (e.username, e.action, e.target, e.detail.get("client"))
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if e.action.startswith("auth.")
        ]
    assert events[0] == ("admin", "auth.sign_in", "user:admin", ADMIN_DESK)
    failed = ("trainer", "auth.sign_in_failed", "user:trainer", ATTACKER)
    assert events[1 : 2 + SIGN_IN.free] == [failed] * (SIGN_IN.free + 1)
    assert events[2 + SIGN_IN.free] == ("-", "auth.throttled", "user:trainer", ATTACKER)
    # a username that does not exist is not written down (it may be a mistyped password)
    assert events[-1] == ("-", "auth.sign_in_failed", "user:(unknown)", ATTACKER)


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
        ({"password": "short"}, "The password must have at least 12 characters."),
        ({"password": "aaaaaaaaaa"}, "The password must have at least 12 characters."),
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
    base = {"username": "newuser", "password": "a-good-long-password", "role": "trainer"}
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
            password="a-good-long-password",
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


def test_set_password_checks_policy(rt, accounts):
    with rt.session() as s:
        user = _user(s, accounts.brand)
        with pytest.raises(InvalidInput):
            set_password(s, user.id, "short", actor="admin")
        set_password(s, user.id, "another-good-one", actor="admin")
        assert authenticate(s, accounts.brand, "another-good-one", NOW).id == user.id


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("aaaaaaaaaa", "short"),  # the probe: accepted before
        ("aaaaaaaaaaaa", "simple"),
        ("abcdefghijkl", "simple"),
        ("987654321098", "simple"),
        ("abcabcabcabc", "simple"),
        ("121212121212", "simple"),
        ("qwertyuiop123", "common"),  # in the bundled list
        ("password2026!", "common"),  # a common password, decorated
        ("!!Sunshine1234", "common"),
        ("trainer.li-2026", "username"),
    ],
)
def test_weak_passwords_are_refused(password, code):
    assert f"account.problem.{code}" in [p.key for p in password_problems(password, "trainer.li")]


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "demo-admin-2026", "tea garden ladder 7", "Xk3#p9Lm2$qR"],
)
def test_reasonable_passwords_pass(password):
    assert password_problems(password, "someone") == []


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
