"""Differencing-proof suppression: one eligible set of worker responses per viewer's scope.

Blanking each small row (:func:`analysis.suppress`) is not enough: the overall row still
holds the small group, so "overall minus the factories shown" gives its count, mean and
answer distribution back. This module chooses, once per scope, the set *E* of worker
responses that every released number is computed over, such that whatever a viewer
subtracts, adds or solves, the smallest group of workers they can single out has 0 or at
least *k* members. The method, its proof and its cost on the demo are in
``docs/privacy.md``; in short:

**Cells.** A released number covers the responses of one view (filters: cohort, module,
factory, demographic band, phase pair) and one row (overall, cohort or factory; one
phase; all responses or matched pairs only). Each such set is a union of cells of one of
these partitions of a cohort's responses:

- factory cells: factory x phase x pattern (x every extra partition);
- band cells, one demographic dimension at a time: phase x pattern x band value
  (a missing answer is a value of its own). Band filters apply to whole cohorts, never
  within one factory, so a band cell spans the cohort's factories;

where *pattern* is the set of phases in which the same anonymous worker (pair id)
answered: at two phases, matched or unmatched. Extra partitions (``partitions``) are
response-level splits some figure makes, e.g. excluded vs kept responses.

**Rule.** Every cell of every partition has 0 or at least ``k`` responses in E, and no
union of the cross-classified cells with 1..k-1 responses is a linear combination of
cells (the *audit*, below). Then every released count or sum is a sum over cells, so any
linear combination of released numbers that covers a fixed group covers a union of
cells, which has 0 or at least k responses.

**Audit.** Cells of different partitions cross (factory x band, band x band) like the
margins of a table; where the cross table has empty cells, a small inner cell can follow
from the margins exactly (e.g. a band present in one factory only). Within a stratum
(phase x pattern x extras) the released numbers are linear in the responses, so a group
G is derivable exactly when its indicator vector is in the span of the cells'
indicators. A small mixed-integer program per stratum (SciPy's HiGHS) looks for the
smallest such G with 1..k-1 responses.

**Remedy, to a fixpoint.** A demographic answer that puts a worker in a band cell below
k is not shown (the worker counts as "not answered" for that question only, in every
figure; the smallest cells go first, until "not answered" is 0 or at least k too). A
response in a factory cell below k (or in a derivable group) that is matched to the same
worker's answer in another phase is *unpaired*: it stays in every figure but no longer
counts as matched (this costs a pair, not an answer). An unmatched one is left out of
every figure, totals included; reports say so without saying how many. Each remedy
changes other cells, so the check repeats until nothing changes (it always stops:
pairs, shown band answers and responses only ever decrease).

**Matched workers** are described by their first answer: a returning worker's follow-up
answers count in the band groups of their baseline answers (the groups a pair belongs to
in :func:`analysis.compare_phases`), so a pair is never split by a filter.

A derived row whose left-out group is not a response attribute (e.g. matched pairs
versus all answers to one item, where a partner skipped the item) goes through
:func:`derived_row_ok` / :func:`guard_pairs` instead: it is shown only when the group
it leaves out has 0 or at least k responses.

Manager answers and KPIs are the factory's own figures (one per factory by design) and
are not subject to this rule; see ``docs/privacy.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, hstack, identity

from analysis import _common as c
from analysis.suppression import MIN_GROUP_SIZE

#: Seconds the audit may spend on one stratum before it falls back to the safe remedy
#: (every cross-classified cell below k is treated as derivable).
AUDIT_TIME_LIMIT = 20.0
#: Band code of a worker who did not answer a demographic question, or whose answer is
#: not shown because it would single out a group below k.
NOT_SHOWN = -1
#: Optional respondents column saying how a matched pair was matched ("exact" or
#: "tolerant", :func:`analysis.adapter.pair_matches`), for figures that use some pairs only
#: (the exact-matches-only sensitivity line): it splits the matched cells, and a response
#: that is unpaired loses it.
PAIR_KIND = "pair_match"


@dataclass(frozen=True)
class Eligibility:
    """The eligible set E of one scope, and how matched workers are described in it.

    ``respondents`` is the input frame (worker rows) with ``eligible`` (in E) added, and
    ``pair_id`` and every ``demo_*`` band as the figures use them: ``pair_id`` missing
    where the response is analysed unpaired, a band as the worker's first answer, missing
    where not answered or not shown.
    """

    respondents: pd.DataFrame
    min_group_size: int

    @property
    def left_out(self) -> int:
        """Responses left out of every figure (for tests and the docs' cost figures; never
        shown to a viewer, since the size of what is left out is itself identifying)."""
        return int((~self.respondents["eligible"]).sum())

    @property
    def hidden_bands(self) -> int:
        """Demographic answers of eligible responses shown as "not answered"."""
        r = self.respondents
        return int(r.loc[r["eligible"], "_bands_hidden"].sum())

    @property
    def unpaired(self) -> int:
        """Eligible responses that have a pair id in the data but are analysed unpaired."""
        r = self.respondents
        return int((r["eligible"] & r["_paired_in_data"] & r["pair_id"].isna()).sum())

    def eligible_ids(self) -> set[int]:
        return set(self.respondents.loc[self.respondents["eligible"], "response_id"].tolist())

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (answers or respondents) with worker rows restricted to E and their
        ``pair_id`` and ``demo_*`` columns as the figures use them; rows of other
        audiences (managers) pass unchanged."""
        r = self.respondents
        worker = (
            (frame["audience"] == "worker").to_numpy()
            if "audience" in frame
            else np.ones(len(frame), dtype=bool)
        )
        # each row's respondent, looked up once (-1: not a respondent of E's frame)
        at = pd.Index(r["response_id"]).get_indexer(frame["response_id"])
        eligible = np.append(r["eligible"].fillna(False).astype(bool).to_numpy(), False)
        keep = ~worker | eligible[at]
        # a boolean filter copies every column (costly for text columns): only when needed
        out = frame if keep.all() else frame[keep]
        mine = worker[keep]
        if not mine.any():
            return out.copy()
        rows = at[keep][mine]
        columns = ["pair_id", PAIR_KIND, *(col for col in r.columns if col.startswith("demo_"))]
        out = out.copy(deep=False)
        for col in columns:
            if col not in out.columns or col not in r.columns:
                continue
            values = out[col].astype(object).to_numpy(copy=True)
            values[mine] = r[col].astype(object).to_numpy()[rows]
            out[col] = values
        return out


