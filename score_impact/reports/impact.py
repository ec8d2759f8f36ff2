"""The impact of a SCORE cycle for one viewer's scope: every table the dashboard, the brand
report and the downloads show, computed once from the same filtered frames.

No Streamlit here: pages cache :func:`build_impact` and render its :class:`ImpactResult`;
exports and printable reports read the same object, so every number on screen is the one
in the download. The viewer's scope arrives as a set of enterprise ids that goes into the
SQL ``WHERE`` clause (see :mod:`analysis.adapter`); nothing outside it is read.

Small groups: every worker figure is computed over one eligible set of responses per
scope (:func:`worker_eligibility`, :mod:`analysis.disclosure`), chosen so that no
subtraction or combination of figures singles out fewer than ``min_group_size`` workers;
on top, any row describing fewer than ``min_group_size`` respondents is flagged
``suppressed`` with its numbers blanked by :func:`analysis.suppress`, and
:func:`for_display` turns those blanks into the word "suppressed" for tables and files.
Demographic bands are shown for whole cohorts, never within one factory.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from analysis import (
    compare_phases,
    construct_reliability,
    did_constructs,
    kpi_changes,
    kpi_tests,
    scorecard,
)
from analysis._common import NUMERIC_COLUMNS
from analysis.adapter import (
    RoundFilter,
    answers_frame,
    any_excluded,
    exclusions_frame,
    kpis_frame,
    outcomes_frame,
    phase_order,
    respondents_frame,
    round_surveys,
    shared_pairs,
)
from analysis.attrition import attrition, exact_only, match_summary
from analysis.did import _holm_did, did_kpis
from analysis.disclosure import Eligibility, eligible
from analysis.nonresponse import item_nonresponse
from analysis.reliability import MIN_ALPHA, unreliable_constructs
from analysis.scoring import complete_constructs
from analysis.verdicts import decided_rows, did_verdicts, write_back
from score_impact.db.models import (
    Cohort,
    Enterprise,
    Response,
    SurveyRound,
    cohort_enterprise,
)
from score_impact.i18n import t
from score_impact.numbers import NUMBER_LIMIT
from score_impact.services.actions import actions_for, overdue
from score_impact.services.errors import AccessDenied
from score_impact.services.scope import Scope, visible_cohort_ids, visible_enterprise_ids

SUPPRESSED = "suppressed"
#: Count columns checked for small groups in this module's own tables.
COUNT_COLUMNS = ("n", "responses", "n_before", "n_after", "n_pairs")


@dataclass(frozen=True)
class ImpactFilters:
    """What the viewer picked. Frozen and hashable, so it can key a cache.

    ``band`` is a demographic column of the answers frame (e.g. ``demo_tenure``) and
    ``band_value`` one of its coarse categories; both or neither. A band never goes with
    ``enterprise_id`` (bands within one factory identify people), and ``source`` (tablet
    or paper) is for admins only; see :func:`build_impact_for`.
    """

    cohort_id: int | None = None
    baseline: str = "baseline"
    follow_up: str = "follow_up"
    enterprise_id: int | None = None
    module: str | None = None
    band: str | None = None
    band_value: str | None = None
    source: str | None = None
    lang: str = "en"


@dataclass(frozen=True)
class ImpactResult:
    """Every table of one impact view (columns documented in :data:`COLUMN_HELP`)."""

    response_counts: pd.DataFrame
    constructs: pd.DataFrame
    items: pd.DataFrame
    item_distributions: pd.DataFrame
    kpi_changes: pd.DataFrame
    kpi_tests: pd.DataFrame
    did: pd.DataFrame
    reliability: pd.DataFrame
    scorecard: pd.DataFrame
    method_notes: pd.DataFrame
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)  # improvement-plan actions
    exclusions: pd.DataFrame = field(default_factory=pd.DataFrame)  # left out, and why
    item_nonresponse: pd.DataFrame = field(default_factory=pd.DataFrame)  # declined / skipped
    # the primary outcomes the surveys in view declare, per module and stakeholder
    primary_outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    pairing: pd.DataFrame = field(default_factory=pd.DataFrame)  # match rate
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)  # exact matches only
    attrition: pd.DataFrame = field(default_factory=pd.DataFrame)  # returned vs not
    with_excluded: pd.DataFrame = field(default_factory=pd.DataFrame)  # excluded left in
    excluded: int = 0  # worker responses excluded on the data-quality page, in this view
    min_group_size: int = 5
    filters: ImpactFilters = field(default_factory=ImpactFilters)
    enterprises: tuple[str, ...] = ()

    def tables(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(name, frame) for every table, in report order."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, pd.DataFrame):
                yield f.name, value


@dataclass(frozen=True)
class ImpactOptions:
    """Choices a filter widget may offer inside a scope (nothing outside it)."""

    cohorts: dict[int, str]
    phases: tuple[str, ...]
    enterprises: dict[int, str]
    modules: tuple[str, ...]
    bands: dict[str, tuple[str, ...]]
    sources: tuple[str, ...]
    #: Words for the bands, from the survey definitions: "demo_tenure" -> the question's
    #: label per language, "demo_tenure=under_1_year" -> the option's label per language.
    band_labels: dict[str, dict[str, str]] = field(default_factory=dict)


def impact_options(
    session: Session, enterprise_ids: Collection[int], cohort_ids: Collection[int] | None = None
) -> ImpactOptions:
    """Cohorts, phases, enterprises, modules, sources and demographic bands in scope."""
    ids = list(enterprise_ids)
    in_cohorts = _cohort_clause(cohort_ids)
    ents = session.execute(
        select(Enterprise.id, Enterprise.name)
        .where(Enterprise.id.in_(ids))
        .order_by(Enterprise.name)
    ).all()
    cohorts = session.execute(
        select(Cohort.id, Cohort.name, Cohort.module, Cohort.is_comparison)
        .join(cohort_enterprise, cohort_enterprise.c.cohort_id == Cohort.id)
        .where(cohort_enterprise.c.enterprise_id.in_(ids), in_cohorts(Cohort.id))
        .distinct()
        .order_by(Cohort.is_comparison, Cohort.name)  # training classes first, then comparison
    ).all()
    phases = session.scalars(
        select(SurveyRound.phase)
        .join(cohort_enterprise, cohort_enterprise.c.cohort_id == SurveyRound.cohort_id)
        .where(cohort_enterprise.c.enterprise_id.in_(ids), in_cohorts(SurveyRound.cohort_id))
        .distinct()
    ).all()
    sources = session.scalars(
        select(Response.source).where(Response.enterprise_id.in_(ids)).distinct()
    ).all()
    bands: dict[str, tuple[str, ...]] = {}
    band_labels: dict[str, dict[str, str]] = {}
    visible = RoundFilter(audience="worker", cohort_ids=_frozen(cohort_ids))
    for survey in round_surveys(session, ids, visible):
        for item in survey.items:
            if item.demographic and item.options:
                bands[f"demo_{item.id}"] = tuple(o.value for o in item.options)
                band_labels[f"demo_{item.id}"] = dict(item.label)
                band_labels |= {f"demo_{item.id}={o.value}": dict(o.label) for o in item.options}
    return ImpactOptions(
        cohorts={c.id: c.name for c in cohorts},
        phases=tuple(sorted(set(phases), key=phase_order)),
        enterprises={e.id: e.name for e in ents},
        modules=tuple(sorted({c.module for c in cohorts})),
        bands=bands,
        sources=tuple(sorted(sources)),
        band_labels=band_labels,
    )


def _frozen(ids: Collection[int] | None) -> frozenset[int] | None:
    return None if ids is None else frozenset(ids)


def _cohort_clause(cohort_ids: Collection[int] | None):
    """A WHERE clause builder: the column is in the visible cohorts (or no restriction)."""
    if cohort_ids is None:
        return lambda column: true()
    ids = sorted(cohort_ids)
    return lambda column: column.in_(ids)


def _scoped_ids(enterprise_ids: Collection[int], filters: ImpactFilters) -> list[int]:
    """The enterprise restriction of the query: the scope, narrowed by the filter only."""
    ids = set(enterprise_ids)
    if filters.enterprise_id is not None:
        ids &= {filters.enterprise_id}
    return sorted(ids)


def worker_eligibility(
    session: Session,
    enterprise_ids: Collection[int],
    min_group_size: int,
    cohort_ids: Collection[int] | None = None,
    cohort_id: int | None = None,
    partitions: Sequence[str] = (),
) -> Eligibility:
    """The eligible worker responses of a scope (:func:`analysis.disclosure.eligible`).

    Computed over the whole scope - every visible enterprise, every phase - whatever the
    filters, so that every view of the scope uses the same set. Cells never span cohorts,
    so a view of one cohort (``cohort_id``) reads that cohort only. ``partitions``: the
    respondents columns of any other split a figure makes (e.g. excluded vs kept
    responses), see ``docs/privacy.md``.
    Responses screened out of the before/after frames (hired after the training) are
    counted and reported as excluded, so ``screened`` is always one of the partitions;
    so is ``excluded`` (responses excluded on the data-quality page): the main results
    leave them out and the ``with_excluded`` table puts them back, so cells are split by
    it and that difference is never a group below k.
    """
    rounds = RoundFilter(cohort_id=cohort_id, audience="worker", cohort_ids=_frozen(cohort_ids))
    respondents = respondents_frame(session, sorted(enterprise_ids), rounds)
    return eligible(respondents, min_group_size, ("screened", "excluded", *partitions))


def _screened_in_view(
    exclusions: pd.DataFrame, eligibility: Eligibility, ids: Collection[int], filters: ImpactFilters
) -> pd.DataFrame:
    """:func:`analysis.adapter.exclusions_frame` with each phase's screened-out count
    taken over the eligible set and the view's filters, like every other worker figure:
    a raw count would single out the few recent hires of a factory by subtraction."""
    screening = (exclusions["kind"] == "screening").to_numpy()
    if not screening.any():
        return exclusions
    who = eligibility.respondents
    who = who[who["eligible"].astype(bool) & who["screened"].astype(bool) & ~who["excluded"]]
    who = who[
        who["enterprise_id"].isin(ids) & who["phase"].isin([filters.baseline, filters.follow_up])
    ]
    if filters.cohort_id is not None:
        who = who[who["cohort_id"] == filters.cohort_id]
    counts = _main_design(_filter_rows(who, filters), filters).groupby("phase").size()
    out = exclusions.copy()
    out.loc[screening, "n"] = out.loc[screening, "phase"].map(counts).fillna(0).to_numpy()
    return out[~screening | (out["n"] > 0).to_numpy()].reset_index(drop=True)


def response_counts(
    session: Session,
    enterprise_ids: Collection[int],
    filters: ImpactFilters,
    min_group_size: int = 5,
    cohort_ids: Collection[int] | None = None,
    eligibility: Eligibility | None = None,
) -> pd.DataFrame:
    """Worker responses per enterprise and phase against the expected headcount
    (responses excluded on the data-quality page do not count).

    Light on purpose (no answers read, only who responded): the live dashboard reruns it
    every few seconds. Counts are of the scope's eligible responses (see
    :func:`worker_eligibility`), so they add up with every other figure and no
    difference of counts singles out fewer than ``min_group_size`` workers.

    ``eligibility`` is the scope's (for this cohort, when one is chosen), when the caller
    has it already.

    Returns
    -------
    pandas.DataFrame
        ``enterprise_id``, ``enterprise``, ``cohort``, ``phase``, ``expected`` (headcount),
        ``responses``, ``response_rate`` (0-1), ``suppressed`` (responses came in but none
        is eligible yet, e.g. fewer than k: count and rate blanked).
    """
    ids = _scoped_ids(enterprise_ids, filters)
    phases = [filters.baseline, filters.follow_up]
    in_cohorts = _cohort_clause(cohort_ids)
    members = (
        select(Enterprise.id, Enterprise.name, Enterprise.headcount, Cohort.id, Cohort.name)
        .join(cohort_enterprise, cohort_enterprise.c.enterprise_id == Enterprise.id)
        .join(Cohort, Cohort.id == cohort_enterprise.c.cohort_id)
        .where(Enterprise.id.in_(ids), in_cohorts(Cohort.id))
    )
    if filters.cohort_id is not None:
        members = members.where(Cohort.id == filters.cohort_id)
    if filters.module is not None:
        members = members.where(Cohort.module == filters.module)
    if eligibility is None:
        eligibility = worker_eligibility(
            session, enterprise_ids, min_group_size, cohort_ids, filters.cohort_id
        )
    who = eligibility.respondents
    who = who[who["phase"].isin(phases) & who["enterprise_id"].isin(ids) & ~who["excluded"]]
    if filters.source is not None:
        who = who[who["source"] == filters.source]
    keys = ["enterprise_id", "cohort_id", "phase"]
    received = who.groupby(keys).size()
    got = who[who["eligible"].astype(bool)].groupby(keys).size()
    rows = []
    for ent_id, name, headcount, cohort_id, cohort in session.execute(members):
        for phase in phases:
            n = int(got.get((ent_id, cohort_id, phase), 0))
            rows.append(
                {
                    "enterprise_id": ent_id,
                    "enterprise": name,
                    "cohort": cohort,
                    "phase": phase,
                    "expected": headcount,
                    "responses": n,
                    "response_rate": n / headcount if headcount else np.nan,
                    "_received": int(received.get((ent_id, cohort_id, phase), 0)),
                }
            )
    cols = ["enterprise_id", "enterprise", "cohort", "phase", "expected", "responses"]
    out = pd.DataFrame(rows, columns=[*cols, "response_rate", "_received"])
    small = (out.pop("_received") > 0) & (out["responses"] == 0)
    out["suppressed"] = small.astype(bool)
    out[["responses", "response_rate"]] = out[["responses", "response_rate"]].astype(float)
    out.loc[small, ["responses", "response_rate"]] = np.nan
    return out.sort_values(["cohort", "enterprise", "phase"], key=_phase_key).reset_index(drop=True)


def _phase_key(col: pd.Series) -> pd.Series:
    return col.map(phase_order) if col.name == "phase" else col


def _distinct(column: pd.Series) -> set:
    """The set of a column's values, as ``set(column)`` gives it but from its distinct
    values: ``set`` of a column of hundreds of thousands of answers makes a Python object
    of every row (a string of a text column) first."""
    return set(column.unique().tolist())


def _filter_rows(frame: pd.DataFrame, filters: ImpactFilters) -> pd.DataFrame:
    """Module, source and band filters (enterprise and cohort are already in the query)."""
    keep = np.ones(len(frame), dtype=bool)
    if filters.module is not None and "module" in frame:
        keep &= (frame["module"] == filters.module).to_numpy()
    if filters.source is not None and "source" in frame:
        keep &= (frame["source"] == filters.source).to_numpy()
    if filters.band and filters.band_value is not None and "audience" in frame:
        # Bands are worker answers; manager answers describe the factory and stay in.
        band = frame[filters.band] if filters.band in frame else pd.Series(None, frame.index)
        worker = (frame["audience"] == "worker").to_numpy()
        keep &= ~worker | (band == filters.band_value).to_numpy()
    # a boolean filter copies every column (costly for text columns): only when needed
    return frame.copy(deep=False) if keep.all() else frame[keep]


def _main_design(frame: pd.DataFrame, filters: ImpactFilters) -> pd.DataFrame:
    """Before/after runs on trained enterprises; a chosen cohort is taken as it is."""
    if filters.cohort_id is not None or frame.empty:
        return frame
    treated = frame["treated"].astype(bool).to_numpy()
    return frame.copy(deep=False) if treated.all() else frame[treated]


def _localise(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Show labels in ``lang`` (falling back to English) and drop the other label columns."""
    out = frame.copy()
    local = f"label_{lang}"
    if lang != "en" and local in out and "label" in out:
        out["label"] = out[local].where(out[local].notna(), out["label"])
    return out.drop(columns=[c for c in out.columns if c.startswith("label_")])


