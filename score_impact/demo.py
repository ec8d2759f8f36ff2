"""Seeded, realistic demo data: what a trainer sees after a real SCORE cycle.

Two brands, eleven factories in China and Viet Nam. Module 1 (Workplace Cooperation): two
training cohorts of three factories each and two comparison factories without training.
Module 5 (Occupational Safety and Health): one cohort of three more factories, so the
dashboard's module filter and each module's primary outcomes are visible. Baseline and
follow-up worker rounds (about 85% of the expected respondents at baseline; at follow-up
about 70% of them return with a reproducible private code, a few misremembering one
element, and recent hires join, answering the "hired after the training" screening
question), manager surveys and KPIs entered as raw counts in realistic ranges (turnover
4-7% a month, absenteeism 2-5%, implemented <= received suggestions). Training raises
most constructs by 0.3-0.6 points; one construct gets no effect, so the dashboards show an
honest "no detectable change" too. Workers answer in the factory's language (Chinese or
Vietnamese), a few in English; a few choose "prefer not to answer" on sensitive items.

One account per role (``DEMO_ACCOUNTS``) lets a visitor see what each kind of user sees.
Their passwords are public (README, ``score-impact demo``): the demo is for trying the app,
never for a server holding real answers (set ``SCORE_DEMO_ON_EMPTY=0`` there and create
accounts with ``score-impact create-user``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Answer,
    Brand,
    Cohort,
    Enterprise,
    KpiValue,
    Phase,
    Response,
    Role,
    RoundStatus,
    utcnow,
)
from score_impact.pairing import ELEMENTS, make_code
from score_impact.services.accounts import create_user
from score_impact.services.responses import answer_columns
from score_impact.services.rounds import create_round
from score_impact.services.surveys import publish, survey_of
from score_impact.surveys.loader import Catalog
from score_impact.surveys.schema import DECLINED, ItemType, Survey
from score_impact.surveys.validation import validate_answers

NULL_EFFECT_CONSTRUCT = "intention_stay"  # the construct training leaves unchanged
SENSITIVE = {"voice_afraid", "respect_shouting", "fair_favourites", "safety_shortcuts",
             "osh_shortcuts", "trust_say_do_differ"}  # fmt: skip
SEED = 20261125


@dataclass(frozen=True)
class Factory:
    name: str
    country: str
    sector: str
    size_band: str
    workers: int  # expected survey respondents (the sampled headcount)
    brands: tuple[str, ...]
    staff: int = 0  # payroll headcount for the KPIs (default: from the size band)

    @property
    def payroll(self) -> int:
        return self.staff or (420 if self.size_band == "250-999" else 160)


@dataclass(frozen=True)
class DemoCohort:
    name: str
    module: str
    worker_survey: str
    manager_survey: str
    factories: tuple[Factory, ...]
    trainer: str | None
    start: date
    comparison: bool = False


BRANDS = ("Northwind Apparel", "Lotus Electronics")
M1 = ("workplace_cooperation", "worker_m1_cooperation", "manager_m1")
M5 = ("occupational_safety_health", "worker_m5_safety", "manager_m5_safety")
COHORTS: tuple[DemoCohort, ...] = (
    DemoCohort(
        "Dongguan Module 1 - 2026 spring", *M1,
        (
            Factory("Dongguan Evergreen Garments", "China", "garments", "250-999", 120,
                    (BRANDS[0],)),
            Factory("Dongguan Pearl River Knitwear", "China", "garments", "50-249", 80,
                    (BRANDS[0],)),
            Factory("Shenzhen Brightway Components", "China", "electronics", "50-249", 60,
                    (BRANDS[1],)),
        ),
        "Li Wei", date(2026, 3, 2),
    ),
    DemoCohort(
        "Ho Chi Minh City Module 1 - 2026 spring", *M1,
        (
            Factory("Saigon Lotus Sewing", "Viet Nam", "garments", "250-999", 110, BRANDS),
            Factory("Binh Duong Precision Parts", "Viet Nam", "electronics", "50-249", 70,
                    (BRANDS[1],)),
            Factory("Dong Nai Green Footwear", "Viet Nam", "footwear", "50-249", 50,
                    (BRANDS[0],)),
        ),
        "Nguyen Thi Hoa", date(2026, 3, 2),
    ),
    DemoCohort(
        "Comparison group (no training yet)", *M1,
        (
            Factory("Foshan Harmony Apparel", "China", "garments", "50-249", 60, (BRANDS[0],)),
            Factory("Long An Star Electronics", "Viet Nam", "electronics", "50-249", 45,
                    (BRANDS[1],)),
        ),
        None, date(2026, 3, 2), comparison=True,
    ),
    DemoCohort(
        "Zhongshan Module 5 (safety and health) - 2026 summer", *M5,
        (
            Factory("Zhongshan Bright Lamps", "China", "electronics", "250-999", 90,
                    (BRANDS[1],)),
            Factory("Huizhou Evergood Electronics", "China", "electronics", "50-249", 60,
                    (BRANDS[1],)),
            Factory("Guangzhou Silkroad Garments", "China", "garments", "50-249", 55,
                    (BRANDS[0],)),
        ),
        "Chen Ming", date(2026, 6, 1),
    ),
)  # fmt: skip
#: The language most workers of a country answer in (the rest answer in English).
COUNTRY_LANGUAGE = {"China": "zh", "Viet Nam": "vi"}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    sees: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "demo-admin-2026", Role.ADMIN, "everything; admin pages"),
    DemoAccount("trainer.li", "demo-trainer-2026", Role.TRAINER, f"cohort {COHORTS[0].name}"),
    DemoAccount("northwind", "demo-brand-2026", Role.BRAND, f"brand {BRANDS[0]}'s factories"),
    DemoAccount("lotus", "demo-brand-2026", Role.BRAND, f"brand {BRANDS[1]}'s factories"),
    DemoAccount(
        "manager.evergreen",
        "demo-manager-2026",
        Role.MANAGER,
        f"enterprise {COHORTS[0].factories[0].name}",
    ),
)


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Enterprise))


def seed_demo(session: Session, catalog: Catalog, key: bytes, seed: int = SEED) -> None:
    """Create the whole demo in one transaction (an interrupted seed leaves nothing)."""
    rng = np.random.default_rng(seed)
    brands = {name: Brand(name=name) for name in BRANDS}
    session.add_all(brands.values())
    for number, group in enumerate(COHORTS):
        worker_v = publish(session, catalog.latest(group.worker_survey))
        manager_v = publish(session, catalog.latest(group.manager_survey))
        cohort = Cohort(
            name=group.name,
            module=group.module,
            trainer_name=group.trainer,
            start_date=group.start,
            end_date=group.start + timedelta(days=120),
            is_comparison=group.comparison,
        )
        session.add(cohort)
        for f in group.factories:
            ent = Enterprise(
                name=f.name,
                country=f.country,
                sector=f.sector,
                size_band=f.size_band,
                headcount=f.workers,
                brands=[brands[b] for b in f.brands],
            )
            cohort.enterprises.append(ent)
        session.flush()
        # Readable join codes: cohort letter, Baseline/Follow-up, Worker/Manager, "DEMO".
        rounds = {
            (phase, audience): create_round(
                session,
                cohort,
                phase,
                version,
                RoundStatus.CLOSED,
                join_code=f"{'ABCD'[number]}{phase.value[0].upper()}{audience[0].upper()}DEMO",
            )
            for phase in (Phase.BASELINE, Phase.FOLLOW_UP)
            for audience, version in (("worker", worker_v), ("manager", manager_v))
        }
        # The follow-up rounds stay open so a visitor can try the tablet and manager forms.
        rounds[(Phase.FOLLOW_UP, "worker")].status = RoundStatus.OPEN.value
        rounds[(Phase.FOLLOW_UP, "manager")].status = RoundStatus.OPEN.value
        worker, manager = survey_of(worker_v), survey_of(manager_v)
        for ent, f in zip(cohort.enterprises, group.factories, strict=True):
            _seed_workers(session, rng, key, worker, rounds, ent.id, f, group.comparison)
            _seed_managers(session, rng, manager, rounds, ent.id, f, group.comparison)
    _seed_accounts(session, brands)
    session.commit()


def _seed_accounts(session: Session, brands: dict[str, Brand]) -> None:
    """One account per role: the trainer trains the first cohort, one account per brand,
    the manager runs the first cohort's first factory. Same transaction as the data."""
    first_cohort = session.scalar(select(Cohort).where(Cohort.name == COHORTS[0].name))
    first_factory = COHORTS[0].factories[0].name
    links = {
        "trainer.li": {"cohort_ids": [first_cohort.id], "display_name": "Li Wei"},
        "northwind": {"brand_id": brands[BRANDS[0]].id, "display_name": BRANDS[0]},
        "lotus": {"brand_id": brands[BRANDS[1]].id, "display_name": BRANDS[1]},
        "manager.evergreen": {
            "enterprise_id": session.scalar(
                select(Enterprise.id).where(Enterprise.name == first_factory)
            ),
            "display_name": "Chen Jing",
        },
    }
    for account in DEMO_ACCOUNTS:
        create_user(
            session,
            username=account.username,
            password=account.password,
            role=account.role,
            actor="demo",
            commit=False,
            **links.get(account.username, {}),
        )


