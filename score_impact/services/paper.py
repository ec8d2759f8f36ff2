"""Keying paper questionnaires back in, once or twice (double entry), exactly once stored.

A sheet's response is stored through ``submit_response`` like a tablet's, with
``source="paper"`` and a client UUID derived from (round, sheet number), so the same sheet
can never be counted twice, whoever keys it and however often.

Double entry (two people key the same sheet independently) is the usual safeguard for
paper data: the first keying is kept as a ``PaperEntry`` and nothing is analysed; the
second is compared item by item; agreement stores the response, disagreement waits for a
person to look at the paper and choose (``resolve_sheet``). Entries hold only what a
response holds: answers and the keyed pairing hashes, never the private-code digits; to
compare the codes of two keyings each digit is kept as a hash salted with the round and
sheet, useless for linking anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from score_impact.config import load_settings
from score_impact.db.models import AuditEvent, PaperEntry, Response, SurveyRound
from score_impact.i18n import enterprise_name, t
from score_impact.pairing import ELEMENTS, PairingCode, make_code
from score_impact.paper.keys import (
    CODE_KEYS,
    CODE_PREFIX,
    keys_to_answers,
    keys_to_code,
    normalise_sheet_number,
    question_numbers,
    value_to_key,
)
from score_impact.paper.questionnaire import Questionnaire, build_questionnaire
from score_impact.services.errors import (
    DomainError,
    InvalidSubmission,
    NotInRound,
    UnknownRound,
)
from score_impact.services.responses import Outcome, Submission, submit_response
from score_impact.services.rounds import check_enterprise, open_round, round_enterprises
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import Audience, Survey
from score_impact.surveys.validation import Issue, Value
from score_impact.text import clean_line

# Fixed forever: changing it would let an already stored sheet be stored again.
PAPER_NAMESPACE = uuid.UUID("5c0e1a8e-2f4b-5d6a-9c1e-7a3b0d4f6e21")
ENTERPRISE, LANGUAGE = "_enterprise", "_language"
HIDDEN = "*"  # a private-code digit that was keyed: shown as hidden, never stored
RESOLUTION_PASS = 3  # the PaperEntry row recording a person's choice between two keyings
SHEET, FACTORY, WHOLE = "sheet", "factory", ""  # entry boxes an error can be about


# ----- errors ---------------------------------------------------------------------------
class PaperError(DomainError):
    """A refused keying; ``message(lang)`` gives the translated sentence for the page, and
    ``box`` the entry box it is about ("sheet", "factory"; None: the whole keying)."""

    key = "paper.error.bad_sheet"
    box: str | None = SHEET

    def __init__(self, sheet: str = "", **params: object) -> None:
        self.params = {"sheet": sheet, **params}
        super().__init__(f"{type(self).__name__}: sheet {sheet}")

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


class InvalidSheetNumber(PaperError):
    """Wrong length, a letter not in the alphabet, or the check character does not fit."""

    key = "paper.error.bad_sheet"


class SheetAlreadyStored(PaperError):
    key = "paper.error.already_stored"


class SamePersonTwice(PaperError):
    """Double entry catches typing slips only if two different people key the sheet."""

    key = "paper.error.same_person"


class AwaitingResolution(PaperError):
    key = "paper.error.awaiting_resolution"


class NothingToResolve(PaperError):
    key = "paper.error.nothing_to_resolve"


class PendingDoubleEntry(PaperError):
    """A first double-entry keying exists: a single keying must not bypass the check."""

    key = "paper.error.pending_double"


class NoPerson(PaperError):
    key = "paper.error.no_person"
    box = None


class ChooseAll(PaperError):
    """A resolution left a difference unchosen, or chose a factory/language not keyed."""

    key = "paper.error.choose_all"
    box = None


class ConcurrentEntry(PaperError):
    key = "paper.error.concurrent"


class UnknownFactory(PaperError):
    """The factory box holds no number of the sheet's factory list."""

    key = "paper.error.factory_key"
    box = FACTORY


