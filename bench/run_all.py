"""Run every benchmark in bench/ and print their figures, with the machine they came from.

    python bench/run_all.py            # all scripts, default sizes
    python bench/run_all.py submissions analysis   # only these

Each script runs in its own process (a clean interpreter, its own caches and threads),
with the same Python, one after the other so they do not compete for the 2 cores. A
script's exit code is reported; the run fails if any script failed. PostgreSQL figures
need SCORE_BENCH_POSTGRES_URL or SCORE_TEST_POSTGRES_URL (``bash .ci/run --postgres-only``).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench._docs import cpu_model  # noqa: E402


def scripts(names: list[str]) -> list[Path]:
    """bench/*.py except this runner and private modules, or the ones named."""
    found = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    found = [p for p in found if not p.name.startswith("_")]
    if names:
        wanted = {n.removesuffix(".py") for n in names}
        unknown = wanted - {p.stem for p in found}
        if unknown:
            raise SystemExit(f"no benchmark named {', '.join(sorted(unknown))}")
        found = [p for p in found if p.stem in wanted]
    return found


def main(argv: list[str] | None = None) -> int:
    names = sys.argv[1:] if argv is None else argv
    print(
        f"machine: {os.cpu_count()} cores (nproc), {cpu_model()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    failed = []
    for script in scripts(names):
        print(f"\n=== {script.name} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=ROOT)
        took = time.perf_counter() - started
        print(f"--- {script.name}: exit {code}, {took:.0f} s", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