def _mapped_or(keys: pd.Series, mapping: pd.Series, fallback: pd.Series) -> pd.Series:
    """``keys`` mapped through ``mapping``, ``fallback`` where a key has no value. When no
    key has one the mapped column is all-float NaN, which pandas will refuse to fill with
    text: the fallback is then the answer as it is."""
    found = keys.map(mapping)
    return fallback.copy() if found.isna().all() else found.fillna(fallback)


def _with_labels(frame: pd.DataFrame, outcomes: pd.DataFrame, key: str, kind: str, lang: str):
    labels = outcomes[outcomes["kind"] == kind].set_index("outcome_id")
    local = f"label_{lang}"
    text = labels[local].fillna(labels["label"]) if local in labels else labels["label"]
    out = frame.copy()
    out.insert(1, "label", _mapped_or(out[key], text, out[key]))
    unit = f"unit_{lang}"
    if kind == "kpi" and "unit" in out and unit in labels:  # "kWh/unit" -> "千瓦时/件"
        out["unit"] = _mapped_or(out[key], labels[unit], out["unit"])
    return out


ACTION_COLUMNS = [
    "enterprise", "outcome_id", "kind", "label", "finding", "title", "responsible_role",
    "due_date", "status", "overdue",
]  # fmt: skip


def actions_table(
    session: Session, enterprise_ids: Collection[int], outcomes: pd.DataFrame, lang: str
) -> pd.DataFrame:
    """The improvement-plan actions of these enterprises (queried for them only), with the
    outcome's label, so reports can list them next to the results that prompted them."""
    rows = []
    actions = actions_for(session, enterprise_ids)
    late = {a.id for a in overdue(actions, date.today())}
    ids = {a.enterprise_id for a in actions}
    names = dict(
        session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all()
    )
    for a in actions:
        rows.append(
            {
                "enterprise": names[a.enterprise_id],
                "outcome_id": a.outcome_id,
                "kind": a.outcome_kind,
                "finding": a.finding,
                "title": a.title,
                "responsible_role": a.responsible_role,
                "due_date": a.due_date.isoformat(),
                "status": a.status,
                "overdue": a.id in late,
            }
        )
    frame = pd.DataFrame(rows, columns=[c for c in ACTION_COLUMNS if c != "label"])
    if frame.empty or outcomes.empty:
        return frame.reindex(columns=ACTION_COLUMNS)
    labelled = [
        _with_labels(part, outcomes, "outcome_id", kind, lang)
        for kind, part in frame.groupby("kind", sort=False)
    ]
    return pd.concat(labelled, ignore_index=True)[ACTION_COLUMNS]


