"""Command line: ``score-impact demo`` (create demo data), ``score-impact run`` (start app),
``score-impact create-user`` (the first admin of a real server, or any account),
``score-impact disable-demo-accounts`` (before real answers are collected) and
``score-impact doctor`` (what about this installation puts answers at risk)."""

from __future__ import annotations

import argparse
import getpass
import subprocess
import sys
from pathlib import Path

from score_impact import doctor
from score_impact.db.models import Role
from score_impact.demo import DEMO_ACCOUNTS, disable_demo_accounts
from score_impact.runtime import start
from score_impact.services.accounts import create_user
from score_impact.services.errors import InvalidInput

APP = Path(__file__).resolve().parents[1] / "app.py"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="score-impact")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="create the database and the demo data if it is empty")
    run = sub.add_parser("run", help="start the web app (creates the demo on an empty database)")
    run.add_argument("--port", type=int, default=8501)
    sub.add_parser("doctor", help="check this installation for risks to workers' answers")
    sub.add_parser(
        "disable-demo-accounts",
        help="deactivate the demo accounts whose passwords are public (README)",
    )
    user = sub.add_parser("create-user", help="create an account (asks for the password)")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--name", dest="display_name", help="name shown in the app")
    user.add_argument("--brand-id", type=int, help="brand accounts: the brand they represent")
    user.add_argument("--enterprise-id", type=int, help="manager accounts: their enterprise")
    user.add_argument(
        "--cohort-id", type=int, action="append", default=[], help="trainers: a cohort they train"
    )
    user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    return parser


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        print("The passwords differ; nothing was created.", file=sys.stderr)
        return None
    return first


def _create_user(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    runtime = start(demo=False)  # a real server: never seed demo accounts here
    with runtime.session() as session:
        try:
            user = create_user(
                session,
                username=args.username,
                password=password,
                role=args.role,
                display_name=args.display_name,
                brand_id=args.brand_id,
                enterprise_id=args.enterprise_id,
                cohort_ids=args.cohort_id,
                actor="cli",
            )
        except InvalidInput as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 1
        print(f"Created {user.role} account '{user.username}'.")
    return 0


def _doctor() -> int:
    """Print every finding; exit status 1 when there is one (for scripts and monitoring)."""
    runtime = start(demo=False)
    with runtime.session() as session:
        found = doctor.check(session, runtime.settings, doctor.streamlit_error_details())
    print(f"Database: {runtime.settings.display_url}")
    for finding in found:
        print(f"WARNING: {finding.message('en')}")
    if not found:
        print(doctor.Finding("all_clear").message("en"))
    runtime.engine.dispose()
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "create-user":
        return _create_user(args)
    if args.command == "doctor":
        return _doctor()
    if args.command == "disable-demo-accounts":
        with start(demo=False).session() as session:
            names = disable_demo_accounts(session, actor="cli")
        print(f"Disabled: {', '.join(names)}." if names else "No demo account is active.")
        return 0
    if args.command == "demo":
        runtime = start(demo=True)
        print(f"Database ready: {runtime.settings.display_url}")
        for problem in runtime.problems:
            print(f"survey definition problem: {problem}", file=sys.stderr)
        print("Demo accounts (made with the demo data; public passwords, for trying only):")
        for a in DEMO_ACCOUNTS:
            print(f"  {a.role.value:<8} {a.username:<18} {a.password:<18} sees {a.sees}")
        return 0
    return subprocess.call(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(args.port)]
    )


if __name__ == "__main__":
    raise SystemExit(main())
