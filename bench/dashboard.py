"""Benchmark: trainer dashboard render time on the demo data, after cache warm-up.

Seeds the demo into a temporary SQLite database, renders ``pages/dashboard.py`` with
AppTest as the demo admin (the largest scope: all eight factories) and as trainer.li,
once cold (empty caches) and then ``--repeats`` times warm (``st.cache_data`` filled:
what a trainer sees after the first view and between live refreshes). Prints the median
and writes the figures to ``docs/benchmarks.md`` (section "Trainer dashboard"). Target:
median warm render under 1.5 s.

Run: ``python bench/dashboard.py`` (``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import datetime as dt
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

TARGET = 1.5
SECTION = "## Trainer dashboard"


def render(cookie: dict[str, str], page: str = "pages/dashboard.py") -> float:
    """Seconds for one full AppTest run of the page for a user signed in a moment ago
    (``cookie``: the staff session cookie the pages read; AppTest has no browser).

    Fails loudly on an exception, and when the page did not draw its charts (a page that
    stopped at "please sign in" would otherwise look very fast)."""
    from streamlit.testing.v1 import AppTest

    import pages.auth

    pages.auth.request_cookies = lambda: cookie
    at = AppTest.from_file(str(ROOT / page), default_timeout=300)
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    if len(at.get("vega_lite_chart")) < 3:
        raise RuntimeError("the dashboard did not render its charts")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="score-bench-"))
    os.environ.update(
        SCORE_DATABASE_URL=f"sqlite:///{data / 'bench.db'}",
        SCORE_DATA_DIR=str(data),
        SCORE_SECRET_KEY="bench-key",
    )
    from sqlalchemy import select

    from score_impact.config import load_settings
    from score_impact.db.models import User
    from score_impact.runtime import start
    from score_impact.services.sessions import COOKIE, cookie_value, start_session

    rt = start(load_settings(), demo=True)
    lines = []
    for username in ("admin", "trainer.li"):
        with rt.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            token = start_session(s, user, "en", dt.datetime.now(dt.UTC))
        cookie = {COOKIE: cookie_value(rt.settings.secret_key, token)}
        cold = render(cookie)
        warm = [render(cookie) for _ in range(args.repeats)]
        median = statistics.median(warm)
        verdict = "meets" if median < TARGET else "misses"
        lines.append(
            f"- {username}: cold {cold:.2f} s; warm median {median:.3f} s "
            f"(min {min(warm):.3f}, max {max(warm):.3f}, {args.repeats} runs) - "
            f"{verdict} the {TARGET} s target"
        )
        print(lines[-1])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = (
        f"{SECTION}\n\n"
        f"Run `python bench/dashboard.py` on {dt.date.today()}, machine: {os.cpu_count()} "
        f"CPUs, Python {platform.python_version()}, load average after the run {load}.\n\n"
        "AppTest render of `pages/dashboard.py` on the seeded demo (8 factories, about "
        "1,000 worker responses per phase), default filters (first cohort). Cold = empty "
        "`st.cache_data`; warm = cached impact result (what a trainer sees after the first "
        "view and on the live refresh). Target: warm median under 1.5 s.\n\n"
        + "\n".join(lines)
        + "\n"
    )
    if not args.no_write:
        write_section(SECTION, text)
    rt.engine.dispose()


if __name__ == "__main__":
    main()