def eligible(
    respondents: pd.DataFrame,
    min_group_size: int = MIN_GROUP_SIZE,
    partitions: Sequence[str] = (),
) -> Eligibility:
    """Choose the eligible set E of worker responses (see the module docstring).

    Parameters
    ----------
    respondents : pandas.DataFrame
        One row per response of the scope, every phase and every cohort the scope may
        show (``analysis.adapter.respondents_frame``): ``response_id``, ``cohort_id``,
        ``enterprise_id``, ``phase``, ``phase_order``, ``pair_id``, optional ``audience``
        (only "worker" rows are considered) and ``demo_*`` bands.
    min_group_size : int, default 5
        The *k* of the rule; ``1`` keeps everything (descriptions of matched workers still
        follow their first answer, so filters mean the same whatever k is).
    partitions : sequence of str
        Extra response-level columns some figure splits on (e.g. an exclusion flag);
        every cell is also split by them. A split of matched pairs (exact vs tolerant)
        goes in a ``pair_match`` column instead (:data:`PAIR_KIND`).

    Returns
    -------
    Eligibility

    Notes
    -----
    Cells never span cohorts, so E restricted to one cohort does not depend on the
    scope's other cohorts: a view of one cohort may compute E for that cohort alone.
    """
    frame = respondents
    if "audience" in frame.columns:
        frame = frame[frame["audience"] == "worker"]
    bands = sorted(col for col in frame.columns if col.startswith("demo_"))
    parts = [
        _cohort(part, bands, list(partitions), min_group_size)
        for _, part in frame.groupby("cohort_id", sort=True)
    ]
    columns = [*frame.columns, "eligible", "_paired_in_data", "_bands_hidden"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return Eligibility(out[columns].reset_index(drop=True), min_group_size)


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column; a missing value is :data:`NOT_SHOWN` (-1)."""
    return pd.factorize(values.astype(object))[0].astype(np.int64)


def _group(*columns: np.ndarray) -> np.ndarray:
    """One group code per row for the combination of integer columns."""
    if len(columns[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.column_stack(columns), axis=0, return_inverse=True)[1].ravel()


def _cohort(part: pd.DataFrame, bands: list[str], partitions: list[str], k: int) -> pd.DataFrame:
    """Eligibility within one cohort (cells never span cohorts).

    Each round of the loop applies the first remedy that finds something: factory cells
    below k (unpair, or when none is matched leave out), band cells below k (hide the
    band answer, smallest cells first), then the audit (unpair or leave out the
    derivable group). Unpairing goes before leaving out because it moves answers into
    the unmatched cells, which may then reach k.
    """
    n = len(part)
    phase = _codes(part["phase"])
    order = part["phase_order"].to_numpy(dtype=np.int64)
    ent = _codes(part["enterprise_id"])
    band = [_codes(part[b]) for b in bands]
    hidden = [np.zeros(n, dtype=bool) for _ in bands]  # set on a worker's first response
    extra = [_codes(part[p]) for p in partitions]
    pid = part["pair_id"] if "pair_id" in part else pd.Series(None, index=part.index)
    kind = _codes(part[PAIR_KIND]) + 1 if PAIR_KIND in part else np.zeros(n, dtype=np.int64)
    person = _codes(pid)
    alone = person == NOT_SHOWN
    person[alone] = int(person.max(initial=-1)) + 1 + np.arange(alone.sum())
    keep = np.ones(n, dtype=bool)
    audited: dict[bytes, np.ndarray | None] = {}
    while k > 1 and n:
        pattern, first = _patterns(person, phase, order, keep)
        linked = (pattern & (pattern - 1)) != 0
        eff = [np.where(h[first], NOT_SHOWN, b[first]) for b, h in zip(band, hidden, strict=True)]
        paired_as = np.where(linked, kind[first], 0)  # how a pair was matched, if it is one
        strata = [phase, pattern, paired_as, *extra]
        small = _small_cells(keep, k, ent, strata)
        if not small.any():
            hide = _small_bands(keep, k, eff, strata)
            if any(h.any() for h in hide):
                for h, more in zip(hidden, hide, strict=True):
                    h[first[more]] = True
                continue
            small = _audit(keep, k, ent, eff, strata, audited)
        if not small.any():
            break
        unpair = small & linked  # unpairing first may make the unmatched cells big enough
        if unpair.any():
            person[unpair] = int(person.max()) + 1 + np.arange(unpair.sum())
        else:
            keep[small] = False
    pattern, first = _patterns(person, phase, order, keep)
    linked = keep & ((pattern & (pattern - 1)) != 0)
    out = part.copy()
    out["eligible"] = keep
    out["pair_id"] = np.where(linked, pid.astype(object).to_numpy(), None)
    if PAIR_KIND in out:  # one kind per worker (their first answer's), as the cells have it
        kinds = part[PAIR_KIND].astype(object).to_numpy()[first]
        out[PAIR_KIND] = np.where(linked, kinds, None)
    out["_paired_in_data"] = ~alone
    out["_bands_hidden"] = 0
    for name, h in zip(bands, hidden, strict=True):  # a matched worker: their first answer
        values = part[name].astype(object).to_numpy()[first]
        out[name] = np.where(h[first] | pd.isna(values), None, values)
        out["_bands_hidden"] += h[first] & pd.notna(values)
    return out


def _patterns(
    person: np.ndarray, phase: np.ndarray, order: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per response: its worker's pattern (bit mask of phases with an eligible response)
    and the position of that worker's first eligible response (itself when left out)."""
    n = len(person)
    size = int(person.max()) + 1 if n else 0
    mask = np.zeros(size, dtype=np.int64)
    kept = np.flatnonzero(keep)
    np.bitwise_or.at(mask, person[kept], np.left_shift(1, phase[kept]))
    earliest = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(earliest, person[kept], order[kept] * n + kept)  # by phase, then row
    first = np.where(keep, earliest[person] % max(n, 1), np.arange(n))
    return np.where(keep, mask[person], 0), first


def _small_cells(keep: np.ndarray, k: int, ent: np.ndarray, strata: list[np.ndarray]) -> np.ndarray:
    """Eligible responses in a factory cell (factory x phase x pattern x extras) with
    1..k-1 eligible responses."""
    small = np.zeros(len(keep), dtype=bool)
    kept = np.flatnonzero(keep)
    if len(kept):
        cell = _group(ent[kept], *(s[kept] for s in strata))
        small[kept] = np.bincount(cell)[cell] < k
    return small


def _small_bands(
    keep: np.ndarray, k: int, bands: list[np.ndarray], strata: list[np.ndarray]
) -> list[np.ndarray]:
    """Per band dimension, the eligible responses whose band answer must not be shown so
    that every band cell (phase x pattern x extras x value, "not shown" included) has 0
    or at least k responses: the smallest answered cells are merged into "not shown"
    until none is left below k. Always possible once factory cells are fine, because a
    stratum is then a union of cells of at least k."""
    kept = np.flatnonzero(keep)
    hide = [np.zeros(len(keep), dtype=bool) for _ in bands]
    if len(kept) == 0:
        return hide
    stratum = _group(*(s[kept] for s in strata))
    for values, out in zip(bands, hide, strict=True):
        for s in np.unique(stratum):
            rows = kept[stratum == s]
            found, counts = np.unique(values[rows], return_counts=True)
            size = dict(zip(found.tolist(), counts.tolist(), strict=True))
            merged = size.pop(NOT_SHOWN, 0)
            gone: list[int] = []
            while size and (0 < merged < k or min(size.values()) < k):
                smallest = min(size, key=lambda v: (size[v], v))
                merged += size.pop(smallest)
                gone.append(smallest)
            out[rows[np.isin(values[rows], gone)]] = True
    return hide


def _audit(
    keep: np.ndarray,
    k: int,
    ent: np.ndarray,
    bands: list[np.ndarray],
    strata: list[np.ndarray],
    cache: dict[bytes, np.ndarray | None],
) -> np.ndarray:
    """Eligible responses in a smallest derivable group of 1..k-1 responses, at most one
    group per stratum (phase x pattern x extras); none when nothing is derivable."""
    found = np.zeros(len(keep), dtype=bool)
    kept = np.flatnonzero(keep)
    if len(kept) == 0 or not bands:
        return found  # one partition only: its cells are already 0 or >= k
    stratum = _group(*(s[kept] for s in strata))
    splits = np.column_stack([ent[kept], *(b[kept] for b in bands)])
    for s in np.unique(stratum):
        rows = kept[stratum == s]
        points, point_of = np.unique(splits[stratum == s], axis=0, return_inverse=True)
        point_of = point_of.ravel()
        counts = np.bincount(point_of)
        if counts.min() >= k:
            continue  # every union of cross-classified cells is already >= k
        key = points.tobytes() + b"|" + counts.tobytes()
        if key not in cache:
            cache[key] = _derivable_small_group(points, counts, k)
        chosen = cache[key]
        if chosen is not None:
            found[rows[np.isin(point_of, chosen)]] = True
    return found


def _derivable_small_group(points: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray | None:
    """Indices of the cross-classified cells forming a smallest group with 1..k-1
    responses whose indicator is a linear combination of the cells' indicators (each
    column of ``points`` is one partition), or None when there is none.

    Mixed-integer program: binary z (one per cross cell), free y (one per cell of each
    partition), z = M^T y, 1 <= counts . z <= k - 1, minimise counts . z.
    """
    n_points, n_splits = points.shape
    rows, cols = [], []
    offset = 0
    for j in range(n_splits):
        codes = np.unique(points[:, j], return_inverse=True)[1].ravel()
        rows.append(offset + codes)
        cols.append(np.arange(n_points))
        offset += int(codes.max()) + 1
    margins = csr_array(
        (np.ones(n_points * n_splits), (np.concatenate(rows), np.concatenate(cols))),
        shape=(offset, n_points),
    )
    weights = counts.astype(float)
    span = hstack([identity(n_points, format="csr"), -margins.T], format="csr")
    size = np.concatenate([weights, np.zeros(offset)])
    result = milp(
        c=size,
        integrality=np.concatenate([np.ones(n_points), np.zeros(offset)]),
        bounds=Bounds(
            np.concatenate([np.zeros(n_points), np.full(offset, -np.inf)]),
            np.concatenate([np.ones(n_points), np.full(offset, np.inf)]),
        ),
        constraints=[
            LinearConstraint(span, 0.0, 0.0),
            LinearConstraint(size[None, :], 1.0, k - 1.0),
        ],
        options={"time_limit": AUDIT_TIME_LIMIT},
    )
    if result.status == 2:  # infeasible: no small group can be derived
        return None
    if result.x is not None:  # optimal, or a feasible group found before the time limit
        return np.flatnonzero(result.x[:n_points] > 0.5)
    return np.flatnonzero(counts < k)  # undecided in time: treat every small cell as derivable


# ----- derived rows ---------------------------------------------------------------------


def derived_row_ok(
    n_shown: np.ndarray | pd.Series | float,
    n_derived: np.ndarray | pd.Series | float,
    min_group_size: int = MIN_GROUP_SIZE,
) -> np.ndarray:
    """Whether a derived row may be shown next to the row it is a part of.

    A derived or sensitivity row (matched pairs only, exact matches only, all responses
    including excluded ones, ...) differs from a shown row by a group of responses: the
    difference of their counts. The derived row may be shown when that group has 0 or at
    least ``min_group_size`` members; a missing count (a blank, suppressed row) cannot be
    subtracted and passes.

    Use it for splits that are not response attributes (e.g. item non-response). A split
    that is a response attribute belongs in :func:`eligible`'s ``partitions`` instead,
    which protects every combination of figures, not just the pair of rows compared.
    """
    gap = np.abs(np.asarray(n_shown, dtype=float) - np.asarray(n_derived, dtype=float))
    return np.asarray(np.isnan(gap) | (gap == 0) | (gap >= min_group_size))


def guard_pairs(results: pd.DataFrame, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Suppress matched-pair rows of :func:`analysis.compare_phases` output whose pairs
    leave out 1..k-1 of the group's answers in either phase (see :func:`derived_row_ok`).

    Returns a copy; guarded rows are flagged ``suppressed`` and blanked as
    :func:`analysis.suppress` does, so the independent row becomes the headline.
    """
    if results.empty or "design" not in results:
        return results
    keys = ["grouping", "group", "kind", "outcome_id"]
    indep = results[results["design"] == "independent"].drop_duplicates(keys)
    counts = indep.set_index(keys)[["n_before", "n_after"]]
    paired = (results["design"] == "paired").to_numpy()
    idx = pd.MultiIndex.from_frame(results[keys])
    before = counts["n_before"].reindex(idx).to_numpy(dtype=float)
    after = counts["n_after"].reindex(idx).to_numpy(dtype=float)
    pairs = results["n_pairs"].to_numpy(dtype=float)
    ok = derived_row_ok(before, pairs, min_group_size) & derived_row_ok(
        after, pairs, min_group_size
    )
    hide = paired & ~ok & ~results["suppressed"].fillna(False).to_numpy(dtype=bool)
    if not hide.any():
        return results
    out = results.copy()
    out["suppressed"] = out["suppressed"].fillna(False).to_numpy(dtype=bool) | hide
    c.blank_where(out, hide, c.NUMERIC_COLUMNS)
    reasons = out["not_estimable"].astype(object).to_numpy(copy=True)
    reasons[hide] = c.SUPPRESSED.format(k=min_group_size)
    out["not_estimable"] = reasons
    return out
