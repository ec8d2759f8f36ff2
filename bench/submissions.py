"""Concurrent tablet submissions: the real submit path against a raw SQLAlchemy Core baseline.

50 simulated tablets (threads) each submit 20 worker questionnaires through
``score_impact.services.responses.submit_response`` - the function the tablet page calls -
on SQLite (WAL, busy timeout) and, when a server is given, PostgreSQL. In the same run a
raw baseline writes the same responses with plain Core (one transaction per response:
insert the response row, executemany its answers, no validation, no idempotency check).
The ratio real / raw is the price of validation and exactly-once; the target is >= 0.7.

    python bench/submissions.py [--tablets 50] [--per-tablet 20] [--repeats 3]

PostgreSQL: set SCORE_BENCH_POSTGRES_URL (or SCORE_TEST_POSTGRES_URL) to a database the
benchmark may create and drop schemas in; ``bash .ci/run --postgres-only`` starts one.

The workload (``plan_tablet``) is shared with tests/db/test_concurrency.py, which adds
duplicate resubmits, UUIDs contested by several tablets at once and invalid payloads, and
asserts exact row counts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, make_url, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from score_impact.config import Settings, load_settings  # noqa: E402
from score_impact.db.models import (  # noqa: E402
    Answer,
    Brand,
    Cohort,
    Enterprise,
    Phase,
    Response,
    RoundStatus,
    utcnow,
)
from score_impact.pairing import ELEMENTS, make_code  # noqa: E402
from score_impact.runtime import Runtime, start  # noqa: E402
from score_impact.services.errors import DomainError  # noqa: E402
from score_impact.services.responses import (  # noqa: E402
    Outcome,
    Submission,
    answer_columns,
    submit_response,
)
from score_impact.services.rounds import create_round  # noqa: E402
from score_impact.services.surveys import publish  # noqa: E402
from score_impact.surveys.schema import ItemType, Survey  # noqa: E402
from score_impact.surveys.validation import validate_answers  # noqa: E402

WORKER_SURVEY = "worker_m1_cooperation"
BENCH_KEY = b"bench-pairing-key"


# ----- the world the tablets answer -----------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One open worker round and the factories that may answer it."""

    round_id: int
    closed_round_id: int
    enterprise_ids: tuple[int, ...]
    outsider_id: int  # an enterprise outside the round's cohort
    survey: Survey


def make_target(rt: Runtime) -> Target:
    """Two factories in a cohort with an open and a closed worker round, one outsider."""
    with rt.session() as s:
        brand = Brand(name="Bench Brand")
        ents = [
            Enterprise(
                name=name,
                country="China",
                sector="garments",
                size_band="250-999",
                headcount=500,
                brands=[brand],
            )
            for name in ("Bench Garments", "Bench Knitwear", "Bench Outsider")
        ]
        cohort = Cohort(name="Bench cohort", module="workplace_cooperation", enterprises=ents[:2])
        s.add_all([brand, cohort, ents[2]])
        s.flush()
        version = publish(s, rt.catalog.latest(WORKER_SURVEY))
        open_ = create_round(s, cohort, Phase.BASELINE, version, join_code="BENCHW")
        closed = create_round(
            s, cohort, Phase.FOLLOW_UP, version, RoundStatus.CLOSED, join_code="BENCHC"
        )
        s.commit()
        return Target(
            open_.id,
            closed.id,
            (ents[0].id, ents[1].id),
            ents[2].id,
            rt.catalog.latest(WORKER_SURVEY).survey,
        )


# ----- the workload ---------------------------------------------------------------------
def random_answers(survey: Survey, rng: random.Random) -> dict:
    """A complete, valid questionnaire with varied answers (every visible item answered)."""
    answers: dict = {}
    for item in survey.items:
        kind = item.type
        if kind is ItemType.LIKERT:
            answers[item.id] = rng.choice([p.value for p in survey.scales[item.scale or ""]])
        elif kind is ItemType.YES_NO:
            answers[item.id] = rng.random() < 0.6
        elif kind is ItemType.SINGLE_CHOICE:
            answers[item.id] = rng.choice(item.options or []).value
        elif kind is ItemType.MULTIPLE_CHOICE:
            options = [o.value for o in item.options or []]
            answers[item.id] = rng.sample(options, rng.randint(1, len(options)))
        elif kind is ItemType.NUMBER:
            low = item.min if item.min is not None else 0
            answers[item.id] = low
        elif kind is ItemType.TEXT:
            answers[item.id] = rng.choice(["更多培训", "better ventilation", "准时发工资"])
    clean, issues = validate_answers(survey, answers)
    assert not issues, issues
    return clean


# Invalid payload kinds and the error each must raise (class name, issue codes if any).
INVALID_KINDS = ("missing_required", "out_of_range", "bad_language", "bad_uuid", "not_in_round")


@dataclass(frozen=True)
class Planned:
    """One tap on Submit: what is sent and what the service must answer."""

    submission: Submission
    valid: bool
    invalid_kind: str | None = None
    contested: bool = False  # the same UUID is sent by several tablets at the same moment


