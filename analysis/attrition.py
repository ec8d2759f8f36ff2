"""What pairing does to the results: match rate, exact-only sensitivity, attrition check.

Anonymous codes pair only some follow-up answers with their baseline answer, and a
one-element-off match can still be wrong. Every report therefore shows

- the match rate: follow-up responses matched exactly, tolerantly (one element off,
  confirmed) and not at all (:func:`match_summary`);
- a sensitivity line: the main before/after results re-run with exact matches only
  (:func:`exact_only` feeds :func:`analysis.compare_phases`);
- an attrition check: baseline construct scores of workers who came back (matched at
  follow-up) vs those who did not (:func:`attrition`): if leavers started lower or
  higher, a before/after change partly reflects who stayed.

All three are ordinary result rows with their counts, so small groups are suppressed by
:func:`analysis.suppress` like any other row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import _common as c
from analysis.parametric import welch_t_arrays
from analysis.scoring import construct_groups
from analysis.suppression import MIN_GROUP_SIZE, suppress

MATCH_COLUMNS: list[str] = [
    "follow_up_responses",
    "exact",
    "tolerant",
    "unmatched",
    "exact_rate",
    "tolerant_rate",
    "unmatched_rate",
    "suppressed",
]
ATTRITION_COLUMNS: list[str] = [
    "construct",
    "n_returned",
    "mean_returned",
    "n_not_returned",
    "mean_not_returned",
    "difference",
    "ci_low",
    "ci_high",
    "p",
    "suppressed",
    "not_estimable",
]


def _matched(answers: pd.DataFrame, baseline: str, follow_up: str) -> pd.DataFrame:
    """One row per response of the two phases: phase, pair_id, pair_match, and whether
    its partner is in the other phase of this frame."""
    cols = [col for col in ("response_id", "phase", "pair_id", "pair_match") if col in answers]
    resp = answers[cols].drop_duplicates("response_id")
    resp = resp[resp["phase"].isin([baseline, follow_up])]
    if "pair_match" not in resp:
        resp = resp.assign(pair_match=np.where(resp["pair_id"].notna(), "exact", None))
    ids = {
        phase: set(resp.loc[resp["phase"] == phase, "pair_id"].dropna())
        for phase in (baseline, follow_up)
    }
    other = np.where(resp["phase"] == baseline, follow_up, baseline)
    resp["partnered"] = [
        pid in ids[o] if isinstance(pid, str) else False
        for pid, o in zip(resp["pair_id"], other, strict=True)
    ]
    return resp


def match_summary(
    answers: pd.DataFrame,
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    min_group_size: int = MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Follow-up responses matched exactly, tolerantly and not at all.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`MATCH_COLUMNS` (rates 0-1 of the follow-up responses); counts and
        rates blanked (``suppressed``) when fewer than ``min_group_size`` follow-up
        responses.
    """
    resp = _matched(answers, baseline, follow_up)
    later = resp[resp["phase"] == follow_up]
    total = len(later)
    exact = int((later["partnered"] & (later["pair_match"] == "exact")).sum())
    tolerant = int((later["partnered"] & (later["pair_match"] == "tolerant")).sum())
    unmatched = total - exact - tolerant
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.array([exact, tolerant, unmatched], float) / total if total else [np.nan] * 3
    small = 0 < total < min_group_size
    values = [np.nan] * 7 if small else [total, exact, tolerant, unmatched, *rates]
    return pd.DataFrame([[*map(float, values), small]], columns=MATCH_COLUMNS)


def exact_only(answers: pd.DataFrame) -> pd.DataFrame:
    """The answers with tolerant pair ids removed: those respondents count as unmatched
    (independent samples), so a re-run shows what the tolerant matches contributed."""
    if "pair_match" not in answers:
        return answers
    tolerant = (answers["pair_match"] == "tolerant").to_numpy()
    if not tolerant.any():
        return answers
    out = answers.copy()
    out.loc[tolerant, "pair_id"] = None
    out.loc[tolerant, "pair_match"] = None
    return out


def attrition(
    answers: pd.DataFrame,
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    min_group_size: int = MIN_GROUP_SIZE,
    min_answered: float = 2 / 3,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Baseline construct scores of workers who returned vs those who did not.

    Returns
    -------
    pandas.DataFrame
        One row per construct, :data:`ATTRITION_COLUMNS`: counts and means of baseline
        respondents matched at follow-up ("returned") and not, ``difference`` (returned -
        not returned) with its Welch interval and p. Rows with 1..k-1 respondents on a
        side are suppressed.
    """
    resp = _matched(answers, baseline, follow_up)
    base = resp[resp["phase"] == baseline].set_index("response_id")["partnered"]
    # score the baseline answers from the columns scoring reads (a filter of the whole
    # frame copies every text column)
    needed = ["response_id", "construct", "item_id", "item_type", "value", "reverse",
              "scale_min", "scale_max"]  # fmt: skip
    slim = answers[needed]
    scores = construct_groups(slim[(answers["phase"] == baseline).to_numpy()], min_answered)
    scores = scores[scores["scored"].to_numpy()]
    ids = slim["response_id"][(answers["phase"] == baseline).to_numpy()].to_numpy()
    returned = pd.Series(ids[scores["_row"].to_numpy()]).map(base).astype(bool).to_numpy()
    score = scores["score"].to_numpy(dtype=float)
    codes, names = pd.factorize(scores["construct"], sort=True)
    yes_no = []
    for i in range(len(names)):  # each construct's scores, in response order
        rows = np.flatnonzero(codes == i)
        yes_no.append((score[rows][returned[rows]], score[rows][~returned[rows]]))
    # each construct's means and variances as numpy gives them, then one vectorised test
    stats = {
        "n_no": [len(no) for _, no in yes_no],
        "mean_no": [no.mean() if len(no) else np.nan for _, no in yes_no],
        "var_no": [no.var(ddof=1) if len(no) > 1 else np.nan for _, no in yes_no],
        "n_yes": [len(yes) for yes, _ in yes_no],
        "mean_yes": [yes.mean() if len(yes) else np.nan for yes, _ in yes_no],
        "var_yes": [yes.var(ddof=1) if len(yes) > 1 else np.nan for yes, _ in yes_no],
    }
    tests = welch_t_arrays(
        stats["n_no"], stats["mean_no"], stats["var_no"],
        stats["n_yes"], stats["mean_yes"], stats["var_yes"], confidence,
    ) if len(names) else None  # fmt: skip
    rows = [
        {
            "construct": construct,
            "n_returned": stats["n_yes"][i],
            "mean_returned": stats["mean_yes"][i],
            "n_not_returned": stats["n_no"][i],
            "mean_not_returned": stats["mean_no"][i],
            "difference": tests["change"].iloc[i],
            "ci_low": tests["ci_low"].iloc[i],
            "ci_high": tests["ci_high"].iloc[i],
            "p": tests["p"].iloc[i],
            "not_estimable": tests["not_estimable"].iloc[i],
        }
        for i, construct in enumerate(names)
    ]
    out = pd.DataFrame(rows, columns=[col for col in ATTRITION_COLUMNS if col != "suppressed"])
    out = suppress(out, min_group_size, count_columns=("n_returned", "n_not_returned"))
    small = out["suppressed"].to_numpy(bool)
    c.blank_where(out, small, ["mean_returned", "mean_not_returned", "difference"])
    return out[ATTRITION_COLUMNS]
