"""Lineage across versions of one survey: which questions and KPIs a before/after can compare.

A new version fixes wording, adds items and drops others. Each item (and KPI) of version
*n* says what it is to version *n - 1*: it ``continues`` an earlier item (same meaning,
same scale and polarity: comparable), it ``replaces`` one (changed: not comparable), or
neither (new). :func:`check` holds a definition to that; :func:`harmonise` decides, for
the versions answered in one view (e.g. a version 1 baseline and a version 2 follow-up),
which outcomes are compared under which id, and why the others are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from score_impact.surveys.schema import Item, ItemType, Kpi, Survey

SCORED = (ItemType.LIKERT, ItemType.YES_NO)

# Reasons an outcome is left out of a comparison across versions (ui strings lineage.*).
NEW = "new"  # first asked in a later version
REPLACED = "replaced"  # the later version asks it differently
DROPPED = "dropped"  # the later version no longer asks it


def _scale_length(survey: Survey, item: Item) -> int | None:
    return len(survey.scales[item.scale]) if item.scale else None


def _outcomes(survey: Survey) -> dict[str, Item | Kpi]:
    """Scored items and KPIs by id: what before/after comparisons are made of."""
    out: dict[str, Item | Kpi] = {i.id: i for i in survey.items if i.type in SCORED}
    out.update({k.id: k for k in survey.kpis})
    return out


def check(previous: Survey, survey: Survey) -> list[str]:
    """Problems with ``survey``'s lineage claims against the previous version."""
    problems = []
    before = _outcomes(previous) | {i.id: i for i in previous.items}
    claimed: dict[str, str] = {}
    entries: list[Item | Kpi] = [*survey.items, *survey.kpis]
    for entry in entries:
        kind = "kpi" if isinstance(entry, Kpi) else "item"
        for link in ("continues", "replaces"):
            target = getattr(entry, link)
            if target is None:
                continue
            old = before.get(target)
            if old is None or isinstance(old, Kpi) != isinstance(entry, Kpi):
                problems.append(
                    f"{kind} '{entry.id}' {link} '{target}', which is not a {kind} of "
                    f"version {previous.version}"
                )
                continue
            if target in claimed:
                problems.append(
                    f"'{target}' of version {previous.version} is continued or replaced twice "
                    f"('{claimed[target]}' and '{entry.id}')"
                )
            claimed[target] = entry.id
            if link == "continues":
                problems += _same_measure(previous, old, survey, entry)
    return problems


def _same_measure(previous: Survey, old: Item | Kpi, survey: Survey, new: Item | Kpi) -> list:
    """A continued item keeps type, scale length and polarity; a KPI its direction."""
    where = f"'{new.id}' continues '{old.id}' but"
    if isinstance(old, Kpi) and isinstance(new, Kpi):
        return [] if old.direction == new.direction else [f"{where} changes the direction"]
    assert isinstance(old, Item) and isinstance(new, Item)
    if old.type != new.type:
        return [f"{where} changes the type ({old.type.value} -> {new.type.value})"]
    if _scale_length(previous, old) != _scale_length(survey, new):
        return [f"{where} changes the number of scale points"]
    if old.reverse != new.reverse:
        return [f"{where} changes the polarity (reverse coding)"]
    return []


@dataclass(frozen=True)
class Left:
    """An outcome left out of a comparison across versions, and why."""

    outcome_id: str  # its id in the version named
    kind: str  # "item" or "kpi"
    version: int
    reason: str  # NEW | REPLACED | DROPPED
    other: str | None = None  # REPLACED: the earlier id it replaces


@dataclass(frozen=True)
class Harmonised:
    """(version, id) -> the id compared (the newest version's), and what is left out."""

    canonical: dict[tuple[int, str], str]
    left_out: list[Left] = field(default_factory=list)


def harmonise(chain: dict[int, Survey], present: set[int]) -> Harmonised:
    """Which outcomes of the versions ``present`` can be compared, under the newest id.

    ``chain`` holds every stored version of the survey (lineage links go from each version
    to the one before it, so the versions in between are needed too). An outcome is kept
    when each version in ``present`` asks it, linked by ``continues`` all the way; a
    missing link version breaks the chain. With one version present, everything is kept.
    """
    newest = max(present)
    oldest = min(present)
    if newest == oldest:
        return Harmonised({(newest, oid): oid for oid in _outcomes(chain[newest])})
    # id in version v of each newest outcome, walking back one version at a time
    current: dict[str, str | None] = {oid: oid for oid in _outcomes(chain[newest])}
    at: dict[int, dict[str, str | None]] = {newest: dict(current)}
    broken: dict[str, Left] = {}
    for version in range(newest - 1, oldest - 1, -1):
        later, earlier = chain.get(version + 1), chain.get(version)
        for oid, here in current.items():
            if here is None:
                continue
            entry = _outcomes(later)[here] if later else None
            step = entry.continues if entry is not None else None
            if earlier is None or step is None or step not in _outcomes(earlier):
                current[oid] = None
                kind = "kpi" if isinstance(entry, Kpi) else "item"
                replaced = entry.replaces if entry is not None else None
                reason = REPLACED if replaced else NEW
                broken.setdefault(oid, Left(oid, kind, version + 1, reason, replaced))
            else:
                current[oid] = step
        at[version] = dict(current)
    kept = [oid for oid, here in current.items() if here is not None]
    canonical = {(v, at[v][oid]): oid for v in present for oid in kept}  # type: ignore[misc]
    left = [broken[oid] for oid in _outcomes(chain[newest]) if oid in broken]
    replaced = {(b.version - 1, b.other) for b in broken.values() if b.other}
    for version in sorted(present - {newest}):
        for oid, entry in _outcomes(chain[version]).items():
            if (version, oid) not in canonical and (version, oid) not in replaced:
                kind = "kpi" if isinstance(entry, Kpi) else "item"
                left.append(Left(oid, kind, version, DROPPED))
    return Harmonised(canonical, left)
