"""What the offline tablet client downloads, and how what it sends back becomes a
``Submission`` for the one submit path (``services.responses.submit_response``).

The client (score_impact/web/static/tablet) renders the same flow as the kiosk from the
*same* survey definition and the *same* interface strings, served here as JSON: nothing of
either is copied into the JavaScript. The private code's elements travel to the server with
the response and are hashed here with the server's key, as the kiosk does; the client never
hashes (it has no key) and deletes its copy once the server has acknowledged the response.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from score_impact.i18n import enterprise_name, language_strings, languages
from score_impact.pairing import ELEMENTS, PairingCode, PairingCodeError, make_code
from score_impact.services.errors import DomainError, InvalidSubmission, UnknownRound
from score_impact.services.responses import Submission
from score_impact.services.rounds import open_round, round_by_code, round_enterprises
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import Audience
from score_impact.surveys.validation import Issue

#: Interface strings the tablet needs: the kiosk's own, the answer checks', the client's.
STRING_PREFIXES = ("kiosk.", "validation.", "tablet.")
#: A tablet clock further off than this is not believed (the response is kept, the time not).
CLOCK_TOLERANCE = timedelta(minutes=10)
OLDEST_PLAUSIBLE = timedelta(days=60)  # a survey answered offline and sent within a round


class NotWorkerRound(DomainError):
    """The join code belongs to a manager round: the worker tablet does not serve it."""


def _strings(codes: list[str]) -> dict[str, dict[str, str]]:
    """The tablet's interface strings in each language of the survey (English filling any
    key a language lacks, as ``i18n.t`` does)."""
    english = language_strings("en")
    keys = [k for k in english if k.startswith(STRING_PREFIXES)]
    return {code: {k: language_strings(code).get(k) or english[k] for k in keys} for code in codes}


def round_bundle(session: Session, code: str) -> dict[str, Any]:
    """Everything the client needs to run a round's survey offline, as JSON-ready data.

    Raises ``UnknownRound``, ``RoundClosed`` or ``NotWorkerRound``.
    """
    round_ = open_round(session, round_by_code(session, code).id)
    survey = survey_of(round_.survey_version)
    if survey.audience is not Audience.WORKER:
        raise NotWorkerRound(round_.join_code)
    known = languages()
    bundle = {
        "round": {
            "id": round_.id,
            "join_code": round_.join_code,
            "phase": round_.phase,
            "autoplay": bool((round_.settings or {}).get("autoplay_audio")),
        },
        "survey_version": {
            "id": round_.survey_version_id,
            "hash": round_.survey_version.content_hash,
        },
        "survey": survey.model_dump(mode="json", by_alias=True, exclude_none=True),
        "factories": [
            {
                "id": e.id,
                "name": e.name,
                # as workers of each language know it (locales/<lang>/enterprises.yaml)
                "names": {c: enterprise_name(e.name, c) for c in survey.languages},
            }
            for e in round_enterprises(session, round_)
        ],
        "languages": {
            c: {
                "name": known[c].name if c in known else c,
                "speech": known[c].speech if c in known else c,
            }
            for c in survey.languages
        },
        "strings": _strings(survey.languages),
        "code_elements": {name: list(allowed) for name, allowed in ELEMENTS.items()},
    }
    # A fingerprint of the whole bundle: the client replaces its copy only when it changed.
    bundle["etag"] = hashlib.sha256(json.dumps(bundle, sort_keys=True).encode()).hexdigest()[:16]
    return bundle


@dataclass(frozen=True)
class TabletResponse:
    """One completed questionnaire as the client sends it (validated at the API edge)."""

    client_uuid: str
    join_code: str
    round_id: int
    enterprise_id: int
    language: str
    answers: dict[str, Any]
    code: dict[str, int] | None  # the private code's elements, or None when skipped
    started_at: datetime | None = None
    completed_at: datetime | None = None


def _plausible(moment: datetime | None, now: datetime) -> datetime | None:
    """A tablet's timestamp, or None when its clock is clearly wrong."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > now + CLOCK_TOLERANCE or moment < now - OLDEST_PLAUSIBLE:
        return None
    return moment


def submission_of(session: Session, sent: TabletResponse, key: bytes, now: datetime) -> Submission:
    """The ``Submission`` for a tablet's response: the join code must name the round (the
    code is what the tablet was given; a round id alone proves nothing), the private code
    is hashed here. Everything else is checked by ``submit_response``.

    Raises ``UnknownRound``, ``NotWorkerRound`` or ``InvalidSubmission`` (an incomplete or
    out-of-range code).
    """
    round_ = round_by_code(session, sent.join_code)
    if round_.id != sent.round_id:
        raise UnknownRound(str(sent.round_id))
    if round_.survey_version.audience != Audience.WORKER:
        raise NotWorkerRound(round_.join_code)
    pairing: PairingCode | None = None
    if sent.code is not None:
        try:
            pairing = make_code(key, sent.enterprise_id, sent.code)
        except (PairingCodeError, TypeError, ValueError) as exc:
            raise InvalidSubmission([Issue("_code", "code_incomplete")]) from exc
    started = _plausible(sent.started_at, now)
    completed = _plausible(sent.completed_at, now)
    if started and completed and started > completed:
        started = completed = None
    return Submission(
        client_uuid=sent.client_uuid,
        round_id=sent.round_id,
        enterprise_id=sent.enterprise_id,
        language=sent.language,
        answers=sent.answers,
        pairing=pairing,
        started_at=started,
        completed_at=completed,
        source="tablet",
    )
