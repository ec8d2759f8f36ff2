"""Benchmark of the analysis engine on 1,000,000 answers.

200 enterprises x ~125 workers x 2 phases x 20 items (6 constructs + 2 yes/no items),
seeded. Runs the full before/after comparison for every grouping (overall, enterprise,
cohort, module, brand, one demographic band) and compares with a naive per-group loop
that calls scipy once per group, outcome and test for the same outputs. The comparison
includes the decision rule (TOST, Holm per decision family, categories, sentences); the
view-wide verdicts with the scorecard and the few-cluster DiD inference (wild bootstrap +
randomisation over 9,999 draws for 200 factories, 40 of them comparison) are timed
separately. Prints the figures and writes them to ``docs/benchmarks.md`` (section
"Analysis engine").

Run: ``python bench/analysis.py`` (``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import compare_phases, did_constructs  # noqa: E402
from analysis.multicomp import p_adjust  # noqa: E402
from analysis.scorecard import scorecard  # noqa: E402
from analysis.scoring import construct_scores, item_scores  # noqa: E402
from analysis.verdicts import decided_rows  # noqa: E402
from bench._docs import cpu_model  # noqa: E402

GROUPINGS = ("overall", "enterprise", "cohort", "module", "brand", "demo_tenure")
N_ENTERPRISES, WORKERS, N_ITEMS, N_CONSTRUCTS = 200, 125, 20, 6
REPEATS = 3
MODULES = ("workplace_cooperation", "quality", "cleaner_production", "workforce", "osh")


def make_data(seed: int = 20240601) -> tuple[pd.DataFrame, pd.DataFrame]:
    """1,000,000 answers and the enterprise -> brand table, fully vectorised."""
    rng = np.random.default_rng(seed)
    ent = np.repeat(np.arange(N_ENTERPRISES), WORKERS)
    n_workers = len(ent)
    latent = rng.normal(3, 0.7, n_workers) + rng.normal(0, 0.3, N_ENTERPRISES)[ent]
    matched = rng.random(n_workers) < 0.75
    pair = np.where(matched, np.char.add("w", np.arange(n_workers).astype(str)), None)
    resp_phase = np.tile([0, 1], n_workers)
    resp_worker = np.repeat(np.arange(n_workers), 2)
    n_resp = len(resp_phase)
    response_id = np.arange(1, n_resp + 1)
    level = latent[resp_worker] + 0.3 * resp_phase + rng.normal(0, 0.3, n_resp)
    # answers: n_resp x N_ITEMS
    construct_of = np.array([f"c{i % N_CONSTRUCTS}" for i in range(N_ITEMS - 2)] + [None, None])
    item_type = np.array(["likert"] * (N_ITEMS - 2) + ["yes_no"] * 2)
    reverse = np.array([i % 7 == 3 for i in range(N_ITEMS - 2)] + [False, False])
    raw = np.clip(np.rint(level[:, None] + rng.normal(0, 0.7, (n_resp, N_ITEMS))), 1, 5)
    raw = np.where(reverse, 6 - raw, raw)
    yes = (rng.random((n_resp, 2)) < (0.4 + 0.1 * resp_phase[:, None])).astype(float)
    raw[:, -2:] = yes
    missing = rng.random((n_resp, N_ITEMS)) < 0.03
    raw[missing] = np.nan
    r = np.repeat(np.arange(n_resp), N_ITEMS)
    it = np.tile(np.arange(N_ITEMS), n_resp)
    e = ent[resp_worker][r]
    tenure = np.array(["<1y", "1-3y", "3-5y", ">5y"])[rng.integers(0, 4, n_workers)]
    answers = pd.DataFrame(
        {
            "response_id": response_id[r],
            "round_id": (e * 2 + resp_phase[r]),
            "phase": np.array(["baseline", "follow_up"])[resp_phase[r]],
            "phase_order": resp_phase[r],
            "enterprise_id": e,
            "enterprise": np.char.add("Factory ", e.astype(str)),
            "cohort_id": e // 5,
            "cohort": np.char.add("Cohort ", (e // 5).astype(str)),
            "module": np.array(MODULES)[(e // 5) % len(MODULES)],
            "treated": True,
            "audience": "worker",
            "pair_id": pair[resp_worker][r],
            "source": "tablet",
            "demo_tenure": tenure[resp_worker][r],
            "item_id": np.char.add("q", it.astype(str)),
            "construct": construct_of[it],
            "item_type": item_type[it],
            "reverse": reverse[it],
            "scale_min": np.where(item_type[it] == "likert", 1, 0),
            "scale_max": np.where(item_type[it] == "likert", 5, 1),
            "value": raw.ravel(),
        }
    )
    brands = pd.DataFrame(
        {
            "enterprise_id": np.r_[np.arange(N_ENTERPRISES), np.arange(0, N_ENTERPRISES, 3)],
            "brand": np.r_[
                np.array([f"Brand {i % 8}" for i in range(N_ENTERPRISES)]),
                np.array([f"Brand {8 + i % 3}" for i in range(0, N_ENTERPRISES, 3)]),
            ],
        }
    )
    return answers, brands


def naive(answers: pd.DataFrame, brands: pd.DataFrame) -> pd.DataFrame:
    """Same outputs the straightforward way: a Python loop over groups calling scipy."""
    cs = construct_scores(answers)
    cs = cs[cs["scored"]].rename(columns={"construct": "outcome_id"})
    it = item_scores(answers).dropna(subset=["score"]).rename(columns={"item_id": "outcome_id"})
    long = pd.concat(
        [cs.assign(binary=False), it.assign(binary=it["item_type"] == "yes_no")],
        ignore_index=True,
    )
    long = long.merge(brands, on="enterprise_id", how="left")
    rows = []
    for grouping in GROUPINGS:
        col = {"overall": None, "brand": "brand"}.get(grouping, grouping)
        data = long if col is not None else long.assign(_all="all")
        for (group, outcome), part in data.groupby([col or "_all", "outcome_id"]):
            if grouping != "brand":
                part = part.drop_duplicates(["response_id"])
            b = part.loc[part["phase"] == "baseline", ["pair_id", "score"]]
            a = part.loc[part["phase"] == "follow_up", ["pair_id", "score"]]
            pr = b.dropna().merge(a.dropna(), on="pair_id", suffixes=("_b", "_a"))
            if part["binary"].iloc[0]:
                lost = int(((pr["score_b"] == 1) & (pr["score_a"] == 0)).sum())
                gained = int(((pr["score_b"] == 0) & (pr["score_a"] == 1)).sum())
                stat = (abs(lost - gained) - 1) ** 2 / max(lost + gained, 1)
                tests = {
                    "McNemar": stats.chi2.sf(stat, 1),
                    "prop": stats.chi2_contingency(
                        [[a["score"].sum(), len(a) - a["score"].sum()],
                         [b["score"].sum(), len(b) - b["score"].sum()]]
                    ).pvalue,
                }  # fmt: skip
            else:
                tests = {
                    "paired t": stats.ttest_rel(pr["score_a"], pr["score_b"]).pvalue,
                    "Wilcoxon": stats.wilcoxon(
                        pr["score_a"], pr["score_b"], correction=True, method="approx"
                    ).pvalue,
                    "Welch": stats.ttest_ind(a["score"], b["score"], equal_var=False).pvalue,
                    "MWU": stats.mannwhitneyu(a["score"], b["score"]).pvalue,
                }
            for test, p in tests.items():
                rows.append((grouping, group, outcome, test, p))
    out = pd.DataFrame(rows, columns=["grouping", "group", "outcome_id", "test", "p"])
    for _, fam in out.groupby(["grouping", "group", "test"]):
        out.loc[fam.index, "p_holm"] = p_adjust(fam["p"], "holm")
    return out


def max_p_difference(fast: pd.DataFrame, slow: pd.DataFrame) -> float:
    """Check both routes give the same answers (t-test rows, where both are defined)."""
    names = {"Welch t-test": "Welch", "paired t-test": "paired t"}
    mine = fast[fast["test"].isin(names)].assign(test=lambda f: f["test"].map(names))
    both = mine.merge(slow, on=["grouping", "group", "outcome_id", "test"], suffixes=("", "_n"))
    both = both[both["p"].notna() & both["p_n"].notna()]
    return float((both["p"] - both["p_n"]).abs().max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    t0 = time.perf_counter()
    answers, brands = make_data()
    t_gen = time.perf_counter() - t0
    runs, cpu = [], []
    for _ in range(REPEATS):  # best of a few: the machine is shared, the minimum is the cost
        t0, c0 = time.perf_counter(), time.process_time()
        fast = compare_phases(answers, by=GROUPINGS, enterprise_brands=brands)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    t_fast = min(runs)
    t0 = time.perf_counter()
    card = scorecard(decided_rows(fast.assign(primary_outcome=fast["outcome_id"] < "c2")))
    t_card = time.perf_counter() - t0
    with_comparison = answers.assign(treated=answers["enterprise_id"] < 160)
    t0 = time.perf_counter()
    did = did_constructs(with_comparison)
    t_did = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = naive(answers, brands)
    t_slow = time.perf_counter() - t0
    ratio = t_slow / t_fast
    agreement = max_p_difference(fast, slow)
    figures = [
        f"answers: {len(answers):,} ({answers['response_id'].nunique():,} responses, "
        f"{N_ENTERPRISES} enterprises, {answers['item_id'].nunique()} items, "
        f"{N_CONSTRUCTS} constructs)",
        f"groupings: {', '.join(GROUPINGS)}",
        f"result rows: {len(fast):,} (naive loop: {len(slow):,} p-values)",
        f"data generation: {t_gen:.2f} s",
        f"full analysis (vectorised, decision rule included): {t_fast:.2f} s best of "
        f"{REPEATS} (median {float(np.median(runs)):.2f} s); CPU time {min(cpu):.2f} s "
        "(what the run costs the processor, less sensitive to other work on the machine)",
        f"naive per-group scipy loop: {t_slow:.2f} s",
        f"speed-up: {ratio:.1f}x",
        f"largest |p difference| vs the naive loop (Welch and paired t rows): {agreement:.1e}",
        f"view-wide verdicts + scorecard on those rows: {t_card:.2f} s ({len(card):,} rows)",
        f"DiD of {len(did)} constructs, 160 trained + 40 comparison factories, with p_wild "
        f"and p_ri (9,999 draws each): {t_did:.2f} s",
    ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = (
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"load average during the run {load}"
    )
    print(f"Analysis engine benchmark - {machine}")
    for line in figures:
        print("  " + line)
    if not args.no_write:
        write_markdown(machine, figures)


def write_markdown(machine: str, figures: list[str]) -> None:
    """Replace (or append) the "Analysis engine" section of docs/benchmarks.md."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = (
        "## Analysis engine\n\n"
        f"Run `python bench/analysis.py` on {dt.date.today().isoformat()}, "
        f"machine: {machine}.\n\n" + "\n".join(f"- {line}" for line in figures) + "\n"
    )
    pattern = re.compile(r"## Analysis engine\n.*?(?=\n## |\Z)", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(section.rstrip("\n"), text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text if text.endswith("\n") else text + "\n")


if __name__ == "__main__":
    main()