def _compare(
    answers: pd.DataFrame,
    outcomes: pd.DataFrame,
    filters: ImpactFilters,
    by: tuple[str, ...],
    k: int,
    unreliable: set[str] = frozenset(),  # type: ignore[assignment]
    min_alpha: float = MIN_ALPHA,
    levels: tuple[str, ...] = ("construct", "item"),
) -> pd.DataFrame:
    if answers.empty:
        return pd.DataFrame()
    phases = _distinct(answers["phase"])
    if filters.baseline not in phases or filters.follow_up not in phases:
        return pd.DataFrame()
    out = compare_phases(
        answers,
        outcomes,
        by=by,
        baseline=filters.baseline,
        follow_up=filters.follow_up,
        levels=levels,
        min_group_size=k,
        lang=filters.lang,
        unreliable=unreliable,
        min_alpha=min_alpha,
        guard_pairs=k > 1,
    )
    return out


def _compare_constructs(
    answers: pd.DataFrame,
    outcomes: pd.DataFrame,
    filters: ImpactFilters,
    k: int,
    unreliable: set[str],
) -> pd.DataFrame:
    """The overall construct rows of :func:`_compare`, for the tables that show only those
    (sensitivity, excluded responses left in), without the item rows.

    Every number of a construct row is the same with or without the items: the tests,
    pairs and small-group guards are per outcome, and the p-value families and the
    ordering keep constructs and items apart (``group`` may be typed object rather than
    text; neither table shows it). When there is no construct row, the full comparison
    is returned instead, so that an empty table keeps the columns and types it has
    always had.
    """
    out = _compare(answers, outcomes, filters, ("overall",), k, unreliable, levels=("construct",))
    if out.empty:
        out = _compare(answers, outcomes, filters, ("overall",), k, unreliable)
    return out


