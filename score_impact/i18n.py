"""Interface strings in every supported language (survey wording lives in survey_defs/).

Strings are kept in ``locales/ui.yaml`` as ``key: {en: ..., zh: ...}`` so translators edit
one file; a missing translation falls back to English rather than showing a key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}
FALLBACK = "en"


@cache
def strings() -> dict[str, dict[str, str]]:
    path = Path(__file__).with_name("locales") / "ui.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def t(key: str, lang: str, **params: object) -> str:
    """Translate ``key`` into ``lang``, filling ``{name}`` placeholders from ``params``."""
    entry = strings().get(key)
    if entry is None:
        raise KeyError(f"no interface string '{key}'")
    text = entry.get(lang) or entry[FALLBACK]
    return text.format(**params) if params else text
