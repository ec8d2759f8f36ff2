"""Differencing-proof suppression (analysis/disclosure.py): the eligible set's remedies one
by one, the audit on the case it exists for, and a property over random cohorts: after
``eligible``, no group of 1..k-1 responses is a linear combination of the cells the
figures are made of (the complete linear attack of tests/reports/attacker.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import compare_phases
from analysis.disclosure import Eligibility, derived_row_ok, eligible
from tests.reports.attacker import smallest_derivable_group

from .conftest import make_answers

PHASES = ("baseline", "follow_up")


def _respondents(workers: list[dict]) -> pd.DataFrame:
    """One row per response from worker dicts: ent, cohort (0), tenure, gender, phases
    answered (a worker answering two phases with ``paired`` gets a pair id)."""
    rows = []
    for w, worker in enumerate(workers):
        phases = worker.get("phases", PHASES[:1])
        paired = worker.get("paired", len(phases) > 1)
        for phase in phases:
            rows.append(
                {
                    "response_id": len(rows) + 1,
                    "cohort_id": worker.get("cohort", 0),
                    "enterprise_id": worker["ent"],
                    "phase": phase,
                    "phase_order": PHASES.index(phase),
                    "pair_id": f"p{w}" if paired else None,
                    "audience": "worker",
                    "demo_tenure": worker.get("tenure", "a"),
                    "demo_gender": worker.get("gender", "w"),
                }
            )
    return pd.DataFrame(rows)


def _row(result, response_id: int) -> pd.Series:
    r = result.respondents
    return r[r["response_id"] == response_id].iloc[0]


def test_a_tiny_unmatched_factory_is_left_out_of_everything():
    frame = _respondents([{"ent": 1}] * 12 + [{"ent": 2}] * 3)
    out = eligible(frame, 5)
    kept = out.respondents.set_index("response_id")["eligible"]
    assert kept.loc[frame.loc[frame["enterprise_id"] == 1, "response_id"]].all()
    assert not kept.loc[frame.loc[frame["enterprise_id"] == 2, "response_id"]].any()
    assert out.left_out == 3 and out.unpaired == 0


def test_a_small_matched_group_is_unpaired_not_left_out():
    # 3 returning workers among 20 + 20 unmatched: their pairs would be a group of 3
    workers = [{"ent": 1, "phases": PHASES}] * 3
    workers += [{"ent": 1}] * 20 + [{"ent": 1, "phases": PHASES[1:]}] * 20
    out = eligible(_respondents(workers), 5)
    assert out.left_out == 0 and out.unpaired == 6
    assert out.respondents["pair_id"].isna().all()


def test_unpairing_comes_before_leaving_out():
    # with k = 30, neither the 20 matched nor the 12 unmatched reach k, together they do
    workers = [{"ent": 1, "phases": PHASES}] * 20 + [{"ent": 1}] * 12
    workers += [{"ent": 1, "phases": PHASES[1:]}] * 12
    out = eligible(_respondents(workers), 30)
    assert out.left_out == 0 and out.unpaired == 40


def test_small_band_answers_are_hidden_smallest_first():
    tenure = ["a"] * 6 + ["b"] * 3 + ["c"] * 5
    out = eligible(_respondents([{"ent": 1, "tenure": t} for t in tenure]), 5)
    shown = out.respondents["demo_tenure"]
    # b (3) is hidden; "not shown" would then be 3, so the next smallest (c, 5) joins it
    assert shown.fillna("-").tolist() == ["a"] * 6 + ["-"] * 8
    assert out.left_out == 0 and out.hidden_bands == 8


def _cells(out) -> list[tuple[int, ...]]:
    """The sets the figures are made of (factory cells and band cells per phase and
    pattern), from what ``eligible`` says the figures use."""
    r = out.respondents[out.respondents["eligible"]].copy()
    person = r["pair_id"].fillna(r["response_id"].astype(str))
    r["pattern"] = person.map(r.groupby(person)["phase"].agg(lambda p: ",".join(sorted(p))))
    sets = []
    for split in ("enterprise_id", *(c for c in r.columns if c.startswith("demo_"))):
        keys = ["cohort_id", "phase", "pattern", split]
        for _, part in r.fillna({split: "-"}).groupby(keys):
            sets.append(tuple(sorted(part["response_id"])))
    return sets


def test_the_audit_catches_a_band_found_in_one_factory_only():
    # factory 1: five in tenure x; factory 2: one in x, five in y. Every cell is >= 5,
    # yet x minus factory 1 is the one worker of factory 2 in x.
    workers = [{"ent": 1, "tenure": "x"}] * 5
    workers += [{"ent": 2, "tenure": "x"}] + [{"ent": 2, "tenure": "y"}] * 5
    frame = _respondents(workers)
    raw = [tuple(p["response_id"]) for _, p in frame.groupby("enterprise_id")]
    raw += [tuple(p["response_id"]) for _, p in frame.groupby("demo_tenure")]
    assert smallest_derivable_group(raw, frame["response_id"].tolist(), 5) == (6,)
    out = eligible(frame, 5)
    assert not _row(out, 6)["eligible"] and out.left_out == 1
    assert smallest_derivable_group(_cells(out), frame["response_id"].tolist(), 5) is None


def test_a_matched_worker_is_described_by_their_first_answer():
    frame = _respondents([{"ent": 1, "phases": PHASES}])
    frame.loc[frame["phase"] == "follow_up", "demo_tenure"] = "b"  # a year went by
    out = eligible(frame, 1)
    assert out.respondents["demo_tenure"].tolist() == ["a", "a"]
    assert out.respondents["pair_id"].tolist() == ["p0", "p0"]


def test_one_cohort_does_not_depend_on_the_others():
    rng = np.random.default_rng(7)
    workers = [
        {"ent": int(rng.integers(1, 4)), "cohort": c, "tenure": "xyz"[int(rng.integers(3))],
         "phases": PHASES if rng.random() < 0.5 else PHASES[:1]}
        for c in (0, 1) for _ in range(40)
    ]  # fmt: skip
    frame = _respondents(workers)
    both = eligible(frame, 5).respondents
    alone = eligible(frame[frame["cohort_id"] == 0], 5).respondents
    pd.testing.assert_frame_equal(both[both["cohort_id"] == 0].reset_index(drop=True), alone)


def test_apply_restricts_workers_and_leaves_managers_alone():
    answers = make_answers(n_enterprises=2, workers=6, matched=6)
    answers.loc[answers["enterprise_id"] == 1, "audience"] = "manager"
    respondents = answers.drop_duplicates("response_id")
    respondents = respondents[respondents["enterprise_id"] == 0].copy()
    respondents.loc[respondents["response_id"] <= 2, "enterprise_id"] = 9  # a factory of 1
    out = eligible(respondents, 5)
    applied = out.apply(answers)
    assert set(applied.loc[applied["audience"] == "manager", "response_id"]) == set(
        answers.loc[answers["audience"] == "manager", "response_id"]
    )
    workers = set(applied.loc[applied["audience"] == "worker", "response_id"])
    assert workers == out.eligible_ids() and 1 not in workers


def _apply_row_by_row(eligibility: Eligibility, frame: pd.DataFrame) -> pd.DataFrame:
    """The straightforward ``apply``: each row's respondent looked up by id, per column."""
    r = eligibility.respondents.set_index("response_id")
    rows = []
    for row in frame.to_dict("records"):
        if row.get("audience", "worker") == "worker":
            if row["response_id"] not in r.index or not r.loc[row["response_id"], "eligible"]:
                continue
            for col in ("pair_id", "pair_match", *(c for c in r.columns if c.startswith("demo_"))):
                if col in row and col in r.columns:
                    row[col] = r.loc[row["response_id"], col]
        rows.append(row)
    return pd.DataFrame(rows, columns=frame.columns)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_apply_equals_looking_up_each_row(seed):
    """Worker rows of E, of responses left out and of responses E never saw; manager rows;
    a band hidden or moved to the first answer; nobody left out at all (seed 3)."""
    rng = np.random.default_rng(seed)
    answers = make_answers(n_enterprises=3, workers=7, matched=int(rng.integers(0, 8)), seed=seed)
    answers["pair_match"] = np.where(answers["pair_id"].notna(), "exact", None)
    answers.loc[answers["enterprise_id"] == 2, "audience"] = "manager"
    answers = answers.sample(frac=1, random_state=seed).reset_index(drop=True)
    respondents = answers.drop_duplicates("response_id")
    respondents = respondents[respondents["audience"] == "worker"]
    if seed < 3:
        respondents = respondents[respondents["response_id"] % 7 != 0]  # never seen by E
        respondents.loc[respondents["response_id"] % 5 == 0, "enterprise_id"] = 9  # small
    out = eligible(respondents, 5 if seed < 3 else 1)
    got = out.apply(answers)
    want = _apply_row_by_row(out, answers)
    assert list(got.index) == list(answers.index[answers.index.isin(got.index)])
    looked_up = ["pair_id", "pair_match", "demo_tenure"]
    assert got.dtypes.drop(looked_up).equals(answers.dtypes.drop(looked_up))
    assert len(got) == len(want)
    for col in answers.columns:
        assert got[col].astype(object).tolist() == want[col].astype(object).tolist(), col
    if seed == 3:
        assert out.left_out == 0 and len(got) == len(answers)
    else:
        assert out.left_out > 0
    got.loc[:, "value"] = -1.0  # a copy: the input is untouched
    assert (answers["value"] != -1).all()


