"""Anonymous self-generated identification codes (SGIC) and before/after matching.

A worker answers a few stable, non-identifying questions (day of birth, mother's birth
month, ...). We keep only keyed hashes (HMAC-SHA256 with the server's secret): one of the
whole code and one per element, so that a code with one element misremembered can still be
matched. Without the key the hashes cannot be reversed by trying all 31 x 12 x ... values.

Matching follows the published practice (domain.md): exact matches first, then codes that
differ in exactly one element. Realistic codes are far from uniform (heaped birthdays,
guessed months, 0-2 siblings, a few birth years per factory), so a one-element-off pair
is often two different people: on a realistic simulation with known identities
(:mod:`score_impact.pairing_sim`, ``bench/pairing.py``) the plain "unique on both sides"
rule paired two different people in about half of its tolerant matches. A tolerant match
is therefore accepted only when, besides being unique on both sides,

- the two responses give the same coarse demographic bands (gender, department ...;
  tenure may move up one band), since a worker's bands do not change but a newcomer's
  and a leaver's often differ, and
- a coincidence is unlikely: the expected number of baseline codes that would agree
  with the follow-up code on three of four elements by chance (element frequencies of
  the factory, shrunk towards uniform) is at most :data:`MAX_CHANCE`.

Everything else is analysed as independent samples. docs/pairing.md has the figures.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

# The questions themselves (with translations) live in score_impact/i18n; these are the
# element keys and their allowed answers, so validation does not depend on the wording.
ELEMENTS: dict[str, range] = {
    "birth_day": range(1, 32),  # own day of birth, 1-31
    "mother_birth_month": range(1, 13),  # mother's birth month, 1-12
    "older_siblings": range(0, 10),  # number of older brothers and sisters, 0-9
    "birth_year_last_digit": range(0, 10),  # last digit of own year of birth
}
PART_LEN = 16  # hex characters kept per element hash: short, still collision-safe here
#: Largest expected number of chance one-element-off partners a tolerant match may have.
MAX_CHANCE = 0.05
#: Pseudo-responses of the uniform prior that element frequencies are shrunk towards.
PRIOR_WEIGHT = 50
#: Demographic band whose value may rise by one band between rounds (ordered options).
RISING_BAND = "tenure"


class PairingCodeError(ValueError):
    """A code element is missing or outside its allowed range."""


@dataclass(frozen=True)
class PairingCode:
    full_hash: str
    part_hashes: tuple[str, ...]

    @property
    def parts_text(self) -> str:
        return ",".join(self.part_hashes)


def _hmac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def make_code(key: bytes, enterprise_id: int, elements: dict[str, int]) -> PairingCode:
    """Hash a worker's code elements. The enterprise is part of the message, so the same
    code in two factories never matches and hashes cannot be compared across factories."""
    unknown = set(elements) - set(ELEMENTS)
    if unknown:
        raise PairingCodeError(f"unknown code element(s): {', '.join(sorted(unknown))}")
    parts = []
    for name, allowed in ELEMENTS.items():
        value = elements.get(name)
        if value is None or int(value) not in allowed:
            raise PairingCodeError(
                f"code element '{name}' must be in {allowed.start}-{allowed.stop - 1}"
            )
        parts.append(_hmac(key, f"{enterprise_id}|{name}|{int(value)}")[:PART_LEN])
    full = _hmac(key, f"{enterprise_id}|" + "|".join(f"{n}={int(elements[n])}" for n in ELEMENTS))
    return PairingCode(full_hash=full, part_hashes=tuple(parts))


@dataclass(frozen=True)
class Coded:
    """One response as the matcher sees it. ``bands`` are its coarse demographic answers
    (band name -> option index, None when not answered); without them no tolerant match
    can be confirmed."""

    response_id: int
    enterprise_id: int
    full_hash: str
    part_hashes: tuple[str, ...]
    bands: tuple[tuple[str, int | None], ...] = ()


@dataclass(frozen=True)
class MatchResult:
    pairs: dict[int, str]  # response_id -> pair id (shared by the matched before/after)
    exact: int
    tolerant: int
    before_total: int
    after_total: int
    kinds: dict[str, str] = field(default_factory=dict)  # pair id -> "exact" | "tolerant"

    @property
    def match_rate(self) -> float:
        """Share of follow-up responses with a baseline partner (0 when there are none)."""
        return (self.exact + self.tolerant) / self.after_total if self.after_total else 0.0


def _differs_in_one(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def bands_agree(before: Coded, after: Coded) -> bool:
    """Same demographic bands in both rounds (tenure may rise by one band); a band left
    unanswered on either side neither confirms nor contradicts. No bands at all: False."""
    if not before.bands or not after.bands:
        return False
    earlier, later = dict(before.bands), dict(after.bands)
    if set(earlier) != set(later):
        return False
    for name, value in earlier.items():
        other = later[name]
        if value is None or other is None:
            continue
        if name == RISING_BAND:
            if not 0 <= other - value <= 1:
                return False
        elif other != value:
            return False
    return True


class _Chance:
    """Expected number of baseline codes that would agree with a follow-up code on three
    of its four elements by chance, from the factory's element-hash frequencies (shrunk
    towards uniform by :data:`PRIOR_WEIGHT` pseudo-responses; the candidate pair itself
    is left out, so a value they share does not look rarer than it is)."""

    def __init__(self, codes: list[Coded]):
        self.total = len(codes)
        self.counts = [Counter(c.part_hashes[i] for c in codes) for i in range(len(ELEMENTS))]
        self.sizes = [len(allowed) for allowed in ELEMENTS.values()]

    def _freq(self, element: int, value: str) -> float:
        others = max(self.total - 2, 0)
        seen = max(self.counts[element][value] - 2, 0)
        weight = others / (others + PRIOR_WEIGHT)
        empirical = seen / others if others else 0.0
        return weight * empirical + (1 - weight) / self.sizes[element]

    def expected(self, code: Coded, baselines: int) -> float:
        freqs = [self._freq(i, h) for i, h in enumerate(code.part_hashes)]
        three = sum(math.prod(f for i, f in enumerate(freqs) if i != skip)
                    for skip in range(len(freqs)))  # fmt: skip
        return baselines * three


def match_pairs(
    before: list[Coded],
    after: list[Coded],
    max_chance: float = MAX_CHANCE,
    require_bands: bool = True,
) -> MatchResult:
    """Match follow-up responses to baseline responses of the same enterprise.

    A duplicated code on either side (two workers with the same code, or a worker who
    answered twice) is ambiguous and never matched exactly; tolerant matches must be unique
    in both directions, agree on the demographic bands and be unlikely by chance (see the
    module notes). ``max_chance=0`` matches exactly only; ``max_chance=math.inf`` with
    ``require_bands=False`` is the plain "unique on both sides" rule (kept for the
    benchmark's comparison).
    """
    pairs: dict[int, str] = {}
    kinds: dict[str, str] = {}
    exact = tolerant = 0
    by_ent_before: dict[int, list[Coded]] = defaultdict(list)
    by_ent_after: dict[int, list[Coded]] = defaultdict(list)
    for c in before:
        by_ent_before[c.enterprise_id].append(c)
    for c in after:
        by_ent_after[c.enterprise_id].append(c)

    for ent, afters in by_ent_after.items():
        befores = by_ent_before.get(ent, [])
        count_b = Counter(c.full_hash for c in befores)
        count_a = Counter(c.full_hash for c in afters)
        b_by_hash = {c.full_hash: c for c in befores if count_b[c.full_hash] == 1}
        left_b = {c.response_id: c for c in befores}
        left_a: list[Coded] = []
        for a in afters:
            b = b_by_hash.get(a.full_hash)
            if b is not None and count_a[a.full_hash] == 1:
                pid = f"{ent}:{b.response_id}"
                pairs[b.response_id] = pairs[a.response_id] = pid
                kinds[pid] = "exact"
                exact += 1
                del left_b[b.response_id]
            else:
                left_a.append(a)
        candidates = {
            a.response_id: [
                b for b in left_b.values() if _differs_in_one(a.part_hashes, b.part_hashes)
            ]
            for a in left_a
        }
        claimed: Counter[int] = Counter()
        for found in candidates.values():
            claimed.update(b.response_id for b in found)
        chance = _Chance(befores + afters)
        for a in left_a:
            found = candidates[a.response_id]
            if len(found) != 1 or claimed[found[0].response_id] != 1:
                continue
            b = found[0]
            agree = bands_agree(b, a) if require_bands else True
            if agree and chance.expected(a, len(left_b)) <= max_chance:
                pid = f"{ent}:{b.response_id}"
                pairs[b.response_id] = pairs[a.response_id] = pid
                kinds[pid] = "tolerant"
                tolerant += 1
    return MatchResult(pairs, exact, tolerant, len(before), len(after), kinds)
