"""The fast read path (issue 13) gives the numbers the straightforward computations give.

- ``analysis.kpi.kpi_tests`` computes every (group, KPI) in one pass: checked against the
  public single tests (R-pinned in ``tests/analysis``) called on each group's factories,
  on seeded random KPIs with groups of 1 to 60 factories, ties, identical changes, no
  change at all, zero changes, zero baselines and missing values.
- ``analysis.adapter._frame`` reads rows as tuples through the session's connection (Core,
  not the ORM's row loading): checked against the frame pandas makes of the row mappings
  ``Session.execute`` gives, dtypes included, on SQLite and PostgreSQL; ``_rows`` gives
  the rows ``Session.execute`` gives, pending changes flushed first like there.
- ``score_impact.reports.impact._distinct`` is ``set(column)``; ``plan_lines`` finds each
  finding's actions as filtering the table for it did.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import _common as c
from analysis.adapter import _CONTEXT, ALL_ROUNDS, _frame, _responses, _rows
from analysis.equivalence import SESOI_KPI_PCT
from analysis.kpi import _wide, kpi_tests
from analysis.nonparametric import sign_flip_test, wilcoxon_signed_rank
from analysis.parametric import paired_ttest
from score_impact.db.models import (
    Answer,
    Brand,
    Cohort,
    Enterprise,
    Response,
    SurveyRound,
    brand_enterprise,
)
from score_impact.i18n import t
from score_impact.reports.findings import findings, plan_lines
from score_impact.reports.impact import _distinct
from tests.analysis.test_adapter import _build

#: Factories per cohort: one and two (too few to test), three (the default minimum), up to
#: 17 (random sign patterns beyond 16 changes) and 60 (normal approximation of Wilcoxon).
SIZES = (1, 2, 3, 4, 6, 9, 17, 30, 60)
KPIS = ("counts", "rates", "shifted", "unchanged", "from_zero", "messy")


def _value(kpi: str, rng: np.random.Generator) -> tuple[float, float]:
    """(before, after) of one factory: ties, continuous values, identical changes, no
    change, zero baselines, and a mix of missing values, zeros and tiny changes."""
    if kpi == "counts":
        b = float(rng.integers(0, 5))
        return b, b + float(rng.integers(-2, 3))
    if kpi == "rates":
        b = float(rng.normal(50, 10))
        return b, b + float(rng.normal(1, 3))
    if kpi == "shifted":
        b = float(rng.normal(50, 10))
        return b, b + 2.5
    if kpi == "unchanged":
        b = float(rng.integers(0, 3))
        return b, b
    if kpi == "from_zero":
        return 0.0, float(rng.integers(0, 2))
    b = float(rng.choice([np.nan, 0.0, 1000 * rng.random()]))
    return b, b + float(rng.choice([0.0, 1e-13, rng.normal(), np.nan]))


def _kpis(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A tidy ``kpis`` frame (cohort 3 has no name: its factories are in no cohort group)
    and each factory's brands (one or two)."""
    rng = np.random.default_rng(seed)
    rows, ent = [], 0
    for cohort, size in enumerate(SIZES):
        for _ in range(size):
            ent += 1
            for kpi in KPIS:
                values = _value(kpi, rng)
                phases = zip(("baseline", "follow_up"), values, strict=True)
                for order, (phase, value) in enumerate(phases):
                    rows.append(
                        {"enterprise_id": ent, "enterprise": f"F{ent}", "cohort_id": cohort,
                         "cohort": None if cohort == 3 else f"C{cohort}", "module": "quality",
                         "treated": True, "phase": phase, "phase_order": order, "kpi_id": kpi,
                         "value": value, "direction": "lower_is_better", "unit": "%",
                         "label": kpi.title(), "stakeholder": "supplier",
                         "primary": kpi == "counts",
                         "sesoi_pct": 10.0 if kpi == "rates" else np.nan}
                    )  # fmt: skip
    brands = pd.DataFrame(
        {"enterprise_id": [*range(1, ent + 1), *range(1, ent + 1, 3)]}
    ).assign(brand=lambda f: [f"B{e % 4}" for e in f["enterprise_id"][:ent]]
             + [f"B{e % 3 + 10}" for e in f["enterprise_id"][ent:]])  # fmt: skip
    return pd.DataFrame(rows), brands