def item_distributions(
    answers: pd.DataFrame, outcomes: pd.DataFrame, filters: ImpactFilters, k: int
) -> pd.DataFrame:
    """Share of respondents choosing each Likert point, per item and phase.

    Raw answers (not reverse-coded: this is what people said); ``reverse`` marks
    negatively worded items. An item and phase with 1..k-1 answers is suppressed: ``n``
    and every share blanked.
    """
    cols = ["item_id", "label", "construct", "reverse", "phase", "point", "n", "share"]
    keys = ["item_id", "construct", "reverse", "phase"]
    # the columns used, then one filter (a filter copies every text column it keeps)
    likert = answers[[*keys, "value", "scale_min", "scale_max"]]
    likert = likert[
        (answers["item_type"] == "likert").to_numpy()
        & answers["value"].notna().to_numpy()
        & answers["phase"].isin([filters.baseline, filters.follow_up]).to_numpy()
    ]
    if likert.empty:
        return pd.DataFrame(columns=[*cols, "suppressed"])
    counts = likert.groupby([*keys, "value"], observed=True).size().rename("count")
    counts = counts.reset_index()
    totals = counts.groupby(keys, observed=True)["count"].transform("sum")
    low, high = int(likert["scale_min"].min()), int(likert["scale_max"].max())
    grid = (
        counts[keys]
        .drop_duplicates()
        .merge(pd.DataFrame({"value": np.arange(low, high + 1, dtype=float)}), how="cross")
    )
    counts = counts.assign(n=totals)
    out = grid.merge(counts, on=[*keys, "value"], how="left")
    out["n"] = out.groupby(keys, observed=True)["n"].transform("max")
    out["share"] = out["count"].fillna(0) / out["n"]
    out["point"] = out["value"].astype(int)
    out = _with_labels(out, outcomes, "item_id", "item", filters.lang)
    small = (out["n"] > 0) & (out["n"] < k)
    out["suppressed"] = small.to_numpy()
    out.loc[small, ["n", "share"]] = np.nan
    out["_o"] = out["phase"].map(phase_order)
    out = out.sort_values(["construct", "item_id", "_o", "point"]).reset_index(drop=True)
    return out[[*cols, "suppressed"]]


SENSITIVITY_COLUMNS = [
    "matches", "outcome_id", "label", "design", "n_before", "n_after", "n_pairs", "mean_before",
    "mean_after", "change", "ci_low", "ci_high", "p", "suppressed", "not_estimable",
]  # fmt: skip


def sensitivity(
    main: pd.DataFrame, constructs: pd.DataFrame, outcomes: pd.DataFrame, filters: ImpactFilters,
    k: int, unreliable: set[str],
) -> pd.DataFrame:  # fmt: skip
    """The overall construct results with all matches next to the same re-run on exact
    matches only (tolerant pairs counted as unmatched): ordinary rows with their counts."""
    if main.empty or constructs.empty:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    strict = _compare_constructs(exact_only(main), outcomes, filters, k, unreliable)
    parts = []
    for name, frame in (("all", constructs), ("exact only", strict)):
        if frame.empty:
            continue
        head = frame[frame["primary"].astype(bool) & (frame["grouping"] == "overall")
                     & (frame["kind"] == "construct")]  # fmt: skip
        if "audience" in head:
            head = head[head["audience"] == "worker"]
        parts.append(head.assign(matches=name))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out = _localise(out, filters.lang) if len(out) else out
    return out.reindex(columns=SENSITIVITY_COLUMNS).reset_index(drop=True)


