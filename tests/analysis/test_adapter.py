"""Adapter: tidy frames from an in-memory SQLite database built with the real models."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from analysis import compare_phases
from analysis.adapter import (
    ANSWER_COLUMNS,
    KPI_COLUMNS,
    answers_frame,
    enterprise_brands_frame,
    kpis_frame,
    outcomes_frame,
)
from score_impact.db.models import (
    Answer,
    Base,
    Brand,
    Cohort,
    Enterprise,
    KpiValue,
    Response,
    SurveyRound,
    SurveyVersion,
)  # fmt: skip
from score_impact.pairing import make_code
from score_impact.surveys.loader import parse_survey

SURVEY = """
id: mini
version: 1
title: {en: Mini, zh: 迷你}
audience: worker
languages: [en, zh]
scales:
  agree5:
    - {value: 1, label: {en: "1", zh: "1"}}
    - {value: 2, label: {en: "2", zh: "2"}}
    - {value: 3, label: {en: "3", zh: "3"}}
    - {value: 4, label: {en: "4", zh: "4"}}
    - {value: 5, label: {en: "5", zh: "5"}}
constructs:
  - id: voice
    label: {en: Voice, zh: 发声}
sections:
  - id: s1
    title: {en: S, zh: S}
    items:
      - {id: tenure, type: single_choice, demographic: true, label: {en: T, zh: T},
         options: [{value: lt1, label: {en: "<1", zh: "<1"}},
                   {value: ge1, label: {en: ">=1", zh: ">=1"}}]}
      - {id: v1, type: likert, scale: agree5, construct: voice, label: {en: A, zh: A}}
      - {id: v2, type: likert, scale: agree5, construct: voice, reverse: true,
         label: {en: B, zh: B}}
      - {id: eit, type: yes_no, label: {en: C, zh: C}}
kpis:
  - {id: defects, label: {en: Defect rate, zh: 次品率}, unit: {en: "%", zh: "%"},
     direction: lower_is_better}
"""
KEY = b"test-key"


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def _build(session: Session):
    loaded = parse_survey(SURVEY)
    version = SurveyVersion(
        survey_key="mini", version=1, audience="worker", content_hash=loaded.content_hash,
        definition=loaded.survey.model_dump(mode="json", by_alias=True),
    )  # fmt: skip
    brand = Brand(name="Brand A")
    ents = [Enterprise(name=f"F{i}", country="CN", sector="garment", size_band="50-249")
            for i in range(2)]  # fmt: skip
    brand.enterprises = [ents[0]]
    cohort = Cohort(name="Class 1", module="workplace_cooperation", enterprises=ents)
    comparison = Cohort(name="Comparison", module="workplace_cooperation", is_comparison=True)
    session.add_all([version, brand, *ents, cohort, comparison])
    session.flush()
    rounds = {}
    for phase in ("baseline", "follow_up"):
        rounds[phase] = SurveyRound(cohort_id=cohort.id, phase=phase, join_code=phase[:6],
                                    survey_version_id=version.id)  # fmt: skip
        session.add(rounds[phase])
    session.flush()
    for w in range(6):
        elements = {"birth_day": w + 1, "mother_birth_month": 3, "older_siblings": 1,
                    "birth_year_last_digit": 7}  # fmt: skip
        code = make_code(KEY, ents[0].id, elements)
        for phase, shift in (("baseline", 0), ("follow_up", 1)):
            resp = Response(
                client_uuid=str(uuid.uuid4()), round_id=rounds[phase].id,
                enterprise_id=ents[0].id, audience="worker", language="en",
                pairing_hash=code.full_hash if w < 5 else None, pairing_parts=code.parts_text,
            )  # fmt: skip
            resp.answers = [
                Answer(item_id="tenure", value_text="lt1" if w % 2 else "ge1"),
                Answer(item_id="v1", value_num=2 + shift * (1 + w % 3)),
                Answer(item_id="v2", value_num=4 - shift),
                Answer(item_id="eit", value_num=float(shift)),
            ]
            session.add(resp)
    for phase, value in (("baseline", 5.0), ("follow_up", 4.0)):
        session.add(KpiValue(enterprise_id=ents[0].id, round_id=rounds[phase].id,
                             kpi_id="defects", value=value))  # fmt: skip
    session.commit()
    return loaded.survey, ents


def test_answers_frame(session):
    _, ents = _build(session)
    ans = answers_frame(session)
    assert list(ans.columns) == ANSWER_COLUMNS[:13] + ["demo_tenure"] + ANSWER_COLUMNS[13:]
    assert len(ans) == 6 * 2 * 3  # tenure is a band, not an answer row
    v2 = ans[ans["item_id"] == "v2"].iloc[0]
    assert v2["reverse"] and v2["scale_min"] == 1 and v2["scale_max"] == 5
    eit = ans[ans["item_id"] == "eit"].iloc[0]
    assert eit["item_type"] == "yes_no" and eit["scale_max"] == 1
    assert set(ans["demo_tenure"]) == {"lt1", "ge1"}
    assert ans["treated"].all() and set(ans["phase_order"]) == {0, 1}
    # 5 coded workers matched exactly, the 6th has no code
    pairs = ans.drop_duplicates("response_id")["pair_id"]
    assert pairs.notna().sum() == 10 and pairs.dropna().nunique() == 5


def test_frames_feed_the_analysis(session):
    survey, _ = _build(session)
    out = compare_phases(answers_frame(session), outcomes=outcomes_frame(survey), min_group_size=5)
    voice = out[(out["outcome_id"] == "voice") & out["primary"]].iloc[0]
    assert voice["design"] == "paired" and voice["n_pairs"] == 5
    # pairs w = 0..4: v1 rises by 1, 2, 3, 1, 2; v2 (reversed) by 1 -> mean (1.8 + 1) / 2
    assert voice["change"] == pytest.approx(1.4)
    assert voice["label"] == "Voice"


def test_outcomes_kpis_and_brands(session):
    survey, ents = _build(session)
    outcomes = outcomes_frame(survey)
    assert set(outcomes["kind"]) == {"construct", "item", "kpi"}
    assert outcomes.set_index("outcome_id").loc["defects", "direction"] == "lower_is_better"
    assert outcomes.set_index("outcome_id").loc["voice", "label_zh"] == "发声"
    kpis = kpis_frame(session)
    assert list(kpis.columns) == KPI_COLUMNS
    assert set(kpis["phase"]) == {"baseline", "follow_up"}
    brands = enterprise_brands_frame(session)
    assert brands.to_dict("records") == [{"enterprise_id": ents[0].id, "brand": "Brand A"}]