class NotWorkerRound(PaperError):
    """Manager answers are one editable response per factory (services/manager.py), not
    anonymous sheets, so paper is for worker rounds only."""

    key = "paper.error.not_worker"
    box = None


def _worker_survey(round_: SurveyRound) -> Survey:
    survey = survey_of(round_.survey_version)
    if survey.audience is not Audience.WORKER:
        raise NotWorkerRound()
    return survey


# ----- results --------------------------------------------------------------------------
class EntryStatus(StrEnum):
    STORED = "stored"  # the response is stored (single entry, agreement, or resolution)
    FIRST_PASS = "first_pass"  # double entry: waiting for the second keying
    MISMATCH = "mismatch"  # double entry: the keyings differ, waiting for resolve_sheet


@dataclass(frozen=True)
class Mismatch:
    """One difference between two keyings, as keyed on paper ("" = left empty).

    ``item_id`` is an item id, ``code.<element>`` (values are ``HIDDEN`` or ""; the
    digits are not kept), ``_enterprise`` (enterprise ids) or ``_language``.
    """

    item_id: str
    first: str
    second: str


RESULT_TEXT = {
    EntryStatus.STORED: "paper.stored",
    EntryStatus.FIRST_PASS: "paper.first_pass_saved",
    EntryStatus.MISMATCH: "paper.mismatch",
}


@dataclass(frozen=True)
class EntryResult:
    status: EntryStatus
    sheet_number: str
    response_id: int | None = None
    mismatches: list[Mismatch] = field(default_factory=list)

    def message(self, lang: str) -> str:
        return t(RESULT_TEXT[self.status], lang, sheet=self.sheet_number)


@dataclass(frozen=True)
class _Keying:
    """One checked keying of a sheet, in the form a PaperEntry keeps it."""

    number: str
    round_: SurveyRound
    survey: Survey
    enterprise_id: int
    language: str
    answers: dict[str, Value]
    pairing: PairingCode | None
    code_check: dict[str, str | None]

    def stored(self) -> dict[str, Any]:
        pairing = self.pairing
        return {
            "items": self.answers,
            "pairing": None
            if pairing is None
            else {"full_hash": pairing.full_hash, "part_hashes": list(pairing.part_hashes)},
            "code_check": self.code_check,
        }


# ----- pure helpers ---------------------------------------------------------------------
def sheet_uuid(round_id: int, sheet_number: str) -> str:
    """The client UUID of a sheet's response: the same sheet always gets the same one."""
    return str(uuid.uuid5(PAPER_NAMESPACE, f"{round_id}:{sheet_number}"))


def _code_check(key: bytes, round_id: int, number: str, code: dict[str, int] | None):
    """Per-digit hashes salted with round and sheet: comparable between the two keyings
    of one sheet, and nothing else (no factory, no person, no other sheet)."""
    return {
        name: None
        if code is None
        else hmac.new(
            key, f"paper-check|{round_id}|{number}|{name}|{code[name]}".encode(), hashlib.sha256
        ).hexdigest()[:16]
        for name in ELEMENTS
    }


def compare_entries(survey: Survey, first: PaperEntry, second: PaperEntry) -> list[Mismatch]:
    """Every difference between two keyings: factory, language, code digits, then items in
    the order of the paper."""
    out: list[Mismatch] = []
    if first.enterprise_id != second.enterprise_id:
        out.append(Mismatch(ENTERPRISE, str(first.enterprise_id), str(second.enterprise_id)))
    if first.language != second.language:
        out.append(Mismatch(LANGUAGE, first.language, second.language))
    a_check, b_check = first.answers["code_check"], second.answers["code_check"]
    for name in ELEMENTS:
        a, b = a_check.get(name), b_check.get(name)
        if a != b:
            out.append(Mismatch(f"{CODE_PREFIX}{name}", HIDDEN if a else "", HIDDEN if b else ""))
    a_items, b_items = first.answers["items"], second.answers["items"]
    for item in survey.items:
        a, b = a_items.get(item.id), b_items.get(item.id)
        if a != b:
            out.append(
                Mismatch(
                    item.id, value_to_key(survey, item.id, a), value_to_key(survey, item.id, b)
                )
            )
    return out


