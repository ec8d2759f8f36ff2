"""Build the analysis' tidy input frames from the database (the only module that reads it).

Everything else in :mod:`analysis` is pure pandas; this module turns stored responses,
KPI values and survey definitions into the frames documented in
``docs/architecture.md``. Survey metadata (constructs, reverse coding, scales, KPI
directions) comes from the frozen survey version each round points at, so past answers
are always read with the definition they were given under.

Scope is applied in SQL: every query takes the enterprise ids the viewer may see and a
:class:`RoundFilter`, and puts both in its ``WHERE`` clause, so a brand's report never
loads another brand's rows, not even to drop them afterwards. Pair ids do not depend on
that restriction (see :func:`pair_ids`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from analysis.scoring import RESPONSE_COLUMNS
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
    *RESPONSE_COLUMNS, "item_id", "construct", "item_type", "reverse", "scale_min",
    "scale_max", "value",
]  # fmt: skip
KPI_COLUMNS: list[str] = [
    "enterprise_id", "enterprise", "cohort_id", "cohort", "module", "treated", "phase",
    "phase_order", "kpi_id", "value", "direction", "unit", "label", "stakeholder",
    "primary", "sesoi_pct",
]  # fmt: skip
SCORED_TYPES = (ItemType.LIKERT, ItemType.YES_NO)


@dataclass(frozen=True)
class RoundFilter:
    """Which survey rounds a frame covers; ``None`` leaves that field unrestricted.

    Frozen and hashable, so a page can key its cache with it. ``cohort_id`` is the cohort
    a viewer picked, ``cohort_ids`` the cohorts their scope shows (a trainer sees their
    own cohorts' rounds, not another trainer's cohort of the same factory); a round must
    pass both. ``audience`` restricts responses only: KPI values have no audience.
    """

    cohort_id: int | None = None
    phases: tuple[str, ...] | None = None
    audience: str | None = None
    cohort_ids: frozenset[int] | None = None


ALL_ROUNDS = RoundFilter()


def phase_order(phase: str) -> int:
    """0 for baseline, 1 for the first follow-up, ... (unknown phases sort last)."""
    try:
        return Phase(phase).order
    except ValueError:
        return len(Phase)


def _restrict(
    stmt: Select,
    enterprise: InstrumentedAttribute[int],
    enterprise_ids: Collection[int] | None,
    rounds: RoundFilter,
) -> Select:
    """Scope and round filter as ``WHERE`` clauses of a statement that joins ``SurveyRound``.

    ``enterprise`` is the enterprise column of the statement's main table, so the same
    restriction serves responses and KPI values.
    """
    if enterprise_ids is not None:
        stmt = stmt.where(enterprise.in_(sorted(enterprise_ids)))
    if rounds.cohort_id is not None:
        stmt = stmt.where(SurveyRound.cohort_id == rounds.cohort_id)
    if rounds.cohort_ids is not None:
        stmt = stmt.where(SurveyRound.cohort_id.in_(sorted(rounds.cohort_ids)))
    if rounds.phases is not None:
        stmt = stmt.where(SurveyRound.phase.in_(list(rounds.phases)))
    return stmt


def _responses(
    enterprise_ids: Collection[int] | None, rounds: RoundFilter, *columns: Any
) -> Select:
    """``columns`` (of ``Response`` and ``SurveyRound``) of the responses in scope."""
    stmt = (
        select(*columns)
        .select_from(Response)
        .join(SurveyRound, Response.round_id == SurveyRound.id)
    )
    if rounds.audience is not None:
        stmt = stmt.where(Response.audience == rounds.audience)
    return _restrict(stmt, Response.enterprise_id, enterprise_ids, rounds)


#: What every frame row says about its round, cohort and enterprise.
_CONTEXT = (
    SurveyRound.phase,
    SurveyRound.cohort_id,
    SurveyRound.survey_version_id,
    Cohort.name.label("cohort"),
    Cohort.module,
    Cohort.is_comparison,
    Enterprise.name.label("enterprise"),
)


def _with_context(
    session: Session, stmt: Select, enterprise: InstrumentedAttribute[int]
) -> pd.DataFrame:
    """Rows of ``stmt`` (which joins ``SurveyRound``) with :data:`_CONTEXT`, ``treated``
    (False for comparison cohorts) and ``phase_order``; ``enterprise`` is the row's
    enterprise column."""
    stmt = (
        stmt.add_columns(*_CONTEXT)
        .join(Cohort, SurveyRound.cohort_id == Cohort.id)
        .join(Enterprise, enterprise == Enterprise.id)
    )
    frame = pd.DataFrame(session.execute(stmt).mappings().all())
    if len(frame):
        frame["treated"] = ~frame["is_comparison"].astype(bool)
        frame["phase_order"] = frame["phase"].map(phase_order)
    return frame


def _surveys(session: Session, version_ids: Iterable[int]) -> dict[int, Survey]:
    """Survey definition by survey version id."""
    ids = sorted({int(i) for i in version_ids})  # numpy ints from a frame do not bind
    return {
        v.id: survey_of(v)
        for v in session.scalars(select(SurveyVersion).where(SurveyVersion.id.in_(ids)))
    }


def _bands(
    session: Session, version_of: dict[int, int]
) -> dict[int, tuple[tuple[str, int | None], ...]]:
    """Each coded response's demographic bands (item id, option index or None), which
    confirm a one-element-off pairing match (see :mod:`score_impact.pairing`)."""
    surveys = _surveys(session, set(version_of.values()))
    options = {
        vid: {i.id: [o.value for o in i.options or []] for i in s.items if i.demographic}
        for vid, s in surveys.items()
    }
    wanted = sorted({item for items in options.values() for item in items})
    given: dict[int, dict[str, str]] = defaultdict(dict)
    if wanted:
        stmt = select(Answer.response_id, Answer.item_id, Answer.value_text).where(
            Answer.response_id.in_(list(version_of)), Answer.item_id.in_(wanted)
        )
        for rid, item, text in session.execute(stmt):
            given[rid][item] = text
    out = {}
    for rid, vid in version_of.items():
        items = options.get(vid, {})
        out[rid] = tuple(
            (item, values.index(given[rid][item]) if given[rid].get(item) in values else None)
            for item, values in sorted(items.items())
        )
    return out


def pair_matches(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> dict[int, tuple[str, str]]:
    """(pair id, "exact" | "tolerant") by response id, for every matched response in scope.

    Pairs come from :func:`score_impact.pairing.match_pairs`: baseline vs each follow-up,
    within each cohort and audience (the matcher keeps to one enterprise), with each
    response's demographic bands to confirm tolerant matches. The matching reads every
    phase of the cohorts in scope, whatever ``rounds.phases`` says: a frame of follow-ups
    only still needs the baseline to pair them, and a restricted frame must show the pair
    ids of the unrestricted one. The other restrictions (enterprises, cohorts, audience)
    remove whole matching groups, so they cannot change a pair.
    """
    stmt = _responses(
        enterprise_ids,
        replace(rounds, phases=None),
        Response.id,
        Response.enterprise_id,
        Response.audience,
        Response.pairing_hash,
        Response.pairing_parts,
        SurveyRound.cohort_id,
        SurveyRound.phase,
        SurveyRound.survey_version_id,
    ).where(Response.pairing_hash.is_not(None))
    found = session.execute(stmt).all()
    bands = _bands(session, {row[0]: row[-1] for row in found})
    groups: dict[tuple[int, str], dict[str, list[Coded]]] = defaultdict(lambda: defaultdict(list))
    for rid, ent, audience, full, parts, cohort_id, phase, _ in found:
        coded = Coded(rid, ent, full, tuple(parts.split(",")) if parts else (), bands[rid])
        groups[(cohort_id, audience)][phase].append(coded)
    matches: dict[int, tuple[str, str]] = {}
    for by_phase in groups.values():
        before = by_phase.get(Phase.BASELINE.value, [])
        for phase, after in by_phase.items():
            if phase != Phase.BASELINE.value:
                result = match_pairs(before, after)
                matches.update({rid: (pid, result.kinds[pid]) for rid, pid in result.pairs.items()})
    return matches


def pair_ids(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> dict[int, str]:
    """Pair id by response id (see :func:`pair_matches`)."""
    return {rid: pid for rid, (pid, _) in pair_matches(session, enterprise_ids, rounds).items()}


def round_surveys(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> list[Survey]:
    """The survey definitions answered in the rounds in scope (input of
    :func:`outcomes_frame`), so labels come from the surveys the viewer's rows used."""
    stmt = _responses(enterprise_ids, rounds, SurveyRound.survey_version_id).distinct()
    return list(_surveys(session, session.scalars(stmt)).values())


