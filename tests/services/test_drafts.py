"""Drafts: a lost session resumes from its code with answers intact; codes expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from score_impact.config import load_settings
from score_impact.db.models import AttemptDraft, utcnow
from score_impact.kiosk import KioskAttempt, Step
from score_impact.pairing import make_code
from score_impact.runtime import start
from score_impact.services.drafts import (
    UnknownResumeCode,
    discard_draft,
    purge_expired,
    resume,
    save_draft,
)
from score_impact.services.errors import RoundClosed
from score_impact.services.responses import submit_response
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
        restored = resume(s, code.lower())
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
        restored = resume(s, code)
        second = submit_response(s, restored.submission())
        discard_draft(s, attempt.client_uuid)
        assert second.response_id == first.response_id  # same UUID: nothing new
        with pytest.raises(UnknownResumeCode):
            resume(s, code)


def test_expired_or_unknown_codes_and_closed_rounds_are_refused(rt, world, attempt):
    with rt.session() as s:
        code = save_draft(s, attempt, now=utcnow() - timedelta(hours=13))
        with pytest.raises(UnknownResumeCode):
            resume(s, code)
        assert purge_expired(s) == 1
        with pytest.raises(UnknownResumeCode):
            resume(s, "ZZZZZZ")
        code = save_draft(s, attempt)
        close_round(s, world.worker_round_id)
        with pytest.raises(RoundClosed):
            resume(s, code)


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
        save_draft(s, attempt, now=utcnow() - timedelta(hours=13))
    start(load_settings(), demo=False).engine.dispose()
    with rt.session() as s:
        assert s.scalars(select(AttemptDraft)).all() == []