def factory_keys(factories: list[tuple[int, str]]) -> str:
    """How the factories are numbered on paper: "1 = Alpha Garments, 2 = Beta Knitwear"."""
    return ", ".join(f"{i} = {name}" for i, (_, name) in enumerate(factories, start=1))


def factory_for_key(factories: list[tuple[int, str]], key: str) -> int | None:
    """The enterprise id of the factory ticked on paper (printed as 1..n, in the order of
    ``paper_factories``); with a single factory nothing is printed and the key is ignored.
    None when the key names none of them: ``enter_sheet`` says so, after the sheet's own
    checks (a sheet already stored is reported as such, whatever the factory box holds)."""
    if len(factories) == 1:
        return factories[0][0]
    text = str(key).strip()
    if not text.isdigit() or not 1 <= int(text) <= len(factories):
        return None
    return factories[int(text) - 1][0]


def mismatch_question(survey: Survey, item_id: str, lang: str) -> str:
    """How a mismatch is named for the person resolving it: as numbered on paper."""
    numbers = question_numbers(survey)
    if item_id in numbers:
        label = survey.item(item_id).label
        return f"{numbers[item_id]}. {label.get(lang) or next(iter(label.values()))}"
    if item_id.startswith(CODE_PREFIX):
        return t(f"kiosk.{item_id}", lang)
    return t("kiosk.choose_factory", lang) if item_id == ENTERPRISE else item_id


def mismatch_value(item_id: str, value: str, factories: list[tuple[int, str]], lang: str) -> str:
    """A keyed value as shown to the person resolving: empty, hidden digit, factory name."""
    if not value:
        return t("paper.empty", lang)
    if item_id.startswith(CODE_PREFIX):
        return t("paper.hidden", lang)
    return dict(factories).get(int(value), value) if item_id == ENTERPRISE else value


def mismatch_table(
    survey: Survey, mismatches: list[Mismatch], factories: list[tuple[int, str]], lang: str
) -> list[dict[str, str]]:
    """The differences as rows (question, first keying, second keying) in ``lang``."""
    columns = [t(f"paper.{c}", lang) for c in ("question", "first", "second")]
    return [
        dict(
            zip(
                columns,
                (
                    mismatch_question(survey, m.item_id, lang),
                    mismatch_value(m.item_id, m.first, factories, lang),
                    mismatch_value(m.item_id, m.second, factories, lang),
                ),
                strict=True,
            )
        )
        for m in mismatches
    ]


def problems_by_field(survey: Survey, exc: DomainError, lang: str) -> dict[str, str]:
    """A refused keying in ``lang``, each message under the entry box it is about: an item
    id, a code key, "sheet" or "factory"; ``WHOLE`` for what is about no single box."""
    if isinstance(exc, InvalidSubmission):
        out: dict[str, str] = {}
        for issue in exc.issues:
            box = CODE_KEYS[0] if issue.item_id == "_code" else issue.item_id
            box = WHOLE if box.startswith("_") else box
            out[box] = f"{out[box]}  \n{issue.message(lang)}" if box in out else issue.message(lang)
        return out
    if isinstance(exc, PaperError):
        return {exc.box or WHOLE: exc.message(lang)}
    if isinstance(exc, NotInRound):
        return {FACTORY: t("paper.error.factory", lang)}
    return {WHOLE: t("paper.error.unknown_round", lang)}  # UnknownRound, RoundClosed


