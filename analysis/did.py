"""Difference-in-differences with comparison enterprises (not yet trained).

Model: ``y = b0 + b1 treated + b2 post + b3 treated x post + e``, fitted by OLS on
respondent-level construct scores, with standard errors clustered by enterprise (workers
of one factory are not independent). ``b3`` is the DiD estimate: the change in trained
enterprises beyond the change in comparison enterprises over the same period.

Cluster-robust covariance as Stata's ``vce(cluster)`` and statsmodels'
``cov_type="cluster"``: sandwich (X'X)^-1 (sum_g X_g' u_g u_g' X_g) (X'X)^-1 times
G/(G-1) * (N-1)/(N-K); t distribution with G-1 degrees of freedom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis import _common as c
from analysis.scoring import construct_scores
from analysis.suppression import MIN_GROUP_SIZE

DID_COLUMNS: list[str] = [
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p",
    "n",
    "n_clusters",
    "not_estimable",
]


def did_ols(
    data: pd.DataFrame,
    outcome: str = "score",
    treated: str = "treated",
    post: str = "post",
    cluster: str = "enterprise_id",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """OLS difference-in-differences with cluster-robust standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation; rows with a missing value in any used column are
        dropped.
    outcome, treated, post, cluster : str
        Column names: numeric outcome, 0/1 (or bool) treatment group, 0/1 period
        (follow-up = 1), cluster id (enterprise).
    confidence : float
        Level of the interval of the DiD estimate.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`DID_COLUMNS`: ``estimate`` (coefficient of
        treated x post), ``se`` (cluster-robust), ``ci_low``/``ci_high``, ``statistic``
        (t), ``df`` (clusters - 1), ``p`` (two-sided), ``n`` (observations),
        ``n_clusters``, ``not_estimable`` (fewer than 2 clusters in the treated or
        comparison group, or a design with an empty treated x period cell).

    References
    ----------
    Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. J. Human Resources 50, 317-372.
    """
    d = data[[outcome, treated, post, cluster]].dropna()
    tr = d[treated].astype(float).to_numpy()
    po = d[post].astype(float).to_numpy()
    groups = pd.factorize(d[cluster])[0]
    n, g_count = len(d), int(groups.max() + 1) if len(d) else 0
    row = {col: np.nan for col in DID_COLUMNS}
    row.update(n=n, n_clusters=g_count, not_estimable=None)
    treated_clusters = len(np.unique(groups[tr == 1]))
    control_clusters = len(np.unique(groups[tr == 0]))
    cells = {(a, b) for a, b in zip(tr, po, strict=True)}
    if treated_clusters < 2 or control_clusters < 2:
        row["not_estimable"] = c.FEW_CLUSTERS
    elif len(cells) < 4:
        row["not_estimable"] = c.NO_CONTRAST
    else:
        x = np.column_stack([np.ones(n), tr, po, tr * po])
        fit = sm.OLS(d[outcome].to_numpy(dtype=float), x).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
        )
        est, se = float(fit.params[3]), float(fit.bse[3])
        df = g_count - 1
        q = stats.t.ppf(0.5 + confidence / 2, df)
        row.update(
            estimate=est,
            se=se,
            ci_low=est - q * se,
            ci_high=est + q * se,
            statistic=est / se,
            df=float(df),
            p=float(2 * stats.t.sf(abs(est / se), df)),
        )
    return pd.DataFrame([row], columns=DID_COLUMNS)


def did_constructs(
    answers: pd.DataFrame,
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    min_group_size: int = MIN_GROUP_SIZE,
    min_answered: float = 2 / 3,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference-in-differences of every construct, trained vs comparison enterprises.

    Parameters
    ----------
    answers : pandas.DataFrame
        The tidy ``answers`` frame, including comparison enterprises (``treated`` False).
    baseline, follow_up : str
        The two periods.
    min_group_size : int, default 5
        A construct with fewer respondents in any of the four cells (treated/comparison x
        baseline/follow-up) is suppressed.

    Returns
    -------
    pandas.DataFrame
        One row per construct: ``construct``, ``mean_treated_before``,
        ``mean_treated_after``, ``mean_control_before``, ``mean_control_after``,
        ``n_treated_before``, ``n_treated_after``, ``n_control_before``,
        ``n_control_after``, then :data:`DID_COLUMNS`, then ``suppressed``.
    """
    data = answers[answers["phase"].astype(str).isin([baseline, follow_up])]
    scores = construct_scores(data, min_answered=min_answered)
    scores = scores[scores["scored"]].assign(
        post=(scores["phase"].astype(str) == follow_up).astype(float),
        treated=scores["treated"].astype(bool).astype(float),
    )
    rows = []
    for construct, part in scores.groupby("construct", sort=True):
        res = did_ols(part, confidence=confidence).iloc[0].to_dict()
        cells = part.groupby(["treated", "post"])["score"].agg(["mean", "size"])
        record: dict[str, object] = {"construct": construct}
        small = False
        for tr, tr_name in ((1.0, "treated"), (0.0, "control")):
            for po, po_name in ((0.0, "before"), (1.0, "after")):
                mean, size = cells.loc[(tr, po)] if (tr, po) in cells.index else (np.nan, 0)
                small |= 0 < size < min_group_size
                record[f"mean_{tr_name}_{po_name}"] = mean
                record[f"n_{tr_name}_{po_name}"] = size
        record.update(res)
        record["suppressed"] = small
        if small:
            for key in list(record):
                if key.startswith(("mean_", "n_")) or key in c.NUMERIC_COLUMNS:
                    record[key] = np.nan
            record["not_estimable"] = c.SUPPRESSED.format(k=min_group_size)
        rows.append(record)
    return pd.DataFrame(rows)
