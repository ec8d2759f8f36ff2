"""Sentences follow the decision rule's category; the scorecard judges declared primary
outcomes after one Holm family, states its basis and n, and notes trust drift."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import compare_phases, kpi_tests
from analysis._common import REASON_KEYS, REASONS
from analysis.scorecard import scorecard
from analysis.verdicts import decided_rows
from analysis.wording import format_p, sentence, translate_reason
from score_impact.i18n import language_names, t

from .conftest import make_answers
from .test_kpi import _kpis

ROW = {
    "label": "Voice & communication", "design": "paired", "n_pairs": 212, "n_before": 212,
    "n_after": 212, "mean_before": 3.1, "mean_after": 3.6, "change": 0.5, "ci_low": 0.3,
    "ci_high": 0.7, "p": 1e-5, "p_decision": 2e-5, "n_comparisons": 6, "sesoi": 0.25,
    "suppressed": False, "not_estimable": None, "effect_size_name": "Cohen's d_z",
    "category": "improved", "basis": "before_after", "kind": "construct",
}  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "update", "expected"),
    [
        ("en", {}, "Voice & communication improved: from 3.1 to 3.6, +0.5 (95% CI 0.3 to 0.7, "
                   "paired n=212, p<0.001 after Holm over 6 outcomes, before/after only — no "
                   "comparison group)."),
        ("en", {"category": "inconclusive", "p_decision": 0.21},
         "Voice & communication: inconclusive — not significant after correcting for 6 "
         "comparisons: from 3.1 to 3.6, +0.5 (95% CI 0.3 to 0.7, paired n=212, p=0.210 after "
         "Holm over 6 outcomes, before/after only — no comparison group)."),
        ("en", {"category": "inconclusive", "p_decision": 0.4, "ci_low": -0.2},
         "Voice & communication: inconclusive — the data cannot tell a change of ±0.2 from "
         "none: from 3.1 to 3.6, +0.5 (95% CI -0.2 to 0.7, paired n=212, p=0.400 after Holm "
         "over 6 outcomes, before/after only — no comparison group)."),
        ("en", {"category": "no_meaningful_change", "change": 0.02, "mean_after": 3.12,
                "ci_low": -0.05, "ci_high": 0.09, "p_decision": 0.6},
         "Voice & communication: no meaningful change — the change lies within ±0.2, the "
         "smallest change that matters: from 3.1 to 3.1, +0.0 (95% CI -0.1 to 0.1, paired "
         "n=212, p=0.600 after Holm over 6 outcomes, before/after only — no comparison "
         "group)."),
        ("zh", {}, "Voice & communication有改善：从3.1到3.6，+0.5（95%置信区间0.3至0.7，配对n=212，"
                   "对6项结果做Holm校正后p<0.001，仅前后比较——没有对照组）。"),
        ("en", {"suppressed": True, "not_estimable": "suppressed: fewer than 5 respondents",
                "category": "not_estimable"},
         "Voice & communication: not estimable — not shown (suppressed: fewer than 5 "
         "respondents)."),
        ("zh", {"suppressed": True, "not_estimable": "suppressed: fewer than 5 respondents",
                "category": "not_estimable"},
         "Voice & communication：无法估计——不显示（已隐藏：回答者少于5人）。"),
        ("en", {"basis": "did", "estimate": 0.4, "n_clusters": 8, "n_treated_clusters": 6,
                "n_control_clusters": 2},
         "Voice & communication improved: +0.4 beyond the change in comparison factories "
         "(95% CI 0.3 to 0.7, 8 factories (6 trained, 2 comparison), p<0.001 after Holm over "
         "6 outcomes, vs comparison factories (DiD))."),
    ],
)  # fmt: skip
def test_sentence_says_the_category_its_basis_and_its_n(lang, update, expected):
    assert sentence({**ROW, **update}, lang=lang, digits=1) == expected


def test_format_p_and_reasons():
    assert format_p(0.0004) == "p<0.001"
    assert format_p(0.01234, comparisons=9) == "p=0.012 after Holm over 9 outcomes"
    assert translate_reason("no matched pairs", "zh") == "没有配对的回答者"
    text = "too few comparison factories to tell (smallest attainable p 0.200 > 0.05)"
    assert translate_reason(text, "zh") == "对照工厂太少，无法判断（可达到的最小p值0.200 > 0.05）"


@pytest.mark.parametrize("lang", sorted(language_names()))
def test_every_not_estimable_reason_is_worded_in_every_language(lang):
    assert set(REASONS) == set(REASON_KEYS)
    for reason, key in REASON_KEYS.items():
        assert t(key, "en") == reason  # the English file holds the master text
        filled = reason.format(k=5, alpha=0.6, p_min="0.200", level="0.05")
        text = translate_reason(filled, lang)
        assert text and "{" not in text
        if lang != "en":
            assert text != filled, (lang, reason)


def _primaries(results: pd.DataFrame, primary: set[str]) -> pd.DataFrame:
    return results.assign(primary_outcome=results["outcome_id"].isin(primary))


def test_scorecard_wins_only_on_primary_outcomes_after_one_holm_family():
    ans = make_answers(n_enterprises=4, workers=25, shift=0.8)
    res = _primaries(compare_phases(ans), {"voice", "safety"})
    decided = decided_rows(res)
    card = scorecard(decided)
    workers = card[(card["grouping"] == "overall") & (card["stakeholder"] == "workers")].iloc[0]
    assert workers["n_outcomes"] == 2 and workers["n_improved"] == 2 and workers["win"]
    assert workers["basis"] == "before/after only — no comparison group"
    assert workers["n_workers"] == 60 and workers["n_factories"] == 4
    assert set(workers["outcomes"].split("; ")) == {"voice=improved", "safety=improved"}
    head = decided[(decided["grouping"] == "overall") & decided["primary_outcome"]]
    best = head.sort_values("p_decision").iloc[0]
    assert workers["headline"] == best["sentence"]  # strongest adjusted evidence
    assert (head["n_comparisons"] == 2).all()
    supplier = card[(card["grouping"] == "overall") & (card["stakeholder"] == "supplier")]
    assert supplier.iloc[0]["n_outcomes"] == 0 and not supplier.iloc[0]["win"]
    assert "primary outcomes is measured or testable" in supplier.iloc[0]["headline"]


def test_no_primary_outcomes_means_no_win_however_large_the_effects():
    ans = make_answers(n_enterprises=4, workers=25, shift=0.8)
    card = scorecard(decided_rows(compare_phases(ans)))
    assert not card["win"].any() and (card["n_outcomes"] == 0).all()


def test_a_worsened_primary_outcome_blocks_the_win():
    ans = make_answers(n_enterprises=4, workers=25, shift=0.8)
    res = compare_phases(ans)
    res = _primaries(res, {"voice", "safety"})
    down = res["outcome_id"] == "safety"
    res.loc[down, "direction"] = "lower_is_better"  # the same rise now counts as worse
    card = scorecard(decided_rows(res))
    workers = card[(card["grouping"] == "overall") & (card["stakeholder"] == "workers")].iloc[0]
    assert workers["n_improved"] == 1 and workers["n_worsened"] == 1 and not workers["win"]


def test_trust_drift_note():
    ans = make_answers(n_enterprises=4, workers=25, shift=-0.8)  # voice and safety fall
    res = _primaries(compare_phases(ans), {"voice"})
    kpis = kpi_tests(_kpis([10, 12, 9, 11, 10, 8], [6, 7, 5, 6, 7, 5]))  # defects fall
    card = scorecard(decided_rows(res, kpis))
    workers = card[(card["grouping"] == "overall") & (card["stakeholder"] == "workers")].iloc[0]
    assert isinstance(workers["note"], str) and "trust drift" in workers["note"]
    assert "voice" in workers["note"] and "safety" not in workers["note"]
    assert not workers["win"]
    no_kpi = scorecard(decided_rows(res))
    assert no_kpi["note"].isna().all()


def test_suppressed_primary_outcomes_count_as_not_estimable():
    res = compare_phases(make_answers(n_enterprises=1, workers=4), min_group_size=5)
    card = scorecard(decided_rows(_primaries(res, {"voice", "safety"})))
    workers = card[card["stakeholder"] == "workers"].iloc[0]
    assert workers["n_not_estimable"] == workers["n_outcomes"] == 2
    assert workers["n_improved"] == 0 and not workers["win"]
    # not "no outcome changed": nothing could be estimated, and the headline says so
    assert workers["headline"].startswith("None of the primary outcomes could be estimated")


def test_vietnamese_sentence_uses_the_locale_number_format():
    text = sentence(ROW, lang="vi", digits=2)
    assert "3,10" in text and "3,60" in text and "+0,50" in text, text
    assert "0,30" in text and "0,70" in text, text


def test_an_unreliable_primary_scale_is_never_headlined_or_counted():
    ans = make_answers(n_enterprises=4, workers=25, shift=0.8)
    res = _primaries(compare_phases(ans, unreliable={"voice"}), {"voice", "safety"})
    card = scorecard(decided_rows(res))
    workers = card[(card["grouping"] == "overall") & (card["stakeholder"] == "workers")].iloc[0]
    assert workers["outcomes"] == "safety=improved" and workers["n_outcomes"] == 1
    assert not workers["headline"].startswith("voice")
