"""Enrolled tablets and the audience check at the one submit path (``submit_response``),
written as the attacks of issue 10: the manager survey sent as a worker's answers, and
anonymous ballot-stuffing with a known join code."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from score_impact.db.models import AuditEvent, Response, SurveyRound, User, utcnow
from score_impact.services import devices
from score_impact.services.devices import EnrolmentInvalid
from score_impact.services.errors import AccessDenied, InvalidSubmission, NotEnrolled
from score_impact.services.responses import Submission, submit_response
from score_impact.services.scope import scope_of
from tests.answering import answer_items


def _scope(s, username: str):
    return scope_of(s, s.scalar(select(User).where(User.username == username)))


def _submission(world, survey, **kw) -> Submission:
    base = dict(
        client_uuid=str(uuid.uuid4()),
        round_id=world.worker_round_id,
        enterprise_id=world.enterprise_ids[0],
        language="en",
        answers=answer_items(survey.items),
    )
    return Submission(**(base | kw))


def _enrol(s, scope, cohort_id: int, **kw):
    link = devices.create_enrolment(s, scope, cohort_id, **kw)
    return devices.enrol_device(s, link.token)


def _require_enrolment(s, round_id: int) -> None:
    round_ = s.get(SurveyRound, round_id)
    round_.settings = {**(round_.settings or {}), devices.ROUND_SETTING: True}
    s.commit()


def test_manager_answers_sent_as_a_worker_response_are_refused(rt, world):
    """The probe: the kiosk took a manager round's code and stored the manager survey as
    a worker response; the submit path itself must refuse it whatever sent it."""
    manager = rt.catalog.latest("manager_m1").survey
    sub = _submission(world, manager, round_id=world.manager_round_id)
    with rt.session() as s:
        with pytest.raises(InvalidSubmission) as refused:
            submit_response(s, sub)
        assert [i.code for i in refused.value.issues] == ["wrong_audience"]
        assert s.scalar(select(func.count()).select_from(Response)) == 0


def test_a_worker_response_into_a_manager_round_is_refused_too(rt, world):
    worker = rt.catalog.latest("worker_m1_cooperation").survey
    sub = _submission(world, worker, round_id=world.manager_round_id, audience="worker")
    with rt.session() as s, pytest.raises(InvalidSubmission):
        submit_response(s, sub)


def test_a_trainer_enrols_a_tablet_and_its_responses_carry_it(rt, world, accounts):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    with rt.session() as s:
        trainer = _scope(s, accounts.trainer)
        cohort_id = s.get(SurveyRound, world.worker_round_id).cohort_id
        device, token, code = _enrol(s, trainer, cohort_id, join_code="TESTWK")
        assert code == "TESTWK" and devices.device_for_token(s, token) == device
        assert devices.device_for_token(s, token + "x") is None  # a forged cookie
        _require_enrolment(s, world.worker_round_id)
        stored = submit_response(s, _submission(world, survey, device_id=device.id))
        assert s.get(Response, stored.response_id).device_id == device.id
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"device.enrolment_link", "device.enrol"} <= actions


def test_unenrolled_or_foreign_tablets_cannot_stuff_an_enrolled_only_round(rt, world, accounts):
    """The probe: anyone who knew a join code could submit without limit, even as a
    competitor factory of the same cohort."""
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    with rt.session() as s:
        admin = _scope(s, accounts.admin)
        cohort_id = s.get(SurveyRound, world.worker_round_id).cohort_id
        own, _, _ = _enrol(s, admin, cohort_id)
        _require_enrolment(s, world.worker_round_id)
        for device_id in (None, 9999):
            with pytest.raises(NotEnrolled):
                submit_response(s, _submission(world, survey, device_id=device_id))
        devices.revoke_device(s, admin, own.id)
        with pytest.raises(NotEnrolled):
            submit_response(s, _submission(world, survey, device_id=own.id))
        # paper sheets are keyed by signed-in staff, not by a tablet
        submit_response(s, _submission(world, survey, source="paper"))
        assert s.scalar(select(func.count()).select_from(Response)) == 1


def test_enrolment_links_expire_and_run_out(rt, world, accounts):
    with rt.session() as s:
        admin = _scope(s, accounts.admin)
        cohort_id = s.get(SurveyRound, world.worker_round_id).cohort_id
        link = devices.create_enrolment(s, admin, cohort_id, hours=1, max_devices=2)
        devices.enrol_device(s, link.token)
        devices.enrol_device(s, link.token)
        with pytest.raises(EnrolmentInvalid):
            devices.enrol_device(s, link.token)  # used up
        later = devices.create_enrolment(s, admin, cohort_id, hours=1)
        with pytest.raises(EnrolmentInvalid):
            devices.enrol_device(s, later.token, now=utcnow() + timedelta(hours=1, seconds=1))
        with pytest.raises(EnrolmentInvalid):
            devices.enrol_device(s, "not-a-token")


def test_a_trainer_enrols_tablets_for_their_own_cohorts_only(rt, world, accounts):
    with rt.session() as s:
        brand = _scope(s, accounts.brand)
        cohort_id = s.get(SurveyRound, world.worker_round_id).cohort_id
        with pytest.raises(AccessDenied):
            devices.create_enrolment(s, brand, cohort_id)
