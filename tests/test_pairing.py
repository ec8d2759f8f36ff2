"""Self-generated codes: keyed hashes only, exact then confirmed one-element-off matching,
and the matcher's precision and recall on a realistic simulation with known identities."""

from __future__ import annotations

import pytest

from score_impact.pairing import Coded, PairingCodeError, bands_agree, make_code, match_pairs
from score_impact.pairing_sim import SimulationSettings, measure

KEY = b"secret"
CODE = dict(birth_day=12, mother_birth_month=5, older_siblings=1, birth_year_last_digit=8)
BANDS = (("department", 0), ("gender", 0), ("tenure", 1))


def coded(rid: int, ent: int = 1, bands=BANDS, **change) -> Coded:
    code = make_code(KEY, ent, CODE | change)
    return Coded(rid, ent, code.full_hash, code.part_hashes, bands)


def test_hash_is_keyed_and_per_enterprise():
    a = make_code(KEY, 1, CODE)
    assert a == make_code(KEY, 1, CODE)
    assert a.full_hash != make_code(b"other", 1, CODE).full_hash
    assert a.full_hash != make_code(KEY, 2, CODE).full_hash
    assert "12" not in a.parts_text.split(",") and len(a.part_hashes) == 4


@pytest.mark.parametrize(
    "bad", [CODE | {"birth_day": 32}, CODE | {"mother_birth_month": 0}, {"birth_day": 3}]
)
def test_out_of_range_or_missing_elements_are_refused(bad):
    with pytest.raises(PairingCodeError):
        make_code(KEY, 1, bad)


def test_exact_then_tolerant_matching():
    before = [coded(1), coded(2, birth_day=1, mother_birth_month=1), coded(3, older_siblings=5)]
    after = [
        coded(10),  # exact partner of 1
        coded(11, birth_day=1, mother_birth_month=2),  # one element off from 2
        coded(12, birth_day=30, mother_birth_month=11, older_siblings=9),  # newcomer
    ]
    result = match_pairs(before, after)
    assert (result.exact, result.tolerant) == (1, 1)
    assert result.pairs[1] == result.pairs[10] and result.pairs[2] == result.pairs[11]
    assert result.kinds[result.pairs[1]] == "exact"
    assert result.kinds[result.pairs[2]] == "tolerant"
    assert 12 not in result.pairs and 3 not in result.pairs
    assert result.match_rate == pytest.approx(2 / 3)
    assert match_pairs(before, after, max_chance=0).tolerant == 0  # exact only


def test_a_tolerant_match_needs_the_same_demographic_bands():
    before = [coded(2, birth_day=1, mother_birth_month=1)]
    other_department = (("department", 2), ("gender", 0), ("tenure", 1))
    after = [coded(11, birth_day=1, mother_birth_month=2, bands=other_department)]
    assert match_pairs(before, after).pairs == {}
    assert match_pairs(before, [coded(11, birth_day=1, mother_birth_month=2, bands=())]).pairs == {}
    # the plain rule (no bands, no chance check) would have paired them
    plain = match_pairs(before, after, max_chance=float("inf"), require_bands=False)
    assert plain.tolerant == 1


@pytest.mark.parametrize(
    ("later", "agree"),
    [
        ((("department", 0), ("gender", 0), ("tenure", 2)), True),  # a band longer in the job
        ((("department", 0), ("gender", 0), ("tenure", 0)), False),  # tenure cannot fall
        ((("department", 0), ("gender", None), ("tenure", 1)), True),  # skipped: no evidence
        ((("department", 0), ("gender", 1), ("tenure", 1)), False),
    ],
)
def test_bands_agree(later, agree):
    assert bands_agree(coded(1), coded(2, bands=later)) is agree


def test_a_coincidence_in_a_crowded_factory_is_not_a_match():
    """80 baseline workers share three of the follow-up code's four elements' common
    values except one: a one-element-off partner there is likely a coincidence."""
    crowd = [coded(100 + i, birth_day=1 + i % 28, older_siblings=i % 3) for i in range(80)]
    before = [coded(1, birth_day=29, mother_birth_month=7), *crowd]
    after = [coded(10, birth_day=29, mother_birth_month=8)]  # unique 1-off partner: 1
    assert match_pairs(before, after, max_chance=float("inf")).tolerant == 1
    assert match_pairs(before, after).tolerant == 0


def test_ambiguous_codes_are_never_matched():
    # two baseline workers share a code: neither is matched exactly
    assert match_pairs([coded(1), coded(2)], [coded(10)]).pairs == {}
    # a follow-up code one element off from two baseline codes: not unique, not matched
    before = [coded(1, birth_day=1), coded(2, birth_day=2)]
    assert match_pairs(before, [coded(10, birth_day=3)]).pairs == {}


def test_codes_never_match_across_enterprises():
    assert match_pairs([coded(1, ent=1)], [coded(10, ent=2)]).pairs == {}


def test_simulation_precision_and_recall():
    """Realistic codes with known identities (score_impact.pairing_sim): tolerant matches
    are right at least 95% of the time, exact ones 99%, and tolerant matching adds recall
    over exact matches only. bench/pairing.py prints the full figures (docs/pairing.md)."""
    settings = SimulationSettings(factories=60, seed=3)
    now = measure(settings)
    exact_only = measure(settings, lambda b, a: match_pairs(b, a, max_chance=0))
    plain = measure(settings, lambda b, a: match_pairs(b, a, float("inf"), require_bands=False))
    assert now.tolerant >= 20 and now.tolerant_precision >= 0.95
    assert now.exact_precision >= 0.99
    assert now.recall > exact_only.recall
    assert plain.tolerant_precision < 0.8  # the old rule, for comparison
