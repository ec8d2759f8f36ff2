"""Anonymous self-generated identification codes (SGIC) and before/after matching.

A worker answers a few stable, non-identifying questions (day of birth, mother's birth
month, ...). We keep only keyed hashes (HMAC-SHA256 with the server's secret): one of the
whole code and one per element, so that a code with one element misremembered can still be
matched. Without the key the hashes cannot be reversed by trying all 31 x 12 x ... values.

Matching follows the published practice (domain.md): exact matches first, then codes that
differ in exactly one element, accepted only when that partner is unique within the
enterprise on both sides. Everything else is analysed as independent samples.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass

# The questions themselves (with translations) live in score_impact/i18n; these are the
# element keys and their allowed answers, so validation does not depend on the wording.
ELEMENTS: dict[str, range] = {
    "birth_day": range(1, 32),  # own day of birth, 1-31
    "mother_birth_month": range(1, 13),  # mother's birth month, 1-12
    "older_siblings": range(0, 10),  # number of older brothers and sisters, 0-9
    "birth_year_last_digit": range(0, 10),  # last digit of own year of birth
}
PART_LEN = 16  # hex characters kept per element hash: short, still collision-safe here


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
    """One response as the matcher sees it."""

    response_id: int
    enterprise_id: int
    full_hash: str
    part_hashes: tuple[str, ...]


@dataclass(frozen=True)
class MatchResult:
    pairs: dict[int, str]  # response_id -> pair id (shared by the matched before/after)
    exact: int
    tolerant: int
    before_total: int
    after_total: int

    @property
    def match_rate(self) -> float:
        """Share of follow-up responses with a baseline partner (0 when there are none)."""
        return (self.exact + self.tolerant) / self.after_total if self.after_total else 0.0


def _differs_in_one(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def match_pairs(before: list[Coded], after: list[Coded]) -> MatchResult:
    """Match follow-up responses to baseline responses of the same enterprise.

    A duplicated code on either side (two workers with the same code, or a worker who
    answered twice) is ambiguous and never matched exactly; tolerant matches must be unique
    in both directions.
    """
    pairs: dict[int, str] = {}
    exact = tolerant = 0
    by_ent_before: dict[int, list[Coded]] = defaultdict(list)
    by_ent_after: dict[int, list[Coded]] = defaultdict(list)
    for c in before:
        by_ent_before[c.enterprise_id].append(c)
    for c in after:
        by_ent_after[c.enterprise_id].append(c)

    for ent, afters in by_ent_after.items():
        befores = by_ent_before.get(ent, [])
        count_b: dict[str, int] = defaultdict(int)
        count_a: dict[str, int] = defaultdict(int)
        for c in befores:
            count_b[c.full_hash] += 1
        for c in afters:
            count_a[c.full_hash] += 1
        b_by_hash = {c.full_hash: c for c in befores if count_b[c.full_hash] == 1}
        left_b = {c.response_id: c for c in befores}
        left_a: list[Coded] = []
        for a in afters:
            b = b_by_hash.get(a.full_hash)
            if b is not None and count_a[a.full_hash] == 1:
                pid = f"{ent}:{b.response_id}"
                pairs[b.response_id] = pairs[a.response_id] = pid
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
        claimed: dict[int, int] = defaultdict(int)
        for found in candidates.values():
            for b in found:
                claimed[b.response_id] += 1
        for a in left_a:
            found = candidates[a.response_id]
            if len(found) == 1 and claimed[found[0].response_id] == 1:
                b = found[0]
                pid = f"{ent}:{b.response_id}"
                pairs[b.response_id] = pairs[a.response_id] = pid
                tolerant += 1
    return MatchResult(pairs, exact, tolerant, len(before), len(after))
