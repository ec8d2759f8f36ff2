"""Scorecard counts, no overclaiming, trust drift, and the sentences in two languages."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import compare_phases, kpi_tests, scorecard
from analysis.wording import format_p, sentence, translate_reason
from score_impact.i18n import language_names

from .conftest import make_answers
from .test_kpi import _kpis

ROW = {
    "label": "Voice & communication", "design": "paired", "n_pairs": 212, "n_before": 212,
    "n_after": 212, "mean_before": 3.1, "mean_after": 3.6, "change": 0.5, "ci_low": 0.3,
    "ci_high": 0.7, "p": 1e-5, "p_holm": 2e-5, "p_bh": 1e-5, "suppressed": False,
    "not_estimable": None, "effect_size_name": "Cohen's d_z",
}  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "update", "expected"),
    [
        ("en", {}, "Voice & communication rose from 3.1 to 3.6 (+0.5, 95% CI 0.3 to 0.7, "
                   "paired n=212, p<0.001 after Holm)."),
        ("en", {"p_holm": 0.21}, "Voice & communication: no detectable change (3.1 to 3.6, "
                                 "+0.5, 95% CI 0.3 to 0.7, paired n=212, p=0.210 after Holm)."),
        ("zh", {}, "Voice & communication从3.1上升到3.6（+0.5，95%置信区间0.3至0.7，配对n=212，"
                   "Holm校正后p<0.001）。"),
        ("en", {"suppressed": True, "not_estimable": "suppressed: fewer than 5 respondents"},
         "Voice & communication: not shown (suppressed: fewer than 5 respondents)."),
        ("zh", {"suppressed": True, "not_estimable": "suppressed: fewer than 5 respondents"},
         "Voice & communication：不显示（已隐藏：回答者少于5人）。"),
    ],
)  # fmt: skip
def test_sentence(lang, update, expected):
    assert sentence({**ROW, **update}, lang=lang, digits=1) == expected


def test_format_p_and_reasons():
    assert format_p(0.0004) == "p<0.001 after Holm"
    assert format_p(0.01234, method="bh") == "p=0.012 after Benjamini-Hochberg"
    assert translate_reason("no matched pairs", "zh") == "没有配对的回答者"


def test_scorecard_counts_and_never_overclaims():
    ans = make_answers(n_enterprises=4, workers=25, shift=0.8)
    res = compare_phases(ans)
    card = scorecard(res)
    workers = card[card["stakeholder"] == "workers"].iloc[0]
    assert workers["n_outcomes"] == 2  # two constructs, primary rows only
    assert workers["n_improved"] == 2 and workers["win"]
    assert "rose" in workers["headline"]
    flat = scorecard(compare_phases(make_answers(n_enterprises=2, workers=10, shift=0.0)))
    for text in flat["headline"].dropna():
        assert "proved" not in text and "no change" not in text.lower().replace("detectable ", "")


def test_trust_drift_note():
    ans = make_answers(n_enterprises=4, workers=25, shift=-0.8)  # voice and safety fall
    res = compare_phases(ans)
    kpis = kpi_tests(_kpis([10, 12, 9, 11, 10, 8], [6, 7, 5, 6, 7, 5]))  # defects fall
    card = scorecard(res, kpi_results=kpis)
    workers = card[card["stakeholder"] == "workers"].iloc[0]
    assert isinstance(workers["note"], str) and "trust drift" in workers["note"]
    assert "voice" in workers["note"] and "safety" not in workers["note"]
    supplier = card[card["stakeholder"] == "supplier"].iloc[0]
    assert supplier["n_improved"] == 1 and pd.isna(supplier["note"])
    no_kpi = scorecard(res)
    assert no_kpi["note"].isna().all()


def test_suppressed_rows_count_as_not_estimable():
    res = compare_phases(make_answers(n_enterprises=1, workers=4), min_group_size=5)
    card = scorecard(res)
    workers = card[card["stakeholder"] == "workers"].iloc[0]
    assert workers["n_not_estimable"] == workers["n_outcomes"] == 2
    assert not math.isnan(workers["n_improved"]) and workers["n_improved"] == 0
    assert isinstance(card, pd.DataFrame)


@pytest.mark.parametrize("lang", sorted(language_names()))
def test_every_not_estimable_reason_is_worded_in_every_language(lang):
    from analysis._common import REASONS
    from analysis.wording import REASONS as NAMED

    assert set(NAMED.values()) == set(REASONS)
    for reason in REASONS:
        text = translate_reason(reason.format(k=5), lang)
        assert text and "{k}" not in text
        if lang == "zh":
            assert not any("a" <= ch <= "z" for ch in text), text
        if lang != "en":
            assert text != reason.format(k=5), (lang, reason)


def test_vietnamese_sentence_uses_the_locale_number_format():
    text = sentence(ROW, lang="vi", digits=2)
    assert text.startswith("Voice & communication tăng từ 3,10 lên 3,60 (+0,50")
    assert "khoảng tin cậy 95% từ 0,30 đến 0,70" in text