def box_name(survey: Survey, box: str, lang: str) -> str:
    """How the page names an entry box in the summary: "Question 12", "Sheet number"."""
    numbers = question_numbers(survey)
    if box in numbers:
        return t("paper.question_number", lang, number=numbers[box])
    if box.startswith(CODE_PREFIX):
        return t("paper.private_code", lang)
    return t("paper.sheet_number" if box == SHEET else "paper.factory_box", lang)


def _person(name: str) -> str:
    person = clean_line(name)
    if not person:
        raise NoPerson()
    return person


def _number(sheet_number: str) -> str:
    number = normalise_sheet_number(sheet_number)
    if number is None:
        raise InvalidSheetNumber(str(sheet_number).strip())
    return number


# ----- queries --------------------------------------------------------------------------
def _entries(session: Session, round_id: int, number: str) -> dict[int, PaperEntry]:
    rows = session.scalars(
        select(PaperEntry).where(PaperEntry.round_id == round_id, PaperEntry.sheet_number == number)
    )
    return {row.pass_number: row for row in rows}


def _stored_response(session: Session, round_id: int, number: str) -> int | None:
    uid = sheet_uuid(round_id, number)
    return session.scalar(select(Response.id).where(Response.client_uuid == uid))


def paper_factories(session: Session, round_id: int) -> list[tuple[int, str]]:
    """(enterprise id, name) in the order printed on the sheet: keyed as 1, 2, ..."""
    round_ = session.get(SurveyRound, round_id)
    if round_ is None:
        raise UnknownRound(str(round_id))
    return [(e.id, e.name) for e in round_enterprises(session, round_)]


def printable_questionnaire(
    session: Session, round_id: int, language: str, copies: int
) -> Questionnaire:
    """``copies`` printable sheets for the round, each with its own sheet number."""
    round_ = session.get(SurveyRound, round_id)
    if round_ is None:
        raise UnknownRound(str(round_id))
    survey = _worker_survey(round_)
    # the factory names as the sheet's readers know them (locales/<lang>/enterprises.yaml)
    names = [enterprise_name(name, language) for _, name in paper_factories(session, round_id)]
    return build_questionnaire(survey, round_.join_code, language, copies, factories=names)


def pending_mismatches(session: Session, round_id: int, sheet_number: str) -> list[Mismatch]:
    """The differences still waiting for a person's choice ([] when there are none)."""
    number = _number(sheet_number)
    entries = _entries(session, round_id, number)
    first, second = entries.get(1), entries.get(2)
    if first is None or second is None or second.response_id is not None:
        return []
    round_ = session.get(SurveyRound, round_id)
    if round_ is None:
        raise UnknownRound(str(round_id))
    return compare_entries(survey_of(round_.survey_version), first, second)


# ----- commands -------------------------------------------------------------------------
def _check(
    session: Session,
    round_id: int,
    number: str,
    enterprise_id: int,
    language: str,
    keyed: Mapping[str, Any],
    key: bytes,
) -> _Keying:
    """Round open, factory in it, language offered, every key valid; else a domain error
    (InvalidSubmission carries every issue at once, with translated messages)."""
    round_ = open_round(session, round_id)
    check_enterprise(round_, enterprise_id)
    survey = _worker_survey(round_)
    issues: list[Issue] = []
    if language not in survey.languages:
        issues.append(Issue("_submission", "bad_language"))
    answers, more = keys_to_answers(survey, keyed)
    code, code_issues = keys_to_code(keyed)
    issues += more + code_issues
    if issues:
        raise InvalidSubmission(issues)
    pairing = make_code(key, enterprise_id, code) if code else None
    return _Keying(
        number,
        round_,
        survey,
        enterprise_id,
        language,
        answers,
        pairing,
        _code_check(key, round_id, number, code),
    )