def _likert(rng: np.random.Generator, latent: float, reverse: bool) -> int:
    value = int(np.clip(np.rint(latent + rng.normal(0, 0.7)), 1, 5))
    return 6 - value if reverse else value


def _worker_answers(
    rng: np.random.Generator, survey: Survey, level: dict[str, float], person: dict
) -> dict:
    answers: dict = {}
    for item in survey.items:
        if item.type is ItemType.LIKERT:
            answers[item.id] = _likert(rng, level.get(item.construct_id or "", 3.3), item.reverse)
        elif item.type is ItemType.YES_NO:
            answers[item.id] = bool(rng.random() < 0.25 + 0.12 * (level.get("_mean", 3) - 2.5))
        elif item.type is ItemType.SINGLE_CHOICE and item.options:
            chosen = person.get(item.id)
            if chosen is None:
                chosen = item.options[int(rng.integers(len(item.options)))].value
            answers[item.id] = person.setdefault(item.id, chosen) if item.demographic else chosen
        elif item.type is ItemType.MULTIPLE_CHOICE and item.options:
            answers[item.id] = [o.value for o in item.options if rng.random() < 0.3]
        elif item.type is ItemType.NUMBER:
            low, high = item.min or 0, item.max if item.max is not None else 10
            answers[item.id] = float(int(rng.integers(int(low), int(high) + 1)))
        if not item.required and rng.random() < 0.5:
            answers.pop(item.id, None)
        elif survey.declinable(item) and rng.random() < (0.04 if item.id in SENSITIVE else 0.005):
            answers[item.id] = DECLINED  # "prefer not to answer"
    clean, _ = validate_answers(survey, answers)
    return clean


