"""A realistic simulation of self-generated codes with known identities, to measure how
often :func:`score_impact.pairing.match_pairs` pairs the right people.

Real codes are far less uniform than "pick each element at random": birthdays heap on
round days (and are given in the lunar calendar by some), many workers do not know their
mother's birth month and name a common one, most have 0-2 older siblings, and a factory's
workers are born in a handful of years. At follow-up some workers misremember an element
(a day off by one, a half-sibling counted or not, a guessed month guessed differently),
a few misremember two; some left and newcomers arrived. Only the simulation knows who is
who, so it can count right and wrong matches: ``bench/pairing.py`` prints the figures and
``tests/test_pairing.py`` holds the matcher to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from score_impact.pairing import ELEMENTS, Coded, MatchResult, make_code, match_pairs

KEY = b"simulation-key"
_HEAPED_DAYS = np.array([1, 5, 8, 10, 15, 18, 20, 25, 28])
_GUESSED_MONTHS = np.array([1, 6, 8, 10, 12])
_SIBLINGS = np.array([0.34, 0.30, 0.19, 0.10, 0.05, 0.02])  # 0..5 older siblings
# coarse demographic bands as answered on the survey (option index)
_GENDER = np.array([0.75, 0.23, 0.02])  # woman, man, prefer not to say
_DEPARTMENT = np.array([0.70, 0.12, 0.10, 0.08])  # production, quality, warehouse, other
_TENURE = np.array([0.30, 0.40, 0.30])  # under 1 year, 1-3 years, over 3 years


@dataclass(frozen=True)
class SimulationSettings:
    factories: int = 40
    workers: tuple[int, int] = (40, 160)  # per factory, uniform range
    return_rate: float = 0.65  # baseline workers who answer the follow-up
    newcomer_rate: float = 0.35  # follow-up newcomers, as a share of baseline workers
    misremember_one: float = 0.10  # returning workers with one element different
    misremember_two: float = 0.02  # ... with two (unmatchable by design)
    heaped_day: float = 0.15  # share giving a round or remembered-wrong day
    unknown_month: float = 0.30  # share who guess their mother's birth month
    seed: int = 20261125


@dataclass(frozen=True)
class Accuracy:
    """How the matcher did against the known identities."""

    returning: int  # true before/after pairs (same person in both phases)
    exact: int
    exact_right: int
    tolerant: int
    tolerant_right: int

    @property
    def exact_precision(self) -> float:
        return self.exact_right / self.exact if self.exact else 1.0

    @property
    def tolerant_precision(self) -> float:
        return self.tolerant_right / self.tolerant if self.tolerant else 1.0

    @property
    def precision(self) -> float:
        matched = self.exact + self.tolerant
        return (self.exact_right + self.tolerant_right) / matched if matched else 1.0

    @property
    def recall(self) -> float:
        """Share of returning workers paired with their own baseline answer."""
        return (self.exact_right + self.tolerant_right) / self.returning if self.returning else 1.0


def _bands(rng: np.random.Generator, tenure: int | None = None) -> dict:
    return {
        "gender": int(rng.choice(3, p=_GENDER)),
        "department": int(rng.choice(4, p=_DEPARTMENT)),
        "tenure": int(rng.choice(3, p=_TENURE)) if tenure is None else tenure,
    }


def _later_bands(rng: np.random.Generator, bands: dict) -> dict:
    """The same worker's bands a few months on: tenure may rise a band, a few change
    department, a few answer gender differently or skip a question."""
    out = dict(bands)
    if out["tenure"] < 2 and rng.random() < 0.35:
        out["tenure"] += 1
    if rng.random() < 0.05:
        out["department"] = int(rng.choice(4, p=_DEPARTMENT))
    if rng.random() < 0.01:
        out["gender"] = 2
    return out


def _coded_bands(rng: np.random.Generator, bands: dict) -> tuple:
    """As the adapter passes them: (name, option index or None if skipped)."""
    return tuple((k, None if rng.random() < 0.03 else v) for k, v in sorted(bands.items()))


def _person(rng: np.random.Generator, s: SimulationSettings, birth_years: np.ndarray) -> dict:
    day = int(rng.integers(1, 29)) if rng.random() < 0.9 else int(rng.integers(29, 32))
    if rng.random() < s.heaped_day:
        day = int(rng.choice(_HEAPED_DAYS))
    month = int(rng.integers(1, 13))
    if rng.random() < s.unknown_month:
        month = int(rng.choice(_GUESSED_MONTHS, p=[0.35, 0.2, 0.15, 0.1, 0.2]))
    return {
        "birth_day": day,
        "mother_birth_month": month,
        "older_siblings": int(rng.choice(len(_SIBLINGS), p=_SIBLINGS)),
        "birth_year_last_digit": int(rng.choice(birth_years)) % 10,
    }


def _misremember(rng: np.random.Generator, code: dict, how_many: int) -> dict:
    """The same person's code with ``how_many`` elements answered differently."""
    out = dict(code)
    for name in rng.choice(list(ELEMENTS), size=how_many, replace=False):
        allowed = ELEMENTS[str(name)]
        value = out[str(name)]
        if name in ("birth_day", "older_siblings") and rng.random() < 0.6:
            step = int(rng.choice([-1, 1]))  # off by one: lunar date, a half-sibling
            new = value + step if value + step in allowed else value - step
        else:
            new = int(rng.choice([v for v in allowed if v != value]))
        out[str(name)] = new
    return out