def _store(
    session: Session, keying: _Keying, new_entries: list[PaperEntry], linked: list[PaperEntry]
) -> int:
    """Submit the response and the new entries in one transaction, then link the entries.

    Raises SheetAlreadyStored if the sheet's UUID was stored meanwhile.
    """
    session.add_all(new_entries)
    sub = Submission(
        client_uuid=sheet_uuid(keying.round_.id, keying.number),
        round_id=keying.round_.id,
        enterprise_id=keying.enterprise_id,
        language=keying.language,
        answers=dict(keying.answers),
        pairing=keying.pairing,
        source="paper",
    )
    try:
        result = submit_response(session, sub)
    except IntegrityError as exc:  # a PaperEntry of the same pass was saved meanwhile
        session.rollback()
        raise ConcurrentEntry(keying.number) from exc
    except Exception:
        session.rollback()
        raise
    if result.outcome is Outcome.DUPLICATE:
        session.rollback()
        raise SheetAlreadyStored(keying.number)
    for entry in new_entries + linked:
        entry.response_id = result.response_id
    session.commit()
    return result.response_id


def _entry(session: Session, keying: _Keying, pass_number: int, person: str) -> PaperEntry:
    """A keying of the sheet, with its audit event (both saved by the caller's commit)."""
    session.add(
        AuditEvent(
            username=person,
            action="paper.entry",
            target=f"round:{keying.round_.join_code}",
            detail={
                "sheet": keying.number,
                "pass": pass_number,
                "enterprise_id": keying.enterprise_id,
            },
        )
    )
    return PaperEntry(
        round_id=keying.round_.id,
        sheet_number=keying.number,
        pass_number=pass_number,
        enterprise_id=keying.enterprise_id,
        language=keying.language,
        answers=keying.stored(),
        entered_by=person,
    )


def enter_sheet(
    session: Session,
    round_id: int,
    sheet_number: str,
    enterprise_id: int | None,
    language: str,
    answers: Mapping[str, Any],
    entered_by: str,
    double_entry: bool,
    key: bytes | None = None,
) -> EntryResult:
    """Key one paper sheet in.

    ``answers`` maps item ids to the keys written next to the ticked boxes (1-5 for
    Likert, 1 = yes / 2 = no, option numbers; numbers and text as written) and
    ``code.<element>`` to the private-code digits. ``key`` defaults to the app's secret.

    Single entry stores the response at once. Double entry keeps the first keying, and
    on the second (by another person) stores the response when both agree, or returns the
    mismatches and stores no response until ``resolve_sheet``.

    Raises NoPerson, InvalidSheetNumber, UnknownRound, RoundClosed, NotInRound,
    SheetAlreadyStored, PendingDoubleEntry, SamePersonTwice, AwaitingResolution,
    UnknownFactory (``enterprise_id`` None: the factory box named no factory),
    InvalidSubmission (translated issues); nothing is written in any error case.
    """
    person = _person(entered_by)
    number = _number(sheet_number)
    key = key if key is not None else load_settings().secret_key
    _worker_survey(open_round(session, round_id))
    # The sheet's state first: no point reporting typing slips on a sheet that is refused.
    if _stored_response(session, round_id, number) is not None:
        raise SheetAlreadyStored(number)
    entries = _entries(session, round_id, number)
    if 2 in entries:
        raise AwaitingResolution(number)
    first = entries.get(1)
    if first is not None and not double_entry:
        raise PendingDoubleEntry(number)
    if first is not None and first.entered_by.casefold() == person.casefold():
        raise SamePersonTwice(number, person=first.entered_by)
    if enterprise_id is None:
        raise UnknownFactory(number, keys=factory_keys(paper_factories(session, round_id)))
    keying = _check(session, round_id, number, enterprise_id, language, answers, key)
    if not double_entry:
        response_id = _store(session, keying, [_entry(session, keying, 1, person)], [])
        return EntryResult(EntryStatus.STORED, number, response_id)
    if first is None:
        session.add(_entry(session, keying, 1, person))
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise ConcurrentEntry(number) from exc
        return EntryResult(EntryStatus.FIRST_PASS, number)
    second = _entry(session, keying, 2, person)
    mismatches = compare_entries(keying.survey, first, second)
    if not mismatches:
        response_id = _store(session, keying, [second], [first])
        return EntryResult(EntryStatus.STORED, number, response_id)
    session.add(second)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConcurrentEntry(number) from exc
    return EntryResult(EntryStatus.MISMATCH, number, mismatches=mismatches)


