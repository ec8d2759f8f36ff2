"""Item non-response: how often each rated question was answered, declined or left out.

"Prefer not to answer" is stored as a declined answer with no value, so it is missing for
every score; this table keeps it visible. A question many workers decline (fear,
favouritism, safety shortcuts) says something about the climate the survey was given in,
and a rise in declines between rounds can move a mean on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NONRESPONSE_COLUMNS: list[str] = [
    "audience", "item_id", "phase", "responses", "answered", "declined", "not_answered",
    "declined_share", "suppressed",
]  # fmt: skip


def item_nonresponse(answers: pd.DataFrame, min_group_size: int = 5) -> pd.DataFrame:
    """Answered / declined / not answered counts per rated item and phase.

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame (``declined`` marks a "prefer not to answer").
    min_group_size : int
        A phase with fewer respondents than this is suppressed (counts blanked).

    Returns
    -------
    pandas.DataFrame
        :data:`NONRESPONSE_COLUMNS`. ``responses`` counts the respondents of that
        audience and phase; ``not_answered`` = responses - answered - declined (skipped,
        or not shown by the skip logic); ``declined_share`` = declined / responses.

    Notes
    -----
    Only rated items (likert, yes/no) are in the answers frame, so only they are counted.
    """
    if answers.empty:
        return pd.DataFrame(columns=NONRESPONSE_COLUMNS)
    declined = answers.get("declined", pd.Series(False, index=answers.index))
    frame = answers.assign(
        _answered=answers["value"].notna().to_numpy(),
        _declined=declined.fillna(False).astype(bool).to_numpy(),
    )
    totals = frame.groupby(["audience", "phase"])["response_id"].nunique().rename("responses")
    counts = (
        frame.groupby(["audience", "item_id", "phase"])
        .agg(answered=("_answered", "sum"), declined=("_declined", "sum"))
        .reset_index()
        .merge(totals.reset_index(), on=["audience", "phase"])
    )
    counts["not_answered"] = counts["responses"] - counts["answered"] - counts["declined"]
    counts["declined_share"] = counts["declined"] / counts["responses"]
    small = counts["responses"].to_numpy() < min_group_size
    counts["suppressed"] = small
    numbers = ["responses", "answered", "declined", "not_answered", "declined_share"]
    counts[numbers] = counts[numbers].astype(float)
    counts.loc[small, numbers] = np.nan
    return (
        counts[NONRESPONSE_COLUMNS]
        .sort_values(["audience", "item_id", "phase"])
        .reset_index(drop=True)
    )
