"""Typed schema of a survey definition (the YAML files in ``survey_defs/``).

Instruments are data, as in XLSForm: questions, translations, constructs, skip logic and
the KPI set live in the definition, never in page code. Every cross-reference is checked
here so that a broken file fails loudly at load time, naming the item and the problem,
instead of failing on a worker's tablet.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from score_impact.surveys import formulas

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
Identifier = Annotated[str, Field(pattern=IDENTIFIER, max_length=60)]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")]
# A label in every language of the survey: {"en": "...", "zh": "..."}
Text = dict[str, str]
#: What an explicit "prefer not to answer" is stored as (``Answer.value_text``, no number):
#: missing for every score, counted in the item non-response report.
DECLINED = "prefer_not_to_answer"


class Strict(BaseModel):
    """Base: unknown keys are errors (a typo like ``revrse`` must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Audience(StrEnum):
    WORKER = "worker"
    MANAGER = "manager"


class Stakeholder(StrEnum):
    """Who benefits: the three 'wins' of the win-win-win scorecard."""

    WORKERS = "workers"
    SUPPLIER = "supplier"
    BRAND = "brand"


class ItemType(StrEnum):
    LIKERT = "likert"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    TEXT = "text"
    NOTE = "note"  # display-only text, stores nothing


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Option(Strict):
    value: Identifier
    label: Text


class Condition(Strict):
    """Skip logic: show an item only when an earlier item has a given answer.

    Exactly one of ``equals`` / ``in_`` / ``at_least`` / ``at_most`` is given; a multiple
    choice item matches ``equals`` when the value is among the ticked options.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    item: Identifier
    equals: str | int | bool | None = None
    in_: list[str | int] | None = Field(default=None, alias="in")
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        given = [
            k for k in ("equals", "in_", "at_least", "at_most") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError("show_if needs exactly one of equals, in, at_least, at_most")
        return self

    def holds(self, value: object) -> bool:
        """Whether the condition is met by the referenced item's answer (None = unanswered)."""
        if value is None:
            return False
        if self.equals is not None:
            if isinstance(value, list):
                return str(self.equals) in [str(v) for v in value]
            if isinstance(self.equals, bool) or isinstance(value, bool):
                wanted = self.equals
                if isinstance(wanted, str):  # a quoted "yes"/"no": bool("no") would be True
                    wanted = {"yes": True, "true": True, "no": False, "false": False}.get(
                        wanted.strip().lower()
                    )
                    if wanted is None:
                        return False
                return bool(value) == bool(wanted) and isinstance(value, bool)
            return str(value) == str(self.equals)
        if self.in_ is not None:
            values = value if isinstance(value, list) else [value]
            return any(str(v) in {str(x) for x in self.in_} for v in values)
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        if self.at_least is not None:
            return number >= self.at_least
        return self.at_most is not None and number <= self.at_most


class Item(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: Identifier
    type: ItemType
    label: Text
    help: Text | None = None
    required: bool = True
    # "construct" in YAML; renamed here because BaseModel.construct is a (deprecated) method
    construct_id: Identifier | None = Field(default=None, alias="construct")
    reverse: bool = False
    scale: Identifier | None = None  # likert: key into Survey.scales
    options: list[Option] | None = None  # single/multiple choice
    min: float | None = None  # number
    max: float | None = None
    integer: bool = False
    unit: Text | None = None
    max_length: int = Field(default=300, ge=1, le=2000)  # text
    demographic: bool = False  # coarse band used only for grouping, never shown alone
    show_if: Condition | None = None
    audio: dict[str, str] | None = None  # language -> audio file path (optional read-aloud)
    # An explicit "prefer not to answer" choice (likert, yes/no, single choice); None: the
    # survey's default (``Survey.prefer_not_to_answer``).
    prefer_not_to_answer: bool | None = None
    # Screening: a response giving this answer in a follow-up round is excluded from
    # before/after comparisons and counted (e.g. workers hired after the training).
    screen_out: str | bool | None = None
    # Lineage across versions of one survey: the id of the previous version's item this one
    # continues (same meaning and scale: compared before/after) or replaces (changed: not
    # compared, with the reason stated). Neither: a new item.
    continues: Identifier | None = None
    replaces: Identifier | None = None

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Self:
        t = self.type
        if self.continues and self.replaces:
            raise ValueError("an item either continues or replaces an earlier item, not both")
        declinable = (ItemType.LIKERT, ItemType.YES_NO, ItemType.SINGLE_CHOICE)
        if self.prefer_not_to_answer and t not in declinable:
            raise ValueError(f"prefer_not_to_answer is not offered on {t.value} items")
        if self.screen_out is not None:
            if t is ItemType.YES_NO and not isinstance(self.screen_out, bool):
                raise ValueError("screen_out of a yes_no item is true or false")
            if t is ItemType.SINGLE_CHOICE and str(self.screen_out) not in {
                o.value for o in self.options or []
            }:
                raise ValueError(f"screen_out '{self.screen_out}' is not one of the options")
            if t not in (ItemType.YES_NO, ItemType.SINGLE_CHOICE):
                raise ValueError("screen_out is only for yes_no and single_choice items")
        if self.reverse and t is not ItemType.LIKERT:
            raise ValueError("reverse coding applies to likert items only")
        if t is ItemType.LIKERT and self.scale is None:
            raise ValueError("a likert item needs a scale")
        if t is not ItemType.LIKERT and self.scale is not None:
            raise ValueError(f"scale is only for likert items, not {t.value}")
        is_choice = t in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE)
        if is_choice and not self.options:
            raise ValueError(f"a {t.value} item needs options")
        if not is_choice and self.options:
            raise ValueError(f"options are only for choice items, not {t.value}")
        if self.options:
            values = [o.value for o in self.options]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate option value(s): {', '.join(dupes)}")
        if t is not ItemType.NUMBER and (self.min is not None or self.max is not None):
            raise ValueError("min/max are only for number items")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.construct_id and t not in (ItemType.LIKERT, ItemType.YES_NO):
            raise ValueError("only likert and yes_no items can belong to a construct")
        return self

    @model_validator(mode="before")
    @classmethod
    def _notes_are_never_required(cls, data: object) -> object:
        """A note shows text only, so "required" defaults off instead of needing a flag."""
        if isinstance(data, dict) and data.get("type") == "note":
            data = {**data, "required": data.get("required", False)}
        return data


class Section(Strict):
    id: Identifier
    title: Text
    intro: Text | None = None
    items: list[Item] = Field(min_length=1)


class ScalePoint(Strict):
    value: int
    label: Text


class Construct(Strict):
    """A multi-item scale. ``primary`` marks the outcomes the win-win-win scorecard
    judges its stakeholder on (declared up front, so the claim cannot be picked after
    seeing the data); ``sesoi`` is the smallest change that matters, in scale points of
    the construct score (None: a quarter point on a 1-5 scale, see
    ``analysis.equivalence.default_sesoi``)."""

    id: Identifier
    label: Text
    stakeholder: Stakeholder = Stakeholder.WORKERS
    description: Text | None = None
    # A primary outcome of the module for its stakeholder (what the scorecard headlines).
    primary: bool = False
    # Smallest effect size of interest, in scale points of the construct score (None: the
    # analysis' default rule).
    sesoi: float | None = Field(default=None, gt=0)


class KpiInput(Strict):
    """A raw count a manager enters (leavers, hours worked ...); KPIs are computed from it."""

    id: Identifier
    label: Text
    unit: Text
    help: Text | None = None
    min: float = 0
    max: float | None = None
    integer: bool = False
    at_most: Identifier | None = None  # another input this one can never exceed


class Kpi(Strict):
    """An enterprise KPI entered by a manager, once per enterprise per round."""

    id: Identifier
    label: Text
    unit: Text
    direction: Direction
    stakeholder: Stakeholder = Stakeholder.SUPPLIER
    min: float = 0
    max: float | None = None
    integer: bool = False
    help: Text | None = None
    period: Text | None = None  # e.g. "last full calendar month"
    denominator: Text | None = None  # what the rate is per, in words
    # Computed from ``Survey.kpi_inputs`` (e.g. "100 * leavers / avg_headcount"); None: the
    # manager enters the KPI itself (version 1 manager surveys).
    formula: str | None = None
    primary: bool = False  # a primary outcome of the module for its stakeholder
    sesoi_pct: float | None = Field(default=None, gt=0)  # smallest meaningful % change
    continues: Identifier | None = None  # the previous version's KPI, same definition
    replaces: Identifier | None = None  # the previous version's KPI, changed definition

    @field_validator("formula")
    @classmethod
    def _formula_parses(cls, formula: str | None) -> str | None:
        if formula is not None:
            formulas.names(formula)  # raises FormulaError (a ValueError) with the reason
        return formula


class Survey(Strict):
    id: Identifier
    version: int = Field(ge=1)
    title: Text
    audience: Audience
    languages: list[LanguageCode] = Field(min_length=1)
    description: Text | None = None
    consent: Text | None = None
    scales: dict[str, list[ScalePoint]] = Field(default_factory=dict)
    constructs: list[Construct] = Field(default_factory=list)
    sections: list[Section] = Field(min_length=1)
    kpis: list[Kpi] = Field(default_factory=list)
    kpi_inputs: list[KpiInput] = Field(default_factory=list)
    min_items_answered: float = Field(default=2 / 3, gt=0, le=1)
    module: Identifier | None = None  # the SCORE module measured, e.g. workplace_cooperation
    # Offer "prefer not to answer" on every likert, yes/no and single-choice item unless the
    # item says otherwise.
    prefer_not_to_answer: bool = False
    # Provenance, filled by the loader: the shared parts included (e.g. "worker_core v1")
    # and the languages that came from translation files rather than this definition.
    includes: list[str] = Field(default_factory=list)
    translated: list[LanguageCode] = Field(default_factory=list)

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, langs: list[str]) -> list[str]:
        if len(set(langs)) != len(langs):
            raise ValueError("languages are listed twice")
        return langs

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        problems: list[str] = []
        problems += self._check_ids()
        problems += self._check_translations()
        problems += self._check_scales_and_constructs()
        problems += self._check_show_if()
        problems += self._check_kpis()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ----- lookups -------------------------------------------------------------------
    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @cached_property
    def items_by_id(self) -> dict[str, Item]:
        """Items by id (computed once: the submit path looks up every answer's item)."""
        return {item.id: item for item in self.items}

    def item(self, item_id: str) -> Item:
        return self.items_by_id[item_id]

    def construct_items(self, construct_id: str) -> list[Item]:
        return [i for i in self.items if i.construct_id == construct_id]

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def declinable(self, item: Item) -> bool:
        """Whether ``item`` offers an explicit "prefer not to answer"."""
        own = item.prefer_not_to_answer
        wanted = self.prefer_not_to_answer if own is None else own
        return bool(wanted) and item.type in (
            ItemType.LIKERT,
            ItemType.YES_NO,
            ItemType.SINGLE_CHOICE,
        )

    @property
    def screening_item(self) -> Item | None:
        """The item whose ``screen_out`` answer excludes a follow-up response, if any."""
        return next((i for i in self.items if i.screen_out is not None), None)

    def compute_kpis(self, inputs: dict[str, float | None]) -> dict[str, float | None]:
        """Every formula KPI computed from the entered inputs (None where it cannot be)."""
        return {k.id: formulas.evaluate(k.formula, inputs) for k in self.kpis if k.formula}

    # ----- checks --------------------------------------------------------------------
    def _check_ids(self) -> list[str]:
        problems = []
        for kind, ids in (
            (
                "item",
                [i.id for i in self.items]
                + [k.id for k in self.kpis]
                + [k.id for k in self.kpi_inputs],
            ),
            ("section", [s.id for s in self.sections]),
            ("construct", [c.id for c in self.constructs]),
        ):
            seen: set[str] = set()
            for one in ids:
                if one in seen:
                    problems.append(f"duplicate {kind} id '{one}'")
                seen.add(one)
        return problems

    def _check_translations(self) -> list[str]:
        problems = []

        def need(where: str, text: Text | None) -> None:
            if text is None:
                return
            missing = [lang for lang in self.languages if not (text.get(lang) or "").strip()]
            extra = [lang for lang in text if lang not in self.languages]
            if missing:
                problems.append(f"{where}: missing translation for {', '.join(missing)}")
            if extra:
                problems.append(f"{where}: language(s) {', '.join(extra)} not in survey languages")

        need("title", self.title)
        need("description", self.description)
        need("consent", self.consent)
        for name, points in self.scales.items():
            for p in points:
                need(f"scale '{name}' point {p.value}", p.label)
        for c in self.constructs:
            need(f"construct '{c.id}' label", c.label)
            need(f"construct '{c.id}' description", c.description)
        for s in self.sections:
            need(f"section '{s.id}' title", s.title)
            need(f"section '{s.id}' intro", s.intro)
            for i in s.items:
                need(f"item '{i.id}' label", i.label)
                need(f"item '{i.id}' help", i.help)
                need(f"item '{i.id}' unit", i.unit)
                for o in i.options or []:
                    need(f"item '{i.id}' option '{o.value}'", o.label)
        for k in self.kpis:
            need(f"kpi '{k.id}' label", k.label)
            need(f"kpi '{k.id}' unit", k.unit)
            need(f"kpi '{k.id}' help", k.help)
            need(f"kpi '{k.id}' period", k.period)
            need(f"kpi '{k.id}' denominator", k.denominator)
        for k in self.kpi_inputs:
            need(f"kpi input '{k.id}' label", k.label)
            need(f"kpi input '{k.id}' unit", k.unit)
            need(f"kpi input '{k.id}' help", k.help)
        return problems

    def _check_kpis(self) -> list[str]:
        """Formulas read declared inputs, every input is used, ``at_most`` names an input,
        and at most one item screens responses out."""
        problems = []
        inputs = {k.id for k in self.kpi_inputs}
        used: set[str] = set()
        for kpi in self.kpis:
            if kpi.formula is None:
                continue
            read = formulas.names(kpi.formula)
            used |= read
            for unknown in sorted(read - inputs):
                problems.append(f"kpi '{kpi.id}': formula reads unknown input '{unknown}'")
        for k in self.kpi_inputs:
            if k.id not in used:
                problems.append(f"kpi input '{k.id}' is used by no KPI formula")
            if k.at_most is not None and k.at_most not in inputs:
                problems.append(f"kpi input '{k.id}': at_most names unknown input '{k.at_most}'")
            if k.min is not None and k.max is not None and k.min > k.max:
                problems.append(f"kpi input '{k.id}': min is greater than max")
        screening = [i.id for i in self.items if i.screen_out is not None]
        if len(screening) > 1:
            problems.append(f"only one item may screen responses out, not {', '.join(screening)}")
        return problems

    def _check_scales_and_constructs(self) -> list[str]:
        problems = []
        for name, points in self.scales.items():
            if not re.match(IDENTIFIER, name):
                problems.append(f"scale name '{name}' is not a lower-case identifier")
            values = [p.value for p in points]
            if values != list(range(1, len(values) + 1)) or len(values) < 2:
                problems.append(f"scale '{name}' must number its points 1..n (got {values})")
        construct_ids = {c.id for c in self.constructs}
        for item in self.items:
            if item.scale is not None and item.scale not in self.scales:
                problems.append(f"item '{item.id}': unknown scale '{item.scale}'")
            if item.construct_id is not None and item.construct_id not in construct_ids:
                problems.append(f"item '{item.id}': unknown construct '{item.construct_id}'")
        for c in self.constructs:
            members = self.construct_items(c.id)
            if len(members) < 2:
                problems.append(
                    f"construct '{c.id}' has {len(members)} item(s); a construct needs at least 2"
                )
            kinds = {m.type for m in members}
            if len(kinds) > 1:
                problems.append(f"construct '{c.id}' mixes item types {sorted(kinds)}")
        return problems

    def _check_show_if(self) -> list[str]:
        problems = []
        earlier: dict[str, Item] = {}
        for item in self.items:
            cond = item.show_if
            if cond is not None:
                target = earlier.get(cond.item)
                if target is None:
                    where = "a later item" if cond.item in {i.id for i in self.items} else None
                    problems.append(
                        f"item '{item.id}': show_if refers to "
                        + (f"{where} '{cond.item}'" if where else f"unknown item '{cond.item}'")
                    )
                elif target.type in (ItemType.TEXT, ItemType.NOTE):
                    problems.append(
                        f"item '{item.id}': show_if cannot depend on {target.type.value} "
                        f"item '{cond.item}'"
                    )
                elif target.options and (cond.equals is not None or cond.in_ is not None):
                    allowed = {o.value for o in target.options}
                    wanted = [cond.equals] if cond.equals is not None else list(cond.in_ or [])
                    bad = [str(w) for w in wanted if str(w) not in allowed]
                    if bad:
                        problems.append(
                            f"item '{item.id}': show_if value(s) {', '.join(bad)} are not "
                            f"options of '{cond.item}'"
                        )
            earlier[item.id] = item
        return problems
