"""Power and minimum detectable effect for planning a survey round.

:func:`power_paired` is R's ``power.t.test(type = "paired")``: give all of ``n``,
``delta`` and ``power`` but one, and the missing one is solved for. :func:`power_clustered`
puts workers in factories: answers of one factory's workers move together (intra-class
correlation), and only workers whose private code matches across rounds form pairs, so
the effective number of pairs is smaller than the number of workers asked.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import optimize, stats

POWER_COLUMNS: list[str] = ["n", "delta", "sd", "alpha", "power", "alternative"]
CLUSTERED_COLUMNS: list[str] = [
    "factories",
    "workers_per_factory",
    "match_rate",
    "icc",
    "design_effect",
    "n_pairs",
    "n_effective",
    "delta",
    "sd",
    "alpha",
    "power",
    "reachable",
]
ALTERNATIVES = ("two-sided", "one-sided")
#: R's uniroot default tolerance (.Machine$double.eps^0.25) is 1.2e-4; we solve tighter.
_XTOL = 1e-10


def _power(n: float, delta: float, sd: float, alpha: float, sides: int) -> float:
    """R's power.t.test body for one sample of differences (tsample = 1, strict = FALSE):
    P(T' > t_{1 - alpha/sides, n - 1}) with T' noncentral t, ncp = sqrt(n) delta / sd."""
    df = n - 1
    return float(stats.nct.sf(stats.t.isf(alpha / sides, df), df, math.sqrt(n) * delta / sd))


def _check(name: str, value: float | None, low: float, high: float | None = None) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value <= low or (high is not None and value >= high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"above {low:g}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


def power_paired(
    n: float | None = None,
    delta: float | None = None,
    sd: float = 1.0,
    alpha: float = 0.05,
    power: float | None = None,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Power of the paired t-test, or the pairs / change needed for a given power.

    Parameters
    ----------
    n : float, optional
        Number of pairs (> 1).
    delta : float, optional
        True mean change (> 0), in the units of ``sd``.
    sd : float, default 1
        Standard deviation of the *changes* within pairs.
    alpha : float, default 0.05
        Significance level.
    power : float, optional
        Probability of a significant result (between ``alpha`` and 1).
    alternative : {"two-sided", "one-sided"}

    Exactly one of ``n``, ``delta``, ``power`` must be None: it is solved for.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`POWER_COLUMNS`. ``n`` is not rounded (round up to plan).

    Notes
    -----
    power = P(T'(n - 1, sqrt(n) delta / sd) > t_{1 - alpha / s, n - 1}), s = 2 for
    two-sided (R's default ``strict = FALSE``: the far tail is ignored), solved by
    Brent's method as R solves it with ``uniroot``.

    References
    ----------
    R Core Team. ``power.t.test`` (package stats). Dalgaard, P. (2008). Introductory
    Statistics with R, 2nd ed., Springer, sec. 8.3.
    """
    missing = [name for name, v in (("n", n), ("delta", delta), ("power", power)) if v is None]
    if len(missing) != 1:
        raise ValueError("leave exactly one of n, delta and power as None")
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}")
    sides = 2 if alternative == "two-sided" else 1
    _check("n", n, 1)
    _check("delta", delta, 0)
    _check("sd", sd, 0)
    _check("alpha", alpha, 0, 1)
    _check("power", power, alpha / sides, 1)
    if power is None:
        power = _power(n, delta, sd, alpha, sides)  # type: ignore[arg-type]
    elif n is None:
        n = optimize.brentq(
            lambda x: _power(x, delta, sd, alpha, sides) - power,  # type: ignore[arg-type]
            1 + 1e-9,
            1e7,
            xtol=_XTOL,
        )
    else:
        delta = optimize.brentq(
            lambda x: _power(n, x, sd, alpha, sides) - power,  # type: ignore[arg-type]
            sd * 1e-7,
            sd * 1e7,
            xtol=_XTOL * sd,
        )
    row = {"n": n, "delta": delta, "sd": sd, "alpha": alpha, "power": power,
           "alternative": alternative}  # fmt: skip
    return pd.DataFrame([row], columns=POWER_COLUMNS)


def design_effect(pairs_per_factory: float, icc: float) -> float:
    """Kish's design effect of cluster sampling, 1 + (m - 1) ICC."""
    return 1 + (pairs_per_factory - 1) * icc


