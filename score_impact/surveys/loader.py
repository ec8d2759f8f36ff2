"""Load and validate survey definitions from YAML.

Errors name the file, the item (by its id, not a list index) and the problem, so the
person editing the YAML can fix it without reading a traceback.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from score_impact.config import DEFAULT_SURVEY_DIR
from score_impact.surveys.schema import PUBLISHING, Survey
from score_impact.uploads import UploadRefused, load_yaml

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


def content_hash(survey: Survey) -> str:
    canonical = json.dumps(survey.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_survey(text: str, source: str = "<text>") -> LoadedSurvey:
    """Parse one definition from YAML text; raise SurveyDefinitionError naming ``source``."""
    try:
        raw = load_yaml(text)
    except UploadRefused as exc:
        raise SurveyDefinitionError(source, [str(exc)]) from exc
    except yaml.YAMLError as exc:
        raise SurveyDefinitionError(source, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise SurveyDefinitionError(source, ["the file must hold one survey (a mapping)"])
    try:
        survey = Survey.model_validate(raw, context=PUBLISHING)
    except ValidationError as exc:
        raise SurveyDefinitionError(source, _messages(raw, exc)) from exc
    return LoadedSurvey(survey=survey, source=source, content_hash=content_hash(survey))


def load_survey_file(path: Path) -> LoadedSurvey:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # e.g. Chinese text saved as GBK by an old editor
        raise SurveyDefinitionError(path.name, [f"not UTF-8 text ({exc.reason})"]) from exc
    except OSError as exc:
        raise SurveyDefinitionError(path.name, [f"cannot be read ({exc.strerror})"]) from exc
    return parse_survey(text, source=path.name)


@dataclass(frozen=True)
class Catalog:
    """Every definition in a folder: the good ones, and the errors of the bad ones."""

    surveys: dict[tuple[str, int], LoadedSurvey]
    errors: list[SurveyDefinitionError]

    def latest(self, survey_id: str) -> LoadedSurvey:
        versions = [v for (sid, v) in self.surveys if sid == survey_id]
        if not versions:
            raise KeyError(survey_id)
        return self.surveys[(survey_id, max(versions))]


def load_catalog(folder: Path = DEFAULT_DIR) -> Catalog:
    """Load every ``*.yaml`` in ``folder``; a bad file is reported, never fatal."""
    surveys: dict[tuple[str, int], LoadedSurvey] = {}
    errors: list[SurveyDefinitionError] = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            loaded = load_survey_file(path)
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
    return Catalog(surveys=surveys, errors=errors)