def _invalid(sub: Submission, kind: str, target: Target) -> Submission:
    survey = target.survey
    if kind == "missing_required":
        first_required = next(i.id for i in survey.items if i.required and i.show_if is None)
        answers = {k: v for k, v in sub.answers.items() if k != first_required}
        return replace(sub, answers=answers)
    if kind == "out_of_range":
        likert = next(i.id for i in survey.items if i.type is ItemType.LIKERT)
        return replace(sub, answers={**sub.answers, likert: 7})
    if kind == "bad_language":
        return replace(sub, language="xx")
    if kind == "bad_uuid":
        return replace(sub, client_uuid="not-a-uuid")
    if kind == "not_in_round":
        return replace(sub, enterprise_id=target.outsider_id)
    raise ValueError(kind)


def new_submission(target: Target, rng: random.Random, client_uuid: str | None = None):
    enterprise_id = rng.choice(target.enterprise_ids)
    code = {name: rng.choice(list(allowed)) for name, allowed in ELEMENTS.items()}
    return Submission(
        client_uuid=client_uuid or str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        round_id=target.round_id,
        enterprise_id=enterprise_id,
        language=rng.choice(target.survey.languages),
        answers=random_answers(target.survey, rng),
        pairing=make_code(BENCH_KEY, enterprise_id, code) if rng.random() < 0.7 else None,
        started_at=utcnow(),
    )