def _effective(factories: int, workers: float, match_rate: float, icc: float):
    pairs_per_factory = workers * match_rate
    deff = design_effect(max(pairs_per_factory, 1.0), icc)
    n_pairs = factories * pairs_per_factory
    return n_pairs, deff, n_pairs / deff


def power_clustered(
    factories: int,
    workers_per_factory: float | None = None,
    delta: float | None = None,
    sd: float = 1.0,
    icc: float = 0.05,
    match_rate: float = 0.75,
    alpha: float = 0.05,
    power: float | None = 0.8,
) -> pd.DataFrame:
    """Paired before/after power for workers clustered in factories.

    Parameters
    ----------
    factories : int
        Factories surveyed in both rounds.
    workers_per_factory : float, optional
        Workers asked per factory in each round.
    delta : float, optional
        Mean change to detect (scale points).
    sd : float, default 1
        Standard deviation of a worker's change.
    icc : float, default 0.05
        Intra-class correlation of the changes within a factory (0 <= icc < 1).
    match_rate : float, default 0.75
        Share of follow-up workers matched to their baseline answer by the private code.
    alpha, power : float
        Significance level and power.

    Exactly one of ``workers_per_factory``, ``delta`` and ``power`` must be None.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`CLUSTERED_COLUMNS`: ``n_pairs`` = factories x workers x
        match rate, ``design_effect`` = 1 + (pairs per factory - 1) ICC, ``n_effective``
        = n_pairs / design effect, the paired power on ``n_effective`` pairs.
        ``reachable`` is False when no number of workers reaches the power: the effective
        pairs can never exceed factories / ICC, so more factories are needed; then
        ``workers_per_factory`` is NaN.

    Notes
    -----
    A planning approximation (Kish 1965; Donner & Klar 2000): the paired t-test on the
    effective sample size. Unmatched workers, who still add independent-sample
    information, are ignored, so the answer errs on the safe side.
    """
    missing = [
        name
        for name, v in (("workers_per_factory", workers_per_factory), ("delta", delta),
                        ("power", power))
        if v is None
    ]  # fmt: skip
    if len(missing) != 1:
        raise ValueError("leave exactly one of workers_per_factory, delta and power as None")
    if int(factories) != factories or factories < 1:
        raise ValueError(f"factories must be a whole number of at least 1, got {factories!r}")
    _check("workers_per_factory", workers_per_factory, 0)
    _check("match_rate", match_rate, 0, 1 + 1e-12)
    if not 0 <= icc < 1:
        raise ValueError(f"icc must be at least 0 and below 1, got {icc!r}")
    reachable = True
    if workers_per_factory is None:
        need = float(power_paired(delta=delta, sd=sd, alpha=alpha, power=power)["n"].iloc[0])
        ceiling = factories / icc if icc > 0 else math.inf  # n_effective as workers -> inf

        def gap(m: float) -> float:
            return _effective(factories, m, match_rate, icc)[2] - need

        if ceiling <= need or gap(1e6) < 0:
            reachable = False
            workers_per_factory = math.nan
        else:
            low = 1.0 / match_rate
            workers_per_factory = (
                low if gap(low) >= 0 else optimize.brentq(gap, low, 1e6, xtol=1e-9)
            )
    n_pairs, deff, n_eff = (
        _effective(factories, workers_per_factory, match_rate, icc)
        if reachable
        else (math.nan, math.nan, math.nan)
    )
    if reachable and n_eff <= 1:
        raise ValueError("fewer than 2 effective pairs: survey more workers or factories")
    if reachable:
        ask = {"delta": delta, "power": power if delta is None else None}  # solve one
        solved = power_paired(n=n_eff, sd=sd, alpha=alpha, **ask).iloc[0]
        delta, power = float(solved["delta"]), float(solved["power"])
    row = {
        "factories": factories,
        "workers_per_factory": workers_per_factory,
        "match_rate": match_rate,
        "icc": icc,
        "design_effect": deff,
        "n_pairs": n_pairs,
        "n_effective": n_eff,
        "delta": delta,
        "sd": sd,
        "alpha": alpha,
        "power": power,
        "reachable": reachable,
    }
    return pd.DataFrame([row], columns=CLUSTERED_COLUMNS)
