"""Command line: ``score-impact demo`` (create demo data), ``score-impact run`` (start app),
``score-impact create-user`` (the first admin of a real server, or any account) and
``score-impact translations`` (what each language is missing; the translator's
spreadsheet out and back in)."""

from __future__ import annotations

import argparse
import getpass
import subprocess
import sys
from pathlib import Path

from score_impact import translations
from score_impact.config import load_settings
from score_impact.db.models import Role
from score_impact.demo import DEMO_ACCOUNTS
from score_impact.i18n import FALLBACK, languages
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
    _translations_parser(sub)
    return parser


def _translations_parser(sub: argparse._SubParsersAction) -> None:
    words = sub.add_parser(
        "translations",
        help="per language and file: missing, stale, draft and reviewed strings",
        description="Without a subcommand: the completeness report of every language.",
    )
    words.add_argument("--lang", help="only this language")
    words.add_argument("--keys", action="store_true", help="list the missing and stale keys")
    what = words.add_subparsers(dest="action")
    out = what.add_parser("export", help="write a language's strings to an Excel file")
    out.add_argument("lang")
    out.add_argument("-o", "--output", type=Path, help="file to write (default <lang>.xlsx)")
    back = what.add_parser("import", help="read a translator's Excel file back (validated)")
    back.add_argument("lang")
    back.add_argument("file", type=Path)
    back.add_argument("--dry-run", action="store_true", help="check only, write nothing")


def _translations(args: argparse.Namespace) -> int:
    """The report (exit 1 when a language misses strings), an export or an import."""
    survey_dir = load_settings().survey_dir
    if args.action == "export":
        target = args.output or Path(f"{args.lang}.xlsx")
        target.write_bytes(translations.export_xlsx(args.lang, survey_dir))
        print(f"Wrote {target}: send it to the {args.lang} translator.")
        return 0
    if args.action == "import":
        try:
            result = translations.import_xlsx(
                args.lang, args.file.read_bytes(), survey_dir, dry_run=args.dry_run
            )
        except translations.TranslationImportError as exc:
            print(f"Nothing was imported from {args.file}:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        verb = "would write" if result.dry_run else "wrote"
        for name, count in result.changed.items():
            print(f"{name}: {verb} {count} string(s)")
        return 0
    incomplete = False
    langs = [args.lang] if args.lang else [c for c in languages() if c != FALLBACK]
    print(f"{'language':<9}{'file':<34}{'strings':>8}{'missing':>8}{'stale':>7}"
          f"{'draft':>7}{'reviewed':>9}")  # fmt: skip
    for lang in langs:
        for r in translations.report(lang, survey_dir):
            incomplete |= not r.complete
            print(f"{lang:<9}{r.name:<34}{r.total:>8}{len(r.missing):>8}{len(r.stale):>7}"
                  f"{len(r.draft):>7}{len(r.reviewed):>9}")  # fmt: skip
            if args.keys:
                for key in r.missing:
                    print(f"    missing  {key}")
                for key in r.stale:
                    print(f"    stale    {key}")
    return 1 if incomplete else 0


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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "create-user":
        return _create_user(args)
    if args.command == "translations":
        return _translations(args)
    if args.command == "demo":
        runtime = start(demo=True)
        print(f"Database ready: {runtime.settings.database_url}")
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
