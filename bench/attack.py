"""Campaign: the issue-10 attacker (tests/reports/attacker.py) against many random worlds.

CI runs the attack on a few worlds (tests/reports/test_attacker.py); this runs as many as
asked and prints how many were tried, their size, and what was recovered (nothing, or the
run fails). Writes its figures to ``docs/benchmarks.md`` (section "Attacker campaign").

Run: ``python bench/attack.py --worlds 100`` (``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._docs import write_section  # noqa: E402

SECTION = "## Attacker campaign"
TRAINER, MANAGER = "viewer='trainer'", "viewer='manager'"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=100)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    from hypothesis import HealthCheck, given, settings
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from score_impact.db.models import Base
    from tests.reports.attacker import TABLES, attack, build_world, specs

    tried: list[dict] = []
    failures: list[str] = []

    @settings(max_examples=args.worlds, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(spec=specs())
    def one(spec) -> None:
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        started = time.perf_counter()
        with Session(engine) as session:
            world = build_world(session, spec)
            found = attack(session, world)
        engine.dispose()
        leaks = found.mismatches + found.subtractions + found.named
        if found.smallest is not None or leaks or found.refused != 3:
            failures.append(f"{spec}: {found}")
            print("FAILED:", failures[-1], flush=True)
        tried.append({"spec": repr(spec), "responses": len(world.truth), "views": found.views,
                      "figures": found.figures, "sets": found.sets,
                      "left_out": found.left_out, "k": spec.k, "phases": len(spec.phases),
                      "reached": found.reached,
                      "seconds": time.perf_counter() - started})  # fmt: skip
        shown = {key: value for key, value in tried[-1].items() if key != "spec"}
        print(f"world {len(tried)}: {shown}", flush=True)

    started = time.perf_counter()
    one()
    took = time.perf_counter() - started
    n = len(tried)
    total = {
        key: sum(t[key] for t in tried) for key in ("responses", "views", "figures", "left_out")
    }
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        SECTION,
        "",
        f"Run `python bench/attack.py --worlds {args.worlds}` on {time.strftime('%Y-%m-%d')}, "
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
        f"after the run {load}.",
        "",
        f"- worlds tried: {n}, {len({t['spec'] for t in tried})} of them different "
        f"(k = 3 in {sum(t['k'] == 3 for t in tried)}, three phases in "
        f"{sum(t['phases'] == 3 for t in tried)}, a trainer as the viewer in "
        f"{sum(TRAINER in t['spec'] for t in tried)}, a factory manager in "
        f"{sum(MANAGER in t['spec'] for t in tried)})",
        f"- worker responses in the attacker's scope: {total['responses']:,} "
        f"(largest world {max(t['responses'] for t in tried)})",
        f"- views built (every filter setting, a full build_impact each): {total['views']:,}",
        f"- distinct released figures checked against the responses they cover: "
        f"{total['figures']:,}",
        "- worlds whose released figures include "
        + ", ".join(f"{name} ({sum(t['reached'][name] > 0 for t in tried)})" for name in TABLES)
        + " (the difference-in-differences, the match rate, the exact-matches-only "
        "sensitivity line, the attrition check and the count of follow-up responses screened "
        "out as hired after the training, each with at least one worker)",
        f"- responses left out of every figure: {total['left_out']:,} "
        f"({100 * total['left_out'] / max(total['responses'], 1):.1f}%; these worlds are "
        f"built of small groups)",
        f"- groups of 1..k-1 responses recovered: {len(failures)} worlds with any "
        "(subtraction, MILP over every released set, least squares over every named group)",
        f"- time: {took:.0f} s ({took / max(n, 1):.1f} s per world)",
    ]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    for failure in failures:
        print("FAILED:", failure)
    if not args.no_write and not failures:
        write_section(SECTION, text)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
