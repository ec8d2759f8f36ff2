"""Compare with a value as R printed it: exact up to half a unit of its last digit."""

from __future__ import annotations

import pytest


def printed(text: str):
    """``pytest.approx`` of a printed number, tolerance = half its last printed digit.

    R prints t, df and p with 4-5 significant digits; the true value lies within half a
    unit of the last digit, so that is the tightest honest tolerance (e.g. "0.001374"
    -> +/- 5e-7, a relative 3.6e-4; "0.7001142" -> +/- 5e-8, relative 7e-8).
    """
    mantissa = text.lower().split("e")[0]
    exponent = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return pytest.approx(float(text), abs=0.5 * 10 ** (exponent - decimals), rel=0)