def primary_outcomes(outcomes: pd.DataFrame, filters: ImpactFilters) -> pd.DataFrame:
    """``module``, ``stakeholder``, ``kind``, ``outcome_id``, ``label`` (in the filter's
    language), ``sesoi`` of every primary outcome the surveys in view declare (of the
    chosen module only, when one is chosen)."""
    cols = ["module", "stakeholder", "kind", "outcome_id", "label", "sesoi"]
    if outcomes.empty or "primary" not in outcomes:
        return pd.DataFrame(columns=cols)
    out = _localise(outcomes[outcomes["primary"].astype(bool)], filters.lang)
    if filters.module is not None:
        out = out[out["module"] == filters.module]
    return out[cols].sort_values(["module", "stakeholder", "kind"]).reset_index(drop=True)


def exclusions_table(frame: pd.DataFrame, lang: str, k: int) -> pd.DataFrame:
    """:func:`analysis.adapter.exclusions_frame` with a sentence per row (``note``) in
    ``lang``; a screening count of 1..k-1 is worded "fewer than k", never given."""
    if frame.empty:
        return frame.assign(note=pd.Series(dtype=object))
    notes = []
    for row in frame.itertuples(index=False):
        if row.kind == "screening":
            n = int(row.n)
            count = str(n) if n >= k else t("report.fewer_than", lang, k=k)
            phase = t(f"phase.{row.phase}", lang)
            notes.append(t("lineage.screened", lang, n=count, phase=phase))
        else:
            params = {"id": row.outcome_id, "version": row.version, "other": row.other}
            notes.append(t(f"lineage.{row.reason}", lang, **params))
    out = frame.assign(note=notes)
    small = (out["kind"] == "screening") & (out["n"].fillna(k) < k)
    out["n"] = out["n"].astype(object)
    out.loc[small, "n"] = None
    return out


def method_notes(
    filters: ImpactFilters,
    k: int,
    pairing: pd.DataFrame,
    did_available: bool,
    min_alpha: float = MIN_ALPHA,
    exclusions: pd.DataFrame | None = None,
    excluded: tuple[int, bool] = (0, False),
    did_band: bool = False,
) -> pd.DataFrame:
    """Tests used, correction, match rate, suppression rule, exclusions (how many, and
    whether the results with them are shown), in the report's language.

    ``did_band``: the worker difference-in-differences was left out because a band
    filter is on.
    """
    lang = filters.lang
    row = pairing.iloc[0] if len(pairing) else None
    if row is None or not row["follow_up_responses"]:
        matched_text = t("report.note.matched", lang, exact=0, tolerant=0, unmatched=0,
                         total=0, rate="0")  # fmt: skip
    elif row["suppressed"]:
        matched_text = t("report.note.matched_suppressed", lang, k=k)
    else:
        matched_text = t(
            "report.note.matched", lang, exact=int(row["exact"]), tolerant=int(row["tolerant"]),
            unmatched=int(row["unmatched"]), total=int(row["follow_up_responses"]),
            rate=f"{100 * (1 - row['unmatched_rate']):.0f}",
        )  # fmt: skip
    notes = [
        ("decision", t("report.note.decision", lang)),
        ("tests", t("report.note.tests", lang)),
        ("correction", t("report.note.correction", lang)),
        ("matched", matched_text),
        ("sensitivity", t("report.note.sensitivity", lang)),
        ("attrition", t("report.note.attrition", lang)),
        ("managers", t("report.note.managers", lang)),
        ("constructs", t("report.note.constructs", lang)),
        ("reliability", t("report.note.reliability", lang, alpha=f"{min_alpha:g}")),
        ("kpis", t("report.note.kpis", lang)),
        ("kpi_tests", t("report.note.kpi_tests", lang)),
        ("did", t("report.note.did_few" if did_available else "report.note.no_did", lang)),
        *([("did_band", t("report.note.did_band", lang))] if did_band else []),
        ("suppression", t("report.note.suppression", lang, k=k)),
        ("disclosure", t("report.note.disclosure", lang, k=k)),
        ("excluded", _excluded_note(lang, k, *excluded)),
        ("trust_drift", t("report.note.trust_drift", lang)),
        (
            "phases",
            t("report.note.phases", lang, baseline=filters.baseline, follow_up=filters.follow_up),
        ),
    ]
    if exclusions is not None and len(exclusions):
        lineage = exclusions[exclusions["kind"] == "lineage"]
        if len(lineage):
            notes.append(("lineage", t("report.note.lineage", lang, n=len(lineage))))
        notes += [("screening", note) for note in exclusions.loc[
            exclusions["kind"] == "screening", "note"
        ]]  # fmt: skip
    notes.append(("prefer_not", t("report.note.prefer_not", lang)))
    return pd.DataFrame(notes, columns=["topic", "note"])


def _excluded_note(lang: str, k: int, count: int, shown: bool) -> str:
    if not count:
        return t("report.note.excluded_none", lang)
    key = "report.note.excluded" if shown else "report.note.excluded_hidden"
    return t(key, lang, n=count, k=k)


WITH_EXCLUDED_COLUMNS = [
    "outcome_id", "label", "design", "n_before", "n_after", "change", "ci_low", "ci_high",
    "p_holm", "n_before_all", "n_after_all", "change_all", "ci_low_all", "ci_high_all",
    "p_holm_all", "suppressed",
]  # fmt: skip
_SENSITIVE = ["change", "ci_low", "ci_high", "p_holm"]
T_TESTS = ("paired t-test", "Welch t-test")  # the tests whose change and CI are headlined


