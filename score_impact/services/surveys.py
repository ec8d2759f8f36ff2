"""Publishing survey definitions into the database and reading them back for a round.

A round points at a stored, frozen copy of the definition, so editing a YAML file can never
change what past answers meant: a changed definition needs a new version number.

Translations are the one exception, and a narrow one. A published version may gain a
language (a new ``translations/<lang>/<id>.v<n>.yaml``): nothing answered changes meaning,
so the stored definition is extended and its hash renewed. A translation of a language
that already has answers (tablet or paper) in that version is frozen like the rest: an
edit to it is refused and needs a new version. Until the first answer in that language,
its text may still be corrected (e.g. after the native reviewer's sign-off or a cognitive
pretest). A language is never removed from a published version.
"""

from __future__ import annotations

import copy

from sqlalchemy import select
from sqlalchemy.orm import Session

from score_impact.db.models import PaperEntry, Response, SurveyRound, SurveyVersion
from score_impact.services.errors import SurveyVersionConflict
from score_impact.surveys.loader import Catalog, LoadedSurvey, content_hash
from score_impact.surveys.schema import Survey
from score_impact.surveys.texts import text_slots


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
            _update_translations(session, existing, loaded)
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


def _sources(definition: dict) -> list[str]:
    translated = set(definition.get("translated") or [])
    return [lang for lang in definition["languages"] if lang not in translated]


def _core(definition: dict, keep: list[str]) -> dict:
    """The definition with texts in ``keep`` only and no language lists: what must not
    change for an update to be a translation update."""
    core = copy.deepcopy(definition)
    for _, slot in text_slots(core):
        for lang in list(slot):
            if lang not in keep:
                del slot[lang]
    core.pop("languages", None)
    core.pop("translated", None)
    return core


def _update_translations(session: Session, existing: SurveyVersion, loaded: LoadedSurvey) -> None:
    """Add or correct translations of a published version, or raise a conflict."""
    s = loaded.survey
    # both dumped by today's schema, so fields added since publication compare equal
    old = Survey.model_validate(existing.definition).model_dump(mode="json", by_alias=True)
    new = s.model_dump(mode="json", by_alias=True)
    sources = _sources(old)
    conflict = (
        f"{loaded.source}: survey '{s.id}' version {s.version} differs from the published "
        f"version; give the changed survey a new version number"
    )
    if _sources(new) != sources or _core(old, sources) != _core(new, sources):
        raise SurveyVersionConflict(conflict)
    old_texts = dict(text_slots(old))
    changed = sorted(
        {
            lang
            for key, slot in text_slots(new)
            for lang in s.translated
            if lang in old_texts.get(key, {}) and old_texts[key][lang] != slot.get(lang)
        }
    )
    used = _languages_answered(session, existing.id, changed)
    if used:
        raise SurveyVersionConflict(
            f"{loaded.source}: the {', '.join(used)} translation of '{s.id}' version "
            f"{s.version} differs from the published one, and answers were already given "
            f"in {', '.join(used)}; put the corrected wording in a new version"
        )
    merged = copy.deepcopy(old)
    new_texts = dict(text_slots(new))
    for key, slot in text_slots(merged):
        for lang in s.translated:
            if lang in new_texts.get(key, {}):
                slot[lang] = new_texts[key][lang]
    translated = sorted(set(old.get("translated") or []) | set(s.translated))
    merged["languages"] = sources + translated
    merged["translated"] = translated
    survey = Survey.model_validate(merged)
    existing.definition = survey.model_dump(mode="json", by_alias=True)
    existing.content_hash = content_hash(survey)
    session.flush()


def _languages_answered(session: Session, version_id: int, langs: list[str]) -> list[str]:
    """Which of ``langs`` already have a response or a keyed paper sheet in the version."""
    if not langs:
        return []
    rounds = select(SurveyRound.id).where(SurveyRound.survey_version_id == version_id)
    tablet = select(Response.language).where(
        Response.round_id.in_(rounds), Response.language.in_(langs)
    )
    paper = select(PaperEntry.language).where(
        PaperEntry.round_id.in_(rounds), PaperEntry.language.in_(langs)
    )
    return sorted(set(session.scalars(tablet.union(paper))))


def publish_catalog(session: Session, catalog: Catalog) -> list[str]:
    """Publish every valid definition; return the problems (load errors, conflicts, and
    notes such as a translation not yet complete)."""
    problems = [str(e) for e in catalog.errors] + list(catalog.notes)
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