def _code(rng: np.random.Generator) -> dict[str, int]:
    return {name: int(rng.choice(list(allowed))) for name, allowed in ELEMENTS.items()}


def _seed_workers(
    session: Session,
    rng: np.random.Generator,
    key: bytes,
    survey: Survey,
    rounds: dict,
    enterprise_id: int,
    factory: Factory,
    comparison: bool,
) -> None:
    """About 85% of the expected respondents at baseline; at follow-up about 70% of them
    again plus recent hires (who answer the screening question "yes"), so every response
    rate stays under 100%."""
    constructs = [c.id for c in survey.constructs]
    tenures = ["six_to_12_months", "one_to_3_years", "three_years_or_more"]
    people = []
    for _ in range(int(factory.workers * rng.uniform(0.8, 0.9))):
        trait = rng.normal(0, 0.45)
        base = {c: 3.0 + trait + rng.normal(0, 0.35) for c in constructs}
        tenure = tenures[int(rng.choice(3, p=[0.2, 0.45, 0.35]))]
        people.append({"code": _code(rng), "base": base, "tenure": tenure})
    returning = rng.random(len(people)) < 0.7
    follow_up = [p for p, back in zip(people, returning, strict=True) if back]
    for _ in range(int(factory.workers * rng.uniform(0.08, 0.15))):
        trait = rng.normal(0, 0.45)
        follow_up.append(
            {"code": _code(rng), "base": {c: 3.0 + trait for c in constructs},
             "tenure": "under_6_months", "joined_after_training": "yes"}
        )  # fmt: skip

    def effect(construct: str) -> float:
        if comparison:
            return 0.05
        return 0.0 if construct == NULL_EFFECT_CONSTRUCT else 0.3 + 0.05 * (len(construct) % 6)

    local = COUNTRY_LANGUAGE.get(factory.country, "en")
    for phase, group in ((Phase.BASELINE, people), (Phase.FOLLOW_UP, follow_up)):
        round_ = rounds[(phase, "worker")]
        for person in group:
            level = dict(person["base"])
            if phase is Phase.FOLLOW_UP:
                level = {c: v + effect(c) for c, v in level.items()}
            level["_mean"] = float(np.mean(list(level.values())))
            code = dict(person["code"])
            if phase is Phase.FOLLOW_UP and rng.random() < 0.1:  # misremembers one element
                name = list(ELEMENTS)[int(rng.integers(len(ELEMENTS)))]
                others = [v for v in ELEMENTS[name] if v != code[name]]
                code[name] = int(rng.choice(others))
            facts = {
                "tenure": person["tenure"],
                "joined_after_training": person.get("joined_after_training", "no"),
            }
            language = local if local in survey.languages and rng.random() < 0.9 else "en"
            _store(
                session,
                survey,
                round_,
                enterprise_id,
                "worker",
                _worker_answers(rng, survey, level, facts),
                make_code(key, enterprise_id, code),
                language=language,
            )


