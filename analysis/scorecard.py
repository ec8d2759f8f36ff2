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


def _max_int(values: np.ndarray) -> int:
    values = values[~np.isnan(values)]
    return int(values.max()) if len(values) else 0


def _basis(rows: pd.DataFrame, lang: str) -> str | None:
    usable = rows[rows["category"] != "not_estimable"]
    if usable.empty:
        return None
    did = int(usable["basis"].eq("did").sum())
    if did == len(usable):
        return t("basis.did", lang)
    if did == 0:
        kinds = usable["basis"].unique()
        return t(f"basis.{kinds[0]}", lang) if len(kinds) == 1 else t("basis.before_after", lang)
    return t("scorecard.basis_mixed", lang, did=did, before_after=len(usable) - did)


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
    rows = []
    for (grouping, group), part in data.groupby(["grouping", "group"], sort=False):
        mine_all = primary[(primary["grouping"] == grouping) & (primary["group"] == group)]
        kpis = part[part["kind"] == "kpi"]
        drift_labels = part.loc[falls.loc[part.index], "label"].astype(str).tolist()
        drift = (
            bool(drift_labels)
            and kpis["category"].eq("improved").any()
            and not kpis["category"].eq("worsened").any()
        )
        for stakeholder in STAKEHOLDERS:
            mine = mine_all[mine_all["stakeholder"] == stakeholder]
            counts = mine["category"].value_counts()
            up = mine[mine["category"] == "improved"].sort_values("p_decision", kind="stable")
            m = mine_all["n_comparisons"].max()
            if len(up):
                headline = up["sentence"].iloc[0]
            elif mine.empty:
                headline = t("scorecard.none_primary", lang)
            else:
                m = int(m) if pd.notna(m) else len(mine_all)
                headline = t("scorecard.none_improved", lang, m=m)
            n, factories = _n_analysed(mine)
            workers = mine["kind"].eq("construct").to_numpy() & (
                mine.get("audience", pd.Series("worker", mine.index)).eq("worker").to_numpy()
            )
            rows.append(
                {
                    "grouping": grouping,
                    "group": group,
                    "stakeholder": stakeholder,
                    "n_outcomes": len(mine),
                    "n_improved": int(counts.get("improved", 0)),
                    "n_worsened": int(counts.get("worsened", 0)),
                    "n_no_meaningful_change": int(counts.get("no_meaningful_change", 0)),
                    "n_inconclusive": int(counts.get("inconclusive", 0)),
                    "n_not_estimable": int(counts.get("not_estimable", 0)),
                    "win": bool(len(up) and not counts.get("worsened", 0)),
                    "basis": _basis(mine, lang),
                    "n_workers": _max_int(np.where(workers, n, np.nan)),
                    "n_factories": _max_int(factories),
                    "outcomes": "; ".join(
                        f"{o}={cat}"
                        for o, cat in zip(mine["outcome_id"], mine["category"], strict=True)
                    ),  # fmt: skip
                    "headline": headline,
                    "note": (
                        t("scorecard.drift", lang, labels=", ".join(drift_labels))
                        if drift and stakeholder == "workers"
                        else None
                    ),
                }
            )
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
