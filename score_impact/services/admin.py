"""Admin changes: brands, enterprises, cohorts, rounds, survey versions; all audited.

Every change follows one pattern: check the caller is an admin, validate every input and
collect *all* problems (``InvalidInput``, nothing written), apply the change, write an
``AuditEvent`` (who, action, target, detail) and commit both in one transaction. So the
audit log can never miss a change, nor list one that did not happen.

Problems are ``Problem``s: a key under ``admin.problem.`` in ``locales/<lang>/ui.yaml`` and its
parameters, so the page shows them in the reader's language and no wording lives here.
Entity-specific sentences ("A brand named ...") have one key per entity (``what``); terms
inside a sentence (a phase, an audience) are nested ``Problem``s, translated with it.

The listing functions return plain dictionaries (not ORM objects) so pages can render
them after the session has closed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO
from urllib.parse import quote

import segno
from sqlalchemy import Select, desc, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from score_impact.config import load_settings
from score_impact.db.models import (
    AuditEvent,
    Brand,
    Cohort,
    Enterprise,
    Phase,
    Response,
    Role,
    RoundStatus,
    SurveyRound,
    SurveyVersion,
    User,
)
from score_impact.services import rounds as round_service
from score_impact.services.errors import InvalidInput, Problem, SurveyVersionConflict
from score_impact.services.scope import Scope, require_admin
from score_impact.services.surveys import publish, survey_of
from score_impact.surveys.loader import (
    LoadedSurvey,
    SurveyDefinitionError,
    content_hash,
    parse_survey,
)
from score_impact.surveys.schema import Audience
from score_impact.surveys.xlsform import import_xlsform

# SCORE's five modules (key stored on Cohort.module -> English name; pages show the
# translated ``admin.module.<key>`` string).
SCORE_MODULES: dict[str, str] = {
    "workplace_cooperation": "Workplace Cooperation",
    "quality_management": "Quality Management",
    "cleaner_production": "Productivity through Cleaner Production",
    "workforce_management": "Workforce Management",
    "occupational_safety_health": "Occupational Safety and Health",
}
SIZE_BANDS = ("1-49", "50-249", "250-999", "1000+")


# --- shared validation and audit ------------------------------------------------------


def clean_text(value: str | None) -> str:
    """Trimmed, with inner runs of spaces collapsed: what users meant to type."""
    return " ".join((value or "").split())


def _name(value: str | None, what: str, limit: int, problems: list[Problem]) -> str:
    text = clean_text(value)
    if not text:
        problems.append(Problem(f"admin.problem.name_empty.{what}"))
    elif len(text) > limit:
        problems.append(Problem(f"admin.problem.name_too_long.{what}", {"limit": limit}))
    return text


def _unique(
    session: Session, column: Any, value: str, own_id: int | None, what: str, problems: list
) -> None:
    """Names are unique ignoring case, so "Northwind" and "northwind" cannot both exist."""
    if not value:
        return
    query = select(column.class_.id).where(func.lower(column) == value.lower())
    if own_id is not None:
        query = query.where(column.class_.id != own_id)
    if session.scalar(query) is not None:
        problems.append(Problem(f"admin.problem.name_taken.{what}", {"name": value}))


def _ids_exist(session: Session, model: Any, ids: list[int], what: str, problems: list) -> None:
    found = set(session.scalars(select(model.id).where(model.id.in_(ids)))) if ids else set()
    missing = [str(i) for i in ids if i not in found]
    if missing:
        problems.append(Problem(f"admin.problem.no_such.{what}", {"id": ", ".join(missing)}))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _changes(row: Any, values: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields ``values`` would change on ``row``."""
    return {
        k: [_jsonable(getattr(row, k)), _jsonable(v)]
        for k, v in values.items()
        if getattr(row, k) != v
    }


def _audit(session: Session, scope: Scope, action: str, target: str, detail: dict) -> None:
    session.add(
        AuditEvent(
            username=scope.username,
            action=action,
            target=target,
            detail={k: _jsonable(v) for k, v in detail.items()},
        )
    )


