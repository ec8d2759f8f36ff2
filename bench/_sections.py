"""Shared by the benchmark scripts: each writes its figures as one section of
docs/benchmarks.md and leaves the other sections as they are."""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(section: str, text: str, path: Path = BENCHMARKS) -> None:
    """Replace the section headed ``section`` (e.g. "## Trainer dashboard") by ``text``,
    or append ``text`` when there is no such section yet."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"{re.escape(section)}\n.*?(?=\n## |\Z)", re.S)
    new = (
        pattern.sub(text.rstrip("\n") + "\n", old)
        if pattern.search(old)
        else (old.rstrip("\n") + "\n\n" + text)
    )
    path.write_text(new, encoding="utf-8")