def _differenced(main: int, everyone: int, k: int) -> bool:
    """True when the difference of two counts is a group of 1..k-1: showing both numbers
    would let a reader subtract that small group's answers."""
    return 0 < everyone - main < k


def with_excluded(
    main: pd.DataFrame,
    everyone: pd.DataFrame,
    outcomes: pd.DataFrame,
    filters: ImpactFilters,
    k: int,
    unreliable: set[str],
) -> tuple[pd.DataFrame, int, bool]:
    """The main results (overall worker constructs, both designs) with the excluded
    responses left in.

    ``main`` and ``everyone`` are the worker answers without and with the excluded
    responses. Returns (table, responses excluded, whether any row is shown). Guarded
    against differencing: nothing is shown when a phase lost 1..k-1 responses, and a row
    whose respondents or pairs differ by 1..k-1 is blanked (``suppressed``); its difference
    from the main row would be that small group's result.
    """
    ids = {
        p: _distinct(everyone.loc[everyone["phase"] == p, "response_id"]) for p in _phases(filters)
    }
    kept = {p: _distinct(main.loc[main["phase"] == p, "response_id"]) for p in _phases(filters)}
    dropped = {p: len(ids[p] - kept[p]) for p in ids}
    count = sum(dropped.values())
    if not count or any(0 < n < k for n in dropped.values()):
        return pd.DataFrame(columns=WITH_EXCLUDED_COLUMNS), count, False
    with_all = _compare_constructs(
        _main_design(everyone, filters), outcomes, filters, k, unreliable
    )
    without = _compare_constructs(_main_design(main, filters), outcomes, filters, k, unreliable)
    if with_all.empty or without.empty:
        return pd.DataFrame(columns=WITH_EXCLUDED_COLUMNS), count, False

    def headline(frame: pd.DataFrame) -> pd.DataFrame:
        """Overall construct results, paired and independent (stuffed responses have no
        baseline partner: they move the independent comparison)."""
        rows = frame[(frame["kind"] == "construct") & frame["test"].isin(T_TESTS)]
        return _localise(rows, filters.lang).set_index(["outcome_id", "design"])

    a, b = headline(without), headline(with_all)
    a = a.loc[a.index.intersection(b.index)]
    table = a[["label", "n_before", "n_after", *_SENSITIVE, "suppressed"]].copy()
    for column in ("n_before", "n_after", *_SENSITIVE):
        table[f"{column}_all"] = b[column].reindex(table.index)
    risky = np.array(
        [
            _differenced(r.n_before, r.n_before_all, k) or _differenced(r.n_after, r.n_after_all, k)
            for r in table.itertuples()
        ],
        dtype=bool,
    )
    hidden = b["suppressed"].reindex(table.index).fillna(True).astype(bool).to_numpy()
    table["suppressed"] = table["suppressed"].astype(bool).to_numpy() | hidden | risky
    numbers = [c for c in table.columns if c.startswith(("n_", *_SENSITIVE))]
    table[numbers] = table[numbers].astype(float)
    table.loc[table["suppressed"], numbers] = np.nan
    table = table.reset_index()[WITH_EXCLUDED_COLUMNS]
    return table, count, bool((~table["suppressed"]).any())


def _excluded_in_view(frame: pd.DataFrame, eligibility: Eligibility, filters: ImpactFilters) -> int:
    """Responses of the view excluded on the data-quality page, all of them: the method
    note states how many were excluded even when the eligible set leaves some out of the
    results with them (the count says nothing about anyone's answers)."""
    who = eligibility.respondents
    excluded = set(who.loc[who["excluded"].astype(bool), "response_id"])
    in_view = _main_design(frame, filters)
    return int(in_view.loc[in_view["response_id"].isin(excluded), "response_id"].nunique())


def _phases(filters: ImpactFilters) -> tuple[str, str]:
    return filters.baseline, filters.follow_up