def _commit(session: Session) -> None:
    """Commit, turning a race on a unique name into the same message validation gives."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise InvalidInput([Problem("admin.problem.race")]) from exc


def _fail(session: Session, problems: list[Problem]) -> None:
    if problems:
        session.rollback()
        raise InvalidInput(problems)


def _existing_or_new(
    session: Session, model: Any, row_id: int | None, what: str, problems: list[Problem]
) -> Any:
    """The row to edit, or a new one; an unknown id is a problem like any invalid input."""
    row = session.get(model, row_id) if row_id is not None else model()
    if row is None:
        problems.append(Problem(f"admin.problem.no_such.{what}", {"id": row_id}))
    return row


def _store(
    session: Session,
    scope: Scope,
    row: Any,
    what: str,
    values: dict[str, Any],
    created: bool,
    links: dict[str, tuple[list[int], list[int]]] | None = None,
) -> None:
    """Apply validated ``values`` to ``row`` and commit it with its audit event.

    The event lists {field: [old, new]} for every changed field, and for every changed
    link list in ``links`` ({name: (old ids, new ids)}); its action is
    ``<what>.create`` or ``<what>.update``.
    """
    changes = {k: [None, v] for k, v in values.items()} if created else _changes(row, values)
    changes |= {name: [old, new] for name, (old, new) in (links or {}).items() if old != new}
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    action = f"{what}.create" if created else f"{what}.update"
    _audit(session, scope, action, f"{what}:{row.id}", {"changes": changes})
    _commit(session)


# --- brands and enterprises -----------------------------------------------------------


def save_brand(session: Session, scope: Scope, name: str, brand_id: int | None = None) -> Brand:
    """Create a brand, or rename brand ``brand_id``."""
    require_admin(scope)
    problems: list[Problem] = []
    text = _name(name, "brand", 120, problems)
    brand = _existing_or_new(session, Brand, brand_id, "brand", problems)
    _unique(session, Brand.name, text, brand_id, "brand", problems)
    _fail(session, problems)
    _store(session, scope, brand, "brand", {"name": text}, created=not brand_id)
    return brand


def save_enterprise(
    session: Session,
    scope: Scope,
    *,
    name: str,
    country: str,
    sector: str,
    size_band: str,
    headcount: int | None = None,
    brand_ids: Iterable[int] = (),
    enterprise_id: int | None = None,
) -> Enterprise:
    """Create an enterprise (supplier factory) with its brand links, or edit one."""
    require_admin(scope)
    problems: list[Problem] = []
    text = _name(name, "enterprise", 160, problems)
    values: dict[str, Any] = {"name": text, "country": clean_text(country)}
    values["sector"] = clean_text(sector)
    values["size_band"] = clean_text(size_band)
    values["headcount"] = headcount
    for key in ("country", "sector"):
        if not values[key]:
            problems.append(Problem(f"admin.problem.{key}_empty"))
        elif len(values[key]) > 60:
            problems.append(Problem(f"admin.problem.{key}_too_long", {"limit": 60}))
    if values["size_band"] not in SIZE_BANDS:
        problems.append(Problem("admin.problem.size_band", {"choices": ", ".join(SIZE_BANDS)}))
    if headcount is not None and (not isinstance(headcount, int) or headcount < 1):
        problems.append(Problem("admin.problem.headcount"))
    ent = _existing_or_new(session, Enterprise, enterprise_id, "enterprise", problems)
    _unique(session, Enterprise.name, text, enterprise_id, "enterprise", problems)
    brand_ids = sorted(set(brand_ids))
    _ids_exist(session, Brand, brand_ids, "brand", problems)
    _fail(session, problems)
    old_brands = sorted(b.id for b in ent.brands) if enterprise_id else []
    ent.brands = list(session.scalars(select(Brand).where(Brand.id.in_(brand_ids))))
    links = {"brand_ids": (old_brands, brand_ids)}
    _store(session, scope, ent, "enterprise", values, not enterprise_id, links)
    return ent


# --- cohorts --------------------------------------------------------------------------


def save_cohort(
    session: Session,
    scope: Scope,
    *,
    name: str,
    module: str,
    enterprise_ids: Iterable[int] = (),
    trainer_id: int | None = None,
    trainer_name: str | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    is_comparison: bool = False,
    cohort_id: int | None = None,
) -> Cohort:
    """Create a cohort (training class or comparison group) or edit one.

    An enterprise that already has answers in one of the cohort's rounds cannot be
    removed from it: those answers would lose the cohort they were given in.
    """
    require_admin(scope)
    problems: list[Problem] = []
    text = _name(name, "cohort", 160, problems)
    if module not in SCORE_MODULES:
        choices = ", ".join(SCORE_MODULES)
        problems.append(Problem("admin.problem.module", {"module": module, "choices": choices}))
    if start_date and end_date and end_date < start_date:
        problems.append(Problem("admin.problem.end_before_start"))
    if trainer_id is not None:
        trainer = session.get(User, trainer_id)
        if trainer is None or trainer.role != Role.TRAINER:
            problems.append(Problem("admin.problem.not_trainer", {"id": trainer_id}))
    trainer_label = clean_text(trainer_name) or None
    if trainer_label and len(trainer_label) > 120:
        problems.append(Problem("admin.problem.trainer_name_too_long", {"limit": 120}))
    cohort = _existing_or_new(session, Cohort, cohort_id, "cohort", problems)
    _unique(session, Cohort.name, text, cohort_id, "cohort", problems)
    enterprise_ids = sorted(set(enterprise_ids))
    _ids_exist(session, Enterprise, enterprise_ids, "enterprise", problems)
    old_ents = sorted(e.id for e in cohort.enterprises) if cohort_id and cohort else []
    removed = set(old_ents) - set(enterprise_ids)
    if removed:
        answered = session.scalars(
            select(Enterprise.name)
            .join(Response, Response.enterprise_id == Enterprise.id)
            .join(SurveyRound, SurveyRound.id == Response.round_id)
            .where(SurveyRound.cohort_id == cohort_id, Enterprise.id.in_(removed))
            .distinct()
        ).all()
        if answered:
            names = ", ".join(sorted(answered))
            problems.append(Problem("admin.problem.answered_members", {"names": names}))
    _fail(session, problems)
    values = {
        "name": text,
        "module": module,
        "trainer_id": trainer_id,
        "trainer_name": trainer_label,
        "start_date": start_date,
        "end_date": end_date,
        "is_comparison": bool(is_comparison),
    }
    cohort.enterprises = list(
        session.scalars(select(Enterprise).where(Enterprise.id.in_(enterprise_ids)))
    )
    links = {"enterprise_ids": (old_ents, enterprise_ids)}
    _store(session, scope, cohort, "cohort", values, not cohort_id, links)
    return cohort


# --- rounds ---------------------------------------------------------------------------


def add_round(
    session: Session,
    scope: Scope,
    *,
    cohort_id: int,
    phase: Phase | str,
    survey_version_id: int,
    opens_on: date | None = None,
    closes_on: date | None = None,
    status: RoundStatus = RoundStatus.DRAFT,
) -> SurveyRound:
    """A new round with a fresh join code; created as a draft (tablets refuse it) unless
    ``status`` says otherwise. One round per cohort, phase and audience."""
    require_admin(scope)
    problems: list[Problem] = []
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        problems.append(Problem("admin.problem.no_such.cohort", {"id": cohort_id}))
    try:
        phase = Phase(phase)
    except ValueError:
        choices = ", ".join(Phase)
        problems.append(Problem("admin.problem.phase", {"phase": phase, "choices": choices}))
    version = session.get(SurveyVersion, survey_version_id)
    if version is None:
        problems.append(Problem("admin.problem.no_such.survey_version", {"id": survey_version_id}))
    if opens_on and closes_on and closes_on < opens_on:
        problems.append(Problem("admin.problem.closes_before_opens"))
    if cohort is not None and version is not None:
        measured = survey_of(version).module
        if measured is not None and measured != cohort.module:  # the cohort chose its module
            params = {
                "survey": version.survey_key,
                "module": Problem(f"admin.module.{measured}"),
                "cohort": cohort.name,
                "chosen": Problem(f"admin.module.{cohort.module}"),
            }
            problems.append(Problem("admin.problem.module_mismatch", params))  # fmt: skip
    if cohort is not None and version is not None and isinstance(phase, Phase):
        twin = session.scalar(
            select(SurveyRound.join_code)
            .join(SurveyVersion, SurveyVersion.id == SurveyRound.survey_version_id)
            .where(
                SurveyRound.cohort_id == cohort_id,
                SurveyRound.phase == phase.value,
                SurveyVersion.audience == version.audience,
            )
        )
        if twin:
            audience = Problem(f"admin.audience.{version.audience}")
            params = {"cohort": cohort.name, "audience": audience, "code": twin}
            params["phase"] = Problem(f"phase.{phase.value}")
            problems.append(Problem("admin.problem.round_exists", params))
    _fail(session, problems)
    row = round_service.create_round(session, cohort, phase, version, status)
    row.opens_on, row.closes_on = opens_on, closes_on
    detail = {
        "cohort_id": cohort_id,
        "phase": phase.value,
        "survey": f"{version.survey_key} v{version.version}",
        "status": status.value,
        "opens_on": opens_on,
        "closes_on": closes_on,
    }
    _audit(session, scope, "round.create", f"round:{row.join_code}", detail)
    _commit(session)
    return row


def set_round_status(
    session: Session, scope: Scope, round_id: int, status: RoundStatus | str
) -> SurveyRound:
    """Open or close a round (tablets and manager forms accept answers only while open)."""
    require_admin(scope)
    row = session.get(SurveyRound, round_id)
    problems = [] if row else [Problem("admin.problem.no_such.round", {"id": round_id})]
    try:
        status = RoundStatus(status)
    except ValueError:
        problems.append(Problem("admin.problem.status", {"status": status}))
    if status == RoundStatus.DRAFT:
        problems.append(Problem("admin.problem.back_to_draft"))
    _fail(session, problems)
    old = row.status
    row.status = status.value
    _audit(session, scope, "round.status", f"round:{row.join_code}", {"status": [old, row.status]})
    _commit(session)
    return row


def set_autoplay(session: Session, scope: Scope, round_id: int, on: bool) -> SurveyRound:
    """Read each screen's first question aloud when it appears (low-literacy groups)."""
    require_admin(scope)
    row = session.get(SurveyRound, round_id)
    _fail(session, [] if row else [Problem("admin.problem.no_such.round", {"id": round_id})])
    old = bool((row.settings or {}).get("autoplay_audio"))
    row.settings = {**(row.settings or {}), "autoplay_audio": bool(on)}  # new dict: JSON change
    _audit(session, scope, "round.autoplay", f"round:{row.join_code}", {"autoplay": [old, on]})
    _commit(session)
    return row