def _survey_outcomes(survey: Survey) -> Iterator[dict]:
    """One survey's outcome rows (see :func:`outcomes_frame`)."""
    fallback = (
        Stakeholder.WORKERS if survey.audience is Audience.WORKER else Stakeholder.SUPPLIER
    ).value
    by_construct = {c.id: c.stakeholder.value for c in survey.constructs}
    higher = "higher_is_better"
    outcomes = [
        (c.id, "construct", c.label, c.stakeholder.value, higher, c.primary, c.sesoi, None)
        for c in survey.constructs
    ]
    for item in survey.items:
        if item.type in SCORED_TYPES:
            stakeholder = by_construct.get(item.construct_id or "", fallback)
            outcomes.append((item.id, "item", item.label, stakeholder, higher, False, None, None))
    outcomes += [
        (k.id, "kpi", k.label, k.stakeholder.value, k.direction.value, k.primary, None,
         k.sesoi_pct)
        for k in survey.kpis
    ]  # fmt: skip
    units = {k.id: k.unit for k in survey.kpis}
    for outcome_id, kind, label, stakeholder, direction, primary, sesoi, pct in outcomes:
        unit = units.get(outcome_id, {}) if kind == "kpi" else {}
        yield {
            "outcome_id": outcome_id,
            "kind": kind,
            "label": label.get(survey.default_language, outcome_id),
            "stakeholder": stakeholder,
            "direction": direction,
            "primary": primary,
            "sesoi": sesoi,
            "sesoi_pct": pct,
            **{f"label_{lang}": label.get(lang) for lang in survey.languages},
            **{f"unit_{lang}": unit.get(lang) for lang in survey.languages},
        }


