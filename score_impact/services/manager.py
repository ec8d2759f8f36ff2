"""Manager survey and enterprise KPIs: one editable set per enterprise and round.

Unlike worker responses, a manager's answers and KPIs are corrected until the round
closes, so saving replaces the previous values in one transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from score_impact.db.models import (
    Answer,
    Cohort,
    Enterprise,
    KpiValue,
    Response,
    RoundStatus,
    SurveyRound,
    SurveyVersion,
    cohort_enterprise,
    utcnow,
)
from score_impact.i18n import format_number, t
from score_impact.services.errors import InvalidSubmission
from score_impact.services.responses import answer_columns, stored_value
from score_impact.services.rounds import check_enterprise, open_round
from score_impact.services.scope import Scope, enterprise_ids_query
from score_impact.services.scope import check_enterprise as check_scope
from score_impact.services.surveys import survey_of
from score_impact.surveys.schema import Audience, Kpi, KpiInput, Survey
from score_impact.surveys.validation import Issue, check_number, label_of, validate_answers


def _manager_round(
    session: Session, round_id: int, enterprise_id: int
) -> tuple[SurveyRound, Survey]:
    round_ = open_round(session, round_id)
    check_enterprise(round_, enterprise_id)
    survey = survey_of(round_.survey_version)
    if survey.audience is not Audience.MANAGER:
        raise InvalidSubmission([Issue("_submission", "not_manager_round")])
    return round_, survey


def _manager_response(session: Session, round_id: int, enterprise_id: int) -> Response | None:
    return session.scalar(
        select(Response).where(
            Response.round_id == round_id,
            Response.enterprise_id == enterprise_id,
            Response.audience == Audience.MANAGER.value,
        )
    )


def save_manager_answers(
    session: Session, round_id: int, enterprise_id: int, language: str, answers: dict[str, Any]
) -> int:
    """Validate and store (or replace) the manager survey answers; returns the response id."""
    _, survey = _manager_round(session, round_id, enterprise_id)
    clean, issues = validate_answers(survey, answers)
    if issues:
        raise InvalidSubmission(issues)
    response = _manager_response(session, round_id, enterprise_id)
    if response is None:
        response = Response(
            client_uuid=str(uuid.uuid4()),
            round_id=round_id,
            enterprise_id=enterprise_id,
            audience=Audience.MANAGER.value,
            language=language,
        )
        session.add(response)
        session.flush()
    else:
        session.execute(delete(Answer).where(Answer.response_id == response.id))
        response.language = language
        response.updated_at = utcnow()
    rows = [
        {"response_id": response.id, "item_id": k, **answer_columns(survey, k, v)}
        for k, v in clean.items()
    ]
    if rows:
        session.execute(insert(Answer), rows)
    session.commit()
    return response.id


def manager_answers(session: Session, round_id: int, enterprise_id: int) -> dict[str, Any]:
    """The stored manager answers in their own types, to pre-fill the form."""
    response = _manager_response(session, round_id, enterprise_id)
    if response is None:
        return {}
    survey = survey_of(response.round.survey_version)
    return {a.item_id: stored_value(survey, a) for a in response.answers}


def kpi_fields(survey: Survey) -> dict[str, KpiInput | Kpi]:
    """What a manager types, by id: the raw counts (``kpi_inputs``) every computed KPI is
    made of, and any KPI entered as such (version 1 manager surveys)."""
    fields: dict[str, KpiInput | Kpi] = {k.id: k for k in survey.kpi_inputs}
    fields.update({k.id: k for k in survey.kpis if k.formula is None})
    return fields


def parse_kpi_values(
    survey: Survey, values: dict[str, Any]
) -> tuple[dict[str, float | None], list[Issue]]:
    """Typed values -> numbers (None = blank), checked for range, whole numbers and
    ``at_most`` (e.g. units failed <= units inspected); the issues found."""
    fields = kpi_fields(survey)
    issues = [Issue(k, "unknown_item") for k in values if k not in fields]
    clean: dict[str, float | None] = {}
    for field_id, raw in values.items():
        field = fields.get(field_id)
        if field is None:
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            clean[field_id] = None
            continue
        number, issue = check_number(field_id, raw, field.min, field.max, field.integer)
        if issue:
            issues.append(issue)
        else:
            clean[field_id] = number
    for field in survey.kpi_inputs:
        value, limit = clean.get(field.id), clean.get(field.at_most or "")
        if value is not None and limit is not None and value > limit:
            other = fields[field.at_most or ""].label
            issues.append(Issue(field.id, "at_most", {"other": other, "value": f"{limit:g}"}))
    return clean, issues


def kpi_preview(survey: Survey, values: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The computed KPIs of the values typed so far, in ``lang``: one row per KPI with its
    value (locale number format; "-" until its inputs are valid), unit, period,
    denominator and direction of good."""
    clean, _ = parse_kpi_values(survey, values)  # invalid entries simply stay blank
    computed = survey.compute_kpis(clean)
    rows = []
    for kpi in survey.kpis:
        value = computed.get(kpi.id) if kpi.formula else clean.get(kpi.id)
        rows.append(
            {
                t("manager.col.kpi", lang): label_of(kpi.label, lang),
                t("manager.col.value", lang): "-"
                if value is None
                else format_number(value, lang, 2),
                t("manager.col.unit", lang): label_of(kpi.unit, lang),
                t("manager.col.period", lang): label_of(kpi.period, lang),
                t("manager.col.denominator", lang): label_of(kpi.denominator, lang),
                t("manager.col.direction", lang): t(
                    f"manager.direction.{kpi.direction.value}", lang
                ),
            }
        )
    return rows


