"""Adapter: tidy frames from an in-memory SQLite database built with the real models,
restricted in SQL to a scope and a round filter without changing who pairs with whom."""

from __future__ import annotations

import sqlite3
import uuid

import pandas as pd
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import analysis.adapter
from analysis import compare_phases
from analysis.adapter import (
    ALL_ROUNDS,
    ANSWER_COLUMNS,
    KPI_COLUMNS,
    RoundFilter,
    answers_frame,
    enterprise_brands_frame,
    kpis_frame,
    outcomes_frame,
    respondents_frame,
    shared_pairs,
)
from score_impact.db.models import (
    Answer,
    Base,
    Brand,
    Cohort,
    Enterprise,
    KpiValue,
    Response,
    ResponseExclusion,
    SurveyRound,
    SurveyVersion,
)  # fmt: skip
from score_impact.pairing import make_code
from score_impact.surveys.loader import DEFAULT_DIR as SURVEY_DIR
from score_impact.surveys.loader import load_survey_file, parse_survey

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
     direction: lower_is_better, max: 100}
"""
KEY = b"test-key"


class _RecordingCursor(sqlite3.Cursor):
    """A cursor that records every row it hands out in :attr:`rows` (while it is a list),
    as a dict by column name: what the database returned, whichever SQLAlchemy layer (ORM
    or Core) read it."""

    rows: list[dict] | None = None

    def _record(self, fetched: list[tuple]) -> list[tuple]:
        if _RecordingCursor.rows is not None and self.description:
            names = [d[0] for d in self.description]
            _RecordingCursor.rows.extend(dict(zip(names, row, strict=True)) for row in fetched)
        return fetched

    def fetchone(self) -> tuple | None:
        row = super().fetchone()
        return row if row is None else self._record([row])[0]

    def fetchmany(self, size: int = 1) -> list[tuple]:
        return self._record(super().fetchmany(size))

    def fetchall(self) -> list[tuple]:
        return self._record(super().fetchall())

    def __next__(self) -> tuple:
        return self._record([super().__next__()])[0]


class _RecordingConnection(sqlite3.Connection):
    def cursor(self, factory: type = _RecordingCursor) -> sqlite3.Cursor:
        return super().cursor(factory)


@pytest.fixture
def session():
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(":memory:", factory=_RecordingConnection)
    )
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def _build(
    session: Session, phases: tuple[str, ...] = ("baseline", "follow_up"), both: bool = False
):
    """F0 (Brand A) answers every phase in ``phases``; with ``both``, so does F1 (Brand B).

    Six workers per factory; the first five carry a pairing code, so they pair across
    phases, the sixth does not.
    """
    loaded = parse_survey(SURVEY)
    version = SurveyVersion(
        survey_key="mini", version=1, audience="worker", content_hash=loaded.content_hash,
        definition=loaded.survey.model_dump(mode="json", by_alias=True),
    )  # fmt: skip
    brand = Brand(name="Brand A")
    ents = [Enterprise(name=f"F{i}", country="CN", sector="garment", size_band="50-249")
            for i in range(2)]  # fmt: skip
    brand.enterprises = [ents[0]]
    other = Brand(name="Brand B", enterprises=[ents[1]] if both else [])
    cohort = Cohort(name="Class 1", module="workplace_cooperation", enterprises=ents)
    comparison = Cohort(name="Comparison", module="workplace_cooperation", is_comparison=True)
    session.add_all([version, brand, other, *ents, cohort, comparison])
    session.flush()
    rounds = {}
    for phase in phases:
        rounds[phase] = SurveyRound(cohort_id=cohort.id, phase=phase,
                                    join_code=f"code{len(rounds)}",
                                    survey_version_id=version.id)  # fmt: skip
        session.add(rounds[phase])
    session.flush()
    for ent in ents[: 2 if both else 1]:
        for w in range(6):
            elements = {"birth_day": w + 1, "mother_birth_month": 3, "older_siblings": 1,
                        "birth_year_last_digit": 7}  # fmt: skip
            code = make_code(KEY, ent.id, elements)
            for shift, phase in enumerate(phases):
                resp = Response(
                    client_uuid=str(uuid.uuid4()), round_id=rounds[phase].id,
                    enterprise_id=ent.id, audience="worker", language="en",
                    pairing_hash=code.full_hash if w < 5 else None,
                    pairing_parts=code.parts_text,
                )  # fmt: skip
                resp.answers = [
                    Answer(item_id="tenure", value_text="lt1" if w % 2 else "ge1"),
                    Answer(item_id="v1", value_num=min(5, 2 + shift * (1 + w % 3))),
                    Answer(item_id="v2", value_num=4 - shift),
                    Answer(item_id="eit", value_num=float(shift > 0)),
                ]
                session.add(resp)
        for phase, value in zip(phases, (5.0, 4.0, 3.0), strict=False):
            session.add(KpiValue(enterprise_id=ent.id, round_id=rounds[phase].id,
                                 kpi_id="defects", value=value))  # fmt: skip
    session.commit()
    return loaded.survey, ents


def _returned_rows(monkeypatch: pytest.MonkeyPatch, session: Session) -> list[dict]:
    """Record every row the database returns to ``session`` from now on (the cursors of
    the ``session`` fixture's connections record them), whether the ORM (``Session.execute``)
    or Core (``Connection.execute``) reads it.

    What the SQL returned, not what a function kept: a scope applied after loading would
    show up here as another enterprise's rows.
    """
    assert isinstance(session.connection().connection.driver_connection, _RecordingConnection)
    rows: list[dict] = []
    monkeypatch.setattr(_RecordingCursor, "rows", rows)
    return rows


def _pair_ids(answers: pd.DataFrame) -> pd.Series:
    """pair_id by response_id."""
    return answers.drop_duplicates("response_id").set_index("response_id")["pair_id"]


def test_answers_frame(session):
    _, ents = _build(session)
    ans = answers_frame(session, None)
    assert list(ans.columns) == ANSWER_COLUMNS[:14] + ["demo_tenure"] + ANSWER_COLUMNS[14:]
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
    out = compare_phases(
        answers_frame(session, None), outcomes=outcomes_frame(survey), min_group_size=5
    )
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
    kpis = kpis_frame(session, None)
    assert list(kpis.columns) == KPI_COLUMNS
    assert set(kpis["phase"]) == {"baseline", "follow_up"}
    brands = enterprise_brands_frame(session, None)
    assert brands.to_dict("records") == [{"enterprise_id": ents[0].id, "brand": "Brand A"}]


def test_a_brand_scoped_frame_reads_no_other_enterprise_from_the_database(session, monkeypatch):
    _, ents = _build(session, both=True)
    own = {ents[0].id}
    assert set(answers_frame(session, None)["enterprise_id"]) == {e.id for e in ents}
    own_responses = set(
        session.scalars(select(Response.id).where(Response.enterprise_id == ents[0].id))
    )
    returned = _returned_rows(monkeypatch, session)
    answers = answers_frame(session, own)
    kpis = kpis_frame(session, own)
    brands = enterprise_brands_frame(session, own)
    assert {r["enterprise_id"] for r in returned if "enterprise_id" in r} == own
    assert {r["response_id"] for r in returned if "response_id" in r} == own_responses
    assert set(answers["enterprise_id"]) == set(kpis["enterprise_id"]) == own
    assert brands["brand"].tolist() == ["Brand A"]
    assert answers_frame(session, set()).empty and kpis_frame(session, set()).empty


def test_round_filter_restricts_cohorts_phases_and_audience(session):
    _build(session)
    full = answers_frame(session, None)
    cohort = int(full["cohort_id"].iloc[0])
    follow_up = answers_frame(session, None, RoundFilter(cohort_id=cohort, phases=("follow_up",)))
    assert set(follow_up["phase"]) == {"follow_up"} and len(follow_up) == len(full) / 2
    assert answers_frame(session, None, RoundFilter(audience="manager")).empty
    hidden = RoundFilter(cohort_ids=frozenset({cohort + 1}))  # a scope without the class
    assert answers_frame(session, None, hidden).empty and kpis_frame(session, None, hidden).empty
    assert len(kpis_frame(session, None, RoundFilter(phases=("baseline",)))) == 1


@pytest.mark.parametrize(
    ("own_only", "rounds"),
    [
        pytest.param(False, {"phases": ("follow_up",)}, id="follow-up-only"),
        pytest.param(False, {"phases": ("follow_up", "follow_up_2")}, id="no-baseline"),
        pytest.param(False, {"phases": ("baseline", "follow_up_2")}, id="skip-a-follow-up"),
        pytest.param(True, {}, id="one-enterprise"),
        pytest.param(True, {"phases": ("follow_up_2",), "audience": "worker"}, id="all"),
    ],
)
def test_a_restricted_frame_keeps_the_unrestricted_pair_ids(session, own_only, rounds):
    _, ents = _build(session, phases=("baseline", "follow_up", "follow_up_2"), both=True)
    full = answers_frame(session, None)
    scope = {ents[0].id} if own_only else None
    part = answers_frame(session, scope, RoundFilter(**rounds))
    assert 0 < len(part) < len(full)
    got = _pair_ids(part)
    assert got.notna().sum() == 5 * len(set(part["enterprise_id"])) * part["phase"].nunique()
    pd.testing.assert_series_equal(got, _pair_ids(full).loc[got.index])


@pytest.mark.parametrize(
    ("own_only", "rounds", "shared"),
    [
        pytest.param(False, {}, True, id="the-scope"),
        pytest.param(False, {"phases": ("follow_up",)}, True, id="follow-up-only"),
        pytest.param(True, {"phases": ("baseline", "follow_up_2")}, True, id="one-enterprise"),
        pytest.param(False, {"audience": "worker"}, True, id="workers"),
        pytest.param(False, {"include_excluded": True}, False, id="with-excluded"),
        pytest.param(True, {"audience": "manager"}, True, id="nobody"),
    ],
)
def test_frames_within_shared_pairs_are_the_frames_matched_on_their_own(
    session, monkeypatch, own_only, rounds, shared
):
    _, ents = _build(session, phases=("baseline", "follow_up", "follow_up_2"), both=True)
    # an excluded baseline: its follow-ups pair only where excluded responses are included
    coded = select(Response.id).where(Response.pairing_hash.is_not(None))
    session.add(ResponseExclusion(response_id=session.scalars(coded).first(), reason="test",
                                  excluded_by="admin"))  # fmt: skip
    session.commit()
    scope = {ents[0].id} if own_only else {e.id for e in ents}
    view = RoundFilter(**rounds)
    want = answers_frame(session, scope, view), respondents_frame(session, scope, view)
    calls = []
    pair_matches = analysis.adapter.pair_matches

    def counted(*args, **kwargs):
        calls.append(args[1:])
        return pair_matches(*args, **kwargs)

    monkeypatch.setattr(analysis.adapter, "pair_matches", counted)
    with shared_pairs(session, [e.id for e in ents], ALL_ROUNDS):
        got = answers_frame(session, scope, view), respondents_frame(session, scope, view)
    for frame, expected in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    nobody = rounds.get("audience") == "manager"
    if not nobody:  # the frames are paired
        assert got[0]["pair_id"].notna().any() and got[1]["pair_id"].notna().any()
    # inside the scope: one matching of the scope for both frames (none without responses);
    # else the answers match on their own
    if shared:
        assert calls == ([] if nobody else [(frozenset(e.id for e in ents), ALL_ROUNDS)])
    else:
        assert len(calls) == 2 and calls[0] == (scope, view)
    assert analysis.adapter._SHARED_PAIRS not in session.info  # the block is over


def test_outcomes_of_several_surveys_are_stacked_once():
    worker = parse_survey(SURVEY).survey
    manager = load_survey_file(SURVEY_DIR / "manager_m1.yaml").survey
    one = outcomes_frame(worker)
    pd.testing.assert_frame_equal(outcomes_frame([worker, worker]), one)
    both = outcomes_frame([worker, manager])
    assert len(both) == len(one) + len(outcomes_frame(manager))
    assert both.set_index("outcome_id").loc["voice", "stakeholder"] == "workers"