def outcomes_frame(surveys: Survey | Iterable[Survey]) -> pd.DataFrame:
    """Outcome metadata of one or several surveys: their constructs, scored items and KPIs.

    Returns
    -------
    pandas.DataFrame
        ``outcome_id``, ``kind`` ("construct" | "item" | "kpi"), ``label`` (the survey's
        default language), ``stakeholder``, ``direction``, ``primary`` (declared primary
        outcome), ``sesoi`` (constructs: smallest meaningful change in scale points, or
        None for the default), ``sesoi_pct`` (KPIs: in % of the baseline), plus
        ``label_<lang>`` and ``unit_<lang>`` (KPIs only) per survey language. An item's
        stakeholder is its construct's; items outside constructs belong to workers in a
        worker survey and to the supplier in a manager survey. An outcome defined by
        several surveys (the worker and the manager survey of one report) keeps the first
        survey's row.
    """
    rows: dict[tuple[str, str], dict] = {}
    for survey in [surveys] if isinstance(surveys, Survey) else surveys:
        for row in _survey_outcomes(survey):
            rows.setdefault((row["kind"], row["outcome_id"]), row)
    return pd.DataFrame(list(rows.values()))


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


def answers_frame(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> pd.DataFrame:
    """The tidy ``answers`` frame: one row per scored (likert / yes-no) answer.

    Parameters
    ----------
    session : Session
    enterprise_ids : collection of int or None
        The enterprises whose responses are read (the viewer's visible ones, from
        ``services.scope.visible_enterprise_ids``), put in the SQL ``WHERE``. ``None``
        reads every enterprise; it has no default so that no caller gets that by accident.
    rounds : RoundFilter
        Cohort, visible cohorts, phases and audience of the rounds read.

    Returns
    -------
    pandas.DataFrame
        :data:`ANSWER_COLUMNS` plus one ``demo_<item_id>`` column per demographic item
        (the chosen option value), after ``source``. ``treated`` is False for comparison
        cohorts. ``pair_id`` comes from :func:`pair_ids`, so it is the same whatever
        ``rounds`` and ``enterprise_ids`` leave out; ``pair_match`` says how ("exact" or
        "tolerant"). Manager responses (one per factory and phase) are paired by factory
        ("factory:<id>", ``pair_match`` "factory").
    """
    stmt = _responses(
        enterprise_ids,
        rounds,
        Response.id.label("response_id"),
        Response.round_id,
        Response.enterprise_id,
        Response.audience,
        Response.source,
    )
    responses = _with_context(session, stmt, Response.enterprise_id)
    if responses.empty:
        return pd.DataFrame(columns=ANSWER_COLUMNS)
    in_scope = _responses(enterprise_ids, rounds, Response.id)
    stored = pd.DataFrame(
        session.execute(
            select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text).where(
                Answer.response_id.in_(in_scope)
            )
        )
        .mappings()
        .all(),
        columns=["response_id", "item_id", "value_num", "value_text"],
    )
    version_of = dict(zip(responses["response_id"], responses["survey_version_id"], strict=True))
    meta_rows, demo_rows = [], []
    for version_id, survey in _surveys(session, version_of.values()).items():
        meta, demographics = _item_meta(survey)
        meta_rows += [{"_version": version_id, "item_id": k, **v} for k, v in meta.items()]
        demo_rows += [{"_version": version_id, "item_id": k} for k in demographics]
    stored["_version"] = stored["response_id"].map(version_of)
    scored = stored.merge(pd.DataFrame(meta_rows), on=["_version", "item_id"], how="inner")
    scored = scored.rename(columns={"value_num": "value"})
    matches = pair_matches(session, enterprise_ids, rounds)
    responses["pair_id"] = responses["response_id"].map({r: m[0] for r, m in matches.items()})
    responses["pair_match"] = responses["response_id"].map({r: m[1] for r, m in matches.items()})
    # One manager answers per factory and phase: their answers pair by factory (a factory
    # with two manager responses in a phase is ambiguous and left to the independent test).
    managers = (responses["audience"] == Audience.MANAGER.value) & responses["pair_id"].isna()
    responses.loc[managers, "pair_id"] = "factory:" + responses.loc[
        managers, "enterprise_id"
    ].astype(str)
    responses.loc[managers, "pair_match"] = "factory"
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
    n_head = len(RESPONSE_COLUMNS)
    order = ANSWER_COLUMNS[:n_head] + demo_cols + ANSWER_COLUMNS[n_head:]
    out["value"] = out["value"].astype("float64")
    return out[order].sort_values(["response_id", "item_id"]).reset_index(drop=True)


