"""Keying paper sheets in (real database): single entry, double entry, resolution."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from score_impact.db.models import Answer, PaperEntry, Response
from score_impact.pairing import make_code
from score_impact.services.errors import InvalidSubmission, NotInRound, RoundClosed, UnknownRound
from score_impact.services.paper import (
    ENTERPRISE,
    HIDDEN,
    AwaitingResolution,
    ChooseAll,
    EntryStatus,
    InvalidSheetNumber,
    Mismatch,
    NoPerson,
    NotWorkerRound,
    PendingDoubleEntry,
    SamePersonTwice,
    SheetAlreadyStored,
    enter_sheet,
    pending_mismatches,
    resolve_sheet,
    sheet_uuid,
)
from tests.conftest import TEST_KEY
from tests.paper.helpers import keyed_sheet, sheet_number

KEY = TEST_KEY.encode()


@pytest.fixture
def survey(rt):
    return rt.catalog.latest("worker_m1_cooperation").survey


def _enter(rt, world, keys, person="ana", double=False, sheet=None, enterprise=0, lang="en"):
    with rt.session() as s:
        return enter_sheet(
            s,
            world.worker_round_id,
            sheet or sheet_number(),
            world.enterprise_ids[enterprise],
            lang,
            keys,
            person,
            double,
            key=KEY,
        )


def _count(rt, model) -> int:
    with rt.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _responses(rt) -> list[Response]:
    with rt.session() as s:
        return list(s.scalars(select(Response)))


def test_single_entry_stores_one_paper_response_with_hashed_code(world, rt, survey):
    sheet = sheet_number()
    result = _enter(rt, world, keyed_sheet(survey), sheet=sheet)
    assert result.status is EntryStatus.STORED
    [response] = _responses(rt)
    assert (response.id, response.source) == (result.response_id, "paper")
    assert response.client_uuid == sheet_uuid(world.worker_round_id, sheet)
    code = {"birth_day": 12, "mother_birth_month": 3, "older_siblings": 1}
    expected = make_code(KEY, world.enterprise_ids[0], code | {"birth_year_last_digit": 7})
    assert response.pairing_hash == expected.full_hash
    with rt.session() as s:
        answers = {a.item_id: a for a in s.scalars(select(Answer))}
        [entry] = s.scalars(select(PaperEntry))
    assert answers["voice_supervisor_listens"].value_num == 4.0
    assert answers["suggestion_made"].value_num == 1.0 and "suggestion_acted" in answers
    assert answers["tenure"].value_text == "under_6_months"
    assert (entry.entered_by, entry.response_id, entry.pass_number) == ("ana", response.id, 1)
    # the digits are never kept: only hashes, salted with round and sheet
    assert all(len(h) == 16 for h in entry.answers["code_check"].values())
    assert not any(k.startswith("code.") for k in entry.answers["items"])


def test_the_same_sheet_is_never_stored_twice(world, rt, survey):
    sheet = sheet_number()
    _enter(rt, world, keyed_sheet(survey), sheet=sheet)
    with pytest.raises(SheetAlreadyStored) as err:
        _enter(rt, world, keyed_sheet(survey, likert="2"), sheet=sheet.lower(), person="ben")
    assert (
        err.value.message("en") == f"Sheet {sheet} is already stored; a sheet is counted only once."
    )
    with pytest.raises(SheetAlreadyStored):
        _enter(rt, world, keyed_sheet(survey), sheet=sheet, double=True)
    assert len(_responses(rt)) == 1


def test_invalid_keys_give_translated_messages_and_store_nothing(world, rt, survey):
    keys = keyed_sheet(survey) | {"voice_afraid": "7", "trust_honest": "", "code.birth_day": ""}
    with pytest.raises(InvalidSubmission) as err:
        _enter(rt, world, keys)
    found = {(i.item_id, i.code) for i in err.value.issues}
    assert found == {
        ("voice_afraid", "paper_key"),
        ("trust_honest", "required"),
        ("_code", "paper_code_incomplete"),
    }
    messages = {i.item_id: i.message("zh") for i in err.value.issues}
    assert messages["voice_afraid"] == "请输入：1-5, 0。"
    assert messages["trust_honest"] == "请回答这个问题。"
    assert _count(rt, Response) == 0 and _count(rt, PaperEntry) == 0


def test_double_entry_mismatch_is_flagged_and_nothing_stored_until_resolved(world, rt, survey):
    sheet = sheet_number()
    first = _enter(rt, world, keyed_sheet(survey), sheet=sheet, double=True)
    assert first.status is EntryStatus.FIRST_PASS
    assert _count(rt, Response) == 0
    keys = keyed_sheet(survey) | {"trust_cares": "2", "code.older_siblings": "2"}
    second = _enter(rt, world, keys, person="ben", sheet=sheet, double=True)
    assert second.status is EntryStatus.MISMATCH
    assert second.mismatches == [
        Mismatch("code.older_siblings", HIDDEN, HIDDEN),
        Mismatch("trust_cares", "4", "2"),
    ]
    assert _count(rt, Response) == 0
    with rt.session() as s:
        assert pending_mismatches(s, world.worker_round_id, sheet) == second.mismatches
    # a third keying cannot sneak past the pending choice
    with pytest.raises(AwaitingResolution):
        _enter(rt, world, keyed_sheet(survey), person="cai", sheet=sheet, double=True)
    with rt.session() as s, pytest.raises(ChooseAll):  # the code differs: key its digits again
        resolve_sheet(s, world.worker_round_id, sheet, {"trust_cares": "2"}, "cai", key=KEY)
    assert _count(rt, Response) == 0

    chosen = {"trust_cares": "2"} | {k: v for k, v in keyed_sheet(survey).items() if "code." in k}
    with rt.session() as s:
        result = resolve_sheet(s, world.worker_round_id, sheet, chosen, "cai", key=KEY)
    assert result.status is EntryStatus.STORED
    [response] = _responses(rt)
    assert response.source == "paper" and response.id == result.response_id
    with rt.session() as s:
        trust = s.scalar(select(Answer.value_num).where(Answer.item_id == "trust_cares"))
        entries = list(s.scalars(select(PaperEntry).order_by(PaperEntry.pass_number)))
    assert trust == 2.0
    assert [(e.pass_number, e.entered_by) for e in entries] == [(1, "ana"), (2, "ben"), (3, "cai")]
    assert {e.response_id for e in entries} == {response.id}
    code = {"birth_day": 12, "mother_birth_month": 3, "older_siblings": 1}
    expected = make_code(KEY, world.enterprise_ids[0], code | {"birth_year_last_digit": 7})
    assert response.pairing_hash == expected.full_hash
    with rt.session() as s, pytest.raises(SheetAlreadyStored):
        resolve_sheet(s, world.worker_round_id, sheet, chosen, "cai", key=KEY)


def test_resolving_a_factory_difference_keeps_the_code_of_the_chosen_keying(world, rt, survey):
    sheet = sheet_number()
    _enter(rt, world, keyed_sheet(survey), sheet=sheet, double=True)
    second = _enter(rt, world, keyed_sheet(survey), "ben", True, sheet, enterprise=1)
    assert second.mismatches == [
        Mismatch(ENTERPRISE, str(world.enterprise_ids[0]), str(world.enterprise_ids[1]))
    ]
    with rt.session() as s, pytest.raises(ChooseAll):  # only a keyed factory can be chosen
        resolve_sheet(s, world.worker_round_id, sheet, {ENTERPRISE: "999"}, "cai", key=KEY)
    chosen = {ENTERPRISE: str(world.enterprise_ids[1])}
    with rt.session() as s:
        resolve_sheet(s, world.worker_round_id, sheet, chosen, "cai", key=KEY)
    [response] = _responses(rt)
    code = {"birth_day": 12, "mother_birth_month": 3, "older_siblings": 1}
    expected = make_code(KEY, world.enterprise_ids[1], code | {"birth_year_last_digit": 7})
    assert response.enterprise_id == world.enterprise_ids[1]
    assert response.pairing_hash == expected.full_hash


def test_matching_double_entry_stores_the_response(world, rt, survey):
    sheet = sheet_number()
    _enter(rt, world, keyed_sheet(survey, with_code=False), sheet=sheet, double=True, lang="zh")
    result = _enter(rt, world, keyed_sheet(survey, with_code=False), "Ben", True, sheet, lang="zh")
    assert result.status is EntryStatus.STORED and result.mismatches == []
    [response] = _responses(rt)
    assert (response.source, response.language, response.pairing_hash) == ("paper", "zh", None)
    with rt.session() as s:
        linked = set(s.scalars(select(PaperEntry.response_id)))
    assert linked == {response.id}


def test_the_same_person_cannot_key_a_sheet_twice(world, rt, survey):
    sheet = sheet_number()
    _enter(rt, world, keyed_sheet(survey), person="Ana", sheet=sheet, double=True)
    with pytest.raises(SamePersonTwice) as err:
        _enter(rt, world, keyed_sheet(survey), person=" ana ", sheet=sheet, double=True)
    assert "Ana" in err.value.message("en") and "Ana" in err.value.message("zh")
    with pytest.raises(PendingDoubleEntry):  # nor bypass double entry with a single keying
        _enter(rt, world, keyed_sheet(survey), person="ben", sheet=sheet)
    assert _count(rt, Response) == 0 and _count(rt, PaperEntry) == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"sheet": "ABCDE2"}, InvalidSheetNumber),  # fails the check character
        ({"person": "  "}, NoPerson),
        ({"round": 9999}, UnknownRound),
        ({"round": "closed"}, RoundClosed),
        ({"enterprise": "other"}, NotInRound),
        ({"round": "manager"}, NotWorkerRound),
    ],
)
def test_clear_domain_errors_and_nothing_written(world, rt, survey, change, error):
    special = {"closed": world.closed_round_id, "manager": world.manager_round_id}
    round_id = special.get(change.get("round"), change.get("round"))
    enterprise = world.other_enterprise_id if change.get("enterprise") else world.enterprise_ids[0]
    sheet = change.get("sheet") or sheet_number()
    with rt.session() as s, pytest.raises(error):
        enter_sheet(
            s,
            round_id or world.worker_round_id,
            sheet,
            enterprise,
            "en",
            keyed_sheet(survey),
            change.get("person", "ana"),
            False,
            key=KEY,
        )
    assert _count(rt, Response) == 0 and _count(rt, PaperEntry) == 0