def _store(session, survey, round_, enterprise_id, audience, answers, pairing, language) -> None:
    response = Response(
        client_uuid=str(uuid.uuid4()),
        round_id=round_.id,
        enterprise_id=enterprise_id,
        audience=audience,
        language=language,
        pairing_hash=pairing.full_hash if pairing else None,
        pairing_parts=pairing.parts_text if pairing else None,
        submitted_at=utcnow(),
    )
    session.add(response)
    session.flush()
    rows = [
        {"response_id": response.id, "item_id": k, **answer_columns(survey, k, v)}
        for k, v in answers.items()
    ]
    if rows:
        session.execute(insert(Answer), rows)


def _seed_managers(
    session: Session,
    rng: np.random.Generator,
    survey: Survey,
    rounds: dict,
    enterprise_id: int,
    factory: Factory,
    comparison: bool,
) -> None:
    """Manager answers and the raw KPI counts of both phases (see :func:`kpi_counts`)."""
    language = COUNTRY_LANGUAGE.get(factory.country, "en")
    language = language if language in survey.languages else "en"
    for phase in (Phase.BASELINE, Phase.FOLLOW_UP):
        level = 3.0 if phase is Phase.BASELINE or comparison else 3.9
        answers = _worker_answers(rng, survey, {c.id: level for c in survey.constructs}, {})
        _store(
            session, survey, rounds[(phase, "manager")], enterprise_id, "manager", answers,
            None, language,
        )  # fmt: skip
    baseline = kpi_counts(rng, factory, improvement=0.0)
    gain = rng.uniform(0.0, 0.04) if comparison else rng.uniform(0.1, 0.3)
    follow_up = kpi_counts(rng, factory, improvement=gain, like=baseline)
    known = {k.id for k in survey.kpi_inputs}
    for phase, counts in ((Phase.BASELINE, baseline), (Phase.FOLLOW_UP, follow_up)):
        for kpi_id, value in counts.items():
            if kpi_id in known:
                session.add(
                    KpiValue(
                        enterprise_id=enterprise_id,
                        round_id=rounds[(phase, "manager")].id,
                        kpi_id=kpi_id,
                        value=float(value),
                    )
                )


