"""The attacker of issue 10, point 1: a small world with small groups in random places
(tiny factories, tiny bands, a few paper questionnaires, a few unmatched workers), a brand
that sees part of it, and everything that brand can read - every table of every filter
setting, the response counts, the filter options and the downloads - subtracted, added
and solved.

Three attacks, from plain to complete:

1. :func:`subtractions`: the issue's attack, "overall minus the factories shown", and the
   same along every nesting: cohort minus its factories, all workers minus each band,
   no filter minus each filter value, all answers minus matched pairs.
2. :func:`smallest_derivable_group`: every released count, mean and distribution is a sum
   over a set of responses. Knowing exactly which responses each figure covers (more than
   a real attacker knows), a group's count or sum can be worked out iff its indicator is
   a linear combination of those sets. A mixed-integer program finds the smallest such
   group; it must have at least k responses.
3. :func:`derivable_named_groups`: the same question answered with plain linear algebra
   (numpy, not the MILP solver) for every group a brand could name: any combination of
   cohort, factory, phase, source, tenure, gender, matched/unmatched and hired after the
   training (screened out).

The figures are first checked against the sets the attack assumes (every released n and
mean recomputed from the world's answers), so the attack models what is really shown.

Used by tests/reports/test_attacker.py and bench/attack.py.
"""

from __future__ import annotations

import io
import itertools
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, hstack, identity
from sqlalchemy import select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Answer,
    Brand,
    Cohort,
    Enterprise,
    Response,
    Role,
    SurveyRound,
    SurveyVersion,
    User,
    cohort_enterprise,
)
from score_impact.i18n import t
from score_impact.pairing import make_code
from score_impact.reports import export
from score_impact.reports.impact import (
    SUPPRESSED,
    ImpactFilters,
    ImpactResult,
    build_impact_for,
    impact_options,
    worker_eligibility,
)
from score_impact.services.errors import AccessDenied
from score_impact.services.scope import Scope, visible_cohort_ids, visible_enterprise_ids
from score_impact.surveys.loader import parse_survey

TENURE = ("lt1", "y1_3", "gt3")
GENDER = ("woman", "man", "not_say")
PHASES = ("baseline", "follow_up", "follow_up_2")
KEY = b"attack-key"
SURVEY = """
id: attack
version: 1
title: {en: Attack, zh: 攻击}
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
  - {id: voice, label: {en: Voice, zh: 发声}}
  - {id: safety, label: {en: Safety, zh: 安全}}
sections:
  - id: s1
    title: {en: S, zh: S}
    items:
      - {id: tenure, type: single_choice, demographic: true, label: {en: T, zh: T},
         options: [{value: lt1, label: {en: a, zh: a}}, {value: y1_3, label: {en: b, zh: b}},
                   {value: gt3, label: {en: c, zh: c}}]}
      - {id: gender, type: single_choice, demographic: true, label: {en: G, zh: G},
         options: [{value: woman, label: {en: w, zh: w}}, {value: man, label: {en: m, zh: m}},
                   {value: not_say, label: {en: n, zh: n}}]}
      - {id: v1, type: likert, scale: agree5, construct: voice, label: {en: A, zh: A}}
      - {id: v2, type: likert, scale: agree5, construct: voice, reverse: true,
         label: {en: B, zh: B}}
      - {id: s1, type: likert, scale: agree5, construct: safety, label: {en: C, zh: C}}
      - {id: s2, type: likert, scale: agree5, construct: safety, label: {en: D, zh: D}}
      - {id: eit, type: yes_no, label: {en: E, zh: E}}
      - {id: joined, type: single_choice, screen_out: "yes", label: {en: J, zh: J},
         options: [{value: "yes", label: {en: y, zh: y}}, {value: "no", label: {en: n, zh: n}}]}
"""
ITEMS = ("v1", "v2", "s1", "s2", "eit")
CONSTRUCTS = {"voice": ("v1", "v2"), "safety": ("s1", "s2")}


# ----- the world ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A world's structure: per cohort, (workers, visible to the brand) per factory."""

    cohorts: tuple[tuple[tuple[int, bool], ...], ...]
    comparison: tuple[tuple[int, bool], ...]
    phases: tuple[str, ...]
    modules: int
    seed: int
    k: int
    #: "brand", "trainer" (trains every training cohort: sees them whole) or "manager" (of
    #: the first cohort's first factory: sees that factory in every cohort it is in)
    viewer: str = "brand"