def build_impact(
    session: Session,
    enterprise_ids: Collection[int],
    filters: ImpactFilters | None = None,
    min_group_size: int = 5,
    cohort_ids: Collection[int] | None = None,
    min_alpha: float = MIN_ALPHA,
) -> ImpactResult:
    """Compute every impact table for the enterprises in ``enterprise_ids``.

    Parameters
    ----------
    session : Session
    enterprise_ids : collection of int
        The viewer's visible enterprises (``services.scope.visible_enterprise_ids``). Only
        their rows are queried.
    filters : ImpactFilters
        Cohort, phase pair, enterprise, module, demographic band, source, language.
    min_group_size : int
        The *k* of the suppression rule (``Settings.min_group_size``).
    cohort_ids : collection of int, optional
        The viewer's visible cohorts (``visible_cohort_ids``): a trainer sees their own
        cohorts' rounds, not another trainer's cohort of the same factory. ``None`` means
        every cohort of the visible enterprises (admin, tests).
    min_alpha : float
        Reliability gate (``Settings.min_alpha``): constructs with Cronbach's alpha below
        it in any phase are analysed per item only.

    Notes
    -----
    Without a chosen cohort, before/after tables cover trained enterprises only;
    comparison enterprises feed the difference-in-differences table. Worker and manager
    answers are compared separately (their multiple-comparison families are separate) and
    stacked with an ``audience`` column.

    Worker figures use the scope's eligible responses only (:func:`worker_eligibility`).
    With a band filter, rows are overall and per cohort (no factory rows) and there is no
    difference-in-differences (its factory-clustered errors would use each factory's
    figures for the band). Manager answers, like KPIs, are the factory's own figures (one
    manager per factory) and are not suppressed by k (``docs/privacy.md``).

    Raises
    ------
    AccessDenied
        A band filter together with an enterprise filter.
    """
    filters = filters or ImpactFilters()
    if filters.band is not None and filters.enterprise_id is not None:
        raise AccessDenied("demographic bands are shown for whole cohorts, not one factory")
    k = min_group_size
    ids = _scoped_ids(enterprise_ids, filters)
    rounds = RoundFilter(
        cohort_id=filters.cohort_id,
        phases=(filters.baseline, filters.follow_up),
        cohort_ids=_frozen(cohort_ids),
    )
    # the eligible set and the answers take their pairs from one matching of the scope
    scope_rounds = RoundFilter(cohort_id=filters.cohort_id, cohort_ids=_frozen(cohort_ids))
    with shared_pairs(session, enterprise_ids, scope_rounds):
        eligibility = worker_eligibility(session, enterprise_ids, k, cohort_ids, filters.cohort_id)
        answers = _filter_rows(eligibility.apply(answers_frame(session, ids, rounds)), filters)
    kpis = _plausible(_filter_rows(kpis_frame(session, ids, rounds), filters))
    left_out = exclusions_frame(session, ids, rounds).pipe(
        _screened_in_view, eligibility, ids, filters
    )
    left_out = exclusions_table(left_out, filters.lang, k)
    outcomes = outcomes_frame(round_surveys(session, ids, rounds))
    if outcomes.empty:
        outcomes = pd.DataFrame(columns=["outcome_id", "kind", "label", "stakeholder"])
    workers = complete_constructs(answers[answers["audience"] == "worker"])
    managers = answers[answers["audience"] == "manager"]
    main = _main_design(workers, filters)
    main_managers = _main_design(managers, filters)
    reliability = _reliability(main, main_managers, outcomes, k, min_alpha, filters.lang)
    unreliable = unreliable_constructs(reliability) if len(reliability) else set()
    everyone, dropped = workers, 0
    if any_excluded(session, ids, replace(rounds, audience="worker")):
        frame = answers_frame(
            session, ids, replace(rounds, include_excluded=True, audience="worker")
        )
        everyone = complete_constructs(_filter_rows(eligibility.apply(frame), filters))
        dropped = _excluded_in_view(_filter_rows(frame, filters), eligibility, filters)
    kept_in, _, shown = with_excluded(workers, everyone, outcomes, filters, k, unreliable)
    compared = []
    worker_rows = ("overall", "cohort") if filters.band else ("overall", "cohort", "enterprise")
    for audience, frame, by, min_n in (
        ("worker", main, worker_rows, k),
        ("manager", main_managers, ("overall", "cohort"), 1),
    ):
        part = _compare(frame, outcomes, filters, by, min_n, unreliable, min_alpha)
        if len(part):
            compared.append(part.assign(audience=audience))
    results = pd.concat(compared, ignore_index=True) if compared else pd.DataFrame()
    if len(kpis):
        kpis = kpis.drop(columns=["label"]).pipe(
            _with_labels, outcomes, "kpi_id", "kpi", filters.lang
        )
    kpi_main = _main_design(kpis, filters)
    changes = (
        kpi_changes(kpi_main, filters.baseline, filters.follow_up, lang=filters.lang)
        if len(kpi_main)
        else pd.DataFrame()
    )
    tests = (
        kpi_tests(
            kpi_main,
            by=("overall", "cohort"),
            baseline=filters.baseline,
            follow_up=filters.follow_up,
            lang=filters.lang,
        )
        if len(kpi_main)
        else pd.DataFrame()
    )
    # With a band filter, no worker DiD: its factory-clustered errors would use each
    # factory's figures for the band (KPIs are factory figures and keep theirs).
    did_workers = workers if filters.band is None else workers.iloc[:0]
    did_band = filters.band is not None and _has_comparison(workers)
    did_ok = _has_comparison(did_workers) or _has_comparison(kpis)
    did = (
        _did_table(did_workers, kpis, outcomes, filters, k, unreliable)
        if did_ok
        else pd.DataFrame()
    )
    decided = decided_rows(
        results,
        tests,
        did[did["kind"] == "construct"].rename(columns={"outcome_id": "construct"})
        if len(did)
        else None,
        did[did["kind"] == "kpi"].rename(columns={"outcome_id": "kpi_id"}) if len(did) else None,
        lang=filters.lang,
    )
    results = write_back(results, decided, "compare")
    tests = write_back(tests, decided, "kpi")
    if len(did):
        did = pd.concat(
            [
                did_verdicts(
                    did[did["kind"] == kind],
                    decided,
                    "outcome_id",
                    kind,
                    audience,
                    lang=filters.lang,
                )  # fmt: skip
                for kind, audience in (("construct", "worker"), ("kpi", "kpi"))
                if (did["kind"] == kind).any()
            ],
            ignore_index=True,
        )
    card = scorecard(decided, lang=filters.lang) if len(decided) else pd.DataFrame()
    nonresponse = item_nonresponse(_main_design(answers, filters), k)
    if len(nonresponse):
        nonresponse = _with_labels(nonresponse, outcomes, "item_id", "item", filters.lang)
    constructs = results[results["kind"] == "construct"] if len(results) else results
    items = results[results["kind"] == "item"] if len(results) else results
    phases = (filters.baseline, filters.follow_up)
    pairing = match_summary(main, *phases, min_group_size=k)
    dropouts = attrition(main, *phases, min_group_size=k) if len(main) else pd.DataFrame()
    if len(dropouts):
        dropouts = _with_labels(dropouts, outcomes, "construct", "construct", filters.lang)
    result = ImpactResult(
        response_counts=response_counts(
            session, enterprise_ids, filters, k, cohort_ids, eligibility
        ),
        constructs=_localise(constructs, filters.lang).reset_index(drop=True),
        items=_localise(items, filters.lang).reset_index(drop=True),
        item_distributions=item_distributions(main, outcomes, filters, k),
        kpi_changes=changes,
        kpi_tests=_localise(tests, filters.lang) if len(tests) else tests,
        did=did,
        reliability=reliability,
        scorecard=card,
        method_notes=method_notes(
            filters, k, pairing, did_ok, min_alpha, left_out, (dropped, shown), did_band
        ),
        actions=actions_table(session, ids, outcomes, filters.lang),
        exclusions=left_out,
        item_nonresponse=nonresponse,
        primary_outcomes=primary_outcomes(outcomes, filters),
        pairing=pairing,
        sensitivity=sensitivity(main, constructs, outcomes, filters, k, unreliable),
        attrition=dropouts,
        with_excluded=kept_in,
        excluded=dropped,
        min_group_size=k,
        filters=filters,
        enterprises=tuple(sorted(_distinct(answers["enterprise"]) | _distinct(kpis["enterprise"]))),
    )
    return replace(result, **{name: _finite(frame) for name, frame in result.tables()})


