"""Command line: ``score-impact demo`` (create demo data) and ``score-impact run`` (start app)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from score_impact.runtime import start

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="score-impact")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="create the database and the demo data if it is empty")
    run = sub.add_parser("run", help="start the web app (creates the demo on an empty database)")
    run.add_argument("--port", type=int, default=8501)
    args = parser.parse_args(argv)
    if args.command == "demo":
        runtime = start(demo=True)
        print(f"Database ready: {runtime.settings.database_url}")
        for problem in runtime.problems:
            print(f"survey definition problem: {problem}", file=sys.stderr)
        return 0
    return subprocess.call(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(args.port)]
    )


if __name__ == "__main__":
    raise SystemExit(main())
