"""Cost of differencing-proof suppression on the demo, and the time it takes.

Seeds the demo into a temporary SQLite database and, for every demo account's scope and
k = 5 and 10, prints how many worker responses the eligible set leaves out of every
figure, how many matched responses it analyses unpaired, and how many demographic
answers it does not show (``analysis.disclosure``); then the time to read the scope's
respondents and choose the set. Writes the figures to ``docs/benchmarks.md`` (section
"Differencing-proof suppression").

Run: ``python bench/disclosure.py`` (``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._docs import write_section  # noqa: E402

SECTION = "## Differencing-proof suppression"
ACCOUNTS = ("admin", "trainer.li", "northwind", "lotus", "manager.evergreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="score-bench-")
    os.environ.update(
        SCORE_DATABASE_URL=f"sqlite:///{data}/demo.db", SCORE_DATA_DIR=data,
        SCORE_SECRET_KEY="bench-key",
    )  # fmt: skip
    from sqlalchemy import select

    from analysis.adapter import RoundFilter, respondents_frame
    from analysis.disclosure import eligible
    from score_impact.config import load_settings
    from score_impact.db.models import User
    from score_impact.runtime import start
    from score_impact.services.scope import scope_of, visible_cohort_ids, visible_enterprise_ids

    runtime = start(load_settings(), demo=True)
    rows = [
        "| scope | worker responses | k | left out | analysed unpaired (of matched) "
        "| band answers not shown (of given) | read + choose |",
        "|---|---|---|---|---|---|---|",
    ]
    with runtime.session() as s:
        for name in ACCOUNTS:
            scope = scope_of(s, s.scalar(select(User).where(User.username == name)))
            ids, cohorts = visible_enterprise_ids(s, scope), visible_cohort_ids(s, scope)
            rounds = RoundFilter(audience="worker", cohort_ids=frozenset(cohorts))
            for k in (5, 10):
                times = []
                for _ in range(args.repeats):
                    started = time.perf_counter()
                    frame = respondents_frame(s, sorted(ids), rounds)
                    chosen = eligible(frame, k)
                    times.append(time.perf_counter() - started)
                bands = [c for c in frame.columns if c.startswith("demo_")]
                given = int(frame[bands].notna().sum().sum())
                matched = int(frame["pair_id"].notna().sum())
                rows.append(
                    f"| {name} | {len(frame):,} | {k} | {chosen.left_out} "
                    f"({100 * chosen.left_out / len(frame):.1f}%) | {chosen.unpaired} of "
                    f"{matched} | {chosen.hidden_bands} of {given:,} "
                    f"({100 * chosen.hidden_bands / max(given, 1):.1f}%) | "
                    f"{statistics.median(times):.2f} s |"
                )
                print(rows[-1], flush=True)
    runtime.engine.dispose()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = "\n".join([
        SECTION,
        "",
        f"Run `python bench/disclosure.py` on {time.strftime('%Y-%m-%d')}, machine: "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average after the "
        f"run {load}.",
        "",
        "What the eligible set of `analysis.disclosure` costs on the seeded demo, per demo "
        "account's scope (every phase and cohort the account sees). Left out: responses in "
        "no figure at all; unpaired: matched responses analysed as unmatched; band answers "
        "not shown: demographic answers counted as \"not answered\" in band filters only. "
        "Time: median of reading the scope's respondents (one query plus pairing) and "
        f"choosing the set, {args.repeats} runs.",
        "",
        *rows,
    ]) + "\n"  # fmt: skip
    print("\n" + text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
