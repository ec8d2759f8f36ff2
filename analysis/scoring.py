"""Item scores (reverse coding) and construct scores with a minimum-answered rule.

A construct score is the mean of a respondent's item scores *after* reverse coding, and
only when enough of the construct's items are answered (default: at least 2/3). A worker
who answered one item of six is not scored on that construct, rather than being scored
on a single, noisy item.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Respondent-level columns of the ``answers`` frame (constant within a response).
RESPONSE_COLUMNS: tuple[str, ...] = (
    "response_id",
    "round_id",
    "phase",
    "phase_order",
    "enterprise_id",
    "enterprise",
    "cohort_id",
    "cohort",
    "module",
    "treated",
    "audience",
    "pair_id",
    "pair_match",
    "source",
)


def response_columns(answers: pd.DataFrame) -> list[str]:
    """Respondent-level columns present in ``answers``, including every ``demo_*`` band."""
    cols = [c for c in RESPONSE_COLUMNS if c in answers.columns]
    return cols + [c for c in answers.columns if c.startswith("demo_")]


def reverse_code(
    value: float | np.ndarray | pd.Series,
    scale_min: float | np.ndarray | pd.Series,
    scale_max: float | np.ndarray | pd.Series,
) -> float | np.ndarray | pd.Series:
    """Reverse-code a Likert answer: ``scale_min + scale_max - value``.

    Parameters
    ----------
    value, scale_min, scale_max : scalar, array or Series
        Raw answer and the ends of its scale (broadcast like numpy).

    Returns
    -------
    Same shape as ``value``. Missing answers stay missing. Applying it twice returns the
    original answer, which is what makes reverse coding safe to audit.
    """
    return scale_min + scale_max - value


def item_scores(answers: pd.DataFrame) -> pd.DataFrame:
    """Add the analysed ``score`` of every answer (reverse-coded where ``reverse``).

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame (``value``, ``reverse``, ``scale_min``, ``scale_max``...).

    Returns
    -------
    pandas.DataFrame
        A copy of ``answers`` with one more float column, ``score``. Yes/no items score
        1 = yes, 0 = no (they are never reversed; the survey schema forbids it).
    """
    out = answers.copy()
    value = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    reverse = out["reverse"].fillna(False).astype(bool).to_numpy()
    flipped = reverse_code(value, out["scale_min"].astype(float), out["scale_max"].astype(float))
    out["score"] = value.where(~reverse, flipped)
    return out


def complete_constructs(answers: pd.DataFrame) -> pd.DataFrame:
    """Keep a respondent's answers to a construct only when they answered all its items.

    Why: a construct score that averages the items a worker answered is a different sum
    from the item rows of the same group, and the difference gives the skippers away. With
    one worker who declined one of three items, ``3 x`` the construct's sum minus the three
    item sums is that worker's two answers added up (``docs/privacy.md``). When every
    figure counts the same respondents for a construct and its items, the difference is 0.
    Worker reports use this (the domain's "enough items answered" set to all of them);
    manager figures, one per factory and not subject to k, keep the 2/3 rule.

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame with ``construct_items`` (items of the construct in the
        response's survey version, from :func:`analysis.adapter.answers_frame`).

    Returns
    -------
    pandas.DataFrame
        A copy in which the answers of an incompletely answered construct have a missing
        ``value`` (``declined`` is left as stored, so item non-response still counts the
        declines). Items outside every construct are untouched.
    """
    out = answers.copy()
    in_construct = out["construct"].notna().to_numpy()
    if not in_construct.any():
        return out
    answered = out["value"].notna() & in_construct
    per_scale = answered.groupby([out["response_id"], out["construct"]]).transform("sum")
    partial = in_construct & (per_scale.to_numpy() < out["construct_items"].to_numpy())
    out.loc[partial, "value"] = np.nan
    return out


def construct_scores(
    answers: pd.DataFrame,
    min_answered: float = 2 / 3,
    items_per_construct: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Score every respondent on every construct they answered enough items of.

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame.
    min_answered : float, default 2/3
        Minimum fraction of the construct's items that must be answered. The threshold
        is ``ceil(min_answered * n_items - 1e-9)`` items, so 2/3 of 6 items is 4 items.
    items_per_construct : mapping, optional
        Number of items of each construct in the survey definition. By default it is the
        number of distinct ``item_id`` seen for that construct in ``answers``; pass the
        definition's count when an item may have been answered by nobody.

    Returns
    -------
    pandas.DataFrame
        One row per (response, construct) with every respondent-level column of
        ``answers`` (``response_id`` ... ``pair_id``, ``demo_*``) plus:

        - ``construct`` : construct id
        - ``item_type`` : "likert" or "yes_no" (a construct never mixes types)
        - ``n_answered`` : items answered
        - ``n_items`` : items in the construct
        - ``scored`` : whether ``n_answered`` meets the minimum
        - ``score`` : mean item score after reverse coding; NaN when not ``scored``

    Notes
    -----
    Unanswered items may be absent rows or rows with a missing ``value``; both count as
    not answered.
    """
    needed = ["response_id", "construct", "item_id", "item_type", "value", "reverse",
              "scale_min", "scale_max"]  # fmt: skip
    slim = answers[needed]  # select before filtering: string columns are costly to copy
    scored = item_scores(slim[slim["construct"].notna().to_numpy()])
    scored = scored[scored["score"].notna().to_numpy()]
    keys = ["response_id", "construct"]
    agg = (
        scored.groupby(keys, sort=True, observed=True)
        .agg(
            score=("score", "mean"), n_answered=("score", "size"), item_type=("item_type", "first")
        )
        .reset_index()
    )
    if items_per_construct is None:
        n_items = slim.dropna(subset=["construct"]).groupby("construct")["item_id"].nunique()
    else:
        n_items = pd.Series(dict(items_per_construct), dtype="int64")
    agg["n_items"] = agg["construct"].map(n_items).astype("int64")
    needed = np.ceil(min_answered * agg["n_items"].to_numpy() - 1e-9)
    agg["scored"] = agg["n_answered"].to_numpy() >= needed
    agg["score"] = agg["score"].where(agg["scored"])
    cols = response_columns(answers)
    respondents = answers[cols].drop_duplicates("response_id")
    out = agg.merge(respondents, on="response_id", how="left", validate="many_to_one")
    ordered = cols + ["construct", "item_type", "n_answered", "n_items", "scored", "score"]
    return out[ordered].reset_index(drop=True)
