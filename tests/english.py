"""Is English left on a screen shown in another language?

Shared by the browser walk of the worker screens (tests/e2e/test_worker_screens.py) and the
staff views' tests (tests/app/test_staff_language.py). A string counts when English says it
differently from the language (or the language lacks it, so English would show): every
interface string, every survey text, and Streamlit's own default words. For a script without
Latin letters any Latin word of three letters or more is left-over English as well.
Names (factories, people, languages) are the caller's to remove first.
"""

from __future__ import annotations

import re
from functools import cache

from score_impact.i18n import language_strings, t
from score_impact.surveys.loader import load_catalog

# Streamlit's own English words that would show if a widget kept its default text.
STREAMLIT_ENGLISH = ["Choose an option", "Press Enter to apply", "No results", "Running..."]


def _pattern(english: str) -> re.Pattern[str]:
    """A whole-word pattern for an English string; ``{placeholders}`` match anything."""
    parts = [re.escape(p) for p in re.split(r"\{[^}]*\}", english.strip())]
    return re.compile(r"(?<!\w)" + ".+?".join(parts) + r"(?!\w)")


@cache
def english_patterns(lang: str) -> tuple[re.Pattern[str], ...]:
    """Every English interface and survey string that ``lang`` says differently (or does
    not translate at all, so English would show)."""
    found: set[str] = set(STREAMLIT_ENGLISH)
    own = language_strings(lang)
    found |= {en for key, en in language_strings("en").items() if own.get(key) != en}
    for entry in load_catalog().surveys.values():
        survey = entry.survey
        texts = [survey.title, survey.consent]
        texts += [s.title for s in survey.sections] + [s.intro for s in survey.sections]
        texts += [c.label for c in survey.constructs]
        texts += [x for k in survey.kpis for x in (k.label, k.unit)]
        for item in survey.items:
            texts += [item.label, item.help] + [o.label for o in item.options or []]
        texts += [p.label for points in survey.scales.values() for p in points]
        found |= {x["en"] for x in texts if x and x.get(lang) != x.get("en") and x.get("en")}
    wordy = [s for s in sorted(found) if re.search(r"[A-Za-z]{2}", re.sub(r"\{[^}]*\}", "", s))]
    return tuple(_pattern(s) for s in wordy)  # (a placeholder is not a word)


def uses_latin_letters(lang: str) -> bool:
    return bool(re.search(r"[A-Za-z]", t("kiosk.thanks", lang)))


def english_left(text: str, lang: str) -> list[str]:
    """The English found in ``text`` (names already removed), for a ``lang`` screen."""
    if lang == "en":
        return []
    left = [p.pattern for p in english_patterns(lang) if p.search(text)]
    if not uses_latin_letters(lang):
        left += re.findall(r"[A-Za-z]{3,}", text)
    return left