def save_kpis(
    session: Session, round_id: int, enterprise_id: int, values: dict[str, Any]
) -> dict[str, float]:
    """Validate every raw count or KPI (number, range, whole numbers, ``at_most``), then
    store them all; the rates are computed from them when analysed, never typed.

    A blank value removes a stored one (the manager cleared the field). If any value is
    invalid nothing is changed and every problem is reported.
    """
    _, survey = _manager_round(session, round_id, enterprise_id)
    clean, issues = parse_kpi_values(survey, values)
    if issues:
        raise InvalidSubmission(issues)
    stored = {
        row.kpi_id: row
        for row in session.scalars(
            select(KpiValue).where(
                KpiValue.round_id == round_id, KpiValue.enterprise_id == enterprise_id
            )
        )
    }
    for kpi_id, number in clean.items():
        row = stored.get(kpi_id)
        if number is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                KpiValue(
                    enterprise_id=enterprise_id, round_id=round_id, kpi_id=kpi_id, value=number
                )
            )
        else:
            row.value = number
    session.commit()
    return kpi_values(session, round_id, enterprise_id)


def kpi_values(session: Session, round_id: int, enterprise_id: int) -> dict[str, float]:
    rows = session.scalars(
        select(KpiValue).where(
            KpiValue.round_id == round_id, KpiValue.enterprise_id == enterprise_id
        )
    )
    return {r.kpi_id: r.value for r in rows}


def manager_enterprises(session: Session, scope: Scope) -> dict[int, str]:
    """The enterprises whose manager survey ``scope`` may fill in, by name."""
    rows = session.execute(
        select(Enterprise.id, Enterprise.name)
        .where(Enterprise.id.in_(enterprise_ids_query(scope)))
        .order_by(Enterprise.name)
    )
    return {ent_id: name for ent_id, name in rows}


def open_manager_rounds(
    session: Session, scope: Scope, enterprise_id: int, lang: str = "en"
) -> dict[int, str]:
    """The open manager rounds of ``enterprise_id``'s cohorts, newest first, as labels in
    ``lang`` (e.g. "Dongguan Module 1 · follow-up (AFMDEMO)").

    A signed-in manager needs no join code: their enterprise decides their rounds. Raises
    ``AccessDenied`` for an enterprise outside ``scope``.
    """
    check_scope(scope, enterprise_id)
    rows = session.execute(
        select(SurveyRound.id, Cohort.name, SurveyRound.phase, SurveyRound.join_code)
        .join(Cohort, Cohort.id == SurveyRound.cohort_id)
        .join(cohort_enterprise, cohort_enterprise.c.cohort_id == Cohort.id)
        .join(SurveyVersion, SurveyVersion.id == SurveyRound.survey_version_id)
        .where(
            cohort_enterprise.c.enterprise_id == enterprise_id,
            SurveyRound.status == RoundStatus.OPEN.value,
            SurveyVersion.audience == Audience.MANAGER.value,
        )
        .order_by(SurveyRound.id.desc())
    )
    return {
        rid: f"{cohort} · {t(f'phase.{phase}', lang)} ({code})" for rid, cohort, phase, code in rows
    }
