"""Self-generated codes: keyed hashes only, exact then unique one-element-off matching."""

from __future__ import annotations

import pytest

from score_impact.pairing import Coded, PairingCodeError, make_code, match_pairs

KEY = b"secret"
CODE = dict(birth_day=12, mother_birth_month=5, older_siblings=1, birth_year_last_digit=8)


def coded(rid: int, ent: int = 1, **change) -> Coded:
    code = make_code(KEY, ent, CODE | change)
    return Coded(rid, ent, code.full_hash, code.part_hashes)


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
    assert 12 not in result.pairs and 3 not in result.pairs
    assert result.match_rate == pytest.approx(2 / 3)


def test_ambiguous_codes_are_never_matched():
    # two baseline workers share a code: neither is matched exactly
    assert match_pairs([coded(1), coded(2)], [coded(10)]).pairs == {}
    # a follow-up code one element off from two baseline codes: not unique, not matched
    before = [coded(1, birth_day=1), coded(2, birth_day=2)]
    assert match_pairs(before, [coded(10, birth_day=3)]).pairs == {}


def test_codes_never_match_across_enterprises():
    assert match_pairs([coded(1, ent=1)], [coded(10, ent=2)]).pairs == {}