def kpi_counts(
    rng: np.random.Generator, factory: Factory, improvement: float, like: dict | None = None
) -> dict[str, float]:
    """One month's (or quarter's) raw counts of a factory, in ranges a brand manager
    recognises; ``improvement`` (0-1) moves every rate that share towards its better side.

    Baseline rates: turnover 4-7% a month (80% of it voluntary), absenteeism 2-5%,
    defects 3-7% at inspection, on-time delivery 78-90%, 1-3 suggestions per 100 workers a
    month with 30-50% put into practice, 1-3 lost-time accidents per 200,000 hours, 20-40%
    of workers trained in safety. Implemented suggestions never exceed received ones, nor
    failed units inspected ones.
    """
    base = like or {}
    better = 1 - improvement
    staff = factory.payroll
    start = base.get("headcount_start") or staff
    end = round(start * rng.uniform(0.97, 1.02))
    avg = (start + end) / 2
    hours_month = avg * 26 * 9.5

    def rate(key: str, low: float, high: float) -> float:
        """The factory's baseline rate (drawn once, then carried to the follow-up)."""
        return base.get(f"_{key}") or rng.uniform(low, high)

    r = {
        "turnover": rate("turnover", 0.04, 0.07) * better,
        "absent": rate("absent", 0.02, 0.05) * better,
        "defect": rate("defect", 0.03, 0.07) * better,
        "on_time": min(0.98, rate("on_time", 0.78, 0.9) * (1 + 0.15 * improvement)),
        "suggest": rate("suggest", 0.01, 0.03) * (1 + 3 * improvement),
        "implement": min(0.9, rate("implement", 0.3, 0.5) * (1 + improvement)),
        "ltir": rate("ltir", 1.0, 3.0) * better,
        "trained": min(0.95, rate("trained", 0.2, 0.4) * (1 + 2.5 * improvement)),
        "near_miss": rate("near_miss", 4.0, 10.0) * (1 + 2 * improvement),
        "findings": rate("findings", 5, 12) * better,
        "output": rate("output", 8.0, 15.0) * (1 + 0.5 * improvement),
    }
    leavers = int(rng.poisson(avg * r["turnover"]))
    inspected = int(staff * rng.uniform(90, 110))
    received = int(rng.poisson(avg * r["suggest"] * 3))
    hours_3m = hours_month * 3
    accidents = int(rng.poisson(r["ltir"] * hours_3m / 200_000))
    line_hours = round(40 * 26 * 9.5 * rng.uniform(0.95, 1.05), 1)
    due = int(rng.integers(20, 41))
    trained = int(end * r["trained"])
    return {
        "_" + k: v for k, v in r.items()
    } | {
        "headcount_start": start, "headcount_end": end, "leavers": leavers,
        "voluntary_quits": round(leavers * rng.uniform(0.75, 0.9)),
        "scheduled_person_days": round(avg * 26),
        "absent_person_days": round(avg * 26 * r["absent"]),
        "units_inspected": inspected, "units_failed": round(inspected * r["defect"]),
        "reference_good_units": round(line_hours * r["output"]), "reference_hours": line_hours,
        "shipments_due": due, "shipments_on_time": min(due, round(due * r["on_time"])),
        "suggestions_received_3m": received,
        "suggestions_implemented_3m": min(received, round(received * r["implement"])),
        "hours_worked_3m": round(hours_3m), "lost_time_accidents_3m": accidents,
        "lost_days_3m": accidents * int(rng.integers(3, 12)),
        "near_misses_3m": int(rng.poisson(r["near_miss"] * hours_3m / 200_000)),
        "workers_osh_trained": trained, "audit_findings_open": round(r["findings"]),
        "osh_findings_open": round(r["findings"] * 0.8),
    }  # fmt: skip
