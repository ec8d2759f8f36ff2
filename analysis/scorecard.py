"""Win-win-win scorecard a statistician would sign: what changed for workers, the supplier
and the brand, judged on the *primary* outcomes each survey definition declares.

- Only declared primary outcomes count (constructs with a reliable scale, KPIs), so the
  claim cannot be picked after seeing the data; items and secondary outcomes never do.
- Every primary outcome of a grouping value is in one Holm family (the decision rule's
  "primary" tier, :mod:`analysis.decision`), so the combined claim has family-wise
  error control.
- A stakeholder "wins" only when at least one primary outcome improved and none
  worsened. The headline is the improved primary outcome with the strongest adjusted
  evidence (smallest ``p_decision``), never the largest effect size across
  incomparable measures.
- Each row states its basis (comparison factories, before/after only, or mixed) and its
  n (workers, factories), and lists every primary outcome with its category.

**Trust drift.** In worker-voice programmes, growing trust makes later answers more
candid, so a voice or trust score can *fall* while practice improves. When a voice/trust
construct falls while an enterprise KPI improved (and none worsened), the workers' row
carries a note saying so instead of hiding it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.decision import CATEGORIES
from score_impact.i18n import t

SCORECARD_COLUMNS: list[str] = [
    "grouping",
    "group",
    "stakeholder",
    "n_outcomes",
    "n_improved",
    "n_worsened",
    "n_no_meaningful_change",
    "n_inconclusive",
    "n_not_estimable",
    "win",
    "basis",
    "n_workers",
    "n_factories",
    "outcomes",
    "headline",
    "note",
]
STAKEHOLDERS = ("workers", "supplier", "brand")
VOICE_PATTERN = r"voice|trust|communicat|speak|listen"


def _column(rows: pd.DataFrame, name: str) -> np.ndarray:
    return rows.get(name, pd.Series(np.nan, rows.index)).to_numpy(dtype=float)


def _n_analysed(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(follow-up respondents or factories, factories) each row's verdict rests on:
    matched pairs for a paired test, follow-up answers for an independent one, follow-up
    respondents in trained and comparison factories for a DiD."""
    did = rows["basis"].eq("did").to_numpy() if "basis" in rows else np.zeros(len(rows), bool)
    paired = rows["design"].eq("paired").to_numpy() if "design" in rows else ~did
    n = np.where(did, _column(rows, "n_followup"),
                 np.where(paired, _column(rows, "n_pairs"), _column(rows, "n_after")))  # fmt: skip
    factories = np.where(did, _column(rows, "n_clusters"), _column(rows, "n_factories"))
    return n, factories


_EMPTY = {
    "n_outcomes": 0, "n_improved": 0, "n_worsened": 0, "n_no_meaningful_change": 0,
    "n_inconclusive": 0, "n_not_estimable": 0, "win": False, "basis": None, "n_workers": 0,
    "n_factories": 0, "outcomes": "",
}  # fmt: skip


def _summaries(primary: pd.DataFrame, keys: list[str], lang: str) -> dict[tuple, dict]:
    """Per (grouping, group, stakeholder): counts per category, win, basis, n, outcomes and
    the headline sentence, computed with one groupby each (thousands of groups)."""
    if primary.empty:
        return {}
    n, factories = _n_analysed(primary)
    audience = primary["audience"] if "audience" in primary else pd.Series("worker", primary.index)
    workers = primary["kind"].eq("construct") & audience.eq("worker")
    frame = primary.assign(
        _workers=np.where(workers, n, np.nan),
        _factories=factories,
        _pair=primary["outcome_id"].astype(str) + "=" + primary["category"].astype(str),
        _did=primary["basis"].eq("did") & primary["category"].ne("not_estimable"),
        _usable=primary["category"].ne("not_estimable"),
    )
    grouped = frame.groupby(keys, sort=False)
    counts = grouped["category"].value_counts().unstack(fill_value=0)
    agg = grouped.agg(
        n_outcomes=("category", "size"), n_workers=("_workers", "max"),
        n_factories=("_factories", "max"), outcomes=("_pair", "; ".join),
        did=("_did", "sum"), usable=("_usable", "sum"),
    )  # fmt: skip
    bases = frame[frame["_usable"]].groupby(keys, sort=False)["basis"].agg(
        lambda b: b.iloc[0] if b.nunique() == 1 else "before_after"
    )  # fmt: skip
    best = (
        frame[frame["category"] == "improved"]
        .sort_values("p_decision", kind="stable")
        .drop_duplicates(keys)
        .set_index(keys)["sentence"]
    )
    out = {}
    for key, row in agg.iterrows():
        count = counts.loc[key] if key in counts.index else pd.Series(dtype=int)
        n = {c: int(count.get(c, 0)) for c in CATEGORIES}
        did, usable = int(row["did"]), int(row["usable"])
        if not usable:
            basis = None
        elif did == usable:
            basis = t("basis.did", lang)
        elif did == 0:
            basis = t(f"basis.{bases.get(key, 'before_after')}", lang)
        else:
            basis = t("scorecard.basis_mixed", lang, did=did, before_after=usable - did)
        out[key] = {
            "n_outcomes": int(row["n_outcomes"]),
            **{f"n_{c}": n[c] for c in CATEGORIES},
            "win": bool(n["improved"] and not n["worsened"]),
            "basis": basis,
            "n_workers": 0 if pd.isna(row["n_workers"]) else int(row["n_workers"]),
            "n_factories": 0 if pd.isna(row["n_factories"]) else int(row["n_factories"]),
            "outcomes": row["outcomes"],
            "headline": best.get(key),
        }
    return out