@pytest.mark.parametrize(
    ("shown", "derived", "ok"),
    [(20, 20, True), (20, 15, True), (20, 16, False), (20, 19, False), (20, 0, True),
     (float("nan"), 3, True), (4, 0, False)],
)  # fmt: skip
def test_a_derived_row_needs_its_left_out_group_to_be_0_or_k(shown, derived, ok):
    assert bool(derived_row_ok(shown, derived, 5)) is ok


def test_pairs_that_leave_one_answer_out_are_not_shown():
    answers = make_answers(n_enterprises=1, workers=12, matched=12)
    # one matched worker skipped eit at follow-up: pairs 11 vs 12 answers at baseline
    skipped = answers[(answers["phase"] == "follow_up") & (answers["item_id"] == "eit_exists")]
    answers = answers.drop(skipped.index[:1])
    plain = compare_phases(answers, min_group_size=5)
    guarded = compare_phases(answers, min_group_size=5, guard_pairs=True)

    def rows(out):
        return out[(out["outcome_id"] == "eit_exists") & (out["grouping"] == "overall")]

    assert not rows(plain).query("design == 'paired'")["suppressed"].any()
    paired = rows(guarded).query("design == 'paired'")
    assert paired["suppressed"].all() and paired["n_pairs"].isna().all()
    headline = rows(guarded)[rows(guarded)["primary"]]
    assert headline["test"].str.startswith("two-proportion").tolist() == [True]
    voice = guarded[(guarded["outcome_id"] == "voice") & guarded["primary"]]
    assert (voice["design"] == "paired").all()  # the other outcomes keep their pairs


