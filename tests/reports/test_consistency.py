"""One decision rule, read everywhere: for every outcome of the demo's results, the chart
colour, the CSV/XLSX category, the sentence and the scorecard agree; no stakeholder "win"
rests on an outcome that is not significant after the scorecard-wide Holm; the DiD table
shows its cluster count, p_wild and p_ri and never "nan"."""

from __future__ import annotations

import io
import math
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from analysis.multicomp import p_adjust
from score_impact.db.models import User
from score_impact.i18n import t
from score_impact.reports.charts import CATEGORY_COLOURS, change_rows, kpi_rows
from score_impact.reports.content import build_report, did_table
from score_impact.reports.export import results_csv_zip, results_xlsx
from score_impact.reports.impact import ImpactFilters, ImpactResult, build_impact_for
from score_impact.reports.report_html import report_html
from score_impact.services.scope import scope_of

CATEGORIES = tuple(CATEGORY_COLOURS)
VIEWS = [("admin", "en"), ("northwind", "en"), ("lotus", "zh"), ("trainer.li", "en")]


def result_for(runtime, username: str, filters: ImpactFilters) -> ImpactResult:
    with runtime.session() as s:
        scope = scope_of(s, s.scalar(select(User).where(User.username == username)))
        return build_impact_for(s, scope, filters, runtime.settings.min_group_size,
                                runtime.settings.min_alpha)  # fmt: skip


@pytest.fixture(scope="module", params=VIEWS, ids=[f"{u}-{lang}" for u, lang in VIEWS])
def view(request, demo_rt):
    username, lang = request.param
    return result_for(demo_rt, username, ImpactFilters(lang=lang)), lang