def simulate_factory(
    rng: np.random.Generator, s: SimulationSettings, enterprise_id: int
) -> tuple[list[Coded], list[Coded], dict[int, int]]:
    """One factory's baseline and follow-up codes and who answered each (response id ->
    person id)."""
    n = int(rng.integers(s.workers[0], s.workers[1] + 1))
    centre = int(rng.integers(1996, 2004))  # a factory's workers are born in a few years
    birth_years = np.clip(np.rint(rng.normal(centre, 3.0, 400)), 1975, 2008).astype(int)
    people = [_person(rng, s, birth_years) for _ in range(n)]
    bands = [_bands(rng) for _ in range(n)]
    newcomers = [_person(rng, s, birth_years) for _ in range(int(round(n * s.newcomer_rate)))]
    who: dict[int, int] = {}
    rid = enterprise_id * 100_000

    def coded(person_id: int, code: dict, answered: dict) -> Coded:
        nonlocal rid
        rid += 1
        who[rid] = person_id
        c = make_code(KEY, enterprise_id, code)
        return Coded(rid, enterprise_id, c.full_hash, c.part_hashes, _coded_bands(rng, answered))

    before = [coded(i, p, b) for i, (p, b) in enumerate(zip(people, bands, strict=True))]
    after = []
    for i, p in enumerate(people):
        if rng.random() < s.return_rate:
            roll = rng.random()
            wrong = 2 if roll < s.misremember_two else 1 if roll < s.misremember_two + (
                s.misremember_one) else 0  # fmt: skip
            code = _misremember(rng, p, wrong) if wrong else p
            after.append(coded(i, code, _later_bands(rng, bands[i])))
    after += [coded(n + j, p, _bands(rng, tenure=0)) for j, p in enumerate(newcomers)]
    return before, after, who


def measure(
    settings: SimulationSettings | None = None,
    matcher: Callable[[list[Coded], list[Coded]], MatchResult] = match_pairs,
) -> Accuracy:
    """Precision and recall of ``matcher`` over ``settings.factories`` simulated factories."""
    s = settings or SimulationSettings()
    rng = np.random.default_rng(s.seed)
    totals = {"returning": 0, "exact": 0, "exact_right": 0, "tolerant": 0, "tolerant_right": 0}
    for ent in range(1, s.factories + 1):
        before, after, who = simulate_factory(rng, s, ent)
        result = matcher(before, after)
        baseline_people = {who[c.response_id] for c in before}
        totals["returning"] += sum(who[c.response_id] in baseline_people for c in after)
        by_pair: dict[str, list[int]] = {}
        for rid, pid in result.pairs.items():
            by_pair.setdefault(pid, []).append(rid)
        for pid, (first, second) in by_pair.items():
            kind = result.kinds[pid]
            totals[kind] += 1
            totals[f"{kind}_right"] += who[first] == who[second]
    return Accuracy(**totals)