def renew_join_code(session: Session, scope: Scope, round_id: int) -> SurveyRound:
    """A new join code (e.g. the old one was shared too widely); the old one stops working."""
    require_admin(scope)
    row = session.get(SurveyRound, round_id)
    _fail(session, [] if row else [Problem("admin.problem.no_such.round", {"id": round_id})])
    old = row.join_code
    row.join_code = round_service.new_join_code(session)
    _audit(
        session, scope, "round.join_code", f"round:{row.id}", {"join_code": [old, row.join_code]}
    )
    _commit(session)
    return row


def tablet_link(base_url: str, join_code: str) -> str:
    """The link a tablet opens to start a round's survey."""
    return f"{base_url.rstrip('/')}/?code={quote(join_code)}"  # the survey is the home page


def qr_png(base_url: str, join_code: str, scale: int = 8) -> bytes:
    """PNG of a QR code for ``tablet_link`` (printed on the classroom handout)."""
    buffer = io.BytesIO()
    segno.make(tablet_link(base_url, join_code), error="m").save(buffer, kind="png", scale=scale)
    return buffer.getvalue()


# --- survey definitions ---------------------------------------------------------------


@dataclass(frozen=True)
class SurveyUpload:
    """What an upload did: ``problems`` (nothing stored) or the published version."""

    problems: list[str] = field(default_factory=list)
    survey_key: str | None = None
    version: int | None = None
    already_published: bool = False  # identical content was published before: no change

    @property
    def ok(self) -> bool:
        return not self.problems


