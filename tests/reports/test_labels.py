"""Outcome labels on report tables: the chosen language, else English, else the id."""

from __future__ import annotations

import warnings

import pandas as pd

from score_impact.reports.impact import _with_labels

OUTCOMES = pd.DataFrame(
    {
        "outcome_id": ["voice", "defects"],
        "kind": ["construct", "kpi"],
        "label": ["Voice", "Defect rate"],
        "label_zh": ["发声", None],
        "unit_zh": [None, "%"],
    }
)


def _labelled(frame: pd.DataFrame, key: str, kind: str, lang: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas warns before it refuses text in a float column
        return _with_labels(frame, OUTCOMES, key, kind, lang)


def test_label_in_language_with_english_fallback():
    frame = pd.DataFrame({"construct": ["voice", "unknown"], "n": [5, 6]})
    out = _labelled(frame, "construct", "construct", "zh")
    assert list(out.columns) == ["construct", "label", "n"]
    assert out["label"].tolist() == ["发声", "unknown"]


def test_no_label_found_keeps_ids_without_warning():
    frame = pd.DataFrame({"construct": ["a", "b"]})
    assert _labelled(frame, "construct", "construct", "en")["label"].tolist() == ["a", "b"]
    items = pd.DataFrame({"item_id": ["q1"]})  # no outcome of the kind at all
    assert _labelled(items, "item_id", "item", "en")["label"].tolist() == ["q1"]
    kpis = pd.DataFrame({"kpi_id": ["x"], "unit": ["pcs"]})
    out = _labelled(kpis, "kpi_id", "kpi", "zh")
    assert out["label"].tolist() == ["x"] and out["unit"].tolist() == ["pcs"]


def test_kpi_unit_in_language():
    kpis = pd.DataFrame({"kpi_id": ["defects"], "unit": ["percent"]})
    out = _labelled(kpis, "kpi_id", "kpi", "zh")
    assert out["label"].tolist() == ["Defect rate"] and out["unit"].tolist() == ["%"]