def scorecard(
    decided: pd.DataFrame,
    voice_pattern: str = VOICE_PATTERN,
    lang: str = "en",
) -> pd.DataFrame:
    """Summarise the decided outcomes per grouping value and stakeholder.

    Parameters
    ----------
    decided : pandas.DataFrame
        The rows that decide an outcome (``category`` set), with ``grouping``, ``group``,
        ``stakeholder``, ``kind``, ``outcome_id``, ``label``, ``primary_outcome``,
        ``category``, ``basis``, ``p_decision``, ``n_comparisons``, ``sentence``, counts
        and, for constructs, ``scale_reliable``. Produced by
        :func:`score_impact.reports.impact.build_impact` (or :func:`decided_rows`).
    voice_pattern : str
        Regular expression (case-insensitive) on outcome id or label marking
        voice/trust constructs for the trust-drift note.
    lang : str
        Language of ``basis``, ``headline`` and ``note``.

    Returns
    -------
    pandas.DataFrame
        One row per grouping, group and stakeholder, columns :data:`SCORECARD_COLUMNS`:

        - ``n_outcomes``: primary outcomes judged; then how many are ``improved``,
          ``worsened``, ``no_meaningful_change``, ``inconclusive``, ``not_estimable``
        - ``win``: at least one improved and none worsened
        - ``basis``: comparison factories (DiD), before/after only, or mixed (text)
        - ``n_workers``, ``n_factories``: the most workers (matched pairs, or follow-up
          respondents) / factories any of the stakeholder's verdicts rests on (0: none)
        - ``outcomes``: "outcome_id=category" for every primary outcome, "; "-separated
        - ``headline``: the sentence of the improved primary outcome with the smallest
          ``p_decision``; else why there is no win
        - ``note``: trust-drift caution where it applies, else None
    """
    if decided.empty:
        return pd.DataFrame(columns=SCORECARD_COLUMNS)
    data = decided[decided["category"].notna()]
    reliable = data.get("scale_reliable", pd.Series(True, data.index)).fillna(True)
    primary = data[data["primary_outcome"].fillna(False).astype(bool) & reliable.astype(bool)]
    primary = primary[primary["kind"].isin(["construct", "kpi"])]
    voice = data["outcome_id"].astype(str).str.contains(voice_pattern, case=False) | data[
        "label"
    ].astype(str).str.contains(voice_pattern, case=False)
    good = np.where(data["direction"] == "lower_is_better", -1, 1) * data["change"].astype(float)
    falls = voice & data["kind"].eq("construct") & data["category"].ne("not_estimable")
    falls &= pd.Series(good, index=data.index) < 0
    keys = ["grouping", "group", "stakeholder"]
    summary = _summaries(primary, keys, lang)
    family = primary.groupby(["grouping", "group"], sort=False)["n_comparisons"].max()
    size = primary.groupby(["grouping", "group"], sort=False).size()
    kpi = data[data["kind"] == "kpi"]
    kpi_up = set(kpi.loc[kpi["category"] == "improved", ["grouping", "group"]].itertuples(
        index=False, name=None))  # fmt: skip
    kpi_down = set(kpi.loc[kpi["category"] == "worsened", ["grouping", "group"]].itertuples(
        index=False, name=None))  # fmt: skip
    drift_labels = data[falls].groupby(["grouping", "group"], sort=False)["label"].agg(
        lambda labels: ", ".join(labels.astype(str))
    )  # fmt: skip
    rows = []
    for grouping, group in (
        data[["grouping", "group"]].drop_duplicates().itertuples(index=False, name=None)
    ):
        m = family.get((grouping, group), np.nan)
        m = int(m) if pd.notna(m) else int(size.get((grouping, group), 0))
        labels = drift_labels.get((grouping, group))
        drift = bool(labels) and (grouping, group) in kpi_up and (grouping, group) not in kpi_down
        for stakeholder in STAKEHOLDERS:
            found = summary.get((grouping, group, stakeholder))
            row = {"grouping": grouping, "group": group, "stakeholder": stakeholder}
            if found is None:
                row.update(_EMPTY, headline=t("scorecard.none_primary", lang))
            else:
                row.update(found)
                if found["n_not_estimable"] == found["n_outcomes"]:
                    row["headline"] = t("scorecard.none_estimable", lang)
                elif not found["n_improved"]:
                    row["headline"] = t("scorecard.none_improved", lang, m=m)
            row["note"] = (
                t("scorecard.drift", lang, labels=labels)
                if drift and stakeholder == "workers"
                else None
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