def _factory() -> st.SearchStrategy[tuple[int, bool]]:
    """Tiny (1-4 workers) or ordinary (5-14) factories, mostly visible to the brand."""
    size = st.one_of(st.integers(1, 4), st.integers(5, 14))
    return st.tuples(size, st.integers(0, 4).map(lambda v: v > 0))


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    cohorts = draw(st.lists(st.lists(_factory(), min_size=1, max_size=3), min_size=1, max_size=2))
    cohorts[0].insert(0, (draw(st.integers(8, 16)), True))  # one ordinary factory, visible
    comparison = draw(st.lists(_factory(), min_size=0, max_size=2))
    three = draw(st.integers(0, 4)) == 4
    return Spec(
        cohorts=tuple(tuple(c) for c in cohorts),
        comparison=tuple(comparison),
        phases=PHASES if three else PHASES[:2],
        modules=draw(st.integers(1, 2)),
        seed=draw(st.integers(0, 2**32 - 1)),
        k=draw(st.sampled_from([5, 5, 3])),
        viewer=draw(st.sampled_from(["brand", "brand", "trainer", "manager"])),
    )


@dataclass
class World:
    scope: Scope
    k: int
    #: One row per worker response in the brand's factories: ids, cohort, factory, phase,
    #: source, the true bands, whether the response has a pair id, each item's raw answer
    #: and every outcome's analysed value (item scores, construct scores).
    truth: pd.DataFrame
    cohort_names: dict[int, str] = field(default_factory=dict)
    enterprise_names: dict[int, str] = field(default_factory=dict)