def kpis_frame(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> pd.DataFrame:
    """The tidy ``kpis`` frame: one row per stored KPI value in scope.

    ``enterprise_ids`` and ``rounds`` restrict the query as in :func:`answers_frame`
    (``rounds.audience`` does not apply: KPI values belong to the enterprise).

    Returns
    -------
    pandas.DataFrame
        :data:`KPI_COLUMNS`; ``label``/``unit`` in the survey's default language,
        ``direction`` and ``stakeholder`` from the KPI definition of the round's survey.
    """
    stmt = select(KpiValue.enterprise_id, KpiValue.kpi_id, KpiValue.value).join(
        SurveyRound, KpiValue.round_id == SurveyRound.id
    )
    stmt = _restrict(stmt, KpiValue.enterprise_id, enterprise_ids, rounds)
    values = _with_context(session, stmt, KpiValue.enterprise_id)
    if values.empty:
        return pd.DataFrame(columns=KPI_COLUMNS)
    meta = []
    for version_id, survey in _surveys(session, values["survey_version_id"]).items():
        lang = survey.default_language
        meta += [
            {
                "survey_version_id": version_id,
                "kpi_id": k.id,
                "direction": k.direction.value,
                "unit": k.unit.get(lang),
                "label": k.label.get(lang),
                "stakeholder": k.stakeholder.value,
                "primary": k.primary,
                "sesoi_pct": k.sesoi_pct,
            }
            for k in survey.kpis
        ]
    out = values.merge(pd.DataFrame(meta), on=["survey_version_id", "kpi_id"], how="left")
    out["value"] = out["value"].astype("float64")
    return (
        out[KPI_COLUMNS]
        .sort_values(["kpi_id", "enterprise_id", "phase_order"])
        .reset_index(drop=True)
    )


def enterprise_brands_frame(
    session: Session, enterprise_ids: Collection[int] | None
) -> pd.DataFrame:
    """``enterprise_id``, ``brand``: one row per (enterprise, brand) it supplies.

    ``enterprise_ids`` restricts the query as in :func:`answers_frame`.
    """
    stmt = select(brand_enterprise.c.enterprise_id, Brand.name.label("brand")).join(
        Brand, Brand.id == brand_enterprise.c.brand_id
    )
    if enterprise_ids is not None:
        stmt = stmt.where(brand_enterprise.c.enterprise_id.in_(sorted(enterprise_ids)))
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame(rows, columns=["enterprise_id", "brand"])