def _csv(result: ImpactResult, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(io.BytesIO(results_csv_zip(result))) as zf:
        return pd.read_csv(io.BytesIO(zf.read(f"{name}.csv")), encoding="utf-8-sig")


def _xlsx(result: ImpactResult, sheet: str) -> pd.DataFrame:
    book = load_workbook(io.BytesIO(results_xlsx(result)), read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    width = len(rows[0])
    return pd.DataFrame([(*r, *[None] * (width - len(r))) for r in rows[1:]], columns=rows[0])


def _words(sentence: str, lang: str) -> set[str]:
    """The category labels a sentence contains (exactly one is expected)."""
    found = {c for c in CATEGORIES if t(f"category.{c}", lang) in sentence}
    if "no_meaningful_change" in found:  # "no meaningful change" never hides another label
        found -= {
            c
            for c in found
            if c != "no_meaningful_change"
            and t(f"category.{c}", lang) in t("category.no_meaningful_change", lang)
        }
    return found


def test_chart_csv_xlsx_sentence_and_scorecard_agree(view):
    result, lang = view
    checked = 0
    for table, rows_of in (("constructs", change_rows), ("kpi_tests", kpi_rows)):
        frame = getattr(result, table)
        if frame.empty:
            continue
        head = frame[frame["primary"].astype(bool) & (frame["grouping"] == "overall")]
        chart = rows_of(frame).reset_index(drop=True)
        csv, xlsx = _csv(result, table), _xlsx(result, table)
        for key in ("csv", "xlsx"):
            other = {"csv": csv, "xlsx": xlsx}[key]
            other = other[(other["primary"].astype(str) == "True")
                          & (other["grouping"] == "overall")].reset_index(drop=True)  # fmt: skip
            assert other["category"].tolist() == head["category"].tolist(), (table, key)
            assert other["basis"].tolist() == head["basis"].tolist(), (table, key)
        assert chart["colour"].tolist() == [CATEGORY_COLOURS[c] for c in head["category"]]
        for category, sentence in zip(head["category"], head["sentence"], strict=True):
            assert category in CATEGORIES
            assert _words(sentence, lang) == {category}, sentence
            checked += 1
    card = result.scorecard[result.scorecard["grouping"] == "overall"]
    listed = dict(
        pair.split("=") for text in card["outcomes"] if isinstance(text, str) and text
        for pair in text.split("; ")
    )  # fmt: skip
    everything = pd.concat([result.constructs, result.kpi_tests], ignore_index=True)
    overall = everything[everything["primary"].astype(bool)
                         & (everything["grouping"] == "overall")]  # fmt: skip
    for outcome_id, category in listed.items():
        assert overall.loc[overall["outcome_id"] == outcome_id, "category"].tolist() == [category]
    for row in card.itertuples():
        mine = overall[overall["primary_outcome"].astype(bool)
                       & (overall["stakeholder"] == row.stakeholder)
                       & overall["scale_reliable"].fillna(True).astype(bool)]  # fmt: skip
        assert row.n_improved == (mine["category"] == "improved").sum()
        assert row.n_outcomes == len(mine)
    assert checked > 5


def test_the_html_report_draws_each_construct_in_its_category_colour(view):
    result, _ = view
    rows = change_rows(result.constructs)
    drawn = re.findall(r'<circle cx="[^"]+" cy="[^"]+" r="5" fill="(#[0-9a-f]{6})"/>',
                       report_html(result).decode())  # fmt: skip
    shown = rows[~rows["suppressed"] & rows["change"].notna()]
    assert drawn[: len(shown)] == [CATEGORY_COLOURS[c] for c in shown["category"]]


def test_no_win_rests_on_an_outcome_not_significant_after_scorecard_wide_holm(view):
    result, _ = view
    everything = pd.concat([result.constructs, result.kpi_tests], ignore_index=True)
    head = everything[everything["primary"].astype(bool)]
    for row in result.scorecard.itertuples():
        primary = head[(head["grouping"] == row.grouping) & (head["group"] == row.group)
                       & head["primary_outcome"].astype(bool)
                       & head["scale_reliable"].fillna(True).astype(bool)]  # fmt: skip
        usable = primary[primary["p_decision"].notna()]
        if len(usable):  # one family: every primary outcome of this group, Holm across all
            assert (usable["n_comparisons"] == len(usable)).all()
        if not row.win:
            continue
        wins = usable[usable["category"] == "improved"]
        assert len(wins) and (wins["p_decision"] < 0.05).all()
        assert not (primary["category"] == "worsened").any()
        did = result.did.set_index("outcome_id") if len(result.did) else None
        raw = [
            max(did.loc[o, "p_ri"], did.loc[o, "p_wild"]) if b == "did" else p
            for o, b, p in zip(usable["outcome_id"], usable["basis"], usable["p"], strict=True)
        ]
        holm = dict(zip(usable["outcome_id"], p_adjust(raw, "holm"), strict=True))
        assert all(holm[o] < 0.05 for o in wins["outcome_id"])


def test_did_table_shows_clusters_p_wild_p_ri_and_never_nan(demo_rt):
    result = result_for(demo_rt, "admin", ImpactFilters())
    did = result.did
    assert len(did) and {"n_clusters", "p_wild", "p_ri", "p_min"} <= set(did.columns)
    usable = did[did["not_estimable"].isna() | did["can_tell"].astype(bool)]
    # Module 1 outcomes: 6 trained + 2 comparison factories; the worker core also has the
    # 3 Module 5 factories. Two comparison factories among n: C(n, 2) assignments, smallest
    # p 1/C(n, 2) (1/28 for 8 factories)
    assert set(usable["n_clusters"]) == {8, 11} and usable["p_ri"].notna().all()
    assert (usable["n_control_clusters"] == 2).all()
    assignments = usable["n_clusters"].map(lambda n: math.comb(int(n), 2))
    assert np.allclose(usable["p_min"], 1 / assignments) and usable["ri_exact"].all()
    assert usable["p_holm"].notna().all()
    for lang in ("en", "zh"):
        table = did_table(result.did, lang)
        text = " ".join(" ".join(r) for r in table.rows)
        assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
        assert "6 + 2" in text
        report = build_report(result_for(demo_rt, "admin", ImpactFilters(lang=lang)))
        for section in report.sections:
            for tab in section.tables:
                assert not re.search(r"\bnan\b", str(tab.rows), flags=re.IGNORECASE)
    # a brand with one comparison factory: not estimable, and it says why
    northwind = result_for(demo_rt, "northwind", ImpactFilters()).did
    assert (northwind["n_control_clusters"] <= 1).all()  # 0: Module 5 outcomes
    assert (northwind["category"] == "not_estimable").all()
    card = result_for(demo_rt, "northwind", ImpactFilters()).scorecard
    basis = card[card["grouping"] == "overall"].set_index("stakeholder")["basis"].dropna()
    assert basis.str.startswith("before/after only").all()
    # the supplier's primary outcomes include manager answers (factory figures, shown for
    # fewer than k factories, docs/privacy.md), which have no comparison at all
    assert basis.drop("supplier").str.contains("too few comparison factories").all()


def test_managers_are_paired_by_factory(demo_rt):
    result = result_for(demo_rt, "admin", ImpactFilters())
    c = result.constructs
    managers = c[(c["audience"] == "manager") & (c["grouping"] == "overall") & c["primary"]]
    assert len(managers) and (managers["design"] == "paired").all()
    # one manager per trained factory and phase: 6 Module 1 factories, 3 Module 5 ones
    # (manager answers are factory figures, shown below k: docs/privacy.md)
    factories = managers["outcome_id"].map({"osh_practices": 3}).fillna(6)
    assert (managers["n_pairs"] == factories).all()
