"""Every interface string exists in every interface language, placeholders alike."""

from __future__ import annotations

import re

import pytest

from score_impact.i18n import LANGUAGES, strings, t


@pytest.mark.parametrize("key", sorted(strings()))
def test_every_string_is_translated_with_the_same_placeholders(key):
    entry = strings()[key]
    assert set(entry) >= set(LANGUAGES), f"{key} lacks {set(LANGUAGES) - set(entry)}"
    placeholders = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in entry.items()}
    assert len({frozenset(p) for p in placeholders.values()}) == 1, placeholders


def test_unknown_key_fails_loudly_and_unknown_language_falls_back_to_english():
    with pytest.raises(KeyError):
        t("no.such.key", "en")
    assert t("kiosk.submit", "fr") == "Submit"
