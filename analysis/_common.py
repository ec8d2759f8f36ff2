"""Shared column schemas and the fixed vocabulary of 'not estimable' reasons.

Reasons are fixed strings (not free text) so that :mod:`analysis.wording` can translate
them and a chart can filter on them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Descriptive numbers of a before/after comparison (counts, means, change).
DESCRIPTIVE_COLUMNS: list[str] = [
    "n_before",
    "n_after",
    "n_pairs",
    "mean_before",
    "mean_after",
    "change",
]

#: Inferential columns: blank whenever a result is not estimable.
INFERENTIAL_COLUMNS: list[str] = [
    "ci_low",
    "ci_high",
    "se",
    "statistic",
    "df",
    "p",
    "effect_size",
]

#: Columns returned by every single-test function (parametric, nonparametric, binary).
TEST_COLUMNS: list[str] = [
    "test",
    *DESCRIPTIVE_COLUMNS,
    *INFERENTIAL_COLUMNS,
    "effect_size_name",
    "not_estimable",
]

#: Every numeric column a suppressed row must blank (counts included: a count below k is
#: itself identifying).
NUMERIC_COLUMNS: list[str] = [
    *DESCRIPTIVE_COLUMNS,
    "pct_change",
    *INFERENTIAL_COLUMNS,
    "p_holm",
    "p_bh",
    "value_before",
    "value_after",
    "alpha",
    "n",
    "estimate",
    "p_wild",
    "p_ri",
    "p_min",
    "p_decision",
    "p_equivalence",
]

# ----- not-estimable reasons (English master text; translated in analysis.wording) -------
NO_BASELINE = "no answers in the baseline phase"
NO_FOLLOW_UP = "no answers in the follow-up phase"
FEW_BEFORE = "fewer than 2 answers in the baseline phase"
FEW_AFTER = "fewer than 2 answers in the follow-up phase"
NO_PAIRS = "no matched pairs"
FEW_PAIRS = "fewer than 2 matched pairs"
ZERO_VARIANCE_CHANGE = "all matched changes are identical (zero variance)"
ZERO_VARIANCE = "no variation in answers (zero variance)"
ALL_ZERO_DIFF = "no matched respondent changed (all differences zero)"
ALL_TIED = "all answers are tied"
NO_DISCORDANT = "no matched respondent changed answer (no discordant pairs)"
ALL_SAME_BINARY = "every answer is the same in both phases"
ZERO_BASELINE = "baseline value is zero, so a % change is undefined"
FEW_ITEMS = "fewer than 2 items"
FEW_COMPLETE = "fewer than 2 complete answers"
FEW_CLUSTERS = "fewer than 2 enterprises in the treated or comparison group"
NO_CONTRAST = "the treated x follow-up contrast cannot be estimated"
FEW_ENTERPRISES = "fewer than {k} enterprises with both values"
SUPPRESSED = "suppressed: fewer than {k} respondents"
UNRELIABLE = "scale not reliable (Cronbach's alpha below {alpha}): analysed per item only"
FEW_TO_TELL = "too few comparison factories to tell (smallest attainable p {p_min} > {level})"
FEW_FACTORIES_TO_TELL = "too few factories to tell (smallest attainable p {p_min} > {level})"
KPI_UNCHANGED = "no factory's value changed"

REASONS: tuple[str, ...] = (
    NO_BASELINE,
    NO_FOLLOW_UP,
    FEW_BEFORE,
    FEW_AFTER,
    NO_PAIRS,
    FEW_PAIRS,
    ZERO_VARIANCE_CHANGE,
    ZERO_VARIANCE,
    ALL_ZERO_DIFF,
    ALL_TIED,
    NO_DISCORDANT,
    ALL_SAME_BINARY,
    ZERO_BASELINE,
    FEW_ITEMS,
    FEW_COMPLETE,
    FEW_CLUSTERS,
    NO_CONTRAST,
    FEW_ENTERPRISES,
    SUPPRESSED,
    UNRELIABLE,
    FEW_TO_TELL,
    FEW_FACTORIES_TO_TELL,
    KPI_UNCHANGED,
)

#: Interface-string key of each reason (``score_impact/locales/<lang>/ui.yaml``); the English
#: text there equals the master text above (tests/analysis/test_wording.py checks it).
REASON_KEYS: dict[str, str] = {
    NO_BASELINE: "reason.no_baseline",
    NO_FOLLOW_UP: "reason.no_follow_up",
    FEW_BEFORE: "reason.few_before",
    FEW_AFTER: "reason.few_after",
    NO_PAIRS: "reason.no_pairs",
    FEW_PAIRS: "reason.few_pairs",
    ZERO_VARIANCE_CHANGE: "reason.zero_variance_change",
    ZERO_VARIANCE: "reason.zero_variance",
    ALL_ZERO_DIFF: "reason.all_zero_diff",
    ALL_TIED: "reason.all_tied",
    NO_DISCORDANT: "reason.no_discordant",
    ALL_SAME_BINARY: "reason.all_same_binary",
    ZERO_BASELINE: "reason.zero_baseline",
    FEW_ITEMS: "reason.few_items",
    FEW_COMPLETE: "reason.few_complete",
    FEW_CLUSTERS: "reason.few_clusters",
    NO_CONTRAST: "reason.no_contrast",
    FEW_ENTERPRISES: "reason.few_enterprises",
    SUPPRESSED: "reason.suppressed",
    UNRELIABLE: "reason.unreliable",
    FEW_TO_TELL: "reason.few_to_tell",
    FEW_FACTORIES_TO_TELL: "reason.few_factories_to_tell",
    KPI_UNCHANGED: "reason.kpi_unchanged",
}


def as_clean_array(values: Iterable[float] | pd.Series | np.ndarray) -> np.ndarray:
    """Float array with missing values dropped (the missing-value policy of every test)."""
    arr = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"), float)
    return arr[~np.isnan(arr)]


def first_reason(*conditions: tuple[np.ndarray, str]) -> np.ndarray:
    """Per element, the first reason whose condition holds, else ``None``.

    Conditions are checked in the order given, so the most basic problem (a missing
    phase) is reported rather than a consequence of it (zero variance).
    """
    size = len(conditions[0][0])
    out = np.full(size, None, dtype=object)
    for mask, reason in reversed(conditions):
        out[np.asarray(mask, dtype=bool)] = reason
    return out


def blank_where(frame: pd.DataFrame, mask: np.ndarray | pd.Series, columns: list[str]) -> None:
    """Set ``columns`` to NaN on the rows in ``mask`` (in place, on a frame we own)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    for col in columns:
        if col in frame.columns:
            frame[col] = frame[col].astype("float64").mask(mask)


