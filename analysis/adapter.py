"""Build the analysis' tidy input frames from the database (the only module that reads it).

Everything else in :mod:`analysis` is pure pandas; this module turns stored responses,
KPI values and survey definitions into the frames documented in
``docs/architecture.md``. Survey metadata (constructs, reverse coding, scales, KPI
directions) comes from the frozen survey version each round points at, so past answers
are always read with the definition they were given under.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import select
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
from score_impact.surveys.schema import Audience, ItemType, Stakeholder, Survey

ANSWER_COLUMNS: list[str] = [
    "response_id", "round_id", "phase", "phase_order", "enterprise_id", "enterprise",
    "cohort_id", "cohort", "module", "treated", "audience", "pair_id", "source",
    "item_id", "construct", "item_type", "reverse", "scale_min", "scale_max", "value",
]  # fmt: skip
KPI_COLUMNS: list[str] = [
    "enterprise_id", "enterprise", "cohort_id", "cohort", "module", "treated", "phase",
    "phase_order", "kpi_id", "value", "direction", "unit", "label", "stakeholder",
]  # fmt: skip
SCORED_TYPES = (ItemType.LIKERT, ItemType.YES_NO)


def phase_order(phase: str) -> int:
    """0 for baseline, 1 for the first follow-up, ... (unknown phases sort last)."""
    try:
        return Phase(phase).order
    except ValueError:
        return len(Phase)


def outcomes_frame(survey: Survey) -> pd.DataFrame:
    """Outcome metadata of one survey: its constructs, scored items and KPIs.

    Returns
    -------
    pandas.DataFrame
        ``outcome_id``, ``kind`` ("construct" | "item" | "kpi"), ``label`` (default
        language), ``stakeholder``, ``direction``, plus ``label_<lang>`` per survey
        language. An item's stakeholder is its construct's; items outside constructs
        belong to workers in a worker survey and to the supplier in a manager survey.
    """
    default = survey.default_language
    fallback = (
        Stakeholder.WORKERS if survey.audience is Audience.WORKER else Stakeholder.SUPPLIER
    ).value
    by_construct = {c.id: c.stakeholder.value for c in survey.constructs}
    rows = []

    def add(outcome_id: str, kind: str, label: dict, stakeholder: str, direction: str) -> None:
        row = {
            "outcome_id": outcome_id,
            "kind": kind,
            "label": label.get(default, outcome_id),
            "stakeholder": stakeholder,
            "direction": direction,
        }
        row.update({f"label_{lang}": label.get(lang) for lang in survey.languages})
        rows.append(row)

    for c in survey.constructs:
        add(c.id, "construct", c.label, c.stakeholder.value, "higher_is_better")
    for item in survey.items:
        if item.type in SCORED_TYPES:
            stakeholder = by_construct.get(item.construct_id or "", fallback)
            add(item.id, "item", item.label, stakeholder, "higher_is_better")
    for k in survey.kpis:
        add(k.id, "kpi", k.label, k.stakeholder.value, k.direction.value)
    return pd.DataFrame(rows)


def _item_meta(survey: Survey) -> tuple[dict[str, dict], list[str]]:
    """Scored item metadata by item id, and the demographic item ids."""
    meta = {}
    for item in survey.items:
        if item.type in SCORED_TYPES:
            likert = item.type is ItemType.LIKERT
            meta[item.id] = {
                "construct": item.construct_id,
                "item_type": item.type.value,
                "reverse": item.reverse,
                "scale_min": 1 if likert else 0,
                "scale_max": len(survey.scales[item.scale]) if likert and item.scale else 1,
            }
    demographics = [i.id for i in survey.items if i.demographic]
    return meta, demographics


def _pair_ids(responses: pd.DataFrame) -> dict[int, str]:
    """Pair ids from ``score_impact.pairing.match_pairs``: baseline vs each follow-up,
    within each cohort and audience (the matcher keeps to one enterprise)."""
    pairs: dict[int, str] = {}
    coded = responses.dropna(subset=["pairing_hash"])
    for _, part in coded.groupby(["cohort_id", "audience"]):
        by_phase: dict[str, list[Coded]] = defaultdict(list)
        for row in part.itertuples(index=False):
            parts = tuple(row.pairing_parts.split(",")) if row.pairing_parts else ()
            by_phase[row.phase].append(
                Coded(row.response_id, row.enterprise_id, row.pairing_hash, parts)
            )
        for phase, later in by_phase.items():
            if phase != Phase.BASELINE.value:
                pairs.update(match_pairs(by_phase.get(Phase.BASELINE.value, []), later).pairs)
    return pairs


def answers_frame(
    session: Session,
    cohort_ids: Sequence[int] | None = None,
    audience: str | None = None,
) -> pd.DataFrame:
    """The tidy ``answers`` frame: one row per scored (likert / yes-no) answer.

    Parameters
    ----------
    session : Session
    cohort_ids : sequence of int, optional
        Restrict to these cohorts (training classes and comparison groups).
    audience : {"worker", "manager"}, optional
        Restrict to one audience.

    Returns
    -------
    pandas.DataFrame
        :data:`ANSWER_COLUMNS` plus one ``demo_<item_id>`` column per demographic item
        (the chosen option value). ``treated`` is False for comparison cohorts.
        ``pair_id`` comes from :func:`score_impact.pairing.match_pairs` (exact, then
        one-element-tolerant unique matches), baseline vs each follow-up phase.
    """
    stmt = (
        select(
            Response.id.label("response_id"),
            Response.round_id,
            SurveyRound.phase,
            Response.enterprise_id,
            Enterprise.name.label("enterprise"),
            SurveyRound.cohort_id,
            Cohort.name.label("cohort"),
            Cohort.module,
            Cohort.is_comparison,
            Response.audience,
            Response.source,
            Response.pairing_hash,
            Response.pairing_parts,
            SurveyRound.survey_version_id,
        )
        .join(SurveyRound, Response.round_id == SurveyRound.id)
        .join(Cohort, SurveyRound.cohort_id == Cohort.id)
        .join(Enterprise, Response.enterprise_id == Enterprise.id)
    )
    if cohort_ids is not None:
        stmt = stmt.where(SurveyRound.cohort_id.in_(list(cohort_ids)))
    if audience is not None:
        stmt = stmt.where(Response.audience == audience)
    responses = pd.DataFrame(session.execute(stmt).mappings().all())
    if responses.empty:
        return pd.DataFrame(columns=ANSWER_COLUMNS)
    ids = responses["response_id"].tolist()
    stored = pd.DataFrame(
        session.execute(
            select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text).where(
                Answer.response_id.in_(ids)
            )
        )
        .mappings()
        .all(),
        columns=["response_id", "item_id", "value_num", "value_text"],
    )
    versions = {
        v.id: survey_of(v)
        for v in session.scalars(
            select(SurveyVersion).where(
                SurveyVersion.id.in_(responses["survey_version_id"].unique().tolist())
            )
        )
    }
    version_of = dict(zip(responses["response_id"], responses["survey_version_id"], strict=True))
    meta_rows, demo_rows = [], []
    for version_id, survey in versions.items():
        meta, demographics = _item_meta(survey)
        meta_rows += [{"_version": version_id, "item_id": k, **v} for k, v in meta.items()]
        demo_rows += [{"_version": version_id, "item_id": k} for k in demographics]
    stored["_version"] = stored["response_id"].map(version_of)
    scored = stored.merge(pd.DataFrame(meta_rows), on=["_version", "item_id"], how="inner")
    scored = scored.rename(columns={"value_num": "value"})
    pairs = _pair_ids(responses)
    responses["pair_id"] = responses["response_id"].map(pairs)
    responses["treated"] = ~responses["is_comparison"].astype(bool)
    responses["phase_order"] = responses["phase"].map(phase_order)
    out = scored.merge(responses, on="response_id", how="left")
    if demo_rows:
        demo = stored.merge(pd.DataFrame(demo_rows), on=["_version", "item_id"], how="inner")
        demo["band"] = demo["value_text"].where(
            demo["value_text"].notna(), demo["value_num"].astype("string")
        )
        wide = demo.pivot_table(
            index="response_id", columns="item_id", values="band", aggfunc="first"
        ).add_prefix("demo_")
        out = out.merge(wide, left_on="response_id", right_index=True, how="left")
    demo_cols = sorted(c for c in out.columns if c.startswith("demo_"))
    order = ANSWER_COLUMNS[:13] + demo_cols + ANSWER_COLUMNS[13:]
    out["value"] = out["value"].astype("float64")
    return out[order].sort_values(["response_id", "item_id"]).reset_index(drop=True)


def kpis_frame(session: Session, cohort_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """The tidy ``kpis`` frame: one row per stored KPI value.

    Returns
    -------
    pandas.DataFrame
        :data:`KPI_COLUMNS`; ``label``/``unit`` in the survey's default language,
        ``direction`` and ``stakeholder`` from the KPI definition of the round's survey.
    """
    stmt = (
        select(
            KpiValue.enterprise_id,
            Enterprise.name.label("enterprise"),
            SurveyRound.cohort_id,
            Cohort.name.label("cohort"),
            Cohort.module,
            Cohort.is_comparison,
            SurveyRound.phase,
            KpiValue.kpi_id,
            KpiValue.value,
            SurveyRound.survey_version_id,
        )
        .join(SurveyRound, KpiValue.round_id == SurveyRound.id)
        .join(Cohort, SurveyRound.cohort_id == Cohort.id)
        .join(Enterprise, KpiValue.enterprise_id == Enterprise.id)
    )
    if cohort_ids is not None:
        stmt = stmt.where(SurveyRound.cohort_id.in_(list(cohort_ids)))
    values = pd.DataFrame(session.execute(stmt).mappings().all())
    if values.empty:
        return pd.DataFrame(columns=KPI_COLUMNS)
    meta = []
    for version in session.scalars(
        select(SurveyVersion).where(
            SurveyVersion.id.in_(values["survey_version_id"].unique().tolist())
        )
    ):
        survey = survey_of(version)
        lang = survey.default_language
        meta += [
            {
                "survey_version_id": version.id,
                "kpi_id": k.id,
                "direction": k.direction.value,
                "unit": k.unit.get(lang),
                "label": k.label.get(lang),
                "stakeholder": k.stakeholder.value,
            }
            for k in survey.kpis
        ]
    out = values.merge(pd.DataFrame(meta), on=["survey_version_id", "kpi_id"], how="left")
    out["treated"] = ~out["is_comparison"].astype(bool)
    out["phase_order"] = out["phase"].map(phase_order)
    out["value"] = out["value"].astype("float64")
    return (
        out[KPI_COLUMNS]
        .sort_values(["kpi_id", "enterprise_id", "phase_order"])
        .reset_index(drop=True)
    )


def enterprise_brands_frame(session: Session) -> pd.DataFrame:
    """``enterprise_id``, ``brand``: one row per (enterprise, brand) it supplies."""
    stmt = select(brand_enterprise.c.enterprise_id, Brand.name.label("brand")).join(
        Brand, Brand.id == brand_enterprise.c.brand_id
    )
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame(rows, columns=["enterprise_id", "brand"])
