"""Shared by the benchmark scripts: keep docs/benchmarks.md one section per benchmark."""

from __future__ import annotations

import contextlib
import platform
import re
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(heading: str, text: str) -> None:
    """Replace (or append) the section starting with ``heading`` (e.g. "## Tablet taps");
    ``text`` includes the heading. Other sections stay as they are."""
    old = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"{re.escape(heading)}\n.*?(?=\n## |\Z)", re.S)
    new = (
        pattern.sub(text.rstrip("\n") + "\n", old)
        if pattern.search(old)
        else old.rstrip("\n") + "\n\n" + text
    )
    BENCHMARKS_MD.write_text(new, encoding="utf-8")


def cpu_model() -> str:
    """The CPU model for a benchmark's machine line (Linux), else the machine type."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine() or "unknown CPU"
