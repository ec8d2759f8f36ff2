"""Admin services: validation messages, nothing stored on error, an audit row per change."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from score_impact.db.models import (
    AuditEvent,
    Brand,
    Cohort,
    Enterprise,
    Response,
    RoundStatus,
    SurveyRound,
    SurveyVersion,
    User,
)
from score_impact.i18n import strings
from score_impact.services import admin
from score_impact.services.errors import AccessDenied, InvalidInput
from score_impact.services.scope import Scope, scope_of
from score_impact.services.surveys import publish
from score_impact.surveys.xlsform import survey_to_yaml
from tests.surveys.test_xlsform import write_form

TABLES = (AuditEvent, Brand, Enterprise, Cohort, SurveyRound, SurveyVersion)


def _counts(s) -> dict[str, int]:
    return {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}


def _scope(s, username: str) -> Scope:
    return scope_of(s, s.scalar(select(User).where(User.username == username)))


@pytest.fixture
def boss(rt, accounts) -> Scope:
    with rt.session() as s:
        return _scope(s, accounts.admin)


def _events(s) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


@pytest.mark.parametrize("role", ["trainer", "brand", "manager"])
def test_only_admins_may_change_anything(rt, accounts, role):
    with rt.session() as s:
        scope = _scope(s, getattr(accounts, role))
        with pytest.raises(AccessDenied):
            admin.save_brand(s, scope, "Sneaky Brand")
        with pytest.raises(AccessDenied):
            admin.audit_events(s, scope)


def test_brand_is_created_trimmed_renamed_and_audited(rt, boss):
    with rt.session() as s:
        brand = admin.save_brand(s, boss, "  Acme   Outdoor ")
        assert brand.name == "Acme Outdoor"
        admin.save_brand(s, boss, "Acme Outdoor Gear", brand_id=brand.id)
        events = [e for e in _events(s) if e.target == f"brand:{brand.id}"]
    assert [(e.username, e.action) for e in events] == [
        ("admin", "brand.create"),
        ("admin", "brand.update"),
    ]
    assert events[1].detail == {"changes": {"name": ["Acme Outdoor", "Acme Outdoor Gear"]}}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, b: admin.save_brand(s, b, "   "), "The brand name must not be empty."),
        (
            lambda s, b: admin.save_brand(s, b, "test brand"),
            "A brand named 'test brand' already exists; choose another name.",
        ),
        (lambda s, b: admin.save_brand(s, b, "x" * 121), "at most 120 characters"),
        (lambda s, b: admin.save_brand(s, b, "New", brand_id=999), "There is no brand with id"),
        (
            lambda s, b: admin.save_enterprise(
                s,
                b,
                name="alpha garments",
                country="",
                sector="x",
                size_band="huge",
                headcount=0,
                brand_ids=[999],
            ),
            "An enterprise named",
        ),
        (
            lambda s, b: admin.save_enterprise(
                s, b, name="New Co", country="", sector="toys", size_band="50-249"
            ),
            "The country must not be empty.",
        ),
        (
            lambda s, b: admin.save_enterprise(
                s, b, name="New Co", country="China", sector="toys", size_band="huge"
            ),
            "The size band must be one of",
        ),
        (
            lambda s, b: admin.save_enterprise(
                s,
                b,
                name="New Co",
                country="China",
                sector="toys",
                size_band="50-249",
                headcount=0,
            ),
            "The headcount must be a whole number of at least 1",
        ),
        (
            lambda s, b: admin.save_enterprise(
                s,
                b,
                name="New Co",
                country="China",
                sector="toys",
                size_band="50-249",
                brand_ids=[999],
            ),
            "There is no brand with id 999.",
        ),
        (
            lambda s, b: admin.save_cohort(
                s,
                b,
                name="C",
                module="workplace_cooperation",
                start_date=date(2026, 5, 1),
                end_date=date(2026, 4, 30),
            ),
            "The end date must be on or after the start date.",
        ),
        (
            lambda s, b: admin.save_cohort(s, b, name="C", module="knitting"),
            "Unknown module 'knitting'",
        ),
        (
            lambda s, b: admin.save_cohort(
                s, b, name="C", module="quality_management", trainer_id=b.user_id
            ),
            "is not a trainer account",
        ),
        (
            lambda s, b: admin.save_cohort(s, b, name="Test Cohort", module="quality_management"),
            "A cohort named 'Test Cohort' already exists",
        ),
        (
            lambda s, b: admin.add_round(
                s, b, cohort_id=999, phase="baseline", survey_version_id=1
            ),
            "There is no cohort with id 999.",
        ),
        (
            lambda s, b: admin.add_round(
                s,
                b,
                cohort_id=s.scalar(select(Cohort.id)),
                phase="midline",
                survey_version_id=1,
            ),
            "Unknown phase 'midline'",
        ),
        (
            lambda s, b: admin.add_round(
                s,
                b,
                cohort_id=s.scalar(select(Cohort.id)),
                phase="follow_up_2",
                survey_version_id=1,
                opens_on=date(2026, 6, 2),
                closes_on=date(2026, 6, 1),
            ),
            "The closing date must be on or after the opening date.",
        ),
        (
            lambda s, b: admin.set_round_status(s, b, 999, "open"),
            "There is no round with id 999.",
        ),
    ],
)
def test_invalid_changes_say_why_and_store_nothing(rt, world, boss, call, message):
    with rt.session() as s:
        before = _counts(s)
        with pytest.raises(InvalidInput) as exc:
            call(s, boss)
        assert any(message in p for p in exc.value.problems), exc.value.problems
        assert _counts(s) == before


def test_all_problems_are_reported_at_once(rt, world, boss):
    with rt.session() as s, pytest.raises(InvalidInput) as exc:
        admin.save_enterprise(s, boss, name="", country="", sector="", size_band="?")
    assert len(exc.value.problems) == 4


def test_enterprise_with_brand_links_then_edited(rt, world, boss):
    with rt.session() as s:
        brand_id = admin.save_brand(s, boss, "Second Brand").id
        ent = admin.save_enterprise(
            s,
            boss,
            name="Delta Toys",
            country="Viet Nam",
            sector="toys",
            size_band="250-999",
            headcount=300,
            brand_ids=[brand_id],
        )
        admin.save_enterprise(
            s,
            boss,
            enterprise_id=ent.id,
            name="Delta Toys",
            country="Viet Nam",
            sector="toys",
            size_band="1000+",
            headcount=1200,
            brand_ids=[],
        )
        s.expire_all()
        ent = s.get(Enterprise, ent.id)
        assert (ent.size_band, ent.brands) == ("1000+", [])
        last = _events(s)[-1]
    assert last.action == "enterprise.update"
    assert last.detail["changes"]["brand_ids"] == [[brand_id], []]
    assert last.detail["changes"]["size_band"] == ["250-999", "1000+"]


def test_cohort_with_trainer_and_enterprises(rt, world, boss, accounts):
    with rt.session() as s:
        trainer_id = s.scalar(select(User.id).where(User.username == accounts.trainer))
        cohort = admin.save_cohort(
            s,
            boss,
            name="Quality class 2026",
            module="quality_management",
            trainer_id=trainer_id,
            start_date=date(2026, 4, 1),
            end_date=date(2026, 8, 1),
            enterprise_ids=list(world.enterprise_ids),
            is_comparison=False,
        )
        assert s.get(Cohort, cohort.id).trainer_id == trainer_id
        event = _events(s)[-1]
    assert (event.action, event.target) == ("cohort.create", f"cohort:{cohort.id}")
    assert event.detail["changes"]["start_date"] == [None, "2026-04-01"]


def test_enterprise_with_answers_cannot_leave_its_cohort(rt, world, boss):
    with rt.session() as s:
        s.add(
            Response(
                client_uuid="00000000-0000-4000-8000-000000000001",
                round_id=world.worker_round_id,
                enterprise_id=world.enterprise_ids[0],
                audience="worker",
                language="en",
            )
        )
        s.commit()
        cohort = s.scalar(select(Cohort).where(Cohort.name == "Test cohort"))
        with pytest.raises(InvalidInput) as exc:
            admin.save_cohort(
                s,
                boss,
                cohort_id=cohort.id,
                name=cohort.name,
                module=cohort.module,
                enterprise_ids=[world.enterprise_ids[1]],
            )
    assert "Alpha Garments" in exc.value.problems[0]


def test_round_created_as_draft_then_opened_and_closed_with_audit(rt, world, boss):
    with rt.session() as s:
        cohort_id = s.scalar(select(Cohort.id).where(Cohort.name == "Test cohort"))
        version_id = s.scalar(
            select(SurveyVersion.id).where(SurveyVersion.survey_key == "worker_m1_cooperation")
        )
        row = admin.add_round(
            s, boss, cohort_id=cohort_id, phase="follow_up_2", survey_version_id=version_id
        )
        assert row.status == RoundStatus.DRAFT and len(row.join_code) == 6
        admin.set_round_status(s, boss, row.id, RoundStatus.OPEN)
        admin.set_round_status(s, boss, row.id, "closed")
        old = row.join_code
        admin.renew_join_code(s, boss, row.id)
        assert s.get(SurveyRound, row.id).join_code != old
        actions = [e.action for e in _events(s)]
        with pytest.raises(InvalidInput) as twin:
            admin.add_round(
                s, boss, cohort_id=cohort_id, phase="baseline", survey_version_id=version_id
            )
    assert actions[-4:] == ["round.create", "round.status", "round.status", "round.join_code"]
    assert "already has a worker round for phase baseline (code TESTWK)" in twin.value.problems[0]


def test_a_round_uses_a_survey_of_the_cohorts_module(rt, world, boss):
    with rt.session() as s:
        cohort_id = s.scalar(select(Cohort.id).where(Cohort.name == "Test cohort"))
        safety = publish(s, rt.catalog.latest("worker_m5_safety"))
        s.commit()
        with pytest.raises(InvalidInput) as refused:
            admin.add_round(
                s, boss, cohort_id=cohort_id, phase="follow_up_2", survey_version_id=safety.id
            )
    [problem] = refused.value.problems
    assert problem == (
        "worker_m5_safety measures Occupational Safety and Health, but cohort 'Test cohort' "
        "takes Workplace Cooperation: choose a survey of the cohort's module."
    )
    assert (
        "Tiếng" not in refused.value.messages("vi")[0]
        and "mô-đun" in refused.value.messages("vi")[0]
    )


def test_qr_code_is_a_png_of_the_tablet_link():
    assert admin.tablet_link("http://host:8501/", "AFWDEMO") == "http://host:8501/?code=AFWDEMO"
    png = admin.qr_png("http://host:8501", "AFWDEMO")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 200


def _yaml(rt, version: int, **changes) -> str:
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    return survey_to_yaml(survey.model_copy(update={"version": version, **changes}))


def test_upload_yaml_publishes_a_new_version_once_and_audits_it(rt, world, boss):
    with rt.session() as s:
        first = admin.upload_survey_yaml(s, boss, _yaml(rt, 99), "worker_v99.yaml")
        again = admin.upload_survey_yaml(s, boss, _yaml(rt, 99), "worker_v99.yaml")
        events = [e for e in _events(s) if e.action == "survey.publish"]
    assert first.ok and (first.survey_key, first.version) == ("worker_m1_cooperation", 99)
    assert again.ok and again.already_published
    assert len(events) == 1 and events[0].target == "survey:worker_m1_cooperation v99"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [unclosed", "not valid YAML"),
        ("- a list", "the file must hold one survey"),
        ("id: x\nversion: 1\n", "title"),
    ],
)
def test_upload_yaml_errors_are_returned_and_nothing_is_stored(rt, world, boss, text, message):
    with rt.session() as s:
        before = _counts(s)
        result = admin.upload_survey_yaml(s, boss, text, "bad.yaml")
        assert not result.ok and any(message in p for p in result.problems), result.problems
        assert _counts(s) == before


def test_changed_survey_with_the_same_version_is_refused(rt, world, boss):
    published = rt.catalog.latest("worker_m1_cooperation").survey
    edited = _yaml(rt, published.version, title={"en": "Edited", "vi": "Đã sửa", "zh": "已编辑"})
    with rt.session() as s:
        before = _counts(s)
        result = admin.upload_survey_yaml(s, boss, edited, "edited.yaml")
        assert _counts(s) == before
    assert "give the changed survey a new version number" in result.problems[0]


def test_upload_xlsform_publishes_or_reports_problems(rt, world, boss, tmp_path):
    form = write_form(tmp_path / "worker_pulse.xlsx")
    with rt.session() as s:
        before = _counts(s)
        bad = admin.upload_xlsform(s, boss, io.BytesIO(b"not a workbook"), "worker", "x.xlsx")
        assert not bad.ok and "not a readable .xlsx workbook" in bad.problems[0]
        assert _counts(s) == before
        with form.open("rb") as handle:
            result = admin.upload_xlsform(s, boss, handle, "worker", form.name)
        assert result.ok, result.problems
        stored = s.scalar(
            select(SurveyVersion).where(SurveyVersion.survey_key == result.survey_key)
        )
        assert stored.audience == "worker" and _events(s)[-1].action == "survey.publish"


def test_listings_for_the_admin_pages(rt, world, boss, accounts):
    with rt.session() as s:
        assert [b["name"] for b in admin.brands(s, boss)] == ["Test Brand"]
        ents = admin.enterprises(s, boss)
        assert ents[0]["brands"] == "Test Brand" and len(ents) == 3
        assert admin.cohorts(s, boss)[0]["enterprises"] == "Alpha Garments, Beta Knitwear"
        assert list(admin.trainers(s, boss).values()) == ["trainer (trainer)"]
        assert {r["join_code"] for r in admin.rounds(s, boss)} == {"TESTWK", "TESTMG", "CLSDWK"}
        assert "worker_m1_cooperation v1 (worker)" in admin.survey_versions(s, boss).values()
        assert admin.audit_events(s, boss)[0]["action"] == "user.create"


def test_autoplay_setting_is_saved_and_audited(rt, world, boss):
    with rt.session() as s:
        admin.set_autoplay(s, boss, world.worker_round_id, True)
        assert s.get(SurveyRound, world.worker_round_id).settings == {"autoplay_audio": True}
        [row] = [r for r in admin.rounds(s, boss) if r["id"] == world.worker_round_id]
        assert row["autoplay_audio"] is True
        event = _events(s)[-1]
        assert (event.action, event.detail) == ("round.autoplay", {"autoplay": [False, True]})


def test_problems_are_string_keys_the_page_translates(rt, world, boss):
    with rt.session() as s:
        cohort_id = s.scalar(select(Cohort.id).where(Cohort.name == "Test cohort"))
        version_id = s.scalar(
            select(SurveyVersion.id).where(SurveyVersion.survey_key == "worker_m1_cooperation")
        )
        with pytest.raises(InvalidInput) as exc:
            admin.add_round(
                s,
                boss,
                cohort_id=cohort_id,
                phase="baseline",
                survey_version_id=version_id,
                opens_on=date(2026, 6, 2),
                closes_on=date(2026, 6, 1),
            )
    assert [p.key for p in exc.value.details] == [
        "admin.problem.closes_before_opens",
        "admin.problem.round_exists",
    ]
    assert exc.value.problems == exc.value.messages("en")
    assert exc.value.messages("zh") == [
        "关闭日期不能早于开放日期。",
        "培训班“Test cohort”在基线阶段已经有员工问卷轮次（代码 TESTWK）。",  # terms translated
    ]


def test_every_problem_key_of_the_admin_service_has_a_string():
    """Keys built from an entity (``name_empty.{what}``) must match at least one string."""
    source = Path(admin.__file__).read_text(encoding="utf-8")
    keys = re.findall(r'Problem\(f?"([^"]+)"', source)
    assert len(keys) > 20
    for key in keys:
        pattern = re.compile(re.sub(r"\\{\w+(\\.\w+)?\\}", r"\\w+", re.escape(key)) + "$")
        assert any(pattern.match(k) for k in strings()), key