def _code(i: int) -> dict[str, int]:
    """A distinct private code per worker number (any two differ in 2+ elements)."""
    return {"birth_day": 1 + i % 31, "mother_birth_month": 1 + (i // 31) % 12,
            "older_siblings": (7 * i) % 10, "birth_year_last_digit": (3 * i) % 10}  # fmt: skip


def build_world(session: Session, spec: Spec) -> World:
    """Store the world through the real models; the brand's scope and the truth frame."""
    rng = np.random.default_rng(spec.seed)
    loaded = parse_survey(SURVEY)
    version = SurveyVersion(
        survey_key="attack", version=1, audience="worker", content_hash=loaded.content_hash,
        definition=loaded.survey.model_dump(mode="json", by_alias=True),
    )  # fmt: skip
    brand, other = Brand(name="Attacker brand"), Brand(name="Other brand")
    trainer = User(username="trainer", password_hash="-", role=Role.TRAINER)
    session.add_all([version, brand, other, trainer])
    session.flush()
    groups = [(f"Class {i}", c, False) for i, c in enumerate(spec.cohorts)]
    if spec.comparison:
        groups.append(("Comparison", spec.comparison, True))
    tenure_p = rng.dirichlet([0.6] * len(TENURE))
    gender_p = rng.dirichlet([0.6] * len(GENDER))
    rows, number = [], 0
    for g, (name, factories, comparison) in enumerate(groups):
        module = "workplace_cooperation" if g % spec.modules == 0 else "quality"
        cohort = Cohort(name=name, module=module, is_comparison=comparison,
                        trainer_id=None if comparison else trainer.id)  # fmt: skip
        session.add(cohort)
        session.flush()
        rounds = {}
        for phase in spec.phases:
            rounds[phase] = SurveyRound(cohort_id=cohort.id, phase=phase,
                                        join_code=f"J{cohort.id}{phase[0]}{len(phase)}",
                                        survey_version_id=version.id)  # fmt: skip
            session.add(rounds[phase])
        for f, (size, visible) in enumerate(factories):
            ent = Enterprise(name=f"{name} F{f}", country="CN", sector="garments",
                             size_band="50-249", headcount=size + 2)  # fmt: skip
            (brand if visible else other).enterprises.append(ent)
            cohort.enterprises.append(ent)
            session.flush()
            back = rng.uniform(0.2, 0.95)
            paper = rng.choice([0.0, 0.1, 0.3])
            typos = rng.choice([0.0, 0.15, 0.5])  # share of follow-up codes mistyped
            hires = rng.choice([0.0, 0.5, 1.0])  # share of newcomers hired after the training
            people = list(range(number, number + size))
            number += size
            hired: set[int] = set()  # screened out of every follow-up they answer
            for p_i, phase in enumerate(spec.phases):
                if p_i:  # returning workers, plus a few newcomers
                    people = [w for w in people if rng.random() < back]
                    new = int(rng.integers(0, size // 3 + 2))
                    people += list(range(number, number + new))
                    hired |= {w for w in range(number, number + new) if rng.random() < hires}
                    number += new
                for w in people:
                    typo = p_i > 0 and rng.random() < typos  # one element off: tolerant
                    joined = None if p_i == 0 else ("yes" if w in hired else "no")
                    rows.append(_respond(session, rng, rounds[phase], ent, w, paper,
                                         (tenure_p, gender_p), typo=typo,
                                         joined=joined))  # fmt: skip
                    rows[-1].update(cohort_id=cohort.id, visible=visible, phase=phase,
                                    treated=not comparison, module=module)  # fmt: skip
    session.commit()
    if spec.viewer == "trainer":
        scope = Scope(user_id=trainer.id, username="trainer", role=Role.TRAINER)
    elif spec.viewer == "manager":
        first = min(session.scalars(select(Enterprise.id)))
        scope = Scope(user_id=0, username="manager", role=Role.MANAGER, enterprise_id=first)
    else:
        scope = Scope(user_id=0, username="attacker", role=Role.BRAND, brand_id=brand.id)
    truth = pd.DataFrame(rows)
    seen = visible_enterprise_ids(session, scope)
    seen_cohorts = visible_cohort_ids(session, scope)
    truth = truth[truth["enterprise_id"].isin(seen) & truth["cohort_id"].isin(seen_cohorts)]
    truth = truth.drop(columns="visible").reset_index(drop=True)
    for item in ITEMS:
        truth[f"score_{item}"] = 6 - truth[item] if item == "v2" else truth[item]
    for construct, items in CONSTRUCTS.items():
        truth[f"score_{construct}"] = truth[[f"score_{i}" for i in items]].mean(axis=1)
    names = dict(session.execute(select(Cohort.id, Cohort.name)).all())
    ents = dict(session.execute(select(Enterprise.id, Enterprise.name)).all())
    return World(scope, spec.k, truth, names, ents)


def _respond(
    session, rng, round_, ent, worker, paper, band_p, typo: bool, joined: str | None
) -> dict:
    """One worker's response: the worker's own bands (a few do not say their tenure; some
    move up a tenure band by the follow-up), the private code (sometimes with one element
    mistyped at a follow-up: a tolerant match, or none), answers that hang together within
    a construct (so scales pass the reliability gate and get a difference-in-differences),
    and at a follow-up whether they joined after the training ("yes": screened out of the
    before/after figures, counted in the exclusions).
    """
    later = joined is not None
    person = np.random.default_rng(worker)  # the same worker draws the same bands
    moved = person.random() < 0.2  # drawn in every phase, so the draws below match
    step = int(later and moved)
    tenure = TENURE[min(person.choice(len(TENURE), p=band_p[0]) + step, len(TENURE) - 1)]
    gender = GENDER[person.choice(len(GENDER), p=band_p[1])]
    tenure = None if person.random() < 0.04 else tenure
    elements = _code(worker)
    if typo:
        elements["older_siblings"] = (elements["older_siblings"] + 1) % 10
    code = make_code(KEY, ent.id, elements)
    source = "paper" if rng.random() < paper else "tablet"
    values = {"eit": float(rng.integers(0, 2))}
    for items in CONSTRUCTS.values():
        level = rng.normal(3.0, 1.1)
        for item in items:
            point = float(np.clip(np.rint(level + rng.normal(0, 0.6)), 1, 5))
            values[item] = 6 - point if item == "v2" else point
    response = Response(client_uuid=str(uuid.uuid4()), round_id=round_.id, enterprise_id=ent.id,
                        audience="worker", language="en", source=source,
                        pairing_hash=code.full_hash, pairing_parts=code.parts_text)  # fmt: skip
    response.answers = [Answer(item_id="gender", value_text=gender)]
    if tenure is not None:
        response.answers.append(Answer(item_id="tenure", value_text=tenure))
    if later:
        response.answers.append(Answer(item_id="joined", value_text=joined))
    response.answers += [Answer(item_id=i, value_num=v) for i, v in values.items()]
    session.add(response)
    session.flush()
    return {"response_id": response.id, "enterprise_id": ent.id, "source": source,
            "tenure": tenure, "gender": gender, "worker": worker, "screened": joined == "yes",
            **values}  # fmt: skip


# ----- what the brand sees -----------------------------------------------------------------


def views(session: Session, world: World) -> Iterator[ImpactFilters]:
    """Every filter setting the brand's widgets offer (impact_options), band and factory
    never together (refused, see :func:`refusals`).

    Settings that show nothing or exactly what another setting shows are skipped, to keep
    the test fast: a phase pair's reverse (the same responses), a factory outside the
    chosen cohort or a module other than the chosen cohort's (nothing), the chosen
    cohort's own module or the only module there is (the same as no module filter).
    """
    scope = world.scope
    opts = impact_options(
        session, visible_enterprise_ids(session, scope), visible_cohort_ids(session, scope)
    )
    members = session.execute(
        select(cohort_enterprise.c.cohort_id, cohort_enterprise.c.enterprise_id)
    )
    in_cohort: dict[int, set[int]] = {}
    for cohort_id, ent in members:
        in_cohort.setdefault(cohort_id, set()).add(ent)
    bands = [(b, v) for b, values in opts.bands.items() for v in values]
    for (before, after), cohort in itertools.product(
        itertools.combinations(opts.phases, 2), [None, *opts.cohorts]
    ):
        ents = [e for e in opts.enterprises if cohort is None or e in in_cohort[cohort]]
        modules = opts.modules if cohort is None and len(opts.modules) > 1 else ()
        for module in [None, *modules]:
            common = {"cohort_id": cohort, "baseline": before, "follow_up": after,
                      "module": module}  # fmt: skip
            for ent in [None, *ents]:
                yield ImpactFilters(enterprise_id=ent, **common)
            for band, value in bands:
                yield ImpactFilters(band=band, band_value=value, **common)


def refusals(session: Session, world: World) -> list[ImpactFilters]:
    """Filter settings that must be refused for anyone but an admin: a band within one
    factory, and the source filter (a factory's few paper questionnaires)."""
    ent = min(visible_enterprise_ids(session, world.scope))
    refused = []
    for filters in (
        ImpactFilters(enterprise_id=ent, band="demo_tenure", band_value=TENURE[0]),
        ImpactFilters(source="paper"),
        ImpactFilters(source="tablet"),
    ):
        try:
            build_impact_for(session, world.scope, filters, world.k)
        except AccessDenied:
            refused.append(filters)
    return refused


# ----- released figures and the responses they cover --------------------------------------


@dataclass(frozen=True)
class Figure:
    """One released count (``n``), with the mean that goes with it when there is one, and
    the responses it covers (``members``: response ids, the attacker's model). For an
    answer distribution, ``n`` counts the members who chose ``point`` on ``item``: a sum
    over the members like a mean is, so the figure covers all of them."""

    label: str
    n: float
    members: tuple[int, ...]
    mean: float | None = None
    outcome: str | None = None
    item: str | None = None
    point: int | None = None


class Released:
    """Everything a scope was shown, as distinct :class:`Figure` rows, built view by view."""

    def __init__(self, session: Session, world: World):
        self.world = world
        ids = visible_enterprise_ids(session, world.scope)
        cohorts = visible_cohort_ids(session, world.scope)
        elig = worker_eligibility(session, ids, world.k, cohorts).respondents
        self.eligibility = elig.set_index("response_id")
        self.truth = world.truth.set_index("response_id")
        self.cohort_ids = {name: i for i, name in world.cohort_names.items()}
        elig = self.eligibility[self.eligibility["eligible"].astype(bool)]
        self.cells = elig.groupby(["enterprise_id", "cohort_id", "phase"]).groups
        self.figures: list[Figure] = []
        self._seen: set[tuple] = set()
        self.views = 0

    # -- the attacker's model of who a figure covers
    def _base(self, f: ImpactFilters) -> pd.DataFrame:
        e = self.eligibility
        rows = e[e["eligible"].astype(bool) & e["phase"].isin([f.baseline, f.follow_up])]
        if f.cohort_id is not None:
            rows = rows[rows["cohort_id"] == f.cohort_id]
        if f.enterprise_id is not None:
            rows = rows[rows["enterprise_id"] == f.enterprise_id]
        if f.module is not None:
            rows = rows[rows["module"] == f.module]
        if f.band is not None:
            rows = rows[rows[f.band] == f.band_value]
        return rows

    def _groups(self, main: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
        """The rows of each (grouping, group) a table can show, by their name."""
        groups = {("overall", "all"): main}
        for cohort_id, part in main.groupby("cohort_id"):
            groups[("cohort", self.world.cohort_names[cohort_id])] = part
        for ent, part in main.groupby("enterprise_id"):
            groups[("enterprise", self.world.enterprise_names[ent])] = part
        return groups

    @staticmethod
    def _pairs(
        rows: pd.DataFrame, before: str, after: str, kind: str | None = None
    ) -> tuple[list[int], list[int]]:
        """Matched pairs among ``rows`` (pair id within cohort and factory), of one match
        kind ("exact", "tolerant") or all: the before and the after response ids."""
        linked = rows[rows["pair_id"].notna()]
        if kind is not None:
            linked = linked[linked["pair_match"] == kind]
        linked = linked.reset_index()
        keys = ["cohort_id", "enterprise_id", "pair_id"]
        b = linked[linked["phase"] == before].set_index(keys)["response_id"]
        a = linked[linked["phase"] == after].set_index(keys)["response_id"]
        both = b.index.intersection(a.index)
        return sorted(b.loc[both]), sorted(a.loc[both])

    def _add(self, label: str, n: float, members, outcome=None, mean=None, **point) -> None:
        members = tuple(sorted(int(m) for m in members))
        mean = None if mean is None or pd.isna(mean) else round(float(mean), 12)
        key = (members, float(n), mean, outcome, tuple(point.values()))
        if key not in self._seen:
            self._seen.add(key)
            self.figures.append(Figure(label, float(n), members, mean, outcome, **point))

    # -- reading one view
    def read(self, f: ImpactFilters, result: ImpactResult) -> None:
        self.views += 1
        everyone = self._base(f)
        kept = ~everyone["screened"].astype(bool)  # hired after the training: counted only
        base = everyone[kept]
        main = base if f.cohort_id is not None else base[base["treated"].astype(bool)]
        groups = self._groups(main)
        tag = f"{f}"
        counts = result.response_counts
        for row in counts[~counts["suppressed"].astype(bool)].itertuples():
            cell = (row.enterprise_id, self.cohort_ids[row.cohort], row.phase)
            who = self.cells.get(cell, [])
            self._add(f"{tag} counts {row.enterprise} {row.phase}", row.responses, who)
        for table in (result.constructs, result.items):
            self._read_compare(tag, f, table, groups)
        self._read_distributions(tag, result.item_distributions, main)
        rel = result.reliability
        for row in rel[~rel["suppressed"].astype(bool)].itertuples() if len(rel) else []:
            members = main.index[main["phase"] == row.phase]
            self._add(f"{tag} alpha {row.construct} {row.phase}", row.n, members)
        self._read_did(tag, f, result.did, base)
        self._read_pairing(tag, f, result.pairing, main)
        self._read_sensitivity(tag, f, result.sensitivity, main)
        self._read_attrition(tag, f, result.attrition, main)
        hires = everyone[~kept]
        hires = hires if f.cohort_id is not None else hires[hires["treated"].astype(bool)]
        self._read_screening(tag, result.exclusions, hires)

    def _read_compare(self, tag, f, table: pd.DataFrame, groups) -> None:
        if table.empty:
            return
        shown = table[~table["suppressed"].astype(bool) & (table["audience"] == "worker")]
        headline = shown["test"].str.startswith(("Welch", "two-proportion", "paired t", "McNemar"))
        pairs: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
        for row in shown[headline].itertuples():
            key = (row.grouping, row.group)
            rows = groups.get(key, groups[("overall", "all")].iloc[:0])
            what = f"{tag} {row.grouping}={row.group} {row.outcome_id} {row.test}"
            if row.design == "paired" and key not in pairs:
                pairs[key] = self._pairs(rows, f.baseline, f.follow_up)
            self._row(what, row, f, rows, pairs.get(key))

    def _row(self, what, row, f, rows: pd.DataFrame, pairs) -> None:
        """A result row's n and means: over its pairs (before and after ids) when paired,
        else over each phase of ``rows``."""
        if row.design == "paired":
            before, after = pairs
            self._add(f"{what} pairs", row.n_pairs, before, row.outcome_id, row.mean_before)
            self._add(f"{what} pairs after", row.n_pairs, after, row.outcome_id, row.mean_after)
            return
        for phase, n, mean in ((f.baseline, row.n_before, row.mean_before),
                               (f.follow_up, row.n_after, row.mean_after)):  # fmt: skip
            members = rows.index[rows["phase"] == phase]
            self._add(f"{what} {phase}", n, members, row.outcome_id, mean)

    def _read_distributions(self, tag, dist: pd.DataFrame, main: pd.DataFrame) -> None:
        if dist.empty:
            return
        for row in dist[~dist["suppressed"].astype(bool)].itertuples():
            members = main.index[main["phase"] == row.phase]
            self._add(f"{tag} dist {row.item_id} {row.phase}", row.n, members)
            self._add(f"{tag} dist {row.item_id} {row.phase} ={row.point}",
                      round(row.n * row.share), members, item=row.item_id,
                      point=row.point)  # fmt: skip

    def _read_did(self, tag, f, did: pd.DataFrame, base: pd.DataFrame) -> None:
        if did.empty:
            return
        workers = did[(did["kind"] == "construct") & ~did["suppressed"].astype(bool)]
        for row in workers.to_dict("records"):  # KPI rows are factory figures
            for who, treated in (("treated", True), ("control", False)):
                for when, phase in (("before", f.baseline), ("after", f.follow_up)):
                    rows = base[(base["treated"].astype(bool) == treated)
                                & (base["phase"] == phase)]  # fmt: skip
                    self._add(f"{tag} did {row['outcome_id']} {who} {when}",
                              row[f"n_{who}_{when}"], rows.index, row["outcome_id"],
                              row[f"mean_{who}_{when}"])  # fmt: skip
            # the model's observations: factories with answers in both phases
            two = base[base["phase"].isin([f.baseline, f.follow_up])]
            both = two.groupby("enterprise_id")["phase"].transform("nunique") == 2
            self._add(f"{tag} did {row['outcome_id']} n", row["n"], two.index[both])

    def _read_pairing(self, tag, f, pairing: pd.DataFrame, main: pd.DataFrame) -> None:
        """The match rate (also in the method notes): follow-up responses matched
        exactly, tolerantly, not at all."""
        if pairing.empty or pairing["suppressed"].iloc[0]:
            return
        row = pairing.iloc[0]
        later = main.index[main["phase"] == f.follow_up]
        _, exact = self._pairs(main, f.baseline, f.follow_up, "exact")
        _, tolerant = self._pairs(main, f.baseline, f.follow_up, "tolerant")
        unmatched = later.difference(exact).difference(tolerant)
        self._add(f"{tag} match total", row["follow_up_responses"], later)
        self._add(f"{tag} match exact", row["exact"], exact)
        self._add(f"{tag} match tolerant", row["tolerant"], tolerant)
        self._add(f"{tag} match none", row["unmatched"], unmatched)

    def _read_sensitivity(self, tag, f, table: pd.DataFrame, main: pd.DataFrame) -> None:
        """The overall headline rows with all matches and with exact matches only."""
        if table.empty:
            return
        for row in table[~table["suppressed"].astype(bool)].itertuples():
            kind = "exact" if row.matches == "exact only" else None
            pairs = self._pairs(main, f.baseline, f.follow_up, kind)
            self._row(f"{tag} sensitivity {row.matches} {row.outcome_id}", row, f, main, pairs)

    def _read_screening(self, tag, exclusions: pd.DataFrame, hires: pd.DataFrame) -> None:
        """Follow-up responses screened out (hired after the training), per phase."""
        if exclusions.empty:
            return
        rows = exclusions[(exclusions["kind"] == "screening") & exclusions["n"].notna()]
        for row in rows.itertuples():
            members = hires.index[hires["phase"] == row.phase]
            self._add(f"{tag} screened {row.phase}", row.n, members)

    def _read_attrition(self, tag, f, table: pd.DataFrame, main: pd.DataFrame) -> None:
        """Baseline scores of workers matched at the follow-up vs the others."""
        if table.empty:
            return
        before, _ = self._pairs(main, f.baseline, f.follow_up)
        first = main.index[main["phase"] == f.baseline]
        back, gone = first.intersection(before), first.difference(before)
        for row in table[~table["suppressed"].astype(bool)].itertuples():
            what = f"{tag} attrition {row.construct}"
            self._add(f"{what} returned", row.n_returned, back, row.construct,
                      row.mean_returned)  # fmt: skip
            self._add(f"{what} not returned", row.n_not_returned, gone, row.construct,
                      row.mean_not_returned)  # fmt: skip

    # -- checks
    def mismatches(self) -> list[str]:
        """Figures whose released n or mean differs from the responses the attack assumes
        (empty when the attacker's model is exact)."""
        position = {rid: i for i, rid in enumerate(self.truth.index)}
        columns = {c: self.truth[c].to_numpy(dtype=float) for c in self.truth.columns
                   if c.startswith("score_") or c in ITEMS}  # fmt: skip
        bad = []
        for fig in self.figures:
            rows = np.array([position[m] for m in fig.members], dtype=np.int64)
            if fig.point is not None:
                chose = int((columns[fig.item][rows] == fig.point).sum())
                if chose != fig.n:
                    bad.append(f"{fig.label}: {fig.n} chose {fig.point} but {chose} did")
            elif len(rows) != fig.n:
                bad.append(f"{fig.label}: n {fig.n} but {len(rows)} responses")
            elif fig.mean is not None and fig.outcome and len(rows):
                true = columns[f"score_{fig.outcome}"][rows].mean()
                if abs(true - fig.mean) > 1e-9:
                    bad.append(f"{fig.label}: mean {fig.mean} but {true}")
        return bad

    def sets(self) -> list[tuple[int, ...]]:
        """The distinct response sets the released figures cover."""
        return sorted({fig.members for fig in self.figures if fig.members})


def downloads_match(result: ImpactResult) -> bool:
    """The CSV download holds the same counts as the tables (so attacking the tables is
    attacking the files)."""
    lang = result.filters.lang
    hidden = {SUPPRESSED: t("report.suppressed", lang), "nan": "", "None": ""}
    with zipfile.ZipFile(io.BytesIO(export.results_csv_zip(result))) as zf:
        for name, frame in export.display_tables(result):
            if frame.empty or "n_before" not in frame:
                continue
            csv = pd.read_csv(io.BytesIO(zf.read(f"{name}.csv")), encoding="utf-8-sig")
            csv = csv.rename(columns=export.column_names(lang))
            shown = frame["n_before"].astype(str).replace(hidden).tolist()
            got = csv["n_before"].astype(str).replace({"nan": ""}).tolist()
            if [s.removesuffix(".0") for s in shown] != [g.removesuffix(".0") for g in got]:
                return False
    return True


# ----- the attacks ------------------------------------------------------------------------


def subtractions(figures: list[Figure], k: int) -> list[str]:
    """The issue's attack along every nesting the figures have: a figure minus one inside
    it, and a figure minus as many disjoint figures inside it as fit (overall minus its
    factories, a cohort minus its bands, all answers minus matched pairs). Returns the
    differences that leave 1..k-1 responses (there must be none)."""
    units = sorted({m for fig in figures for m in fig.members})
    bit = {u: 1 << j for j, u in enumerate(units)}
    masks = sorted({sum(bit[m] for m in fig.members) for fig in figures if fig.members},
                   key=lambda m: m.bit_count())  # fmt: skip
    found = []
    for i, outer in enumerate(masks):
        size = outer.bit_count()
        inner = [m for m in masks[:i] if m & ~outer == 0 and m != outer]
        found += [f"{size} - {m.bit_count()}" for m in inner if 0 < size - m.bit_count() < k]
        covered, parts = 0, []
        for m in sorted(inner, key=lambda m: -m.bit_count()):
            if m & covered == 0:
                covered |= m
                parts.append(m.bit_count())
        if parts and 0 < size - covered.bit_count() < k:
            found.append(f"{size} - {parts}")
    return found


def _matrix(sets: list[tuple[int, ...]], units: list[int]) -> csr_array:
    col = {u: j for j, u in enumerate(units)}
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [col[u] for s in sets for u in s]
    return csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(sets), len(units)))


def smallest_derivable_group(
    sets: list[tuple[int, ...]], units: list[int], k: int
) -> tuple[int, ...] | None:
    """The smallest group of 1..k-1 responses whose indicator is a linear combination of
    the released sets (its count and every sum over it can be worked out), or None.

    Binary z per response, free y per released set: z = A^T y, 1 <= sum(z) <= k - 1.
    """
    if not sets:
        return None
    a = _matrix(sets, units)
    n_units, n_sets = len(units), len(sets)
    result = milp(
        c=np.concatenate([np.ones(n_units), np.zeros(n_sets)]),
        integrality=np.concatenate([np.ones(n_units), np.zeros(n_sets)]),
        bounds=Bounds(
            np.concatenate([np.zeros(n_units), np.full(n_sets, -np.inf)]),
            np.concatenate([np.ones(n_units), np.full(n_sets, np.inf)]),
        ),  # fmt: skip
        constraints=[
            LinearConstraint(hstack([identity(n_units, format="csr"), -a.T]), 0.0, 0.0),
            LinearConstraint(
                np.concatenate([np.ones(n_units), np.zeros(n_sets)])[None, :], 1.0, k - 1.0
            ),  # fmt: skip
        ],
    )
    if result.status == 2:
        return None
    assert result.x is not None, result.message
    return tuple(units[j] for j in np.flatnonzero(result.x[:n_units] > 0.5))


def named_groups(truth: pd.DataFrame, eligible: set[int], k: int) -> list[tuple[str, tuple]]:
    """Every group a brand could name - any combination of cohort, factory, phase, source,
    tenure, gender, matched-or-not and screened-or-not (each a value or "any") - as it is
    and restricted to the eligible responses, where that group has 1..k-1 responses."""
    attrs = ["cohort_id", "enterprise_id", "phase", "source", "tenure", "gender",
             "paired_in_data", "screened"]  # fmt: skip
    codes = np.column_stack(
        [pd.factorize(truth[a].astype(object), use_na_sentinel=False)[0] for a in attrs]
    )
    ids = truth["response_id"].to_numpy()
    in_e = np.isin(ids, list(eligible))
    groups: dict[tuple, str] = {}
    for r in range(len(attrs) + 1):
        for chosen in itertools.combinations(range(len(attrs)), r):
            key = (
                np.unique(codes[:, chosen], axis=0, return_inverse=True)[1].ravel()
                if chosen
                else np.zeros(len(ids), dtype=np.int64)
            )
            for rows in (np.arange(len(ids)), np.flatnonzero(in_e)):
                count = np.bincount(key[rows], minlength=key.max() + 1 if len(key) else 0)
                for g in np.flatnonzero((count > 0) & (count < k)):
                    members = ids[rows[key[rows] == g]]
                    first = truth.iloc[rows[key[rows] == g][0]]
                    name = ", ".join(f"{attrs[a]}={first[attrs[a]]}" for a in chosen)
                    groups.setdefault(tuple(sorted(members.tolist())), name or "everyone")
    return [(name, members) for members, name in groups.items()]


def derivable_named_groups(
    sets: list[tuple[int, ...]], units: list[int], groups: list[tuple[str, tuple]]
) -> list[str]:
    """The named groups whose indicator lies in the span of the released sets (numpy
    least squares on an orthonormal basis of the span: no MILP solver involved)."""
    if not sets or not groups:
        return []
    a = _matrix(sets, units).toarray()
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    basis = vt[s > 1e-9 * s.max()]
    col = {unit: j for j, unit in enumerate(units)}
    targets = np.zeros((len(groups), len(units)))
    for i, (_, members) in enumerate(groups):
        targets[i, [col[m] for m in members]] = 1.0
    residual = targets - (targets @ basis.T) @ basis
    far = np.linalg.norm(residual, axis=1)
    return [f"{name}: {members}" for (name, members), d in zip(groups, far, strict=True)
            if d < 1e-6]  # fmt: skip


@dataclass
class Outcome:
    """What one attack on one world found (every list must be empty)."""

    views: int
    figures: int
    sets: int
    refused: int
    left_out: int
    mismatches: list[str]
    subtractions: list[str]
    smallest: tuple[int, ...] | None
    named: list[str]
    downloads_match: bool
    #: Released figures with at least one response, by table (:data:`TABLES`), to show
    #: which of issue 9's tables the worlds reached (tolerant matches, a DiD, ...).
    reached: dict[str, int] = field(default_factory=dict)


#: Label fragments of the figures of each table, for :attr:`Outcome.reached`.
TABLES = {"did": " did ", "match tolerant": " match tolerant", "sensitivity exact only":
          " sensitivity exact only ", "attrition": " attrition ",
          "screened": " screened "}  # fmt: skip


def attack(session: Session, world: World) -> Outcome:
    """Run every view, check the attacker's model, then the three attacks."""
    released = Released(session, world)
    elig = released.eligibility
    world.truth["paired_in_data"] = world.truth["response_id"].map(elig["_paired_in_data"])
    first: ImpactResult | None = None
    with memoised_reads():
        for filters in views(session, world):
            result = build_impact_for(session, world.scope, filters, world.k)
            released.read(filters, result)
            first = first or result
    sets = released.sets()
    units = sorted(world.truth["response_id"].tolist())
    eligible = set(elig.index[elig["eligible"].astype(bool)].tolist())
    return Outcome(
        views=released.views,
        figures=len(released.figures),
        sets=len(sets),
        refused=len(refusals(session, world)),
        left_out=len(units) - len(eligible & set(units)),
        mismatches=released.mismatches(),
        subtractions=subtractions(released.figures, world.k),
        smallest=smallest_derivable_group(sets, units, world.k),
        named=derivable_named_groups(sets, units, named_groups(world.truth, eligible, world.k)),
        downloads_match=first is not None and downloads_match(first),
        reached={
            name: sum(part in fig.label and fig.n > 0 for fig in released.figures)
            for name, part in TABLES.items()
        },
    )


# ----- speed: the world does not change while it is attacked -------------------------------


@contextmanager
def memoised_reads() -> Iterator[None]:
    """Cache what :func:`build_impact` reads from the database (the world is read-only
    while attacked), so each view costs only its analysis. Results are copied out of the
    cache, so nothing a view does to a frame reaches the next view."""
    from score_impact.reports import impact

    names = ("answers_frame", "kpis_frame", "round_surveys", "worker_eligibility")
    saved = {name: getattr(impact, name) for name in names}

    def cached(function):
        store: dict = {}

        def call(session, *args):
            key = repr([sorted(a) if isinstance(a, set | frozenset | list) else a for a in args])
            if key not in store:
                store[key] = function(session, *args)
            value = store[key]
            return value.copy() if isinstance(value, pd.DataFrame) else value

        return call

    try:
        for name, function in saved.items():
            setattr(impact, name, cached(function))
        yield
    finally:
        for name, function in saved.items():
            setattr(impact, name, function)
