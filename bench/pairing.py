"""Precision and recall of the anonymous-code matcher on a realistic simulation.

Simulated factories with known identities (score_impact/pairing_sim.py: heaped birthdays,
guessed months, mostly 0-2 siblings, clustered birth years, workers who misremember one
or two elements, leavers and newcomers) are matched by three rules:

- the plain rule: exact, then one element off when unique on both sides;
- the rule in use: the plain rule plus the same demographic bands and an unlikely
  coincidence (score_impact/pairing.py);
- exact matches only.

Prints the figures and writes them to docs/pairing.md (``--no-write`` to only print).
Run: ``python bench/pairing.py``.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from score_impact.pairing import match_pairs  # noqa: E402
from score_impact.pairing_sim import SimulationSettings, measure  # noqa: E402

RULES = {
    "plain (unique on both sides)": lambda b, a: match_pairs(b, a, math.inf, require_bands=False),
    "in use (+ same bands, unlikely coincidence)": match_pairs,
    "exact only": lambda b, a: match_pairs(b, a, max_chance=0),
}
SCENARIOS = {
    "10% misremember one element, 2% two": SimulationSettings(factories=200, seed=1),
    "15% one, 5% two (published exact rate ~75%)": SimulationSettings(
        factories=200, seed=2, misremember_one=0.15, misremember_two=0.05
    ),
}


def run() -> str:
    lines = [
        "| scenario | rule | tolerant matches | tolerant precision | exact precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for name, settings in SCENARIOS.items():
        for rule, matcher in RULES.items():
            a = measure(settings, matcher)
            tolerant = f"{a.tolerant_precision:.1%}" if a.tolerant else "-"
            lines.append(
                f"| {name} | {rule} | {a.tolerant:,} | {tolerant} | {a.exact_precision:.1%} "
                f"| {a.recall:.1%} |"
            )
            print(lines[-1], flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    table = run()
    took = time.perf_counter() - start
    print(f"({took:.0f} s)")
    if args.no_write:
        return
    doc = ROOT / "docs" / "pairing.md"
    text = doc.read_text(encoding="utf-8")
    block = f"<!-- bench:pairing -->\n{table}\n<!-- /bench:pairing -->"
    text = re.sub(r"<!-- bench:pairing -->.*<!-- /bench:pairing -->", block, text, flags=re.S)
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
