"""Publishing survey definitions into the database and reading them back for a round.

A round points at a stored, frozen copy of the definition, so editing a YAML file can never
change what past answers meant: a changed definition needs a new version number.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from score_impact.db.models import SurveyVersion
from score_impact.services.errors import SurveyVersionConflict
from score_impact.surveys.loader import Catalog, LoadedSurvey
from score_impact.surveys.schema import Survey


def publish(session: Session, loaded: LoadedSurvey) -> SurveyVersion:
    """Store a definition version once; re-publishing identical content is a no-op."""
    s = loaded.survey
    existing = session.scalar(
        select(SurveyVersion).where(
            SurveyVersion.survey_key == s.id, SurveyVersion.version == s.version
        )
    )
    if existing is not None:
        if existing.content_hash != loaded.content_hash:
            raise SurveyVersionConflict(
                f"{loaded.source}: survey '{s.id}' version {s.version} differs from the "
                f"published version; give the changed survey a new version number"
            )
        return existing
    row = SurveyVersion(
        survey_key=s.id,
        version=s.version,
        audience=s.audience.value,
        content_hash=loaded.content_hash,
        definition=s.model_dump(mode="json", by_alias=True),
    )
    session.add(row)
    session.flush()
    return row


def publish_catalog(session: Session, catalog: Catalog) -> list[str]:
    """Publish every valid definition; return the problems (load errors and conflicts)."""
    problems = [str(e) for e in catalog.errors]
    for loaded in catalog.surveys.values():
        try:
            publish(session, loaded)
        except SurveyVersionConflict as exc:
            problems.append(str(exc))
    session.commit()
    return problems


_parsed: dict[str, Survey] = {}


def survey_of(version: SurveyVersion) -> Survey:
    """The Survey model of a stored version, parsed once per content hash."""
    survey = _parsed.get(version.content_hash)
    if survey is None:
        survey = _parsed[version.content_hash] = Survey.model_validate(version.definition)
    return survey


def survey_by_hash(session: Session, version_id: int, content_hash: str) -> Survey:
    """The parsed survey of a version known by id and hash: no JSON is loaded when this
    content was parsed before (the submit path's case)."""
    survey = _parsed.get(content_hash)
    return survey if survey is not None else survey_of(session.get_one(SurveyVersion, version_id))