def complete_pairs(
    before: Iterable[float], after: Iterable[float]
) -> tuple[np.ndarray, np.ndarray]:
    """(before, after) as float arrays of the complete pairs: the missing-value policy of
    every matched-pairs test. A pair is one position in both, so lengths must agree."""
    b = np.asarray(list(before), dtype=float)
    a = np.asarray(list(after), dtype=float)
    if b.shape != a.shape:
        raise ValueError("before and after must have the same length (one pair per position)")
    keep = ~(np.isnan(a) | np.isnan(b))
    return b[keep], a[keep]


def paired_checks(n: np.ndarray) -> tuple[tuple[np.ndarray, str], ...]:
    """The first :func:`first_reason` checks of every matched-pairs test."""
    return (n == 0, NO_PAIRS), (n < 2, FEW_PAIRS)


def independent_checks(
    n_before: np.ndarray, n_after: np.ndarray
) -> tuple[tuple[np.ndarray, str], ...]:
    """The first :func:`first_reason` checks of every independent-samples test: a missing
    phase before a phase with a single answer."""
    return (
        (n_before == 0, NO_BASELINE),
        (n_after == 0, NO_FOLLOW_UP),
        (n_before < 2, FEW_BEFORE),
        (n_after < 2, FEW_AFTER),
    )


def _test_frame(reason: np.ndarray, columns: dict[str, object]) -> pd.DataFrame:
    """:data:`TEST_COLUMNS` in order; inferential columns blank where not estimable."""
    out = pd.DataFrame({col: columns.get(col) for col in TEST_COLUMNS} | {"not_estimable": reason})
    blank_where(out, pd.notna(reason), INFERENTIAL_COLUMNS)
    return out


def paired_result(n: np.ndarray, reason: np.ndarray, **columns: object) -> pd.DataFrame:
    """Vectorised matched-pairs results as :data:`TEST_COLUMNS` rows.

    Every count column is the number of pairs ``n``. Inferential columns are blank where
    ``reason`` is set; means and change are blank where there is no pair at all.
    """
    out = _test_frame(reason, {"n_before": n, "n_after": n, "n_pairs": n, **columns})
    blank_where(out, n == 0, ["mean_before", "mean_after", "change"])
    return out


def independent_result(
    n_before: np.ndarray, n_after: np.ndarray, reason: np.ndarray, **columns: object
) -> pd.DataFrame:
    """Vectorised independent-samples results as :data:`TEST_COLUMNS` rows.

    ``n_pairs`` is NaN (nobody is matched). Inferential columns are blank where ``reason``
    is set; the change is blank where a phase has no answer (its mean is kept).
    """
    counts = {"n_before": n_before, "n_after": n_after, "n_pairs": np.nan}
    out = _test_frame(reason, {**counts, **columns})
    blank_where(out, (n_before == 0) | (n_after == 0), ["change"])
    return out


def one_row(**values: object) -> pd.DataFrame:
    """A one-row result frame in the fixed :data:`TEST_COLUMNS` order."""
    return pd.DataFrame([{col: values.get(col) for col in TEST_COLUMNS}]).astype(
        {
            c: "float64"
            for c in TEST_COLUMNS
            if c not in ("test", "effect_size_name", "not_estimable")
        }
    )
