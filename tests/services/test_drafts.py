"""Drafts: a lost session resumes from its code with answers intact; codes expire."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from score_impact.config import load_settings
from score_impact.db.models import (
    AttemptDraft,
    Cohort,
    Device,
    Enterprise,
    Phase,
    SurveyRound,
    utcnow,
)
from score_impact.housekeeping import start_housekeeping
from score_impact.kiosk import KioskAttempt, Step
from score_impact.pairing import make_code
from score_impact.runtime import start
from score_impact.services.drafts import (
    DRAFT_IDLE,
    RESUME_ROUND,
    RESUME_TABLET,
    UnknownResumeCode,
    discard_draft,
    purge_expired,
    resume,
    save_draft,
)
from score_impact.services.errors import RoundClosed
from score_impact.services.responses import submit_response
from score_impact.services.rounds import create_round
from score_impact.services.surveys import publish
from score_impact.services.throttle import Throttled
from tests.conftest import close_round
from tests.test_kiosk import answer_all


@pytest.fixture
def attempt(rt, world):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    a = KioskAttempt(world.worker_round_id, survey, list(world.enterprise_ids))
    a.choose_language("zh")
    a.consent(True)
    a.choose_factory(world.enterprise_ids[1])
    a.set_code(
        b"k", dict(birth_day=1, mother_birth_month=2, older_siblings=3, birth_year_last_digit=4)
    )
    a.next({i.id: 4 if i.type.value == "likert" else False for i in a.visible()})
    return a


def test_resume_restores_the_attempt_exactly(rt, attempt):
    with rt.session() as s:
        code = save_draft(s, attempt)
        again = save_draft(s, attempt)  # saving again keeps the same code
        restored = resume(s, code.lower(), attempt.round_id)
    assert again == code and len(code) == 6
    assert restored.client_uuid == attempt.client_uuid
    assert (restored.step, restored.section_index) == (Step.SECTION, attempt.section_index)
    assert restored.answers == attempt.answers and restored.language == "zh"
    assert restored.pairing == attempt.pairing and restored.resume_code == code


def test_submitting_a_resumed_attempt_stores_once_and_the_code_dies(rt, world, attempt):
    with rt.session() as s:
        code = save_draft(s, attempt)
        while attempt.step is Step.SECTION:
            assert attempt.next(answer_all(attempt)) == []
        save_draft(s, attempt)
        first = submit_response(s, attempt.submission())
        restored = resume(s, code, attempt.round_id)
        second = submit_response(s, restored.submission())
        discard_draft(s, attempt.client_uuid)
        assert second.response_id == first.response_id  # same UUID: nothing new
        with pytest.raises(UnknownResumeCode):
            resume(s, code, attempt.round_id)


def test_expired_or_unknown_codes_and_closed_rounds_are_refused(rt, world, attempt):
    with rt.session() as s:
        code = save_draft(s, attempt, now=utcnow() - DRAFT_IDLE - timedelta(seconds=1))
        with pytest.raises(UnknownResumeCode):
            resume(s, code, attempt.round_id)
        assert purge_expired(s) == 1
        with pytest.raises(UnknownResumeCode):
            resume(s, "ZZZZZZ", attempt.round_id)
        code = save_draft(s, attempt)
        close_round(s, world.worker_round_id)
        with pytest.raises(RoundClosed):
            resume(s, code, attempt.round_id)


def test_pairing_hashes_survive_but_no_code_element_is_stored(rt, world, attempt):
    with rt.session() as s:
        save_draft(s, attempt)
        state = s.scalar(select(AttemptDraft)).state
    expected = make_code(
        b"k",
        world.enterprise_ids[1],
        dict(birth_day=1, mother_birth_month=2, older_siblings=3, birth_year_last_digit=4),
    )
    assert state["pairing"]["full_hash"] == expected.full_hash
    assert "birth_day" not in str(state)


def test_start_up_purges_expired_drafts(rt, attempt):
    with rt.session() as s:
        save_draft(s, attempt, now=utcnow() - DRAFT_IDLE - timedelta(minutes=1))
    start(load_settings(), demo=False).engine.dispose()
    with rt.session() as s:
        assert s.scalars(select(AttemptDraft)).all() == []


# ----- the resume-code probes of issue 10 ---------------------------------------------


@pytest.fixture
def other_round(rt, world) -> int:
    """An open worker round of another cohort (another training class's tablets)."""
    with rt.session() as s:
        ent = s.get(Enterprise, world.other_enterprise_id)
        cohort = Cohort(name="Other cohort", module="workplace_cooperation", enterprises=[ent])
        s.add(cohort)
        s.flush()
        version = publish(s, rt.catalog.latest("worker_m1_cooperation"))
        round_id = create_round(s, cohort, Phase.BASELINE, version, join_code="OTHRWK").id
        s.commit()
    return round_id


def test_a_code_from_another_round_restores_nothing(rt, attempt, other_round):
    """The probe: a code from one cohort's tablet, typed on another cohort's tablet,
    restored that worker's answers, which could then be changed and submitted."""
    with rt.session() as s:
        code = save_draft(s, attempt)
        with pytest.raises(UnknownResumeCode):
            resume(s, code, other_round)
        assert resume(s, code, attempt.round_id).answers == attempt.answers


def test_a_code_works_only_on_the_enrolled_tablet_it_started_on(rt, attempt):
    with rt.session() as s:
        first, second = (_device(s, attempt.round_id, n) for n in (1, 2))
        attempt.device_id = first
        code = save_draft(s, attempt)
        for elsewhere in (second, None):
            with pytest.raises(UnknownResumeCode):
                resume(s, code, attempt.round_id, elsewhere)
        assert resume(s, code, attempt.round_id, first).device_id == first


def test_guessing_codes_is_throttled_per_tablet(rt, attempt):
    """The probe: 20 wrong codes in 7 seconds were all answered."""
    with rt.session() as s:
        code = save_draft(s, attempt)
        for _ in range(RESUME_TABLET.free):
            with pytest.raises(UnknownResumeCode):
                resume(s, "AAAAAA", attempt.round_id, client="10.0.0.5")
        with pytest.raises(UnknownResumeCode):  # this failure starts a wait ...
            resume(s, "BBBBBB", attempt.round_id, client="10.0.0.5")
        with pytest.raises(Throttled) as waiting:  # ... even for the right code
            resume(s, code, attempt.round_id, client="10.0.0.5")
        assert 0 < waiting.value.seconds_left() <= RESUME_TABLET.first.total_seconds()
        # another tablet of the round is not held up by this one
        assert resume(s, code, attempt.round_id, client="10.0.0.6").answers == attempt.answers


def test_guessing_across_many_browsers_is_throttled_per_round(rt, attempt):
    with rt.session() as s:
        code = save_draft(s, attempt)
        for n in range(RESUME_ROUND.free + 1):  # a new browser (address) for every guess
            with pytest.raises(UnknownResumeCode):
                resume(s, "CCCCCC", attempt.round_id, client=f"10.1.0.{n}")
        with pytest.raises(Throttled):
            resume(s, code, attempt.round_id, client="10.2.0.1")


def test_drafts_idle_two_hours_expire(rt, attempt):
    with rt.session() as s:
        code = save_draft(s, attempt, now=utcnow() - timedelta(hours=1, minutes=59))
        assert resume(s, code, attempt.round_id).client_uuid == attempt.client_uuid
        save_draft(s, attempt, now=utcnow() - timedelta(hours=2, minutes=1))
        with pytest.raises(UnknownResumeCode):
            resume(s, code, attempt.round_id)


def test_expired_drafts_are_deleted_on_a_schedule_without_a_restart(rt, attempt):
    """The probe: expired drafts (answers in clear) were deleted only at a restart."""
    with rt.session() as s:
        save_draft(s, attempt, now=utcnow() - DRAFT_IDLE - timedelta(minutes=1))
    keeper = start_housekeeping(rt, timedelta(seconds=0.2))
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with rt.session() as s:
                if not s.scalars(select(AttemptDraft)).all():
                    break
            time.sleep(0.1)
        with rt.session() as s:
            assert s.scalars(select(AttemptDraft)).all() == []
    finally:
        keeper.stop()
        keeper.join(5)


def _device(session, round_id: int, n: int) -> int:
    round_ = session.get(SurveyRound, round_id)
    device = Device(
        label=f"Tablet {n}", token_hash=f"{n:064x}", cohort_id=round_.cohort_id, enrolled_by="t"
    )
    session.add(device)
    session.commit()
    return device.id
