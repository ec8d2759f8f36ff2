"""Names of things as a reader of one language knows them.

One helper per kind of name, so that every screen and report asks the same question ("the
name of this factory in language X") and the answer can change in one place: an
enterprise has one stored name (``Enterprise.name``), and a language may give its own
name for it in ``locales/<lang>/enterprises.yaml`` (:func:`score_impact.i18n.enterprise_name`).
"""

from __future__ import annotations

from typing import Protocol

from score_impact.i18n import enterprise_name


class Named(Protocol):
    name: str


def factory_name(enterprise: Named, lang: str) -> str:
    """The factory's name for a reader of ``lang``: the language's own name for it where
    given, else its stored name."""
    return enterprise_name(enterprise.name, lang)
