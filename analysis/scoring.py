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
    out["score"] = score_values(answers)
    return out


def score_values(answers: pd.DataFrame) -> np.ndarray:
    """The analysed score of every answer row as a float array (reverse-coded where
    ``reverse``; missing stays NaN), without copying the frame: :func:`item_scores`'s
    ``score`` for the vectorised passes."""
    value = pd.to_numeric(answers["value"], errors="coerce").astype("float64").to_numpy()
    reverse = answers["reverse"].fillna(False).astype(bool).to_numpy()
    flipped = reverse_code(
        value,
        answers["scale_min"].astype(float).to_numpy(),
        answers["scale_max"].astype(float).to_numpy(),
    )
    return np.where(reverse, flipped, value)


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
    # answered items per (response, construct), counted over one integer code per pair
    response = pd.factorize(out["response_id"])[0].astype(np.int64)
    construct = pd.factorize(out["construct"])[0].astype(np.int64)
    grouped = in_construct & (response >= 0)
    key = np.where(grouped, response * (int(construct.max()) + 1) + construct, 0)
    answered = out["value"].notna().to_numpy() & grouped
    per_scale = np.bincount(key, weights=answered, minlength=1)[key]
    partial = grouped & (per_scale < out["construct_items"].to_numpy())
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
    agg = construct_groups(answers, min_answered, items_per_construct)
    respondents = answers[response_columns(answers)].take(agg.pop("_row").to_numpy())
    return pd.concat([respondents.reset_index(drop=True), agg], axis=1)


def first_rows(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Responses numbered in order of first appearance: (each row's number, the position
    of each response's first row). The first rows are the ones
    ``answers.drop_duplicates("response_id")`` keeps, and a row's number is its
    response's position among them (a missing id counts as one response, as there)."""
    codes = pd.factorize(ids, use_na_sentinel=False)[0]
    return codes, np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())


def construct_groups(
    answers: pd.DataFrame,
    min_answered: float = 2 / 3,
    items_per_construct: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """:func:`construct_scores` without the respondent columns.

    One row per (response, construct) in (``response_id``, ``construct``) order:
    ``_row`` (position in ``answers`` of the response's first row, the row
    ``answers.drop_duplicates("response_id")`` keeps), ``construct``, ``item_type``,
    ``n_answered``, ``n_items``, ``scored``, ``score``. Grouped by one integer code per
    (response, construct) rather than by the text columns, reading only the columns it
    needs: fast on a large frame, and every number is the same grouped mean.
    """
    construct = answers["construct"]
    in_construct = construct.notna().to_numpy()
    score = score_values(answers)
    response = pd.factorize(answers["response_id"], sort=True)[0].astype(np.int64)
    c_code = pd.factorize(construct, sort=True)[0].astype(np.int64)
    rows = np.flatnonzero(in_construct & ~np.isnan(score) & (response >= 0))
    n_c = int(c_code.max()) + 1 if len(c_code) else 1
    grouped = pd.DataFrame(
        {"score": score[rows], "item_type": answers["item_type"].take(rows).array, "row": rows}
    ).groupby(response[rows] * n_c + c_code[rows], sort=True)
    agg = grouped.agg(
        score=("score", "mean"),
        n_answered=("score", "size"),
        item_type=("item_type", "first"),
        row=("row", "first"),
    )
    group_rows = agg["row"].to_numpy(dtype=np.int64)
    names = construct.take(group_rows).reset_index(drop=True)
    if items_per_construct is None:
        # distinct item ids of each construct, over all its rows (``nunique``)
        i_code = pd.factorize(answers["item_id"])[0].astype(np.int64)
        seen = in_construct & (i_code >= 0)
        width = max(int(i_code.max()) + 1 if len(i_code) else 1, 1)
        pairs = np.unique(c_code[seen] * width + i_code[seen])
        counts = np.bincount(pairs // width, minlength=n_c)
        n_items = counts[c_code[group_rows]].astype("int64")
    else:
        lookup = pd.Series(dict(items_per_construct), dtype="int64")
        n_items = names.map(lookup).astype("int64").to_numpy()
    _, first = first_rows(answers["response_id"])
    first_sorted = np.zeros(len(answers), dtype=np.int64)
    valid = response[first] >= 0
    first_sorted[response[first[valid]]] = first[valid]
    n_answered = agg["n_answered"].to_numpy()
    scored = n_answered >= np.ceil(min_answered * n_items - 1e-9)
    return pd.DataFrame(
        {
            "_row": first_sorted[response[group_rows]],
            "construct": names.array,
            "item_type": agg["item_type"].array,
            "n_answered": n_answered,
            "n_items": n_items,
            "scored": scored,
            "score": np.where(scored, agg["score"].to_numpy(), np.nan),
        }
    )
