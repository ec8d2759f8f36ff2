"""Staff views in the interface language (AppTest on the demo data, in Chinese): filter
choices, topic names, table headers, units, chart words and download names carry no raw
id and no English, so a Chinese-speaking trainer or brand manager needs no codebook."""

from __future__ import annotations

import json
import re

import pytest

from pages.impact_panels import download_stem
from score_impact.i18n import t
from score_impact.reports.impact import ImpactFilters
from tests.app.test_dashboard import demo, open_as  # noqa: F401 (fixtures)

NAMES = re.compile(r"Dongguan|Shenzhen|Saigon|Dong Nai|Binh Duong|Long An|Northwind|Lotus|"
                   r"Evergreen|Pearl River|Brightway|Green|Garments|Knitwear|Components|"
                   r"Footwear|Sewing|Apparel|Precision|Parts|Module|spring|autumn|KPI")  # fmt: skip


def english_left(text: str) -> list[str]:
    """Latin words of three letters or more that are not names."""
    return re.findall(r"[A-Za-z_]{3,}", NAMES.sub(" ", text))


def test_dashboard_filters_topics_and_tables_are_in_chinese(open_as):  # noqa: F811
    at = open_as("pages/dashboard.py", "trainer.li", "zh")
    assert not at.exception
    for box in at.selectbox:
        assert not english_left(" ".join(map(str, box.options))), (box.label, box.options)
        assert not english_left(box.label)
    assert "_" not in " ".join(at.selectbox(key="dash_construct").options)  # no raw ids
    for table in at.dataframe:
        headers = [c["label"] for c in json.loads(table.proto.columns).values() if "label" in c]
        assert headers and not english_left(" ".join(headers)), headers
    assert "起/20万工时" in set(at.dataframe[-1].value["unit"])  # units in Chinese too


def test_dashboard_charts_speak_the_interface_language(open_as):  # noqa: F811
    at = open_as("pages/dashboard.py", "trainer.li", "zh")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    text = json.dumps(specs, ensure_ascii=False)
    for word in ("improved", "worsened or unchanged", "follow_up", "baseline"):
        assert f'"{word}"' not in text, word  # a legend entry, axis or phase left in English
    for title in ("report.responses", "report.change_ci", "report.share", "report.pct_change"):
        assert t(title, "zh") in text  # axis titles
    assert t("report.verdict.not_improved", "zh") in text  # legend (scale domain)
    assert t("impact.expected_note", "zh") in [c.value for c in at.caption]  # the tick mark


def test_brand_report_tables_and_downloads_are_in_chinese(open_as):  # noqa: F811
    at = open_as("pages/brand_report.py", "northwind", "zh")
    assert not at.exception
    assert [b.label for b in at.download_button][0] == t("impact.download_csv", "zh")
    for table in at.dataframe:
        headers = [c["label"] for c in json.loads(table.proto.columns).values() if "label" in c]
        assert not english_left(" ".join(headers)), headers
        assert not any("nan" in str(v) for v in table.value.to_numpy().ravel())


@pytest.mark.parametrize(
    ("lang", "name"),
    [("en", "score-impact_baseline-follow-up_en"), ("zh", "SCORE培训影响_基线-跟踪_zh")],
)
def test_download_names_are_in_the_language_and_never_collide(lang, name):
    assert download_stem(ImpactFilters(lang=lang), lang) == name
