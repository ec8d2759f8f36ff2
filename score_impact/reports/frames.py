"""Tidy analysis frames read from the database, restricted to visible enterprises in SQL.

Thin local stand-in for ``analysis.adapter`` (being written in parallel): same column
schema as ``docs/architecture.md``, and the same four function names, but every query
takes the set of enterprise ids the viewer may see and puts it in the ``WHERE`` clause,
so another brand's rows are never loaded into memory and filtered afterwards. When the
adapter lands with an enterprise restriction, :mod:`score_impact.reports.impact` can
switch to it without changing its own interface.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Answer,
    Brand,
    Cohort,
    Enterprise,
    KpiValue,
    Phase,
    Response,
    SurveyRound,
    SurveyVersion,
    brand_enterprise,
)
from score_impact.pairing import Coded, match_pairs
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import ItemType, Survey

ANSWER_COLUMNS: list[str] = [
    "response_id",
    "round_id",
    "phase",
    "phase_order",
    "enterprise_id",
    "enterprise",
    "cohort_id",
    "cohort",
    "module",
    "treated",
    "audience",
    "pair_id",
    "source",
    "item_id",
    "construct",
    "item_type",
    "reverse",
    "scale_min",
    "scale_max",
    "value",
]
KPI_COLUMNS: list[str] = [
    "enterprise_id",
    "enterprise",
    "cohort_id",
    "cohort",
    "module",
    "treated",
    "phase",
    "phase_order",
    "kpi_id",
    "value",
    "direction",
    "unit",
    "label",
    "stakeholder",
]
SCORED_TYPES = (ItemType.LIKERT, ItemType.YES_NO)


def phase_order(phase: str) -> int:
    """0 for baseline, 1 for the first follow-up...; unknown phases sort last."""
    try:
        return Phase(phase).order
    except ValueError:
        return len(Phase)


@dataclass(frozen=True)
class RoundFilter:
    """Which rounds a frame covers; ``None`` means no restriction on that field."""

    cohort_id: int | None = None
    phases: tuple[str, ...] | None = None
    audience: str | None = None
    cohort_ids: frozenset[int] | None = None  # the viewer's visible cohorts (scope)


def _restrict_rounds(query: Select, rounds: RoundFilter) -> Select:
    """Cohort, visible cohorts and phases, on a query that joins ``SurveyRound``."""
    if rounds.cohort_id is not None:
        query = query.where(SurveyRound.cohort_id == rounds.cohort_id)
    if rounds.cohort_ids is not None:
        query = query.where(SurveyRound.cohort_id.in_(sorted(rounds.cohort_ids)))
    if rounds.phases is not None:
        query = query.where(SurveyRound.phase.in_(list(rounds.phases)))
    return query


def _round_query(enterprise_ids: Collection[int], rounds: RoundFilter) -> Select:
    query = (
        select(Response, SurveyRound, Cohort, Enterprise)
        .join(SurveyRound, Response.round_id == SurveyRound.id)
        .join(Cohort, SurveyRound.cohort_id == Cohort.id)
        .join(Enterprise, Response.enterprise_id == Enterprise.id)
        .where(Response.enterprise_id.in_(list(enterprise_ids)))
    )
    query = _restrict_rounds(query, rounds)
    if rounds.audience is not None:
        query = query.where(Response.audience == rounds.audience)
    return query


def pair_ids(rows: Iterable[tuple[Response, SurveyRound]]) -> dict[int, str]:
    """Pair every follow-up with the baseline of its cohort and audience (pairing.py)."""
    groups: dict[tuple[int, str], dict[str, list[Coded]]] = defaultdict(lambda: defaultdict(list))
    for resp, round_ in rows:
        if not resp.pairing_hash or not resp.pairing_parts:
            continue
        coded = Coded(
            resp.id, resp.enterprise_id, resp.pairing_hash, tuple(resp.pairing_parts.split(","))
        )
        groups[(round_.cohort_id, resp.audience)][round_.phase].append(coded)
    pairs: dict[int, str] = {}
    for by_phase in groups.values():
        before = by_phase.get(Phase.BASELINE.value, [])
        for phase, after in by_phase.items():
            if phase != Phase.BASELINE.value:
                pairs.update(match_pairs(before, after).pairs)
    return pairs


def _surveys(session: Session, version_ids: Iterable[int]) -> dict[int, Survey]:
    ids = sorted(set(version_ids))
    versions = session.scalars(select(SurveyVersion).where(SurveyVersion.id.in_(ids)))
    return {v.id: survey_of(v) for v in versions}


def answers_frame(
    session: Session, enterprise_ids: Collection[int], rounds: RoundFilter | None = None
) -> pd.DataFrame:
    """One row per scored answer (likert, yes/no) of the visible enterprises.

    Columns :data:`ANSWER_COLUMNS` plus one ``demo_<item_id>`` column per demographic item
    (the respondent's coarse band, repeated on each of their rows).
    """
    rounds = rounds or RoundFilter()
    if not enterprise_ids:
        return pd.DataFrame(columns=ANSWER_COLUMNS)
    found = session.execute(_round_query(enterprise_ids, rounds)).all()
    surveys = _surveys(session, (r.survey_version_id for _, r, _, _ in found))
    pairs = pair_ids((resp, r) for resp, r, _, _ in found)
    meta = {}
    for resp, round_, cohort, ent in found:
        meta[resp.id] = {
            "response_id": resp.id,
            "round_id": round_.id,
            "phase": round_.phase,
            "phase_order": phase_order(round_.phase),
            "enterprise_id": ent.id,
            "enterprise": ent.name,
            "cohort_id": cohort.id,
            "cohort": cohort.name,
            "module": cohort.module,
            "treated": not cohort.is_comparison,
            "audience": resp.audience,
            "pair_id": pairs.get(resp.id),
            "source": resp.source,
            "_survey": surveys[round_.survey_version_id],
        }
    visible = _round_query(enterprise_ids, rounds).with_only_columns(Response.id)
    answers = session.execute(
        select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text).where(
            Answer.response_id.in_(visible)
        )
    ).all()
    rows, demo = [], defaultdict(dict)
    for response_id, item_id, num, text in answers:
        head = meta[response_id]
        survey: Survey = head["_survey"]
        try:
            item = survey.item(item_id)
        except KeyError:
            continue
        if item.demographic and text is not None:
            demo[response_id][f"demo_{item_id}"] = text
        if item.type not in SCORED_TYPES:
            continue
        if item.type is ItemType.LIKERT:
            points = [p.value for p in survey.scales[item.scale or ""]]
            low, high = min(points), max(points)
        else:
            low, high = 0, 1
        rows.append(
            {
                **{k: v for k, v in head.items() if k != "_survey"},
                "item_id": item_id,
                "construct": item.construct_id,
                "item_type": item.type.value,
                "reverse": item.reverse,
                "scale_min": low,
                "scale_max": high,
                "value": num,
            }
        )
    frame = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    bands = pd.DataFrame.from_dict(demo, orient="index")
    if len(bands):
        frame = frame.join(bands, on="response_id")
    return frame


def kpis_frame(
    session: Session, enterprise_ids: Collection[int], rounds: RoundFilter | None = None
) -> pd.DataFrame:
    """One row per stored KPI value of the visible enterprises (columns :data:`KPI_COLUMNS`)."""
    rounds = rounds or RoundFilter()
    if not enterprise_ids:
        return pd.DataFrame(columns=KPI_COLUMNS)
    query = (
        select(KpiValue, SurveyRound, Cohort, Enterprise)
        .join(SurveyRound, KpiValue.round_id == SurveyRound.id)
        .join(Cohort, SurveyRound.cohort_id == Cohort.id)
        .join(Enterprise, KpiValue.enterprise_id == Enterprise.id)
        .where(KpiValue.enterprise_id.in_(list(enterprise_ids)))
    )
    found = session.execute(_restrict_rounds(query, rounds)).all()
    surveys = _surveys(session, (r.survey_version_id for _, r, _, _ in found))
    rows = []
    for kpi, round_, cohort, ent in found:
        spec = {k.id: k for k in surveys[round_.survey_version_id].kpis}.get(kpi.kpi_id)
        rows.append(
            {
                "enterprise_id": ent.id,
                "enterprise": ent.name,
                "cohort_id": cohort.id,
                "cohort": cohort.name,
                "module": cohort.module,
                "treated": not cohort.is_comparison,
                "phase": round_.phase,
                "phase_order": phase_order(round_.phase),
                "kpi_id": kpi.kpi_id,
                "value": kpi.value,
                "direction": spec.direction.value if spec else "higher_is_better",
                "unit": (spec.unit.get("en") if spec else None),
                "label": (spec.label.get("en") if spec else kpi.kpi_id),
                "stakeholder": spec.stakeholder.value if spec else "supplier",
            }
        )
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def enterprise_brands_frame(session: Session, enterprise_ids: Collection[int]) -> pd.DataFrame:
    """enterprise_id, brand for the visible enterprises (one row per brand they supply)."""
    found = session.execute(
        select(brand_enterprise.c.enterprise_id, Brand.name)
        .join(Brand, Brand.id == brand_enterprise.c.brand_id)
        .where(brand_enterprise.c.enterprise_id.in_(list(enterprise_ids)))
    ).all()
    return pd.DataFrame(found, columns=["enterprise_id", "brand"])


def outcomes_frame(surveys: Iterable[Survey]) -> pd.DataFrame:
    """Label (en, plus ``label_<lang>``), stakeholder and direction of every outcome."""
    rows: dict[tuple[str, str], dict] = {}

    def add(kind: str, oid: str, label: dict[str, str], stakeholder: str, direction: str):
        row = {
            "outcome_id": oid,
            "kind": kind,
            "label": label.get("en") or next(iter(label.values())),
            "stakeholder": stakeholder,
            "direction": direction,
        }
        row.update({f"label_{lang}": text for lang, text in label.items() if lang != "en"})
        rows.setdefault((kind, oid), row)

    for survey in surveys:
        default = "supplier" if survey.audience.value == "manager" else "workers"
        owner = {c.id: c.stakeholder.value for c in survey.constructs}
        for c in survey.constructs:
            add("construct", c.id, c.label, c.stakeholder.value, "higher_is_better")
        for item in survey.items:
            if item.type in SCORED_TYPES:
                stake = owner.get(item.construct_id or "", default)
                add("item", item.id, item.label, stake, "higher_is_better")
        for k in survey.kpis:
            add("kpi", k.id, k.label, k.stakeholder.value, k.direction.value)
    return pd.DataFrame(list(rows.values()))


def visible_surveys(
    session: Session, enterprise_ids: Collection[int], rounds: RoundFilter | None = None
) -> list[Survey]:
    """The survey definitions answered in the visible enterprises' rounds."""
    rounds = rounds or RoundFilter()
    if not enterprise_ids:
        return []
    query = _round_query(enterprise_ids, rounds).with_only_columns(SurveyRound.survey_version_id)
    return list(_surveys(session, session.scalars(query.distinct())).values())
