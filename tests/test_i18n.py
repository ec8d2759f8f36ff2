"""Every interface string exists in every interface language, placeholders alike, and a
language is added by adding a directory under ``score_impact/locales/``."""

from __future__ import annotations

import re

import pytest

from score_impact import i18n
from score_impact.i18n import LANGUAGES, language_strings, strings, t


@pytest.mark.parametrize("key", sorted(strings()))
def test_every_string_is_translated_with_the_same_placeholders(key):
    entry = strings()[key]
    assert set(entry) >= set(LANGUAGES), f"{key} lacks {set(LANGUAGES) - set(entry)}"
    placeholders = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in entry.items()}
    assert len({frozenset(p) for p in placeholders.values()}) == 1, placeholders


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_no_language_has_keys_the_english_source_lacks(lang):
    assert set(language_strings(lang)) <= set(language_strings("en"))


def test_unknown_key_fails_loudly_and_unknown_language_falls_back_to_english():
    with pytest.raises(KeyError):
        t("no.such.key", "en")
    assert t("kiosk.submit", "fr") == "Submit"


def test_a_new_language_directory_is_a_new_language(tmp_path, monkeypatch):
    for code in ("en", "xx"):
        (tmp_path / code).mkdir()
    (tmp_path / "en" / "language.yaml").write_text('name: "English"\nspeech: "en-US"\n')
    (tmp_path / "en" / "ui.yaml").write_text('kiosk.submit: "Submit"\n')
    (tmp_path / "xx" / "language.yaml").write_text('name: "Xish"\nspeech: "xx-XX"\n')
    (tmp_path / "xx" / "ui.yaml").write_text('kiosk.submit: "Sendix"\n')
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    for cached in (i18n.languages, i18n.language_strings, i18n.strings):
        cached.cache_clear()
    try:
        assert list(i18n.languages()) == ["en", "xx"]
        assert t("kiosk.submit", "xx") == "Sendix"
        assert i18n.speech_tag("xx") == "xx-XX"
    finally:
        monkeypatch.undo()
        for cached in (i18n.languages, i18n.language_strings, i18n.strings):
            cached.cache_clear()
