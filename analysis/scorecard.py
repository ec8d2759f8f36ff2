"""Win-win-win scorecard: what changed for workers, the supplier and the brand.

Counts, per stakeholder, outcomes that improved significantly after correction, worsened
significantly, showed no detectable change, or could not be estimated (including
suppressed). Wording never overclaims: a non-significant result is "no detectable
change" - absence of evidence, not evidence of no effect - and nothing is "proved".

**Trust drift.** In worker-voice programmes, growing trust makes later answers more
candid, so a voice or trust score can *fall* while practice improves. When a voice/trust
construct falls while enterprise KPIs improve significantly (and none worsens
significantly), the workers' row carries a note saying so instead of hiding it.
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
    "n_no_detectable_change",
    "n_not_estimable",
    "win",
    "headline",
    "note",
]
STAKEHOLDERS = ("workers", "supplier", "brand")
VOICE_PATTERN = r"voice|trust|communicat|speak|listen"


def scorecard(
    results: pd.DataFrame,
    kpi_results: pd.DataFrame | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    kinds: tuple[str, ...] = ("construct", "kpi"),
    voice_pattern: str = VOICE_PATTERN,
    lang: str = "en",
) -> pd.DataFrame:
    """Summarise results per stakeholder: improved, worsened, no detectable change.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`analysis.compare_phases`.
    kpi_results : pandas.DataFrame, optional
        Output of :func:`analysis.kpi_tests` (same columns); needed for trust drift.
    alpha : float, default 0.05
        Significance level applied to the corrected p-value.
    correction : {"holm", "bh"}
        Which adjusted p-value decides significance.
    kinds : tuple of str
        Outcome kinds counted (items are usually too many and overlap constructs).
    voice_pattern : str
        Regular expression (case-insensitive) on outcome id or label marking
        voice/trust constructs for the trust-drift note.
    lang : str
        Interface language of ``headline`` and ``note`` (``scorecard.*`` strings).

    Returns
    -------
    pandas.DataFrame
        One row per grouping, group and stakeholder (workers, supplier, brand), columns
        :data:`SCORECARD_COLUMNS`:

        - ``n_outcomes`` : outcomes counted (headline rows, ``primary``)
        - ``n_improved`` / ``n_worsened`` : significant after correction, in / against
          the direction of good
        - ``n_no_detectable_change`` : estimable but not significant after correction
        - ``n_not_estimable`` : not estimable or suppressed
        - ``win`` : at least one significant improvement and no significant worsening
        - ``headline`` : sentence of the largest significant improvement (by |effect
          size|), else a "no detectable change" statement
        - ``note`` : trust-drift caution where it applies, else None
    """
    frames = [results] + ([kpi_results] if kpi_results is not None else [])
    data = pd.concat([f for f in frames if len(f)], ignore_index=True)
    data = data[data["primary"].astype(bool) & data["kind"].isin(kinds)]
    p_adj = data[f"p_{correction}"].to_numpy(dtype=float)
    estimable = data["not_estimable"].isna().to_numpy() & ~data["suppressed"].to_numpy(bool)
    improved = data["improved"].fillna(False).to_numpy(dtype=bool)
    worsened = (~data["improved"].fillna(True)).to_numpy(dtype=bool)
    sig = estimable & (p_adj < alpha)
    data = data.assign(
        _up=sig & improved,
        _down=sig & worsened,
        _flat=estimable & ~sig,
        _na=~estimable,
        _abs=np.abs(data["effect_size"].to_numpy(dtype=float)),
    )
    voice = data["outcome_id"].astype(str).str.contains(voice_pattern, case=False) | data[
        "label"
    ].astype(str).str.contains(voice_pattern, case=False)
    data["_voice_fall"] = (
        voice
        & (data["kind"] == "construct")
        & estimable
        & (data["change"].to_numpy(dtype=float) < 0)
    )
    rows = []
    group_keys = data[["grouping", "group"]].drop_duplicates()
    if kpi_results is not None and len(kpi_results):
        group_keys = group_keys[group_keys["grouping"].isin(results["grouping"])]
    for grouping, group in group_keys.itertuples(index=False):
        part = data[(data["grouping"] == grouping) & (data["group"] == group)]
        kpis = part[part["kind"] == "kpi"]
        drift_labels = part.loc[part["_voice_fall"], "label"].astype(str).tolist()
        drift = bool(drift_labels) and kpis["_up"].any() and not kpis["_down"].any()
        for stakeholder in STAKEHOLDERS:
            mine = part[part["stakeholder"] == stakeholder]
            ups = mine[mine["_up"]].sort_values("_abs", ascending=False)
            headline = ups["sentence"].iloc[0] if len(ups) else t("scorecard.none", lang)
            note = None
            if drift and stakeholder == "workers":
                labels = t("list.sep", lang).join(drift_labels)
                note = t("scorecard.drift", lang, labels=labels)
            rows.append(
                {
                    "grouping": grouping,
                    "group": group,
                    "stakeholder": stakeholder,
                    "n_outcomes": len(mine),
                    "n_improved": int(mine["_up"].sum()),
                    "n_worsened": int(mine["_down"].sum()),
                    "n_no_detectable_change": int(mine["_flat"].sum()),
                    "n_not_estimable": int(mine["_na"].sum()),
                    "win": bool(mine["_up"].any() and not mine["_down"].any()),
                    "headline": headline if len(mine) else None,
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