def _publish_upload(session: Session, scope: Scope, loaded: LoadedSurvey) -> SurveyUpload:
    survey = loaded.survey
    known = session.scalar(
        select(SurveyVersion.id).where(
            SurveyVersion.survey_key == survey.id, SurveyVersion.version == survey.version
        )
    )
    try:
        row = publish(session, loaded)
    except SurveyVersionConflict as exc:
        session.rollback()
        return SurveyUpload([str(exc)], survey.id, survey.version)
    if known is None:
        detail = {"source": loaded.source, "audience": survey.audience.value}
        detail["content_hash"] = row.content_hash
        _audit(session, scope, "survey.publish", f"survey:{survey.id} v{survey.version}", detail)
    _commit(session)
    return SurveyUpload([], survey.id, survey.version, already_published=known is not None)


def upload_survey_yaml(
    session: Session, scope: Scope, text: str, source: str = "upload.yaml"
) -> SurveyUpload:
    """Validate a YAML survey definition and publish it as a new, frozen version; its
    ``include:`` parts and translation files come from the configured survey folder."""
    require_admin(scope)
    try:
        loaded = parse_survey(text, source=source, folder=load_settings().survey_dir)
    except SurveyDefinitionError as exc:
        return SurveyUpload(list(exc.problems))
    return _publish_upload(session, scope, loaded)


