"""Hostile admin uploads, refused before parsing: time and memory of each refusal.

    python bench/uploads.py [--no-write]

The probes of issue 10: a 1.7 KB YAML of nested aliases (expanded to 1.7 M objects, 1.3 GB
and 12 s before), and a workbook of two million deflated rows (224 s and 1.1 GB before),
both as written and with a central directory that understates the sheet. Each runs in a
fresh interpreter that reports its wall and CPU time and the peak memory (RSS) the refusal
added (0: no more than importing the app already took). The figures go to
docs/benchmarks.md unless --no-write.
"""

from __future__ import annotations

import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._docs import write_section  # noqa: E402
from tests.test_uploads import (  # noqa: E402
    ALIAS_BOMB,
    XLSFORM_CALL,
    XLSFORM_SETUP,
    lie_about_size,
    measured,
    workbook_with_rows,
)

YAML_SETUP = "from score_impact.surveys.loader import parse_survey"
YAML_CALL = "parse_survey(data.decode(), source='bomb.yaml')"


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    rows = workbook_with_rows(2_000_000, refs=False)
    probes = [
        ("YAML alias bomb", ALIAS_BOMB.encode(), YAML_SETUP, YAML_CALL),
        ("XLSX, 2,000,000 rows", rows, XLSFORM_SETUP, XLSFORM_CALL),
        (
            "XLSX, 2,000,000 rows, lying zip header",
            lie_about_size(rows, "xl/worksheets/sheet1.xml", 39_000_000),
            XLSFORM_SETUP,
            XLSFORM_CALL,
        ),
    ]
    lines = [
        "## Hostile uploads (bench/uploads.py)",
        "",
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        "each probe in a fresh interpreter.",
        "",
        "| upload | size | wall s | CPU s | added peak RSS MB | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for name, data, setup, call in probes:
        run = measured(tmp, data, setup, call)
        outcome = run["outcome"].split(": ", 1)[-1][:70]
        lines.append(
            f"| {name} | {len(data) / 1000:,.1f} KB | {run['wall_seconds']:.2f} | "
            f"{run['seconds']:.2f} | {run['peak_mb']:.0f} | {outcome} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if "--no-write" not in sys.argv:
        write_section("## Hostile uploads (bench/uploads.py)", text)


if __name__ == "__main__":
    main()