def _plausible(kpis: pd.DataFrame) -> pd.DataFrame:
    """KPI values a person could have meant: finite and within ``NUMBER_LIMIT`` (values
    stored before every KPI had a maximum may hold 1e308, whose % change is infinite)."""
    values = kpis["value"].astype(float)
    return kpis[np.isfinite(values) & (values.abs() <= NUMBER_LIMIT)]


def _finite(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every infinite number blank: no chart, table or file shows one."""
    numbers = frame.select_dtypes(include="number").columns
    if not len(numbers):
        return frame
    out = frame.copy()
    out[numbers] = out[numbers].replace([np.inf, -np.inf], np.nan)
    return out


def _has_comparison(frame: pd.DataFrame) -> bool:
    """Both trained and comparison factories are in the frame (a DiD is possible)."""
    if frame.empty:
        return False
    treated = frame["treated"].astype(bool)
    return bool(treated.any() and (~treated).any())


def _reliability(
    workers: pd.DataFrame,
    managers: pd.DataFrame,
    outcomes: pd.DataFrame,
    k: int,
    min_alpha: float,
    lang: str,
) -> pd.DataFrame:
    """Cronbach's alpha per construct and phase of each audience, with the gate's flag."""
    parts = []
    for audience, frame in (("worker", workers), ("manager", managers)):
        if len(frame) and frame["construct"].notna().any():
            rel = construct_reliability(frame, min_group_size=k, min_alpha=min_alpha)
            parts.append(rel.assign(audience=audience))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return _with_labels(out, outcomes, "construct", "construct", lang)


DID_LEAD = ["outcome_id", "kind", "label"]


def _did_table(
    workers: pd.DataFrame,
    kpis: pd.DataFrame,
    outcomes: pd.DataFrame,
    filters: ImpactFilters,
    k: int,
    unreliable: set[str],
) -> pd.DataFrame:
    """DiD of every reliable worker construct and every KPI against comparison factories,
    with Holm across the whole DiD family."""
    parts = []
    if _has_comparison(workers):
        reliable = sorted(_distinct(workers["construct"].dropna()) - unreliable)
        did = did_constructs(workers, filters.baseline, filters.follow_up, min_group_size=k,
                             constructs=reliable)  # fmt: skip
        if len(did):
            did = _with_labels(did, outcomes, "construct", "construct", filters.lang)
            parts.append(did.rename(columns={"construct": "outcome_id"}).assign(kind="construct"))
    if _has_comparison(kpis):
        did = did_kpis(kpis, filters.baseline, filters.follow_up)
        if len(did):
            labels = kpis.drop_duplicates("kpi_id").set_index("kpi_id")["label"]
            did.insert(1, "label", did["kpi_id"].map(labels).fillna(did["kpi_id"]))
            parts.append(did.rename(columns={"kpi_id": "outcome_id"}).assign(kind="kpi"))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    out = _holm_did(out.drop(columns="p_holm"))
    rest = [col for col in out.columns if col not in DID_LEAD]
    return out[DID_LEAD + rest]


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every blanked number of a suppressed row reads "suppressed".

    Tables, downloads and printable reports all go through this, so a small group shows
    the word and never a number (not even a count), wherever it is looked at.
    """
    if frame.empty or "suppressed" not in frame:
        return frame.copy()
    out = frame.copy()
    small = out["suppressed"].fillna(False).astype(bool).to_numpy()
    if not small.any():
        return out
    numeric = [
        c
        for c in out.columns
        if c in NUMERIC_COLUMNS
        or c in COUNT_COLUMNS
        or c.startswith(("mean_", "n_"))
        or c in ("share", "response_rate")
    ]
    for col in numeric:
        out[col] = out[col].astype(object)
        out.loc[small, col] = SUPPRESSED
    return out


def build_impact_for(
    session: Session,
    scope: Scope,
    filters: ImpactFilters | None = None,
    min_group_size: int = 5,
    min_alpha: float = MIN_ALPHA,
) -> ImpactResult:
    """:func:`build_impact` for a signed-in user: scope read now, filters checked first.

    Raises ``AccessDenied`` when the filters name a cohort or enterprise outside the scope
    (a tampered widget value), rather than quietly showing an empty view, and when anyone
    but an admin filters by source: the few paper questionnaires of a factory are a small
    group of their own, and admins, who may read the raw rows anyway, are the ones who
    check data quality by source.
    """
    filters = filters or ImpactFilters()
    if filters.source is not None and not scope.is_admin:
        raise AccessDenied(f"{scope.username} may not filter by source")
    enterprise_ids = visible_enterprise_ids(session, scope)
    cohort_ids = visible_cohort_ids(session, scope)
    if filters.enterprise_id is not None and filters.enterprise_id not in enterprise_ids:
        raise AccessDenied(f"{scope.username} may not see enterprise {filters.enterprise_id}")
    if filters.cohort_id is not None and filters.cohort_id not in cohort_ids:
        raise AccessDenied(f"{scope.username} may not see cohort {filters.cohort_id}")
    return build_impact(session, enterprise_ids, filters, min_group_size, cohort_ids, min_alpha)