def plan_tablet(
    target: Target,
    tablet: int,
    per_tablet: int = 20,
    messy: bool = True,
    contested: list[Submission] | None = None,
) -> list[Planned]:
    """``per_tablet`` taps of one tablet, reproducible from its number.

    With ``messy``: every 4th tap resubmits an earlier response of this tablet (a double tap
    or a retry after a timeout), every 6th is an invalid payload (each kind in turn) whose
    UUID is later resubmitted corrected, as the kiosk does after showing the error, and tap
    10 sends one of ``contested`` (the same UUID from several tablets at once).
    """
    rng = random.Random(tablet)
    plan: list[Planned] = []
    stored: list[Submission] = []
    rejected: list[Submission] = []
    for tap in range(per_tablet):
        if not messy:
            plan.append(Planned(new_submission(target, rng), valid=True))
        elif tap == 10 and contested:
            sub = contested[tablet % len(contested)]
            plan.append(Planned(sub, valid=True, contested=True))
        elif tap % 4 == 3 and stored:
            plan.append(Planned(rng.choice(stored), valid=True))
        elif tap % 6 == 5:
            good = new_submission(target, rng)
            kind = INVALID_KINDS[(tablet + tap // 6) % len(INVALID_KINDS)]
            plan.append(Planned(_invalid(good, kind, target), valid=False, invalid_kind=kind))
            if kind != "bad_uuid":
                rejected.append(good)
        elif rejected:
            sub = rejected.pop()  # the worker fixed the answer: same attempt, same UUID
            plan.append(Planned(sub, valid=True))
            stored.append(sub)
        else:
            sub = new_submission(target, rng)
            plan.append(Planned(sub, valid=True))
            stored.append(sub)
    return plan


@dataclass
class Tally:
    """What one tablet saw: outcomes per UUID and every error raised."""

    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[tuple[Planned, DomainError]] = field(default_factory=list)
    unexpected: list[tuple[Planned, BaseException]] = field(default_factory=list)


def run_tablet(rt: Runtime, plan: list[Planned], barrier: threading.Barrier | None) -> Tally:
    """Submit the plan as the kiosk page does: a new session per tap, domain errors shown."""
    tally = Tally()
    for planned in plan:
        if planned.contested and barrier is not None:
            barrier.wait(timeout=60)
        try:
            with rt.session() as session:
                result = submit_response(session, planned.submission)
        except DomainError as exc:
            tally.rejected.append((planned, exc))
            continue
        except Exception as exc:  # noqa: BLE001 (reported, never swallowed: the test fails)
            tally.unexpected.append((planned, exc))
            continue
        bucket = tally.stored if result.outcome is Outcome.STORED else tally.duplicates
        bucket.append(planned.submission.client_uuid)
    return tally


def run_tablets(rt: Runtime, plans: list[list[Planned]], synchronise: bool = False) -> list[Tally]:
    """One thread per tablet; with ``synchronise`` the contested taps wait for each other."""
    contested = sum(any(p.contested for p in plan) for plan in plans)
    barrier = threading.Barrier(contested) if synchronise and contested else None
    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        return list(pool.map(lambda plan: run_tablet(rt, plan, barrier), plans))


# ----- raw Core baseline ----------------------------------------------------------------
def raw_rows(target: Target, sub: Submission) -> tuple[dict, list[dict]]:
    """The rows the real path would write, prepared outside the timed part."""
    response = {
        "client_uuid": sub.client_uuid,
        "round_id": sub.round_id,
        "enterprise_id": sub.enterprise_id,
        "audience": sub.audience,
        "language": sub.language,
        "source": sub.source,
        "pairing_hash": sub.pairing.full_hash if sub.pairing else None,
        "pairing_parts": sub.pairing.parts_text if sub.pairing else None,
        "started_at": sub.started_at,
        "submitted_at": utcnow(),
    }
    answers = [
        {"item_id": k, **answer_columns(target.survey, k, v)} for k, v in sub.answers.items()
    ]
    return response, answers


def raw_submit(engine: Engine, response: dict, answers: list[dict]) -> None:
    """One transaction: insert the response row, executemany its answers."""
    with engine.begin() as conn:
        response_id = conn.execute(insert(Response).returning(Response.id), [response]).scalar_one()
        conn.execute(insert(Answer), [{"response_id": response_id, **a} for a in answers])


# ----- databases ------------------------------------------------------------------------
@contextmanager
def fresh_database(kind: str, server: str | None) -> Iterator[Runtime]:
    """A migrated, empty database (new SQLite file or new PostgreSQL schema)."""
    with tempfile.TemporaryDirectory(prefix="score-bench-") as tmp:
        schema = None
        if kind == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        else:
            assert server
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            _admin(server, f'CREATE SCHEMA "{schema}"')
            url = (
                make_url(server)
                .update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(hide_password=False)
            )
        rt = start(bench_settings(url, Path(tmp)), demo=False)
        try:
            yield rt
        finally:
            rt.engine.dispose()
            if schema:
                _admin(server, f'DROP SCHEMA "{schema}" CASCADE')


def bench_settings(url: str, data_dir: Path) -> Settings:
    """The app's settings for ``url`` (read the way the app reads them, from the environment)."""
    os.environ.update(
        SCORE_DATABASE_URL=url,
        SCORE_DATA_DIR=str(data_dir),
        SCORE_SECRET_KEY=BENCH_KEY.decode(),
        SCORE_DEMO_ON_EMPTY="0",
    )
    return load_settings()


def _admin(server: str, sql: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def postgres_server() -> str | None:
    return os.environ.get("SCORE_BENCH_POSTGRES_URL") or os.environ.get("SCORE_TEST_POSTGRES_URL")


# ----- measuring ------------------------------------------------------------------------
def _timed(threads: int, work: list[list], one: Callable) -> float:
    """Submissions per second with one thread per tablet."""

    def tablet(items: list) -> None:
        for item in items:
            one(item)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(tablet, work))
    return sum(len(w) for w in work) / (time.perf_counter() - started)


def measure(kind: str, server: str | None, tablets: int, per_tablet: int, repeats: int) -> dict:
    """Median submissions/s of the real path and of the raw baseline, alternating runs."""
    real, raw = [], []
    for _ in range(repeats):
        with fresh_database(kind, server) as rt:
            target = make_target(rt)
            plans = [plan_tablet(target, t, per_tablet, messy=False) for t in range(tablets)]
            subs = [[p.submission for p in plan] for plan in plans]
            raw_work = [[raw_rows(target, replace_uuid(s)) for s in tab] for tab in subs]

            def real_one(sub: Submission, rt: Runtime = rt) -> None:
                with rt.session() as session:
                    assert submit_response(session, sub).outcome is Outcome.STORED

            def raw_one(rows: tuple[dict, list[dict]], rt: Runtime = rt) -> None:
                raw_submit(rt.engine, *rows)

            # Alternate which path goes first, so neither always gets the cold start.
            runs = [(real, subs, real_one), (raw, raw_work, raw_one)]
            for figures, work, one in runs[:: 1 if len(real) % 2 == 0 else -1]:
                figures.append(_timed(tablets, work, one))
    # The ratio is paired per run (same database, same minute): other load on the machine
    # moves both paths of a run together, so it cancels out of the ratio.
    return {
        "db": kind,
        "real": statistics.median(real),
        "raw": statistics.median(raw),
        "ratio": statistics.median(a / b for a, b in zip(real, raw, strict=True)),
        "runs": repeats,
    }


def replace_uuid(sub: Submission) -> Submission:
    """The baseline writes the same payloads under fresh UUIDs (the real run stored these)."""
    return replace(sub, client_uuid=str(uuid.uuid4()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tablets", type=int, default=50)
    parser.add_argument("--per-tablet", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    server = postgres_server()
    print(
        f"submissions: {args.tablets} tablets x {args.per_tablet} responses, "
        f"median of {args.repeats} runs (ratio: median of the per-run ratios)"
    )
    print(f"{'database':<11}{'submit_response/s':>19}{'raw Core/s':>12}{'ratio':>8}  target")
    failed = False
    for kind in ("sqlite", "postgresql"):
        if kind == "postgresql" and not server:
            print(f"{kind:<11}skipped: set SCORE_BENCH_POSTGRES_URL or SCORE_TEST_POSTGRES_URL")
            continue
        r = measure(kind, server, args.tablets, args.per_tablet, args.repeats)
        ok = r["ratio"] >= 0.7
        failed |= not ok
        print(
            f"{kind:<11}{r['real']:>19.0f}{r['raw']:>12.0f}{r['ratio']:>7.2f}x  "
            f">= 0.70x {'ok' if ok else 'MISSED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