@st.composite
def _cohorts(draw) -> pd.DataFrame:
    """Random cohorts: tiny and ordinary factories, skewed bands, partial returns."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    workers = []
    for cohort in range(draw(st.integers(1, 2))):
        for ent in range(draw(st.integers(1, 4))):
            size = draw(st.one_of(st.integers(1, 4), st.integers(5, 25)))
            back = rng.uniform(0, 1)
            tenure_p, gender_p = rng.dirichlet([0.5] * 3), rng.dirichlet([0.5] * 2)
            for _ in range(size):
                phases = PHASES if rng.random() < back else PHASES[int(rng.integers(2)) :][:1]
                workers.append({
                    "ent": 10 * cohort + ent, "cohort": cohort, "phases": phases,
                    "tenure": "xyz"[rng.choice(3, p=tenure_p)] if rng.random() > 0.05 else None,
                    "gender": "wm"[rng.choice(2, p=gender_p)],
                })  # fmt: skip
    return _respondents(workers)


@settings(max_examples=60)
@given(frame=_cohorts(), k=st.sampled_from([3, 5]))
def test_no_small_group_is_a_combination_of_the_cells(frame, k):
    out = eligible(frame, k)
    cells = _cells(out)
    assert all(len(c) >= k for c in cells)
    found = smallest_derivable_group(cells, frame["response_id"].tolist(), k)
    assert found is None, f"responses {found} can be worked out"


def test_a_split_of_pairs_is_a_split_of_the_matched_cells():
    # 20 exact pairs and 3 tolerant ones: "exact matches only" would differ by 3 pairs
    workers = [{"ent": 1, "phases": PHASES}] * 23 + [{"ent": 1}] * 10
    workers += [{"ent": 1, "phases": PHASES[1:]}] * 10
    frame = _respondents(workers)
    worker = frame["pair_id"].str.removeprefix("p").astype(float)
    frame["pair_match"] = np.where(worker >= 20, "tolerant", "exact")
    frame.loc[frame["pair_id"].isna(), "pair_match"] = None
    out = eligible(frame, 5)
    paired = out.respondents.dropna(subset=["pair_id"])
    assert set(paired["pair_match"]) == {"exact"} and len(paired) == 40
    assert out.unpaired == 6 and out.left_out == 0