def upload_xlsform(
    session: Session,
    scope: Scope,
    workbook: BinaryIO,
    audience: Audience | str,
    source: str = "upload.xlsx",
    likert_lists: Iterable[str] = (),
) -> SurveyUpload:
    """Import an ODK/KoboToolbox XLSForm and publish it like a YAML definition."""
    require_admin(scope)
    try:
        survey = import_xlsform(
            workbook, Audience(audience), likert_lists=tuple(likert_lists), source_name=source
        )
    except SurveyDefinitionError as exc:  # XLSFormError, also for a file that is no workbook
        return SurveyUpload(list(exc.problems))
    return _publish_upload(session, scope, LoadedSurvey(survey, source, content_hash(survey)))


# --- listings for the admin pages -----------------------------------------------------


def brands(session: Session, scope: Scope) -> list[dict[str, Any]]:
    require_admin(scope)
    rows = session.scalars(
        select(Brand).options(selectinload(Brand.enterprises)).order_by(Brand.name)
    )
    return [{"id": b.id, "name": b.name, "enterprises": len(b.enterprises)} for b in rows]


def enterprises(session: Session, scope: Scope) -> list[dict[str, Any]]:
    require_admin(scope)
    query = select(Enterprise).options(selectinload(Enterprise.brands)).order_by(Enterprise.name)
    return [
        {
            "id": e.id,
            "name": e.name,
            "country": e.country,
            "sector": e.sector,
            "size_band": e.size_band,
            "headcount": e.headcount,
            "brand_ids": sorted(b.id for b in e.brands),
            "brands": ", ".join(sorted(b.name for b in e.brands)),
        }
        for e in session.scalars(query)
    ]


def cohorts(session: Session, scope: Scope) -> list[dict[str, Any]]:
    require_admin(scope)
    query: Select = (
        select(Cohort)
        .options(selectinload(Cohort.enterprises), selectinload(Cohort.trainer))
        .order_by(Cohort.name)
    )
    return [
        {
            "id": c.id,
            "name": c.name,
            "module": c.module,
            "trainer_id": c.trainer_id,
            "trainer": c.trainer.username if c.trainer else None,
            "trainer_name": c.trainer_name,
            "start_date": c.start_date,
            "end_date": c.end_date,
            "is_comparison": c.is_comparison,
            "enterprise_ids": sorted(e.id for e in c.enterprises),
            "enterprises": ", ".join(sorted(e.name for e in c.enterprises)),
        }
        for c in session.scalars(query)
    ]


def trainers(session: Session, scope: Scope) -> dict[int, str]:
    """Trainer accounts by id, for the cohort form."""
    require_admin(scope)
    rows = session.scalars(
        select(User).where(User.role == Role.TRAINER.value).order_by(User.username)
    )
    return {u.id: f"{u.display_name or u.username} ({u.username})" for u in rows}


def survey_versions(session: Session, scope: Scope) -> dict[int, str]:
    """Published survey versions by id, newest first within each survey."""
    require_admin(scope)
    query = select(SurveyVersion).order_by(SurveyVersion.survey_key, desc(SurveyVersion.version))
    return {v.id: f"{v.survey_key} v{v.version} ({v.audience})" for v in session.scalars(query)}


def rounds(session: Session, scope: Scope) -> list[dict[str, Any]]:
    require_admin(scope)
    counts = dict(
        session.execute(select(Response.round_id, func.count()).group_by(Response.round_id)).all()
    )
    query = (
        select(SurveyRound)
        .options(selectinload(SurveyRound.cohort), selectinload(SurveyRound.survey_version))
        .order_by(SurveyRound.cohort_id, SurveyRound.id)
    )
    return [
        {
            "id": r.id,
            "cohort": r.cohort.name,
            "phase": r.phase,
            "survey": f"{r.survey_version.survey_key} v{r.survey_version.version}",
            "audience": r.survey_version.audience,
            "status": r.status,
            "join_code": r.join_code,
            "opens_on": r.opens_on,
            "closes_on": r.closes_on,
            "responses": counts.get(r.id, 0),
            "autoplay_audio": bool((r.settings or {}).get("autoplay_audio")),
        }
        for r in session.scalars(query)
    ]


def audit_events(session: Session, scope: Scope, limit: int = 500) -> list[dict[str, Any]]:
    """The latest audit events, newest first."""
    require_admin(scope)
    query = select(AuditEvent).order_by(desc(AuditEvent.at), desc(AuditEvent.id)).limit(limit)
    return [
        {
            "at": e.at,
            "user": e.username,
            "action": e.action,
            "target": e.target,
            "detail": e.detail,
        }
        for e in session.scalars(query)
    ]
