"""Response-integrity flags: which responses of a round a trainer should look at before
trusting the numbers. Pure rules on plain facts (no database, no Streamlit); the service
(score_impact/services/quality.py) loads the facts and records the trainer's decisions.

A flag is a reason to look, never a verdict: excluding a response is a person's decision,
audited and reversible. The rules, each with its threshold here so a report can state it:

- ``over_headcount``: a factory sent more responses than its declared headcount; the
  responses after the headcount was reached are flagged.
- ``burst``: :data:`BURST_SIZE` or more responses from one enrolled tablet within
  :data:`BURST_WINDOW` (one tablet cannot serve that many honest workers that fast).
- ``speeder``: completed in less than :data:`SPEED_FACTOR` of the time needed just to
  read the questions it answered at a fast reading speed (``reading_speed`` characters
  per second in the language's ``language.yaml``), plus :data:`TAP_SECONDS` per answer.
- ``straight_line``: the same answer, other than the scale's midpoint, to every item of a
  construct that has both normally and reverse-worded items: agreeing that the supervisor
  listens *and* that they never listen is not an opinion. (All midpoints are consistent.)
- ``repeated_code``: two or more responses of the same factory and phase with the same
  private pairing code: one worker answering twice, or one person answering for many.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from score_impact.surveys.schema import ItemType, Survey

BURST_SIZE = 5
BURST_WINDOW = timedelta(minutes=10)
SPEED_FACTOR = 0.5
TAP_SECONDS = 1.0


class Flag(StrEnum):
    OVER_HEADCOUNT = "over_headcount"
    BURST = "burst"
    SPEEDER = "speeder"
    STRAIGHT_LINE = "straight_line"
    REPEATED_CODE = "repeated_code"


@dataclass(frozen=True)
class ResponseFacts:
    """What the rules need to know about one response."""

    response_id: int
    enterprise_id: int
    submitted_at: datetime
    language: str
    answers: Mapping[str, object] = field(default_factory=dict)  # item id -> stored value
    device_id: int | None = None
    started_at: datetime | None = None
    pairing_hash: str | None = None


def over_headcount(
    facts: Iterable[ResponseFacts], headcounts: Mapping[int, int | None]
) -> set[int]:
    flagged: set[int] = set()
    by_factory: dict[int, list[ResponseFacts]] = defaultdict(list)
    for f in facts:
        by_factory[f.enterprise_id].append(f)
    for enterprise_id, group in by_factory.items():
        headcount = headcounts.get(enterprise_id)
        if headcount and len(group) > headcount:
            ordered = sorted(group, key=lambda f: (f.submitted_at, f.response_id))
            flagged |= {f.response_id for f in ordered[headcount:]}
    return flagged


def bursts(facts: Iterable[ResponseFacts]) -> set[int]:
    flagged: set[int] = set()
    by_device: dict[int, list[ResponseFacts]] = defaultdict(list)
    for f in facts:
        if f.device_id is not None:
            by_device[f.device_id].append(f)
    for group in by_device.values():
        ordered = sorted(group, key=lambda f: f.submitted_at)
        end = 0
        for start, first in enumerate(ordered):
            end = max(end, start)
            while (
                end + 1 < len(ordered)
                and ordered[end + 1].submitted_at - first.submitted_at <= BURST_WINDOW
            ):
                end += 1
            if end - start + 1 >= BURST_SIZE:
                flagged |= {f.response_id for f in ordered[start : end + 1]}
    return flagged


def reading_seconds(survey: Survey, answered: Iterable[str], lang: str, speed: float) -> float:
    """Seconds a fast reader needs to read the questions answered (labels, help, choice
    options; a Likert scale's labels once) and tap each answer."""
    chars = 0
    scales: set[str] = set()
    count = 0
    for item_id in answered:
        item = survey.items_by_id.get(item_id)
        if item is None or item.type is ItemType.NOTE:
            continue
        count += 1
        texts = [item.label, item.help, *[o.label for o in item.options or []]]
        chars += sum(len(_in(text, lang)) for text in texts if text)
        if item.scale:
            scales.add(item.scale)
    for scale in scales:
        chars += sum(len(_in(p.label, lang)) for p in survey.scales.get(scale, []))
    return chars / speed + TAP_SECONDS * count


def _in(text: Mapping[str, str], lang: str) -> str:
    return text.get(lang) or next(iter(text.values()), "")


def speeders(
    facts: Iterable[ResponseFacts], survey: Survey, speed: Callable[[str], float]
) -> set[int]:
    flagged = set()
    for f in facts:
        if f.started_at is None:
            continue  # paper, or a client that did not say when it started
        took = (f.submitted_at - f.started_at).total_seconds()
        needed = reading_seconds(survey, f.answers, f.language, speed(f.language))
        if took < SPEED_FACTOR * needed:
            flagged.add(f.response_id)
    return flagged


def straight_lines(facts: Iterable[ResponseFacts], survey: Survey) -> set[int]:
    mixed = []
    for construct in survey.constructs:
        items = [i for i in survey.construct_items(construct.id) if i.type is ItemType.LIKERT]
        if len({i.reverse for i in items}) == 2:
            points = len(survey.scales.get(items[0].scale or "", []))
            mixed.append(([i.id for i in items], (1 + points) / 2))
    flagged = set()
    for f in facts:
        for ids, midpoint in mixed:
            values = {f.answers.get(i) for i in ids}
            if len(values) == 1 and None not in values and values != {midpoint}:
                flagged.add(f.response_id)
    return flagged


def repeated_codes(facts: Iterable[ResponseFacts]) -> set[int]:
    """The pairing hash already includes the factory; the caller passes one phase."""
    by_code: dict[str, list[int]] = defaultdict(list)
    for f in facts:
        if f.pairing_hash:
            by_code[f.pairing_hash].append(f.response_id)
    return {rid for ids in by_code.values() if len(ids) > 1 for rid in ids}


def flag_responses(
    facts: list[ResponseFacts],
    survey: Survey,
    headcounts: Mapping[int, int | None],
    speed: Callable[[str], float],
) -> dict[int, list[Flag]]:
    """Every flag of every response of one round (response id -> flags, in Flag order;
    responses without a flag are left out)."""
    found = {
        Flag.OVER_HEADCOUNT: over_headcount(facts, headcounts),
        Flag.BURST: bursts(facts),
        Flag.SPEEDER: speeders(facts, survey, speed),
        Flag.STRAIGHT_LINE: straight_lines(facts, survey),
        Flag.REPEATED_CODE: repeated_codes(facts),
    }
    out: dict[int, list[Flag]] = {}
    for flag, ids in found.items():
        for rid in sorted(ids):
            out.setdefault(rid, []).append(flag)
    return out
