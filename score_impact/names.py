"""Names of things as a reader of one language knows them.

One helper per kind of name, so that every screen and report asks the same question ("the
name of this factory in language X") and the answer can change in one place: today an
enterprise has one name for every language (``Enterprise.name``); when enterprises carry
display names per language, this is the only function that reads them.
"""

from __future__ import annotations

from typing import Protocol


class Named(Protocol):
    name: str


def factory_name(enterprise: Named, lang: str) -> str:
    """The factory's name for a reader of ``lang`` (its one stored name for now)."""
    return enterprise.name