def resolve_sheet(
    session: Session,
    round_id: int,
    sheet_number: str,
    chosen_answers: Mapping[str, Any],
    resolved_by: str,
    key: bytes | None = None,
) -> EntryResult:
    """Store a double-entered sheet after a person looked at the paper and chose.

    ``chosen_answers`` has a key for every mismatch: for items the key as on paper ("" =
    empty; any valid key, not only one of the two keyed), for ``_enterprise`` /
    ``_language`` one of the two keyed values. When the code digits differ they were never
    stored, so all four ``code.*`` digits are keyed again from the paper (all empty = no
    code). The agreed items are taken from the keyings; the whole sheet is validated again
    (a choice can change skip logic). The choice is recorded as PaperEntry pass 3.
    """
    person = _person(resolved_by)
    number = _number(sheet_number)
    key = key if key is not None else load_settings().secret_key
    round_ = open_round(session, round_id)
    if _stored_response(session, round_id, number) is not None:
        raise SheetAlreadyStored(number)
    entries = _entries(session, round_id, number)
    first, second = entries.get(1), entries.get(2)
    if first is None or second is None:
        raise NothingToResolve(number)
    survey = survey_of(round_.survey_version)
    mismatches = compare_entries(survey, first, second)
    ids = {m.item_id for m in mismatches}
    code_differs = any(i.startswith(CODE_PREFIX) for i in ids)
    needed = {i for i in ids if not i.startswith(CODE_PREFIX)} | (
        set(CODE_KEYS) if code_differs else set()
    )
    if not mismatches or not needed <= set(chosen_answers):
        raise NothingToResolve(number) if not mismatches else ChooseAll(number)

    def pick(name: str, a: Any, b: Any) -> Any:
        if name not in ids:
            return a
        chosen = str(chosen_answers[name])
        if chosen not in (str(a), str(b)):
            raise ChooseAll(number)
        return a if chosen == str(a) else b

    enterprise_id = int(pick(ENTERPRISE, first.enterprise_id, second.enterprise_id))
    language = str(pick(LANGUAGE, first.language, second.language))
    # The agreed items as keys, the chosen ones as chosen: one validation path for both.
    keyed: dict[str, Any] = {
        item_id: value_to_key(survey, item_id, value)
        for item_id, value in first.answers["items"].items()
        if item_id not in ids
    }
    keyed |= {k: v for k, v in chosen_answers.items() if k in ids and not k.startswith("_")}
    if code_differs:
        keyed |= {k: chosen_answers[k] for k in CODE_KEYS}
        keying = _check(session, round_id, number, enterprise_id, language, keyed, key)
    else:
        keying = _check(session, round_id, number, enterprise_id, language, keyed, key)
        # The digits are not kept: reuse the hashes of the keying whose factory was chosen.
        source = first if enterprise_id == first.enterprise_id else second
        pairing = source.answers["pairing"]
        keying = _Keying(
            keying.number,
            keying.round_,
            keying.survey,
            keying.enterprise_id,
            keying.language,
            keying.answers,
            None
            if pairing is None
            else PairingCode(pairing["full_hash"], tuple(pairing["part_hashes"])),
            first.answers["code_check"],
        )
    resolution = _entry(session, keying, RESOLUTION_PASS, person)
    response_id = _store(session, keying, [resolution], [first, second])
    return EntryResult(EntryStatus.STORED, number, response_id)
