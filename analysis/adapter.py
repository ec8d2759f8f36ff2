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

Comparability is settled here too, once for every consumer:

- **lineage**: when the rounds in view answered different versions of one survey (a
  version 1 baseline, a version 2 follow-up), only items and KPIs that every version asks
  the same way are kept, under the newest version's id and construct
  (:func:`score_impact.surveys.lineage.harmonise`); the others are left out with a reason;
- **screening**: a follow-up response whose screening item gives the excluding answer
  (workers hired after the training) is left out of every before/after frame;
- **KPIs**: raw counts are stored; every rate is computed here from the survey's formula.

:func:`exclusions_frame` lists what was left out and why, with counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import Result, Select, exists, select
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
    ResponseExclusion,
    SurveyRound,
    SurveyVersion,
    brand_enterprise,
)
from score_impact.pairing import Coded, match_pairs
from score_impact.services.surveys import survey_of
from score_impact.surveys.lineage import Harmonised, harmonise
from score_impact.surveys.schema import DECLINED, Audience, ItemType, Stakeholder, Survey

ANSWER_COLUMNS: list[str] = [
    *RESPONSE_COLUMNS, "item_id", "construct", "item_type", "reverse", "scale_min",
    "scale_max", "value", "declined", "construct_items",
]  # fmt: skip
EXCLUSION_COLUMNS: list[str] = [
    "kind", "outcome_id", "outcome_kind", "survey", "version", "reason", "other", "phase", "n",
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
    Responses a trainer or admin excluded on the data-quality page
    (``services.quality``) are left out unless ``include_excluded`` (a report's
    sensitivity line).
    """

    cohort_id: int | None = None
    phases: tuple[str, ...] | None = None
    audience: str | None = None
    cohort_ids: frozenset[int] | None = None
    include_excluded: bool = False  # True: also responses excluded as not credible


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
    if not rounds.include_excluded:
        stmt = stmt.where(~exists().where(ResponseExclusion.response_id == Response.id))
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


def _rows(session: Session, stmt: Select) -> Result:
    """The rows of a column ``SELECT`` (no ORM entity), read through the session's
    connection: the ORM's row loading (``Session.execute``) costs more than the query
    itself for the answers of a programme (issue 13), and the rows are the same. Pending
    changes are flushed first, as ``Session.execute`` does."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt)


def _frame(session: Session, stmt: Select, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, ``columns`` naming them (default: the statement's
    labels); without rows and ``columns``, a frame without columns.

    Rows are read through :func:`_rows` as tuples and handed to pandas column by column: a
    row mapping per answer (``.mappings()``) and a list of dicts, the slowest input pandas
    takes, cost more than the query itself at a programme's size (issue 13). The frame
    (values and dtypes) is the one ``pd.DataFrame`` makes of the row mappings.
    """
    result = _rows(session, stmt)
    names = list(result.keys()) if columns is None else columns
    rows = result.all()
    if not rows:
        return pd.DataFrame(columns=columns) if columns is not None else pd.DataFrame()
    return pd.DataFrame(dict(zip(names, zip(*rows, strict=True), strict=True)), columns=names)


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
    frame = _frame(session, stmt)
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


def _lineages(session: Session, surveys: dict[int, Survey]) -> dict[int, Harmonised]:
    """For each survey version id in view, the lineage of its survey across the versions
    in view (every stored version of that survey is read: links go version by version)."""
    by_key: dict[str, set[int]] = defaultdict(set)
    for survey in surveys.values():
        by_key[survey.id].add(survey.version)
    settled: dict[str, Harmonised] = {}
    for key, present in by_key.items():
        chain = {}
        if len(present) > 1:
            rows = session.scalars(select(SurveyVersion).where(SurveyVersion.survey_key == key))
            chain = {row.version: survey_of(row) for row in rows}
        else:
            chain = {s.version: s for s in surveys.values() if s.id == key}
        settled[key] = harmonise(chain, present)
    return {vid: settled[s.id] for vid, s in surveys.items()}


def _canonical(lineage: Harmonised, survey: Survey, outcome_id: str) -> str | None:
    """The id an outcome of ``survey`` is compared under, or None when it is left out."""
    return lineage.canonical.get((survey.version, outcome_id))


def _screened_out(
    session: Session,
    enterprise_ids: Collection[int] | None,
    rounds: RoundFilter,
    surveys: dict[int, Survey],
) -> pd.DataFrame:
    """``response_id``, ``phase`` of follow-up responses their screening item excludes."""
    rules = {vid: s.screening_item for vid, s in surveys.items() if s.screening_item}
    if not rules:
        return pd.DataFrame(columns=["response_id", "phase"])
    stmt = _responses(
        enterprise_ids,
        rounds,
        Response.id,
        SurveyRound.phase,
        SurveyRound.survey_version_id,
        Answer.item_id,
        Answer.value_num,
        Answer.value_text,
    ).join(Answer, Answer.response_id == Response.id)
    stmt = stmt.where(
        SurveyRound.phase != Phase.BASELINE.value,
        Answer.item_id.in_(sorted({item.id for item in rules.values()})),
    )
    out = []
    for rid, phase, vid, item_id, num, text in _rows(session, stmt):
        item = rules.get(vid)
        if item is None or item.id != item_id:
            continue
        given = (num == 1.0) if item.type is ItemType.YES_NO else text
        if given == item.screen_out:
            out.append({"response_id": rid, "phase": phase})
    return pd.DataFrame(out, columns=["response_id", "phase"])


def exclusions_frame(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> pd.DataFrame:
    """What the before/after frames of this view leave out, and why.

    Returns
    -------
    pandas.DataFrame
        :data:`EXCLUSION_COLUMNS`, one row per outcome left out by lineage (``kind``
        "lineage"; ``reason`` "new" | "replaced" | "dropped"; ``other`` the earlier id a
        replacing item replaces; ``version`` the version whose item it is) and one row per
        phase with screened-out responses (``kind`` "screening", ``reason`` the screening
        item's id, ``n`` responses left out). Counts are raw: callers suppress small ones.
    """
    answered = _responses(enterprise_ids, rounds, SurveyRound.survey_version_id)
    entered = _restrict(
        select(SurveyRound.survey_version_id).join(KpiValue, KpiValue.round_id == SurveyRound.id),
        KpiValue.enterprise_id,
        enterprise_ids,
        rounds,
    )
    surveys = _surveys(session, session.scalars(answered.union(entered)))
    rows: list[dict] = []
    seen: set[tuple] = set()
    for vid, lineage in _lineages(session, surveys).items():
        for left in lineage.left_out:
            key = (surveys[vid].id, left.outcome_id, left.version, left.reason)
            if key not in seen:
                seen.add(key)
                rows.append(
                    {"kind": "lineage", "outcome_id": left.outcome_id,
                     "outcome_kind": left.kind, "survey": surveys[vid].id,
                     "version": left.version, "reason": left.reason, "other": left.other,
                     "phase": None, "n": None}
                )  # fmt: skip
    screened = _screened_out(session, enterprise_ids, rounds, surveys)
    for phase, n in screened.groupby("phase").size().items():
        rows.append(
            {"kind": "screening", "outcome_id": None, "outcome_kind": None, "survey": None,
             "version": None, "reason": "hired_after_training", "other": None,
             "phase": phase, "n": int(n)}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=EXCLUSION_COLUMNS)


def _bands(
    session: Session, version_of: dict[int, int], coded: Select
) -> dict[int, tuple[tuple[str, int | None], ...]]:
    """Each coded response's demographic bands (item id, option index or None), which
    confirm a one-element-off pairing match (see :mod:`score_impact.pairing`).

    ``coded`` selects the ids of the responses in ``version_of``; the answers are read
    through it as a subquery, not an ``IN`` list of ids (PostgreSQL binds at most 65,535
    parameters a statement)."""
    surveys = _surveys(session, set(version_of.values()))
    options = {
        vid: {i.id: [o.value for o in i.options or []] for i in s.items if i.demographic}
        for vid, s in surveys.items()
    }
    wanted = sorted({item for items in options.values() for item in items})
    given: dict[int, dict[str, str]] = defaultdict(dict)
    if wanted:
        stmt = select(Answer.response_id, Answer.item_id, Answer.value_text).where(
            Answer.response_id.in_(coded), Answer.item_id.in_(wanted)
        )
        for rid, item, text in _rows(session, stmt):
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
    response's demographic bands to confirm tolerant matches. Once a cohort's pairs are
    fixed and its element hashes dropped (``services.retention``), the stored
    ``Response.pair_id`` is the pair id (exact matches are still recomputed from the
    whole-code hash, for a later follow-up round; a stored pair is exact when both sides
    share that hash). The matching reads every phase of the cohorts in scope, whatever
    ``rounds.phases`` says: a frame of follow-ups only still needs the baseline to pair
    them, and a restricted frame must show the pair ids of the unrestricted one. The other
    restrictions (enterprises, cohorts, audience) remove whole matching groups, so they
    cannot change a pair.
    """
    every_phase = replace(rounds, phases=None)
    stmt = _responses(
        enterprise_ids,
        every_phase,
        Response.id,
        Response.enterprise_id,
        Response.audience,
        Response.pairing_hash,
        Response.pairing_parts,
        Response.pair_id,
        SurveyRound.cohort_id,
        SurveyRound.phase,
        SurveyRound.survey_version_id,
    ).where(Response.pairing_hash.is_not(None))
    found = _rows(session, stmt).all()
    coded = _responses(enterprise_ids, every_phase, Response.id).where(
        Response.pairing_hash.is_not(None)
    )
    bands = _bands(session, {row[0]: row[-1] for row in found}, coded)
    groups: dict[tuple[int, str], dict[str, list[Coded]]] = defaultdict(lambda: defaultdict(list))
    kept: dict[int, str] = {}
    hashes_of: dict[str, set[str]] = defaultdict(set)
    for rid, ent, audience, full, parts, pair_id, cohort_id, phase, _ in found:
        coded = Coded(rid, ent, full, tuple(parts.split(",")) if parts else (), bands[rid])
        groups[(cohort_id, audience)][phase].append(coded)
        if pair_id is not None:
            kept[rid] = pair_id
            hashes_of[pair_id].add(full)
    matches: dict[int, tuple[str, str]] = {}
    for by_phase in groups.values():
        before = by_phase.get(Phase.BASELINE.value, [])
        for phase, after in by_phase.items():
            if phase != Phase.BASELINE.value:
                result = match_pairs(before, after)
                matches.update({rid: (pid, result.kinds[pid]) for rid, pid in result.pairs.items()})
    for rid, pid in kept.items():
        matches[rid] = (pid, "exact" if len(hashes_of[pid]) == 1 else "tolerant")
    return matches


def _within(
    outer_ids: frozenset[int] | None,
    outer: RoundFilter,
    enterprise_ids: Collection[int] | None,
    rounds: RoundFilter,
) -> bool:
    """Whether every response a view (``enterprise_ids``, ``rounds``) reads is one of the
    responses the scope (``outer_ids``, ``outer``) matches, whatever the phases, and
    with the same excluded responses (which take part in the matching when included)."""
    if rounds.include_excluded != outer.include_excluded:
        return False
    if outer_ids is not None and (enterprise_ids is None or not set(enterprise_ids) <= outer_ids):
        return False
    if outer.audience is not None and rounds.audience != outer.audience:
        return False
    if outer.cohort_id is not None and rounds.cohort_id != outer.cohort_id:
        return False
    if outer.cohort_ids is not None:
        inner = rounds.cohort_ids
        if inner is None and rounds.cohort_id is not None:
            inner = frozenset({rounds.cohort_id})
        if inner is None or not inner <= outer.cohort_ids:
            return False
    return True


@dataclass
class _SharedPairs:
    enterprise_ids: frozenset[int] | None
    rounds: RoundFilter
    matches: dict[int, tuple[str, str]] | None = None


_SHARED_PAIRS = "analysis.adapter.shared_pairs"


@contextmanager
def shared_pairs(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> Iterator[None]:
    """Within the block, the frames read through ``session`` (:func:`answers_frame`,
    :func:`respondents_frame`) whose view lies inside this scope take their pairs from one
    :func:`pair_matches` of the scope, made when the first of them needs it, instead of
    matching the same responses again for each frame (issue 13).

    The pairs are the ones each frame would make: a view inside the scope only leaves out
    enterprises, cohorts, an audience or phases, which remove whole matching groups or do
    not restrict the matching (see :func:`pair_matches`), and a frame takes the matches of
    its own responses only. A view that is not inside (another scope, or excluded
    responses included where the scope leaves them out, or the other way round) matches on
    its own. The database must not change within the block.
    """
    previous = session.info.get(_SHARED_PAIRS)
    ids = None if enterprise_ids is None else frozenset(enterprise_ids)
    session.info[_SHARED_PAIRS] = _SharedPairs(ids, replace(rounds, phases=None))
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(_SHARED_PAIRS, None)
        else:
            session.info[_SHARED_PAIRS] = previous


def _pairs_for(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter
) -> dict[int, tuple[str, str]]:
    """:func:`pair_matches` of a view, from the :func:`shared_pairs` of ``session`` when
    the view lies inside its scope (possibly with other responses' matches too)."""
    shared: _SharedPairs | None = session.info.get(_SHARED_PAIRS)
    if shared is None or not _within(shared.enterprise_ids, shared.rounds, enterprise_ids, rounds):
        return pair_matches(session, enterprise_ids, rounds)
    if shared.matches is None:
        shared.matches = pair_matches(session, shared.enterprise_ids, shared.rounds)
    return shared.matches


def any_excluded(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> bool:
    """Whether a response in scope was excluded as not credible (one cheap query), so a
    report knows to compute its sensitivity line."""
    stmt = (
        select(ResponseExclusion.response_id)
        .join(Response, Response.id == ResponseExclusion.response_id)
        .join(SurveyRound, SurveyRound.id == Response.round_id)
    )
    if rounds.audience is not None:
        stmt = stmt.where(Response.audience == rounds.audience)
    stmt = _restrict(stmt, Response.enterprise_id, enterprise_ids, rounds).limit(1)
    return session.scalar(stmt) is not None


def pair_ids(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> dict[int, str]:
    """Pair id by response id (see :func:`pair_matches`)."""
    return {rid: pid for rid, (pid, _) in pair_matches(session, enterprise_ids, rounds).items()}


def _add_pairs(responses: pd.DataFrame, matches: dict[int, tuple[str, str]]) -> None:
    """Set ``pair_id`` and ``pair_match`` of ``responses`` from :func:`pair_matches`
    (object dtype: a view without any match must still take the managers' factory ids)."""
    ids = responses["response_id"]
    responses["pair_id"] = ids.map({r: m[0] for r, m in matches.items()}).astype(object)
    responses["pair_match"] = ids.map({r: m[1] for r, m in matches.items()}).astype(object)


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
            "module": survey.module,
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
        default language), ``stakeholder``, ``direction``, ``module`` (the SCORE module
        the survey measures), ``primary`` (a primary outcome of that module for its
        stakeholder, as the survey declares), ``sesoi`` (constructs: smallest meaningful
        change in scale points, or None for the default), ``sesoi_pct`` (KPIs: in % of the
        baseline), plus ``label_<lang>`` and ``unit_<lang>`` (KPIs only) per survey
        language. An item's stakeholder is its construct's; items outside constructs belong
        to workers in a worker survey and to the supplier in a manager survey. An outcome
        defined by several surveys keeps the row of the newest version (the one a
        before/after across versions is compared under), then of the first survey given.
    """
    rows: dict[tuple[str, str], dict] = {}
    given = [surveys] if isinstance(surveys, Survey) else list(surveys)
    for survey in sorted(given, key=lambda x: -x.version):
        for row in _survey_outcomes(survey):
            rows.setdefault((row["kind"], row["outcome_id"]), row)
    return pd.DataFrame(list(rows.values()))


def _item_meta(
    survey: Survey, lineage: Harmonised, newest: Survey
) -> tuple[dict[str, dict], list[str]]:
    """Scored item metadata by item id (only items kept by the lineage, with the id and
    construct they are compared under, from ``newest``), and the demographic item ids."""
    meta = {}
    for item in survey.items:
        canonical = _canonical(lineage, survey, item.id)
        if item.type in SCORED_TYPES and canonical is not None:
            likert = item.type is ItemType.LIKERT
            meta[item.id] = {
                "_canonical": canonical,
                "construct": newest.item(canonical).construct_id,
                "item_type": item.type.value,
                "reverse": item.reverse,
                "scale_min": 1 if likert else 0,
                "scale_max": len(survey.scales[item.scale]) if likert and item.scale else 1,
            }
    sizes = Counter(m["construct"] for m in meta.values() if m["construct"] is not None)
    for m in meta.values():
        m["construct_items"] = sizes.get(m["construct"], 0)
    demographics = [i.id for i in survey.items if i.demographic]
    return meta, demographics


def _band_columns(stored: pd.DataFrame, demo_rows: list[dict]) -> pd.DataFrame:
    """``demo_<item_id>`` columns indexed by response id: each demographic answer's option
    value (a number kept as its text), from stored answers tagged with ``_version``."""
    demo = stored.merge(pd.DataFrame(demo_rows), on=["_version", "item_id"], how="inner")
    demo["band"] = demo["value_text"].where(
        demo["value_text"].notna(), demo["value_num"].astype("string")
    )
    demo.loc[demo["band"] == DECLINED, "band"] = None  # "prefer not to say": not answered
    first = demo.dropna(subset=["band"]).drop_duplicates(["response_id", "item_id"])
    wide = first.set_index(["response_id", "item_id"])["band"].astype(object).unstack()
    wide.columns.name = None
    return wide.add_prefix("demo_")


RESPONDENT_COLUMNS: list[str] = [
    "response_id", "enterprise_id", "cohort_id", "module", "treated", "audience", "source",
    "phase", "phase_order", "pair_id", "pair_match", "screened", "excluded",
]  # fmt: skip


def respondents_frame(
    session: Session, enterprise_ids: Collection[int] | None, rounds: RoundFilter = ALL_ROUNDS
) -> pd.DataFrame:
    """One row per response in scope, with what describes the respondent but no answer
    to a question: the input of :func:`analysis.disclosure.eligible`.

    Cheaper than :func:`answers_frame` (only demographic answers are read), so the live
    response counts can use it. ``enterprise_ids`` and ``rounds`` restrict the query as
    in :func:`answers_frame`; ``pair_id`` and ``pair_match`` are the same as there (worker
    pairs only: managers, paired by factory there, are not the eligible set's business).
    Unlike there, responses screened out (hired after the training) are kept, flagged
    ``screened``: they are counted as responses and in the exclusions, so the eligible
    set must split cells by it. So are responses excluded on the data-quality page,
    flagged ``excluded`` (never paired, like in the frames that leave them out): a report
    gives its main results with them as a sensitivity line.

    Returns
    -------
    pandas.DataFrame
        :data:`RESPONDENT_COLUMNS` plus one ``demo_<item_id>`` column per demographic item
        of the surveys answered (missing where not answered or declined).
    """
    kept = replace(rounds, include_excluded=False)
    everyone = replace(rounds, include_excluded=True)
    stmt = _responses(
        enterprise_ids,
        everyone,
        Response.id.label("response_id"),
        Response.enterprise_id,
        Response.audience,
        Response.source,
    )
    responses = _with_context(session, stmt, Response.enterprise_id)
    if responses.empty:
        return pd.DataFrame(columns=RESPONDENT_COLUMNS)
    version_of = dict(zip(responses["response_id"], responses["survey_version_id"], strict=True))
    surveys = _surveys(session, version_of.values())
    demo_rows = [
        {"_version": version_id, "item_id": item.id}
        for version_id, survey in surveys.items()
        for item in survey.items
        if item.demographic
    ]
    _add_pairs(responses, _pairs_for(session, enterprise_ids, kept))
    screened = _screened_out(session, enterprise_ids, everyone, surveys)["response_id"]
    responses["screened"] = responses["response_id"].isin(screened)
    excluded = select(ResponseExclusion.response_id).where(
        ResponseExclusion.response_id.in_(_responses(enterprise_ids, everyone, Response.id))
    )
    responses["excluded"] = responses["response_id"].isin(session.scalars(excluded).all())
    # never half of a pair: the before/after frames leave them out
    responses.loc[responses["screened"], ["pair_id", "pair_match"]] = None
    out = responses[RESPONDENT_COLUMNS]
    if demo_rows:
        in_scope = _responses(enterprise_ids, everyone, Response.id)
        wanted = sorted({row["item_id"] for row in demo_rows})
        stored = _frame(
            session,
            select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text).where(
                Answer.response_id.in_(in_scope), Answer.item_id.in_(wanted)
            ),
            ["response_id", "item_id", "value_num", "value_text"],
        )
        stored["_version"] = stored["response_id"].map(version_of)
        bands = _band_columns(stored, demo_rows)
        out = out.merge(bands, left_on="response_id", right_index=True, how="left")
        for item_id in wanted:  # a band nobody answered is still a (fully missing) column
            out[f"demo_{item_id}"] = out.get(f"demo_{item_id}", pd.Series(None, out.index))
    return out.sort_values("response_id").reset_index(drop=True)


def _newest(surveys: dict[int, Survey]) -> dict[int, Survey]:
    """For each version id, the newest version of its survey among ``surveys``."""
    best: dict[str, Survey] = {}
    for s in surveys.values():
        if s.id not in best or s.version > best[s.id].version:
            best[s.id] = s
    return {vid: best[s.id] for vid, s in surveys.items()}


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
        ("factory:<id>", ``pair_match`` "factory"). ``value`` is missing and ``declined``
        True for an explicit "prefer not to answer". ``construct_items`` is the number of
        items of the answer's construct in its survey version (kept after harmonising; 0
        for an item outside every construct). Follow-up responses screened out
        (hired after the training) are not in the frame; items are harmonised across
        survey versions (see the module notes and :func:`exclusions_frame`).
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
    surveys = _surveys(session, responses["survey_version_id"])
    screened = _screened_out(session, enterprise_ids, rounds, surveys)
    responses = responses[~responses["response_id"].isin(screened["response_id"])]
    in_scope = _responses(enterprise_ids, rounds, Response.id)
    stored = _frame(
        session,
        select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text).where(
            Answer.response_id.in_(in_scope)
        ),
        ["response_id", "item_id", "value_num", "value_text"],
    )
    version_of = dict(zip(responses["response_id"], responses["survey_version_id"], strict=True))
    stored = stored[stored["response_id"].isin(version_of)]
    meta_rows, demo_rows = [], []
    lineages, newest = _lineages(session, surveys), _newest(surveys)
    for version_id, survey in surveys.items():
        meta, demographics = _item_meta(survey, lineages[version_id], newest[version_id])
        meta_rows += [{"_version": version_id, "item_id": k, **v} for k, v in meta.items()]
        demo_rows += [{"_version": version_id, "item_id": k} for k in demographics]
    stored["_version"] = stored["response_id"].map(version_of)
    scored = stored.merge(pd.DataFrame(meta_rows), on=["_version", "item_id"], how="inner")
    scored["declined"] = (scored["value_text"] == DECLINED).to_numpy(dtype=bool)
    scored = scored.drop(columns=["item_id"]).rename(
        columns={"value_num": "value", "_canonical": "item_id"}
    )
    _add_pairs(responses, _pairs_for(session, enterprise_ids, rounds))
    # One manager answers per factory and phase: their answers pair by factory (a factory
    # with two manager responses in a phase is ambiguous and left to the independent test).
    managers = (responses["audience"] == Audience.MANAGER.value) & responses["pair_id"].isna()
    responses.loc[managers, "pair_id"] = "factory:" + responses.loc[
        managers, "enterprise_id"
    ].astype(str)
    responses.loc[managers, "pair_match"] = "factory"
    out = scored.merge(responses, on="response_id", how="left")
    if demo_rows:
        wide = _band_columns(stored, demo_rows)
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
        A KPI with a formula is computed from the stored raw counts of its enterprise and
        round (missing when an input is missing or a denominator is 0); KPIs are
        harmonised across survey versions like items.
    """
    stmt = select(KpiValue.enterprise_id, KpiValue.round_id, KpiValue.kpi_id, KpiValue.value).join(
        SurveyRound, KpiValue.round_id == SurveyRound.id
    )
    stmt = _restrict(stmt, KpiValue.enterprise_id, enterprise_ids, rounds)
    values = _with_context(session, stmt, KpiValue.enterprise_id)
    if values.empty:
        return pd.DataFrame(columns=KPI_COLUMNS)
    surveys = _surveys(session, values["survey_version_id"])
    values = _computed_kpis(values, surveys)
    lineages, newest = _lineages(session, surveys), _newest(surveys)
    meta = []
    for version_id, survey in surveys.items():
        lang = survey.default_language
        for k in survey.kpis:
            canonical = _canonical(lineages[version_id], survey, k.id)
            if canonical is None:
                continue
            shown = next(x for x in newest[version_id].kpis if x.id == canonical)
            meta.append(
                {
                    "survey_version_id": version_id,
                    "kpi_id": k.id,
                    "_canonical": canonical,
                    "direction": shown.direction.value,
                    "unit": shown.unit.get(lang),
                    "label": shown.label.get(lang),
                    "stakeholder": shown.stakeholder.value,
                    "primary": shown.primary,
                    "sesoi_pct": shown.sesoi_pct,
                }
            )
    out = values.merge(pd.DataFrame(meta), on=["survey_version_id", "kpi_id"], how="inner")
    out = out.drop(columns=["kpi_id"]).rename(columns={"_canonical": "kpi_id"})
    out["value"] = out["value"].astype("float64")
    return (
        out[KPI_COLUMNS]
        .sort_values(["kpi_id", "enterprise_id", "phase_order"])
        .reset_index(drop=True)
    )


def _computed_kpis(values: pd.DataFrame, surveys: dict[int, Survey]) -> pd.DataFrame:
    """Stored KPI rows -> one row per KPI: entered KPIs as stored, formula KPIs computed
    from the raw counts (inputs) stored for the same enterprise and round."""
    key = ["enterprise_id", "round_id"]
    rows = []
    for (_, _), part in values.groupby(key, sort=False):
        survey = surveys[int(part["survey_version_id"].iloc[0])]
        entered = dict(zip(part["kpi_id"], part["value"], strict=True))
        context = part.iloc[0].drop(["kpi_id", "value"]).to_dict()
        computed = survey.compute_kpis(entered)
        for kpi in survey.kpis:
            value = computed.get(kpi.id) if kpi.formula is not None else entered.get(kpi.id)
            if value is not None:
                rows.append({**context, "kpi_id": kpi.id, "value": value})
    return pd.DataFrame(rows, columns=values.columns)


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
    return _frame(session, stmt, ["enterprise_id", "brand"])
