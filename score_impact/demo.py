"""Seeded, realistic demo data: what a trainer sees after a real Module 1 cycle.

Two brands, eight factories in China and Viet Nam: two training cohorts of three
factories each and two comparison factories without training. Baseline and follow-up
worker rounds (40-120 workers per factory, about 60% of follow-up workers returning with a
reproducible private code, a few of them misremembering one element), manager surveys and
KPIs. Training raises most constructs by 0.3-0.6 points; one construct gets no effect, so
the dashboards show an honest "no detectable change" too.

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
    AuditEvent,
    Brand,
    Cohort,
    Enterprise,
    KpiValue,
    Phase,
    Response,
    Role,
    RoundStatus,
    User,
    utcnow,
)
from score_impact.pairing import ELEMENTS, make_code
from score_impact.services.accounts import create_user, password_matches
from score_impact.services.responses import answer_columns
from score_impact.services.rounds import create_round
from score_impact.services.surveys import publish, survey_of
from score_impact.surveys.loader import Catalog
from score_impact.surveys.schema import Direction, ItemType, Survey
from score_impact.surveys.validation import validate_answers

WORKER_SURVEY = "worker_m1_cooperation"
MANAGER_SURVEY = "manager_m1"
NULL_EFFECT_CONSTRUCT = "intention_stay"  # the construct training leaves unchanged
SEED = 20261125


@dataclass(frozen=True)
class Factory:
    name: str
    country: str
    sector: str
    size_band: str
    workers: int
    brands: tuple[str, ...]


BRANDS = ("Northwind Apparel", "Lotus Electronics")
COHORTS: dict[str, tuple[Factory, ...]] = {
    "Dongguan Module 1 - 2026 spring": (
        Factory("Dongguan Evergreen Garments", "China", "garments", "250-999", 120, (BRANDS[0],)),
        Factory("Dongguan Pearl River Knitwear", "China", "garments", "50-249", 80, (BRANDS[0],)),
        Factory(
            "Shenzhen Brightway Components", "China", "electronics", "50-249", 60, (BRANDS[1],)
        ),
    ),
    "Ho Chi Minh City Module 1 - 2026 spring": (
        Factory("Saigon Lotus Sewing", "Viet Nam", "garments", "250-999", 110, BRANDS),
        Factory(
            "Binh Duong Precision Parts", "Viet Nam", "electronics", "50-249", 70, (BRANDS[1],)
        ),
        Factory("Dong Nai Green Footwear", "Viet Nam", "footwear", "50-249", 50, (BRANDS[0],)),
    ),
}
COMPARISON = (
    Factory("Foshan Harmony Apparel", "China", "garments", "50-249", 60, (BRANDS[0],)),
    Factory("Long An Star Electronics", "Viet Nam", "electronics", "50-249", 45, (BRANDS[1],)),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    sees: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "demo-admin-2026", Role.ADMIN, "everything; admin pages"),
    DemoAccount("trainer.li", "demo-trainer-2026", Role.TRAINER, f"cohort {next(iter(COHORTS))}"),
    DemoAccount("northwind", "demo-brand-2026", Role.BRAND, f"brand {BRANDS[0]}'s factories"),
    DemoAccount("lotus", "demo-brand-2026", Role.BRAND, f"brand {BRANDS[1]}'s factories"),
    DemoAccount(
        "manager.evergreen",
        "demo-manager-2026",
        Role.MANAGER,
        f"enterprise {next(iter(COHORTS.values()))[0].name}",
    ),
)


def demo_accounts_in_use(session: Session) -> list[str]:
    """Usernames of active demo accounts whose password is still the public one: while
    any exist, staff pages show a banner and ``score-impact doctor`` warns."""
    public = {a.username: a.password for a in DEMO_ACCOUNTS}
    users = session.scalars(
        select(User).where(User.username.in_(list(public)), User.is_active.is_(True))
    )
    return sorted(
        u.username for u in users if password_matches(u.password_hash, public[u.username])
    )


def disable_demo_accounts(session: Session, actor: str) -> list[str]:
    """Deactivate every demo account still using its public password (audited)."""
    names = demo_accounts_in_use(session)
    for user in session.scalars(select(User).where(User.username.in_(names))):
        user.is_active = False
        session.add(
            AuditEvent(
                username=actor,
                action="user.deactivate",
                target=f"user:{user.username}",
                detail={"reason": "demo account"},
            )
        )
    session.commit()
    return names


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Enterprise))


def seed_demo(session: Session, catalog: Catalog, key: bytes, seed: int = SEED) -> None:
    """Create the whole demo in one transaction (an interrupted seed leaves nothing)."""
    rng = np.random.default_rng(seed)
    worker_v = publish(session, catalog.latest(WORKER_SURVEY))
    manager_v = publish(session, catalog.latest(MANAGER_SURVEY))
    brands = {name: Brand(name=name) for name in BRANDS}
    session.add_all(brands.values())
    start = date(2026, 3, 2)
    groups = [(name, factories, False) for name, factories in COHORTS.items()]
    groups.append(("Comparison group (no training yet)", COMPARISON, True))
    for number, (name, factories, comparison) in enumerate(groups):
        cohort = Cohort(
            name=name,
            module="workplace_cooperation",
            trainer_name=None if comparison else ("Li Wei" if number == 0 else "Nguyen Thi Hoa"),
            start_date=start,
            end_date=start + timedelta(days=120),
            is_comparison=comparison,
        )
        session.add(cohort)
        for f in factories:
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
                join_code=f"{'ABC'[number]}{phase.value[0].upper()}{audience[0].upper()}DEMO",
            )
            for phase in (Phase.BASELINE, Phase.FOLLOW_UP)
            for audience, version in (("worker", worker_v), ("manager", manager_v))
        }
        # The follow-up worker round stays open so a visitor can try the tablet flow.
        rounds[(Phase.FOLLOW_UP, "worker")].status = RoundStatus.OPEN.value
        rounds[(Phase.FOLLOW_UP, "manager")].status = RoundStatus.OPEN.value
        for ent, f in zip(cohort.enterprises, factories, strict=True):
            _seed_workers(session, rng, key, survey_of(worker_v), rounds, ent.id, f, comparison)
            _seed_managers(session, rng, survey_of(manager_v), rounds, ent.id, comparison)
    _seed_accounts(session, brands)
    session.commit()


def _seed_accounts(session: Session, brands: dict[str, Brand]) -> None:
    """One account per role: the trainer trains the first cohort, one account per brand,
    the manager runs the first cohort's first factory. Same transaction as the data."""
    first_cohort = session.scalar(select(Cohort).where(Cohort.name == next(iter(COHORTS))))
    first_factory = next(iter(COHORTS.values()))[0].name
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
            if item.demographic:
                answers[item.id] = person.setdefault(
                    item.id, item.options[int(rng.integers(len(item.options)))].value
                )
            else:
                answers[item.id] = item.options[int(rng.integers(len(item.options)))].value
        elif item.type is ItemType.MULTIPLE_CHOICE and item.options:
            answers[item.id] = [o.value for o in item.options if rng.random() < 0.3]
        elif item.type is ItemType.NUMBER:
            low, high = item.min or 0, item.max if item.max is not None else 10
            answers[item.id] = float(int(rng.integers(int(low), int(high) + 1)))
        if not item.required and rng.random() < 0.5:
            answers.pop(item.id, None)
    clean, _ = validate_answers(survey, answers)
    return clean


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
    constructs = [c.id for c in survey.constructs]
    people = []
    for _ in range(factory.workers):
        trait = rng.normal(0, 0.45)
        code = {name: int(rng.choice(list(allowed))) for name, allowed in ELEMENTS.items()}
        base = {c: 3.0 + trait + rng.normal(0, 0.35) for c in constructs}
        people.append({"code": code, "base": base})
    returning = rng.random(len(people)) < 0.6
    newcomers = int(len(people) * 0.4)
    follow_up = [p for p, back in zip(people, returning, strict=True) if back]
    for _ in range(newcomers):
        code = {name: int(rng.choice(list(allowed))) for name, allowed in ELEMENTS.items()}
        trait = rng.normal(0, 0.45)
        follow_up.append({"code": code, "base": {c: 3.0 + trait for c in constructs}})

    def effect(construct: str) -> float:
        if comparison:
            return 0.05
        return 0.0 if construct == NULL_EFFECT_CONSTRUCT else 0.3 + 0.05 * (len(construct) % 6)

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
            _store(
                session,
                survey,
                round_,
                enterprise_id,
                "worker",
                _worker_answers(rng, survey, level, person),
                make_code(key, enterprise_id, code),
                language="zh" if rng.random() < 0.8 else "en",
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
    comparison: bool,
) -> None:
    baseline = {}
    for kpi in survey.kpis:
        percent = kpi.max is not None and kpi.max <= 100  # other maxima are only plausible caps
        high = kpi.max if percent else 100.0
        value = kpi.min + (high - kpi.min) * rng.uniform(0.2, 0.5)
        if not percent:
            value = rng.uniform(5, 60)
        baseline[kpi.id] = value
    for phase in (Phase.BASELINE, Phase.FOLLOW_UP):
        level = 3.0 if phase is Phase.BASELINE or comparison else 3.9
        answers = _worker_answers(rng, survey, {c.id: level for c in survey.constructs}, {})
        _store(
            session,
            survey,
            rounds[(phase, "manager")],
            enterprise_id,
            "manager",
            answers,
            None,
            language="zh",
        )
        for kpi in survey.kpis:
            value = baseline[kpi.id]
            if phase is Phase.FOLLOW_UP:
                gain = rng.uniform(0.0, 0.04) if comparison else rng.uniform(0.08, 0.25)
                sign = 1 if kpi.direction is Direction.HIGHER_IS_BETTER else -1
                value *= 1 + sign * gain
            if kpi.max is not None:
                value = min(value, kpi.max)
            value = float(round(value)) if kpi.integer else round(float(value), 2)
            session.add(
                KpiValue(
                    enterprise_id=enterprise_id,
                    round_id=rounds[(phase, "manager")].id,
                    kpi_id=kpi.id,
                    value=value,
                )
            )
