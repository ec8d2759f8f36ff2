"""Staff views in every shipped language but English (AppTest on the demo data): filter
choices, topic names, table headers, units, chart words and download names carry no raw
id and no English, so a trainer or brand manager reading Chinese or Vietnamese needs no
codebook."""

from __future__ import annotations

import json
import re

import pytest

from pages.impact_panels import download_stem
from score_impact.i18n import languages, t
from score_impact.reports.impact import ImpactFilters
from score_impact.surveys.loader import load_catalog
from tests.app.test_dashboard import demo, open_as  # noqa: F401 (fixtures)
from tests.english import english_left

NAMES = re.compile(r"Dongguan|Shenzhen|Saigon|Dong Nai|Binh Duong|Long An|Northwind|Lotus|"
                   r"Evergreen|Pearl River|Brightway|Green|Garments|Knitwear|Components|"
                   r"Footwear|Sewing|Apparel|Precision|Parts|Module|spring|autumn|KPI")  # fmt: skip
OTHER = [lang for lang in languages() if lang != "en"]  # every shipped language but English


def english_in(text: str, lang: str) -> list[str]:
    """English words or raw ids left in a ``lang`` view (names are not English)."""
    text = NAMES.sub(" ", text)
    return english_left(text, lang) + re.findall(r"[A-Za-z]+_[A-Za-z_]+", text)


def shown_headers(table) -> list[str]:
    """The headers a table shows: its column_config label, else the column's own name."""
    labels = {k: c["label"] for k, c in json.loads(table.proto.columns).items() if "label" in c}
    return [labels.get(str(column), str(column)) for column in table.value.columns]


@pytest.mark.parametrize("lang", OTHER)
def test_dashboard_filters_topics_and_tables_are_in_the_language(open_as, lang):  # noqa: F811
    at = open_as("pages/dashboard.py", "trainer.li", lang)
    assert not at.exception
    for box in at.selectbox:
        options = " ".join(map(str, box.options))
        assert not english_in(options, lang), (box.label, box.options)
        assert not english_in(box.label, lang)
    assert "_" not in " ".join(at.selectbox(key="dash_construct").options)  # no raw ids
    for table in at.dataframe:
        headers = shown_headers(table)
        assert headers and not english_in(" ".join(headers), lang), headers
    [kpis] = [table for table in at.dataframe if "unit" in table.value]
    units = {k.unit.get(lang) for e in load_catalog().surveys.values() for k in e.survey.kpis}
    assert set(kpis.value["unit"]) <= units  # units in the language too


@pytest.mark.parametrize("lang", OTHER)
def test_dashboard_charts_speak_the_interface_language(open_as, lang):  # noqa: F811
    at = open_as("pages/dashboard.py", "trainer.li", lang)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    text = json.dumps(specs, ensure_ascii=False)
    for word in ("improved", "no meaningful change", "inconclusive", "follow_up", "baseline"):
        assert f'"{word}"' not in text, word  # a legend entry, axis or phase left in English
    for title in ("report.responses", "report.change_ci", "report.share", "report.pct_change"):
        assert t(title, lang) in text  # axis titles
    assert t("category.no_meaningful_change", lang) in text  # legend (scale domain)
    assert t("impact.expected_note", lang) in [c.value for c in at.caption]  # the tick mark


@pytest.mark.parametrize("lang", OTHER)
def test_brand_report_tables_and_downloads_are_in_the_language(open_as, lang):  # noqa: F811
    at = open_as("pages/brand_report.py", "northwind", lang)
    assert not at.exception
    assert [b.label for b in at.download_button][0] == t("impact.download_csv", lang)
    for table in at.dataframe:
        headers = shown_headers(table)
        assert not english_in(" ".join(headers), lang), headers
        assert not any("nan" in str(v) for v in table.value.to_numpy().ravel())


@pytest.mark.parametrize(
    ("lang", "name"),
    [
        ("en", "score-impact_baseline-follow-up_en"),
        ("zh", "SCORE培训影响_基线-跟踪_zh"),
        ("vi", "tác-động-SCORE_đầu-kỳ-theo-dõi_vi"),
    ],  # fmt: skip
)
def test_download_names_are_in_the_language_and_never_collide(lang, name):
    assert download_stem(ImpactFilters(lang=lang), lang) == name
