"""Chart words for people: long labels wrapped (never cut), legends and tooltips in the
interface language."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from score_impact.i18n import t
from score_impact.reports.charts import CATEGORY_COLOURS, kpi_chart, likert_chart, wrap_label


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("short", 44, ["short"]),
        ("I am afraid to speak up about problems at work because it could cost me my job.", 44,
         ["I am afraid to speak up about problems at", "work because it could cost me my job."]),
        ("我提出问题时，我的主管会认真听。", 10, ["我提出问题", "时，我的主", "管会认真听。"]),
        ("Dongguan Evergreen Garments", 10, ["Dongguan", "Evergreen", "Garments"]),
    ],
)  # fmt: skip
def test_labels_wrap_at_spaces_or_between_chinese_characters_without_losing_text(
    text, width, lines
):
    wrapped = wrap_label(text, width)
    assert wrapped.split("\n") == lines
    assert wrapped.replace("\n", "").replace(" ", "") == text.replace(" ", "")  # nothing cut


def test_a_closing_mark_never_starts_a_chinese_line():
    for width in range(4, 16):
        assert not any(
            line.startswith(("，", "。"))
            for line in wrap_label("我提出问题时，我的主管会认真听。", width).split("\n")
        )  # noqa: E501


def test_kpi_legend_and_tooltips_are_in_the_interface_language():
    rows = pd.DataFrame(
        {"label": ["缺勤率", "准时交货率"], "pct_change": [-12.0, 3.0],
         "category": ["improved", "inconclusive"], "sentence": ["…", "…"],
         "stakeholder": ["supplier"] * 2}
    )  # fmt: skip
    spec = kpi_chart(rows, "zh").to_dict()
    legend = spec["encoding"]["color"]["scale"]["domain"]
    assert legend == [t(f"category.{c}", "zh") for c in CATEGORY_COLOURS]
    titles = [tip["title"] for tip in spec["encoding"]["tooltip"]]
    keys = (
        "report.col.construct",
        "report.pct_change",
        "report.col.category",
        "report.col.finding",
    )
    assert titles == [t(k, "zh") for k in keys]
    assert spec["encoding"]["x"]["title"] == t("report.pct_change", "zh")


def test_the_answer_chart_says_which_bar_is_before_and_which_after():
    rows = pd.DataFrame(
        {"item_id": ["q1"] * 2, "label": ["主管会认真听"] * 2, "phase": ["baseline", "follow_up"],
         "point": [4, 4], "share": [0.5, 0.6], "start": [0.0, 0.0], "end": [0.5, 0.6],
         "suppressed": [False, False]}
    )  # fmt: skip
    data = likert_chart(rows, "zh").to_dict()["datasets"]
    [values] = data.values()
    assert [v["row"] for v in values] == ["主管会认真听\n(基线)", "主管会认真听\n(跟踪)"]
    assert "follow_up" not in json.dumps(values, ensure_ascii=False)
