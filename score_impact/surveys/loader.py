"""Load and validate survey definitions from YAML.

Errors name the file, the item (by its id, not a list index) and the problem, so the
person editing the YAML can fix it without reading a traceback.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from score_impact.config import DEFAULT_SURVEY_DIR
from score_impact.surveys.lineage import check as check_lineage
from score_impact.surveys.schema import IDENTIFIER, Survey
from score_impact.surveys.texts import (
    SHARED,
    file_name,
    read_strings,
    text_slots,
    translation_languages,
    translation_path,
)

DEFAULT_DIR = DEFAULT_SURVEY_DIR


class SurveyDefinitionError(ValueError):
    """A survey definition file cannot be used; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class LoadedSurvey:
    survey: Survey
    source: str
    content_hash: str  # sha256 of the normalised definition: detects edits without a new version
    notes: tuple[str, ...] = ()  # not fatal: e.g. a translation not complete yet, not offered


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic location like ('sections', 0, 'items', 3, 'type') into words."""
    parts: list[str] = []
    node = raw
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(key, int) and isinstance(node, dict) and "id" in node:
            parts.append(f"'{node['id']}'")
        elif isinstance(key, int):
            parts.append(f"#{key + 1}")
        else:
            parts.append(str(key))
    words = " ".join(parts)
    for plural, singular in (("sections", "section"), ("items", "item"), ("kpis", "kpi")):
        words = words.replace(f"{plural} '", f"{singular} '").replace(
            f"{plural} #", f"{singular} #"
        )
    return words


def _messages(raw: Any, error: ValidationError) -> list[str]:
    out = []
    for e in error.errors():
        msg = str(e["msg"]).removeprefix("Value error, ")
        loc = tuple(e["loc"])
        where = _where(raw, loc)
        out.append(f"{where}: {msg}" if where else msg)
    return out


#: Schema fields added after version 1 definitions were published. Left out of the hash
#: while they hold their empty default, so adding a field to the schema never changes the
#: hash of a definition that does not use it (a published version stays publishable).
LATER_FIELDS = frozenset(
    {
        "primary", "sesoi", "sesoi_pct", "prefer_not_to_answer", "screen_out", "continues",
        "replaces", "period", "denominator", "formula", "kpi_inputs", "module", "includes",
        "translated",
    }
)  # fmt: skip


def _without_empty_later_fields(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _without_empty_later_fields(v)
            for k, v in node.items()
            if not (k in LATER_FIELDS and v in (None, False, [], {}))
        }
    if isinstance(node, list):
        return [_without_empty_later_fields(v) for v in node]
    return node


def content_hash(survey: Survey) -> str:
    """sha256 of the normalised definition (all languages): detects any edit."""
    data = _without_empty_later_fields(survey.model_dump(mode="json", by_alias=True))
    canonical = json.dumps(data, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _mapping(text: str, source: str, what: str) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SurveyDefinitionError(source, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise SurveyDefinitionError(source, [f"the file must hold one {what} (a mapping)"])
    return raw


def _source_languages(raw: dict[str, Any]) -> list[str]:
    langs = raw.get("languages")
    return [str(x) for x in langs] if isinstance(langs, list) else []


def _translate(raw: dict[str, Any], folder: Path, name: str) -> tuple[set[str], list[str]]:
    """Merge ``translations/<lang>/<name>.yaml`` of every language into ``raw``; returns
    the languages that brought texts, and notes (a translation of a source language)."""
    applied, notes = set(), []
    source = set(_source_languages(raw))
    for lang in translation_languages(folder):
        strings = read_strings(translation_path(folder, lang, name))
        if not strings:
            continue
        if lang in source:
            notes.append(f"{name}: {lang} is written in the definition itself; "
                         f"translations/{lang}/{name}.yaml is not used")  # fmt: skip
            continue
        for key, slot in text_slots(raw):
            if strings.get(key, "").strip():
                slot[lang] = strings[key]
        applied.add(lang)
    return applied, notes


@dataclass(frozen=True)
class Fragment:
    """A shared part (``survey_defs/shared/*.yaml``): sections, their constructs and
    scales, defined once and included by several surveys (e.g. the worker core)."""

    id: str
    version: int
    raw: dict[str, Any]  # translations merged
    languages: set[str]  # translation languages that brought texts


def load_fragments(folder: Path) -> tuple[dict[str, Fragment], list[SurveyDefinitionError]]:
    """Every shared part in ``folder/shared``, with its translations."""
    found: dict[str, Fragment] = {}
    errors = []
    for path in sorted((folder / SHARED).glob("*.y*ml")):
        source = f"{SHARED}/{path.name}"
        try:
            raw = _mapping(path.read_text(encoding="utf-8"), source, "shared part")
            fid, version = raw.get("fragment"), raw.get("version")
            if not (isinstance(fid, str) and re.match(IDENTIFIER, fid)):
                raise SurveyDefinitionError(source, ["'fragment' must be a lower-case id"])
            if not isinstance(version, int) or version < 1:
                raise SurveyDefinitionError(source, ["'version' must be a whole number >= 1"])
            if fid in found:
                raise SurveyDefinitionError(source, [f"shared part '{fid}' is defined twice"])
            langs, _ = _translate(raw, folder, file_name(fid, version))
            found[fid] = Fragment(fid, version, raw, langs)
        except (SurveyDefinitionError, OSError, UnicodeDecodeError, ValueError) as exc:
            errors.append(
                exc if isinstance(exc, SurveyDefinitionError)
                else SurveyDefinitionError(source, [str(exc)])
            )  # fmt: skip
    return found, errors


def _merge_named(raw: dict, key: str, extra: Any, fragment: str, problems: list[str]) -> None:
    """Add a fragment's scales (mapping) or constructs (list of mappings with ids)."""
    if key == "scales":
        mine = raw.setdefault("scales", {})
        for name, points in (extra or {}).items():
            if name in mine and mine[name] != points:
                problems.append(f"scale '{name}' differs from the one in '{fragment}'")
            mine.setdefault(name, copy.deepcopy(points))
        return
    mine_list = raw.setdefault(key, [])
    have = {c.get("id"): c for c in mine_list if isinstance(c, dict)}
    for entry in extra or []:
        if entry.get("id") in have:
            if have[entry["id"]] != entry:
                problems.append(f"construct '{entry['id']}' differs from the one in '{fragment}'")
            continue
        mine_list.append(copy.deepcopy(entry))


def _expand(raw: dict[str, Any], fragments: dict[str, Fragment]) -> tuple[set[str], list[str]]:
    """Replace ``- include: <fragment>`` section entries by the fragment's sections.

    An entry may pick sections (``sections: [voice, about_you]``) and declare the module's
    primary outcomes among the fragment's constructs (``primary: {communication_voice:
    0.2}``: construct -> smallest effect size of interest, or null). The constructs and
    scales the sections use come along, and so does the fragment's consent when the survey
    has none. Returns the fragments' translation languages and the problems.
    """
    if not isinstance(raw.get("sections"), list):
        return set(), []
    langs: set[str] = set()
    problems: list[str] = []
    sections: list[Any] = []
    primary: dict[str, Any] = {}
    for entry in raw["sections"]:
        if not (isinstance(entry, dict) and "include" in entry):
            sections.append(entry)
            continue
        fragment = fragments.get(str(entry["include"]))
        if fragment is None:
            problems.append(f"include: no shared part '{entry['include']}' in {SHARED}/")
            continue
        wanted = entry.get("sections")
        parts = [
            copy.deepcopy(sec) for sec in fragment.raw.get("sections") or []
            if wanted is None or sec.get("id") in wanted
        ]  # fmt: skip
        if wanted is not None and len(parts) != len(wanted):
            problems.append(f"include '{fragment.id}': unknown section(s) in {wanted}")
        sections += parts
        used = {i.get("construct") for sec in parts for i in sec.get("items") or []}
        constructs = [c for c in fragment.raw.get("constructs") or [] if c.get("id") in used]
        _merge_named(raw, "constructs", constructs, fragment.id, problems)
        _merge_named(raw, "scales", fragment.raw.get("scales"), fragment.id, problems)
        if "consent" not in raw and "consent" in fragment.raw:
            raw["consent"] = copy.deepcopy(fragment.raw["consent"])
        chosen = entry.get("primary") or {}
        primary.update(chosen if isinstance(chosen, dict) else dict.fromkeys(chosen))
        langs |= fragment.languages
        label = f"{fragment.id} v{fragment.version}"
        if label not in raw.setdefault("includes", []):
            raw["includes"].append(label)
    raw["sections"] = sections
    constructs = {c.get("id"): c for c in raw.get("constructs") or [] if isinstance(c, dict)}
    for construct_id, sesoi in primary.items():
        if construct_id not in constructs:
            problems.append(f"include: primary construct '{construct_id}' is not included")
            continue
        constructs[construct_id]["primary"] = True
        if sesoi is not None:
            constructs[construct_id]["sesoi"] = sesoi
    return langs, problems


def _settle_languages(raw: dict[str, Any], candidates: set[str], name: str) -> list[str]:
    """Offer each translation language that now has every text; strip the others (with a
    note saying what is missing), so a half-done translation never reaches a tablet."""
    notes = []
    source = _source_languages(raw)
    complete = []
    for lang in sorted(candidates - set(source)):
        missing = [key for key, slot in text_slots(raw) if not slot.get(lang)]
        if missing:
            for _, slot in text_slots(raw):
                slot.pop(lang, None)
            notes.append(
                f"{name}: the {lang} translation lacks {len(missing)} text(s) (e.g. "
                f"{missing[0]}), so {lang} is not offered yet"
            )
        else:
            complete.append(lang)
    if source:
        raw["languages"] = source + complete
        # a definition exported from the database already names its translated languages
        raw["translated"] = [x for x in raw.get("translated") or [] if x in source] + complete
    return notes


def parse_survey(
    text: str,
    source: str = "<text>",
    folder: Path | None = None,
    fragments: dict[str, Fragment] | None = None,
) -> LoadedSurvey:
    """Parse one definition from YAML text; raise SurveyDefinitionError naming ``source``.

    With ``folder`` (the survey definitions folder), ``include:`` sections are expanded
    from its shared parts (``fragments``, loaded from ``folder`` when not given) and its
    translation files for this id and version are merged: the result is one
    self-contained definition, as it is published and frozen.
    """
    raw = _mapping(text, source, "survey")
    notes: list[str] = []
    if folder is not None:
        if fragments is None:
            fragments, _ = load_fragments(folder)
        version = raw.get("version")
        name = file_name(str(raw.get("id")), version) if isinstance(version, int) else source
        langs, notes = _translate(raw, folder, name)
        more, problems = _expand(raw, fragments)
        if problems:
            raise SurveyDefinitionError(source, problems)
        notes += _settle_languages(raw, langs | more, name)
    try:
        survey = Survey.model_validate(raw)
    except ValidationError as exc:
        raise SurveyDefinitionError(source, _messages(raw, exc)) from exc
    return LoadedSurvey(survey, source, content_hash(survey), tuple(notes))


def load_survey_file(path: Path, fragments: dict[str, Fragment] | None = None) -> LoadedSurvey:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # e.g. Chinese text saved as GBK by an old editor
        raise SurveyDefinitionError(path.name, [f"not UTF-8 text ({exc.reason})"]) from exc
    except OSError as exc:
        raise SurveyDefinitionError(path.name, [f"cannot be read ({exc.strerror})"]) from exc
    return parse_survey(text, source=path.name, folder=path.parent, fragments=fragments)


@dataclass(frozen=True)
class Catalog:
    """Every definition in a folder: the good ones, the errors of the bad ones, and notes
    that stop nothing (e.g. a translation not complete yet)."""

    surveys: dict[tuple[str, int], LoadedSurvey]
    errors: list[SurveyDefinitionError]
    notes: list[str] = field(default_factory=list)

    def latest(self, survey_id: str) -> LoadedSurvey:
        versions = [v for (sid, v) in self.surveys if sid == survey_id]
        if not versions:
            raise KeyError(survey_id)
        return self.surveys[(survey_id, max(versions))]

    def latest_versions(self) -> list[LoadedSurvey]:
        """The newest version of every survey (what new rounds use)."""
        return [self.latest(sid) for sid in sorted({sid for sid, _ in self.surveys})]


def load_catalog(folder: Path = DEFAULT_DIR) -> Catalog:
    """Load every ``*.yaml`` in ``folder`` (shared parts from ``folder/shared``, translations
    from ``folder/translations``); a bad file is reported, never fatal. A version whose
    lineage claims do not hold against the previous version is an error too."""
    surveys: dict[tuple[str, int], LoadedSurvey] = {}
    fragments, errors = load_fragments(folder)
    notes: list[str] = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            loaded = load_survey_file(path, fragments)
        except SurveyDefinitionError as exc:
            errors.append(exc)
            continue
        key = (loaded.survey.id, loaded.survey.version)
        if key in surveys:
            errors.append(
                SurveyDefinitionError(
                    path.name,
                    [f"survey '{key[0]}' version {key[1]} is also in {surveys[key].source}"],
                )
            )
            continue
        surveys[key] = loaded
        notes += loaded.notes
    for (sid, version), loaded in sorted(surveys.items()):
        previous = surveys.get((sid, version - 1))
        problems = check_lineage(previous.survey, loaded.survey) if previous else []
        if problems:
            errors.append(SurveyDefinitionError(loaded.source, problems))
            del surveys[(sid, version)]
    return Catalog(surveys=surveys, errors=errors, notes=notes)
