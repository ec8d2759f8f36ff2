"""One decided frame for one view: the headline row of every outcome of every result
table (worker and manager constructs and items, KPIs across factories), decided together
by :mod:`analysis.decision`, with the difference-in-differences as the basis wherever
comparison factories can tell.

The impact view (:mod:`score_impact.reports.impact`) writes these verdicts back onto its
tables, so the constructs table, the KPI table, the DiD table, the charts, the downloads
and the scorecard all carry the same category for the same outcome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import _common as c
from analysis.decision import ALPHA, DECISION_COLUMNS, decide, tier
from analysis.wording import describe

#: Columns written back onto the result tables from the decided frame.
VERDICT_COLUMNS: list[str] = [*DECISION_COLUMNS, "sentence"]
KEY: list[str] = ["grouping", "group", "audience", "kind", "outcome_id"]
_DID_TAKEN = ["estimate", "se", "df", "ci_low", "ci_high", "n", "n_clusters",
              "n_treated_clusters", "n_control_clusters", "p_wild", "p_ri", "p_min"]  # fmt: skip


def _headlines(frame: pd.DataFrame | None, source: str, audience: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    head = frame[frame["primary"].astype(bool)].copy()
    if "audience" not in head:
        head["audience"] = audience
    head["_source"], head["_row"] = source, head.index
    return head


def _did_lookup(did: pd.DataFrame | None, key: str, kind: str, audience: str) -> pd.DataFrame:
    if did is None or did.empty:
        return pd.DataFrame()
    out = did.rename(columns={key: "outcome_id"}).copy()
    out["kind"], out["audience"] = kind, audience
    return out


def decided_rows(
    results: pd.DataFrame | None,
    kpi_results: pd.DataFrame | None = None,
    did: pd.DataFrame | None = None,
    did_kpis: pd.DataFrame | None = None,
    alpha: float = ALPHA,
    lang: str = "en",
) -> pd.DataFrame:
    """Decide every outcome of a view at once.

    Parameters
    ----------
    results : pandas.DataFrame
        :func:`analysis.compare_phases` output (an ``audience`` column may stack worker
        and manager results).
    kpi_results : pandas.DataFrame, optional
        :func:`analysis.kpi_tests` output.
    did, did_kpis : pandas.DataFrame, optional
        :func:`analysis.did_constructs` (worker constructs) and :func:`analysis.did_kpis`
        output. At the overall level an outcome whose DiD is estimable and can tell
        (smallest attainable p <= alpha) is decided on it (basis "did": the DiD estimate,
        its interval, and the larger of ``p_ri`` and ``p_wild``); if comparison factories
        exist but cannot tell, the basis is "before_after_few_comparison".
    alpha : float
        Level of the decision rule.
    lang : str
        Language of ``sentence``.

    Returns
    -------
    pandas.DataFrame
        The headline rows with ``_source`` ("compare" | "kpi") and ``_row`` (index in
        their table), for DiD-based rows the DiD's numbers (``estimate``, interval,
        ``n_clusters`` ..., ``n_followup`` = follow-up respondents or factories), the
        decision columns (:data:`analysis.decision.DECISION_COLUMNS`)
        and ``sentence``. Families: per grouping value, all primary outcomes together;
        the others per audience and kind.
    """
    parts = [_headlines(results, "compare", "worker"), _headlines(kpi_results, "kpi", "kpi")]
    head = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame()
    )
    if head.empty:
        return head
    for col in ("estimate", "n", "n_clusters", "n_treated_clusters", "n_control_clusters",
                "p_wild", "p_ri", "p_min", "n_followup"):  # fmt: skip
        if col not in head:
            head[col] = np.nan
    head["estimate"] = head["change"].astype(float)
    head["_p"] = head["p"].astype(float)
    head["basis"] = "before_after"
    dids = [
        _did_lookup(did, "construct", "construct", "worker"),
        _did_lookup(did_kpis, "kpi_id", "kpi", "kpi"),
    ]
    did_all = (
        pd.concat([d for d in dids if len(d)], ignore_index=True)
        if any(len(d) for d in dids)
        else pd.DataFrame()
    )
    if len(did_all):
        overall = (head["grouping"] == "overall") & (head["group"] == "all")
        keyed = did_all.set_index(["audience", "kind", "outcome_id"])
        index = pd.MultiIndex.from_frame(head[["audience", "kind", "outcome_id"]])
        found = keyed.reindex(index)
        has = overall.to_numpy() & found["n_clusters"].notna().to_numpy()
        usable = (
            has
            & found["not_estimable"].isna().to_numpy()
            & found["can_tell"].fillna(False).astype(bool).to_numpy()
            & ~head["not_estimable"].notna().to_numpy()
        )
        head.loc[has & ~usable, "basis"] = "before_after_few_comparison"
        if usable.any():
            for col in _DID_TAKEN:
                head.loc[usable, col] = found[col].to_numpy(dtype=float)[usable]
            later = found["n_treated_after"].astype(float) + found["n_control_after"].astype(float)
            head.loc[usable, "n_followup"] = later.to_numpy()[usable]
            head.loc[usable, "basis"] = "did"
            p_did = np.fmax(found["p_ri"].to_numpy(float), found["p_wild"].to_numpy(float))
            head.loc[usable, "_p"] = p_did[usable]
    head["_tier"] = tier(head["primary_outcome"], head["audience"], head["kind"])
    decided = decide(head, ["grouping", "group", "_tier"], alpha=alpha, estimate="estimate",
                     p_test="_p")  # fmt: skip
    decided["sentence"] = describe(decided, lang=lang, alpha=alpha)
    return decided.drop(columns=["_tier", "_p"])


def write_back(table: pd.DataFrame, decided: pd.DataFrame, source: str) -> pd.DataFrame:
    """``table`` with the verdict columns of its headline rows taken from ``decided``."""
    if table.empty or decided.empty:
        return table
    mine = decided[decided["_source"] == source].set_index("_row")
    out = table.copy()
    for col in VERDICT_COLUMNS:
        if col not in out:
            out[col] = None
        values = mine[col].reindex(out.index)
        rows = values.index[out.index.isin(mine.index)]
        out[col] = out[col].astype(object)
        out.loc[rows, col] = values.loc[rows].to_numpy(dtype=object)
    for col in ("p_decision", "n_comparisons", "sesoi", "p_equivalence"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def did_verdicts(
    did: pd.DataFrame, decided: pd.DataFrame, key: str, kind: str, audience: str,
    alpha: float = ALPHA, lang: str = "en",
) -> pd.DataFrame:  # fmt: skip
    """The DiD table with a verdict per row: the outcome's category where the DiD is its
    basis; otherwise "not_estimable" with the DiD's reason (too few comparison factories
    to tell, suppressed, ...)."""
    if did.empty:
        return did
    out = did.copy()
    if decided.empty:  # no before/after row in view (e.g. no trained follow-up answers yet)
        basis = pd.DataFrame(columns=VERDICT_COLUMNS)
    else:
        basis = decided[(decided["grouping"] == "overall") & (decided["group"] == "all")
                        & (decided["kind"] == kind) & (decided["audience"] == audience)
                        & (decided["basis"] == "did")].set_index("outcome_id")  # fmt: skip
    reasons = out["not_estimable"].astype(object).to_numpy(copy=True)
    cannot = pd.isna(reasons) & ~out["can_tell"].fillna(False).astype(bool).to_numpy()
    reasons[cannot] = [
        c.FEW_TO_TELL.format(p_min=f"{p:.3f}", level=f"{alpha:g}")
        for p in out.loc[cannot, "p_min"].astype(float)
    ]
    out["not_estimable"] = reasons
    looked = basis.reindex(out[key].astype(str))
    taken = looked["category"].notna().to_numpy()
    for col in VERDICT_COLUMNS:
        out[col] = np.where(taken, looked[col].to_numpy(dtype=object), None)
    out.loc[~taken, "category"] = "not_estimable"
    out.loc[~taken, "basis"] = "did"
    words = out.loc[~taken].rename(columns={key: "outcome_id"})
    if len(words):
        out.loc[~taken, "sentence"] = describe(words, lang=lang).to_numpy()
    for col in ("p_decision", "n_comparisons", "sesoi", "p_equivalence"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out
