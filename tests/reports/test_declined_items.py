"""Issue 10's last gap: a worker who declines one question of a construct cannot be
recovered from the construct's row and its items' rows.

With the 2/3 rule a construct row averaged the items each worker answered, so ``n_items x``
its sum minus its items' sums was the sum of the skippers' answers. Worker figures now count
a construct, and each of its questions, over the workers who answered all of it: in every
shown row the construct and its items cover the same workers, and the difference is 0.
The demo has declines on sensitive questions (``score_impact.demo.SENSITIVE``).
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from analysis.adapter import answers_frame
from score_impact.db.models import User
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.services.scope import scope_of

KEYS = ["grouping", "group", "design"]
VIEWS = ["admin", "northwind", "trainer.li"]


@pytest.fixture(scope="module")
def constructs_of(demo_rt) -> dict[str, list[str]]:
    with demo_rt.session() as s:
        answers = answers_frame(s, None)
    workers = answers[(answers["audience"] == "worker") & answers["construct"].notna()]
    assert workers["declined"].sum() > 0, "the demo should decline some questions"
    pairs = workers[["construct", "item_id"]].drop_duplicates()
    return pairs.groupby("construct")["item_id"].apply(sorted).to_dict()


def _rows(table: pd.DataFrame) -> pd.DataFrame:
    shown = table[(table["audience"] == "worker") & ~table["suppressed"].astype(bool)]
    return shown.drop_duplicates([*KEYS, "outcome_id"]).set_index([*KEYS, "outcome_id"])


@pytest.mark.parametrize("username", VIEWS)
def test_construct_and_item_rows_cover_the_same_workers(demo_rt, constructs_of, username):
    with demo_rt.session() as s:
        scope = scope_of(s, s.scalar(select(User).where(User.username == username)))
        result = build_impact_for(s, scope, ImpactFilters(), demo_rt.settings.min_group_size,
                                  demo_rt.settings.min_alpha)  # fmt: skip
    constructs, items = _rows(result.constructs), _rows(result.items)
    checked = 0
    for (*key, construct), row in constructs.iterrows():
        if pd.isna(row["mean_before"]) or construct not in constructs_of:
            continue
        members = [(*key, i) for i in constructs_of[construct]]
        assert all(m in items.index for m in members), (key, construct)
        part = items.loc[members]
        for n, mean in (("n_before", "mean_before"), ("n_after", "mean_after")):
            assert (part[n] == row[n]).all(), (key, construct, n)
            residual = len(members) * row[n] * row[mean] - (part[n] * part[mean]).sum()
            assert residual == pytest.approx(0.0, abs=1e-6), (key, construct, mean)
        checked += 1
    assert checked >= 10, checked
