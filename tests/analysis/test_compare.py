"""Grouped before/after engine: the bulk path must equal the single-test functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analysis.compare as compare_engine
from analysis import (
    compare_phases,
    construct_scores,
    item_scores,
    mann_whitney,
    mcnemar,
    paired_ttest,
    two_proportion_test,
    welch_ttest,
    wilcoxon_signed_rank,
)
from analysis._common import NO_FOLLOW_UP
from analysis.compare import COMPARE_COLUMNS
from analysis.scoring import response_columns

from .conftest import make_answers
from .test_scoring import _messy_answers

NUMBERS = ["n_before", "n_after", "mean_before", "mean_after", "change", "ci_low", "ci_high",
           "statistic", "df", "p", "effect_size"]  # fmt: skip


def _row(out, grouping, group, outcome, test):
    sel = out[
        (out["grouping"] == grouping)
        & (out["group"] == group)
        & (out["outcome_id"] == outcome)
        & out["test"].str.startswith(test)
    ]
    assert len(sel) == 1
    return sel.iloc[0]


def _close(row, ref):
    for col in NUMBERS:
        a, b = row[col], ref[col]
        if pd.isna(b):
            assert pd.isna(a), col
        else:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12), col


@pytest.mark.parametrize("enterprise", ["Factory 0", "Factory 2"])
def test_bulk_equals_single_functions(answers, enterprise):
    out = compare_phases(answers, by=("overall", "enterprise"), min_group_size=1)
    scores = construct_scores(answers)
    part = scores[(scores["enterprise"] == enterprise) & (scores["construct"] == "voice")]
    before = part[part["phase"] == "baseline"]
    after = part[part["phase"] == "follow_up"]
    _close(_row(out, "enterprise", enterprise, "voice", "Welch"),
           welch_ttest(before["score"], after["score"]).iloc[0])  # fmt: skip
    _close(_row(out, "enterprise", enterprise, "voice", "Mann-Whitney"),
           mann_whitney(before["score"], after["score"]).iloc[0])  # fmt: skip
    paired = before.dropna(subset=["pair_id"]).merge(
        after.dropna(subset=["pair_id"]), on="pair_id", suffixes=("_b", "_a")
    )
    _close(_row(out, "enterprise", enterprise, "voice", "paired t"),
           paired_ttest(paired["score_b"], paired["score_a"]).iloc[0])  # fmt: skip
    _close(_row(out, "enterprise", enterprise, "voice", "Wilcoxon"),
           wilcoxon_signed_rank(paired["score_b"], paired["score_a"]).iloc[0])  # fmt: skip
    items = answers[(answers["enterprise"] == enterprise) & (answers["item_id"] == "eit_exists")]
    ib, ia = items[items["phase"] == "baseline"], items[items["phase"] == "follow_up"]
    _close(_row(out, "enterprise", enterprise, "eit_exists", "two-proportion"),
           two_proportion_test(ib["value"], ia["value"]).iloc[0])  # fmt: skip
    ip = ib.dropna(subset=["pair_id"]).merge(
        ia.dropna(subset=["pair_id"]), on="pair_id", suffixes=("_b", "_a")
    )
    _close(_row(out, "enterprise", enterprise, "eit_exists", "McNemar"),
           mcnemar(ip["value_b"], ip["value_a"]).iloc[0])  # fmt: skip


def test_columns_and_groupings(answers, enterprise_brands):
    out = compare_phases(
        answers,
        by=("overall", "brand", "enterprise", "cohort", "module", "demo_tenure"),
        enterprise_brands=enterprise_brands,
    )
    assert list(out.columns) == COMPARE_COLUMNS
    assert list(pd.unique(out["grouping"])) == [
        "overall", "brand", "enterprise", "cohort", "module", "demo_tenure"
    ]  # fmt: skip
    # brand B has enterprises 1, 2, 3: 3 x 20 answers per phase; A has 0 and 1
    welch_b = _row(out, "brand", "B", "voice", "Welch")
    assert welch_b["n_before"] == 60 and welch_b["n_after"] == 60
    assert _row(out, "brand", "A", "voice", "Welch")["n_before"] == 40
    # exactly one primary row per grouping, group and outcome
    per = out.groupby(["grouping", "group", "outcome_id"])["primary"].sum()
    assert (per == 1).all()
    # family: Holm within one group, one kind and one test -> never below raw p
    ok = out["p"].notna()
    assert (out.loc[ok, "p_holm"] >= out.loc[ok, "p"] - 1e-15).all()
    assert (out.loc[ok, "p_bh"] <= out.loc[ok, "p_holm"] + 1e-15).all()


def test_outcome_metadata_and_direction(answers):
    outcomes = pd.DataFrame(
        {"outcome_id": ["voice"], "kind": ["construct"], "label": ["Voice & communication"],
         "stakeholder": ["workers"], "direction": ["lower_is_better"]}
    )  # fmt: skip
    out = compare_phases(answers, outcomes=outcomes)
    voice = _row(out, "overall", "all", "voice", "paired t")
    assert voice["label"] == "Voice & communication"
    # a rise of something where lower is better is a significant worsening
    assert voice["change"] > 0 and voice["category"] == "worsened"
    assert voice["sentence"].startswith("Voice & communication worsened: from")
    assert voice["basis"] == "before_after" and voice["n_comparisons"] == 2


def test_missing_phase_is_explicit(answers):
    only_base = answers[~((answers["enterprise_id"] == 1) & (answers["phase"] == "follow_up"))]
    out = compare_phases(only_base, by=("enterprise",))
    rows = out[out["group"] == "Factory 1"]
    welch = rows[rows["test"] == "Welch t-test"]
    assert (welch["not_estimable"] == NO_FOLLOW_UP).all()
    assert welch["p"].isna().all() and welch["sentence"].str.contains("not estimable").all()
    # paired rows: no pairs at all -> 0 counts, reason given, never p = 1
    paired = rows[rows["design"] == "paired"]
    assert paired["p"].isna().all() and paired["not_estimable"].notna().all()


def test_duplicate_pair_codes_are_left_out_of_pairs(answers):
    dup = answers.copy()
    first = dup["response_id"] == dup.loc[dup["phase"] == "follow_up", "response_id"].min()
    second = dup["response_id"] == dup.loc[dup["phase"] == "follow_up", "response_id"].min() + 2
    dup.loc[second, "pair_id"] = dup.loc[first, "pair_id"].iloc[0]
    base = compare_phases(answers, by=("enterprise",))
    out = compare_phases(dup, by=("enterprise",))
    n0 = _row(base, "enterprise", "Factory 0", "voice", "paired t")["n_pairs"]
    n1 = _row(out, "enterprise", "Factory 0", "voice", "paired t")["n_pairs"]
    # code0 now occurs twice at follow-up (ambiguous, dropped) and code2 lost its partner
    assert n1 == n0 - 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_results_invariant_to_row_order(seed):
    ans = make_answers(n_enterprises=2, workers=8, matched=6, seed=seed % 7)
    shuffled = ans.sample(frac=1, random_state=seed).reset_index(drop=True)
    a = compare_phases(ans, by=("overall", "enterprise", "demo_tenure"), min_group_size=3)
    b = compare_phases(shuffled, by=("overall", "enterprise", "demo_tenure"), min_group_size=3)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 8), st.integers(0, 1000), st.integers(2, 7))
def test_suppression_never_leaks_a_group_below_k(workers, seed, k):
    ans = make_answers(n_enterprises=3, workers=workers, matched=workers - 1, seed=seed)
    out = compare_phases(ans, by=("enterprise", "demo_tenure"), min_group_size=k)
    # true respondent counts per group and phase, from the raw data
    for grouping, col in (("enterprise", "enterprise"), ("demo_tenure", "demo_tenure")):
        sizes = ans.groupby([col, "phase"])["response_id"].nunique().unstack(fill_value=0)
        for group, size in sizes.iterrows():
            rows = out[(out["grouping"] == grouping) & (out["group"] == group)]
            if 0 < size.min() < k:
                # every independent row of this group is suppressed and blank
                indep = rows[rows["design"] == "independent"]
                assert indep["suppressed"].all()
                assert indep[NUMBERS + ["p_holm", "p_bh"]].isna().all().all()
    shown = out[~out["suppressed"]]
    for col in ("n_before", "n_after", "n_pairs"):
        vals = shown[col].dropna()
        assert ((vals == 0) | (vals >= k)).all()
    assert out.loc[out["suppressed"], NUMBERS].isna().all().all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6))
def test_histogram_and_sort_ranking_agree(seed, n_keys):
    import analysis.compare as engine

    rng = np.random.default_rng(seed)
    key = rng.integers(0, n_keys, 300)
    position, n_distinct = engine._positions(rng.integers(0, 9, 300) / 3)
    fast = engine._ranks(key, position, n_distinct, n_keys)
    old, engine.HISTOGRAM_CELLS = engine.HISTOGRAM_CELLS, 0
    try:
        slow = engine._ranks(key, position, n_distinct, n_keys)
    finally:
        engine.HISTOGRAM_CELLS = old
    np.testing.assert_allclose(fast[0], slow[0])
    np.testing.assert_allclose(fast[1], slow[1])


def test_unreliable_construct_is_flagged_and_analysed_per_item_only(answers):
    out = compare_phases(answers, levels=("construct", "item"), unreliable={"safety"},
                         min_alpha=0.6)  # fmt: skip
    safety = out[(out["outcome_id"] == "safety") & (out["kind"] == "construct")]
    assert not safety["scale_reliable"].any()
    assert safety["not_estimable"].str.startswith("scale not reliable").all()
    assert safety["p"].isna().all()
    head = safety[safety["primary"]]
    assert (head["category"] == "not_estimable").all()
    items = out[out["outcome_id"].str.startswith("safety_") & out["primary"]]
    assert items["category"].isin(["improved", "inconclusive", "no_meaningful_change"]).all()
    assert out.loc[out["outcome_id"] == "voice", "scale_reliable"].all()


def test_every_headline_row_has_exactly_one_category_and_supporting_rows_none(answers):
    out = compare_phases(answers, by=("overall", "enterprise"))
    head = out[out["primary"]]
    assert (
        head["category"]
        .isin(["improved", "worsened", "no_meaningful_change", "inconclusive", "not_estimable"])
        .all()
    )
    assert out.loc[~out["primary"], "category"].isna().all()
    assert (head["n_factories"] >= 1).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_positions_equal_numpy_unique(seed):
    rng = np.random.default_rng(seed)
    for size in (0, 1, 2, 50, 400):
        values = rng.choice([0.0, -0.0, np.nan, 1 / 3, 2 / 3, 1e-13, -1e-13, 5.0, np.inf],
                            size)  # fmt: skip
        if seed == 2:
            values = rng.normal(size=size)
        distinct, inverse = np.unique(np.round(values, 10), return_inverse=True)
        position, n_distinct = compare_engine._positions(values)
        assert n_distinct == len(distinct)
        np.testing.assert_array_equal(position, inverse)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("levels", [("construct", "item"), ("construct",), ("item",)])
def test_observations_equal_the_scores_of_each_response(seed, levels):
    """The long values from integer codes are the item and construct scores of every
    response, in the order the scoring functions give them, on messy data."""
    answers = _messy_answers(seed).assign(
        enterprise_id=lambda f: f["response_id"] % 3, audience="worker"
    )
    respondents, outcomes, long = compare_engine._observations(answers, levels, 2 / 3)
    want_resp = answers[response_columns(answers)].drop_duplicates("response_id")
    pd.testing.assert_frame_equal(respondents, want_resp.reset_index(drop=True))
    parts = []
    if "construct" in levels:
        cs = construct_scores(answers)
        cs = cs[cs["scored"]]
        parts.append(pd.DataFrame({"response_id": cs["response_id"].to_numpy(),
                                   "kind": "construct", "outcome_id": cs["construct"].to_numpy(),
                                   "binary": False, "value": cs["score"].to_numpy()}))  # fmt: skip
    if "item" in levels:
        it = item_scores(answers)
        it = it[it["score"].notna()]
        parts.append(pd.DataFrame({"response_id": it["response_id"].to_numpy(), "kind": "item",
                                   "outcome_id": it["item_id"].to_numpy(),
                                   "binary": (it["item_type"] == "yes_no").to_numpy(),
                                   "value": it["score"].to_numpy()}))  # fmt: skip
    want = pd.concat(parts, ignore_index=True)
    table = want.drop_duplicates(["kind", "outcome_id"])
    assert outcomes[["kind", "outcome_id", "binary"]].astype(object).values.tolist() == (
        table[["kind", "outcome_id", "binary"]].astype(object).values.tolist()
    )
    np.testing.assert_array_equal(respondents["response_id"].to_numpy()[long["resp"]],
                                  want["response_id"])  # fmt: skip
    got_outcome = outcomes[["kind", "outcome_id"]].to_numpy()[long["outcome"]]
    np.testing.assert_array_equal(got_outcome, want[["kind", "outcome_id"]].to_numpy())
    np.testing.assert_array_equal(long["value"], want["value"])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("primary_item", [False, True])
def test_construct_rows_do_not_depend_on_the_items(seed, primary_item):
    """compare_phases(levels=("construct",)) gives the construct rows of the full run: the
    tests, pairs and guards are per outcome; only the decision's family of primary
    outcomes may join constructs and items (its columns then differ, nothing else)."""
    answers = make_answers(n_enterprises=4, workers=8, matched=5, seed=seed)
    rng = np.random.default_rng(seed)
    answers.loc[rng.random(len(answers)) < 0.1, "value"] = np.nan
    answers.loc[answers["response_id"] % 7 == 0, "pair_id"] = "twice"  # ambiguous codes
    outcomes = pd.DataFrame(
        {"outcome_id": ["voice", "eit_exists"], "kind": ["construct", "item"],
         "label": ["Voice", "EIT"], "primary": [True, primary_item]}
    )  # fmt: skip
    options = dict(by=("overall", "enterprise"), min_group_size=5, guard_pairs=True,
                   unreliable={"safety"})  # fmt: skip
    full = compare_phases(answers, outcomes, **options)
    alone = compare_phases(answers, outcomes, levels=("construct",), **options)
    want = full[full["kind"] == "construct"].reset_index(drop=True)
    decision = ["category", "p_decision", "n_comparisons", "p_equivalence", "sentence"]
    same = [col for col in want.columns if not primary_item or col not in decision]
    same.remove("group")  # same text, but object-typed when a test has no construct row
    pd.testing.assert_frame_equal(alone[same], want[same], check_exact=True)
    assert alone["group"].astype(object).tolist() == want["group"].astype(object).tolist()
    assert want["suppressed"].any() and (~want["suppressed"]).any()