def _reference(
    kpis: pd.DataFrame, brands: pd.DataFrame, grouping: str, min_enterprises: int
) -> list[dict]:
    """Each group's rows from the single tests, one group at a time (factories in the
    order of :func:`analysis.kpi._wide`: beyond 16 changes the sign-flip p comes from
    random sign patterns, drawn per factory in that order)."""
    wide = _wide(kpis, "baseline", "follow_up").rename(
        columns={"value_before": "baseline", "value_after": "follow_up"}
    )
    wide = wide[wide["baseline"].notna() & wide["follow_up"].notna()]
    if grouping == "overall":
        wide = wide.assign(_group="all")
    elif grouping == "brand":
        wide = wide.merge(brands, on="enterprise_id").rename(columns={"brand": "_group"})
    else:
        wide = wide.assign(_group=wide[grouping]).dropna(subset=["_group"])
    rows = []
    for (group, kpi_id), part in wide.groupby(["_group", "kpi_id"]):
        before, after = part["baseline"].to_numpy(), part["follow_up"].to_numpy()
        n = len(part)
        hidden = n < min_enterprises or bool((after == before).all())
        for test in (sign_flip_test, paired_ttest, wilcoxon_signed_rank):
            row = test(before, after).iloc[0].to_dict()
            if hidden:
                row["not_estimable"] = (
                    c.FEW_ENTERPRISES.format(k=min_enterprises)
                    if n < min_enterprises
                    else c.KPI_UNCHANGED
                )
                row.update(dict.fromkeys(c.INFERENTIAL_COLUMNS, np.nan))
            mean_b = row["mean_before"]
            pct = 10.0 if kpi_id == "rates" else SESOI_KPI_PCT
            row.update(
                grouping=grouping, group=str(group), outcome_id=kpi_id, n_factories=float(n),
                pct_change=100 * row["change"] / abs(mean_b) if mean_b else np.nan,
                sesoi=pct / 100 * abs(mean_b) if not np.isnan(mean_b) else np.nan,
            )  # fmt: skip
            rows.append(row)
    return rows


COMPARED = [*c.TEST_COLUMNS, "p_min", "pct_change", "sesoi", "n_factories"]


def _same(got: object, want: object) -> bool:
    """Equal to 1e-9 (relative above 1), missing equal to missing, text equal."""
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None or (isinstance(got, float) and math.isnan(got))
    if isinstance(want, float):
        return isinstance(got, float) and abs(got - want) <= 1e-9 * max(1.0, abs(want))
    return got == want


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("grouping", "min_enterprises"),
    [("overall", 3), ("cohort", 3), ("cohort", 1), ("brand", 2)],
)
def test_kpi_tests_equal_the_single_tests_of_each_group(seed, grouping, min_enterprises):
    kpis, brands = _kpis(seed)
    got = kpi_tests(kpis, by=(grouping,), min_enterprises=min_enterprises, enterprise_brands=brands)
    want = _reference(kpis, brands, grouping, min_enterprises)
    assert len(got) == len(want)
    got = got.set_index(["group", "outcome_id", got["test"].str.split(" (", regex=False).str[0]])
    checked = 0
    for row in want:
        one = got.loc[(row["group"], row["outcome_id"], row["test"].split(" (")[0])]
        for col in COMPARED:
            value = one[col]
            value = float(value) if isinstance(value, (int, float, np.number)) else value
            if col == "p_min" and not row["test"].startswith("sign-flip"):
                assert np.isnan(value), (row["group"], row["outcome_id"], col)
                continue
            assert _same(value, row.get(col)), (row["group"], row["outcome_id"], row["test"],
                                                col, value, row.get(col))  # fmt: skip
            checked += 1
    # the cases the data was made for are there: shown and hidden rows, exact and
    # approximate Wilcoxon, enumerated and random sign patterns, identical changes
    tests = got.loc[got["not_estimable"].isna(), "test"]
    if grouping == "cohort" and min_enterprises == 1:
        assert {"Wilcoxon signed-rank (exact)", "sign-flip (exact)",
                "sign-flip (9,999 random sign patterns)"} <= set(tests)  # fmt: skip
        assert tests.str.contains("normal approx").any()
        assert (got["not_estimable"] == c.KPI_UNCHANGED).any()
        assert got["p"].notna().any() and got["se"].isna().any()
    if min_enterprises == 3 and grouping == "cohort":
        assert (got["not_estimable"] == c.FEW_ENTERPRISES.format(k=3)).any()
    assert checked > 100


def test_kpi_tests_without_a_testable_group_is_the_empty_frame():
    kpis, _ = _kpis(0)
    nothing = kpis.assign(cohort=None)
    assert kpi_tests(nothing, by=("cohort",)).empty
    assert list(kpi_tests(nothing, by=("cohort",)).columns) == list(
        kpi_tests(kpis, by=("cohort",)).columns
    )


@pytest.fixture
def built(rt) -> Session:
    with rt.session() as s:
        _build(s, both=True)
        yield s


def _statements():
    answers = select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text)
    context = (
        _responses(None, ALL_ROUNDS, Response.id.label("response_id"), Response.enterprise_id,
                   Response.audience, Response.source)
        .add_columns(*_CONTEXT)
        .join(Cohort, SurveyRound.cohort_id == Cohort.id)
        .join(Enterprise, Response.enterprise_id == Enterprise.id)
    )  # fmt: skip
    brands = select(brand_enterprise.c.enterprise_id, Brand.name.label("brand")).join(
        Brand, Brand.id == brand_enterprise.c.brand_id
    )
    return {"answers": answers, "context": context, "brands": brands,
            "none": answers.where(Answer.item_id == "no such item")}  # fmt: skip


@pytest.mark.parametrize("name", ["answers", "context", "brands", "none"])
def test_frame_is_the_frame_of_the_row_mappings(built, name):
    stmt = _statements()[name]
    want = pd.DataFrame(built.execute(stmt).mappings().all())
    pd.testing.assert_frame_equal(_frame(built, stmt), want, check_exact=True)
    if name == "none":
        assert list(_frame(built, stmt, ["a", "b", "c", "d"]).columns) == ["a", "b", "c", "d"]
    else:
        assert len(want) and not all(map(pd.api.types.is_object_dtype, want.dtypes))
        # the answers carry missing numbers and texts; the context a flag
        if name == "answers":
            assert want["value_num"].isna().any() and want["value_text"].isna().any()
        if name == "context":
            assert want["is_comparison"].dtype == bool


@pytest.mark.parametrize("name", ["answers", "context", "brands", "none"])
def test_rows_are_the_rows_of_the_session(built, name):
    stmt = _statements()[name]
    want = built.execute(stmt).all()
    got = _rows(built, stmt).all()
    assert got == want and [tuple(r) for r in got] == [tuple(r) for r in want]
    assert list(_rows(built, stmt).keys()) == list(built.execute(stmt).keys())


def test_rows_see_pending_changes_like_the_session(built):
    stmt = select(Answer.item_id).where(Answer.item_id == "pending")
    first = built.scalars(select(Response)).first()
    built.add(Answer(response_id=first.id, item_id="pending", value_num=1.0))
    assert _rows(built, stmt).all() == built.execute(stmt).all() == [("pending",)]
    built.rollback()


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["baseline", "follow_up", None, "baseline"]),
        pd.Series(["a", "b"], dtype=object),
        pd.Series([3, 1, 3, 2]),
        pd.Series(["x", "y", "x"], dtype="category"),
        pd.Series([], dtype="str"),
    ],
)
def test_distinct_is_the_set_of_the_column(column):
    got, want = _distinct(column), set(column)
    assert {type(x) for x in got} == {type(x) for x in want}
    assert len(got) == len(want)
    assert {x for x in got if x == x} == {x for x in want if x == x}  # NaN is not NaN


def test_plan_lines_take_each_findings_actions_in_table_order():
    constructs = pd.DataFrame(
        {"grouping": "enterprise", "group": ["F1", "F1", "F2", "F3"],
         "outcome_id": ["voice", "safety", "voice", "voice"], "label": "L", "primary": True,
         "audience": "worker",
         "category": ["worsened", "inconclusive", "improved", "no_meaningful_change"]}
    )  # fmt: skip
    kpis = pd.DataFrame(
        {"enterprise": ["F1", "F2"], "kpi_id": ["defects", "defects"], "label": "Defects",
         "category": ["worsened", "no_meaningful_change"]}
    )  # fmt: skip
    actions = pd.DataFrame(
        {"enterprise": ["F1", "F2", "F1", "F1", "F3", None],
         "outcome_id": ["voice", "defects", "voice", "defects", "other", "voice"],
         "title": ["a", "b", "c", "d", "e", "f"], "responsible_role": "HR",
         "due_date": "2027-01-01", "status": "planned", "overdue": [False, True, False, True,
                                                                 False, False]}
    )  # fmt: skip
    result = SimpleNamespace(constructs=constructs, kpi_changes=kpis, actions=actions)
    got = plan_lines(result, "en")
    want = []
    for f in findings(result):  # the former way: filter the whole table for each finding
        mine = actions[(actions["enterprise"] == f.enterprise)
                       & (actions["outcome_id"] == f.outcome_id)]  # fmt: skip
        taken = [
            t("report.action_line", "en", title=a.title, role=a.responsible_role,
              due=a.due_date, status=t(f"actions.status.{a.status}", "en"))
            + (f" — {t('report.overdue', 'en')}" if a.overdue else "")
            for a in mine.itertuples()
        ]  # fmt: skip
        want.append((f, f"{f.text('en')}: " + ("; ".join(taken) or t("report.no_action", "en"))))
    assert got == want
    lines = dict(((f.enterprise, f.outcome_id), line) for f, line in got)
    assert len(got) == 5 and lines[("F1", "voice")].count("HR") == 2  # actions a, then c
    assert "HR" not in lines[("F3", "voice")]
