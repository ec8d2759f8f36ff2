"""Every survey definition in ``survey_defs/`` loads and keeps the instrument invariants;
deliberately broken definitions (``tests/surveys/broken/``) fail with an error that names
the file, the item and the problem; ``load_catalog`` survives a folder of mixed files.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from score_impact.surveys.loader import (
    SurveyDefinitionError,
    load_catalog,
    load_survey_file,
    parse_survey,
)
from score_impact.surveys.schema import (
    Audience,
    Direction,
    ItemType,
    Stakeholder,
    Survey,
    Text,
)

HERE = Path(__file__).resolve().parent
DEFS_DIR = HERE.parents[1] / "survey_defs"
BROKEN_DIR = HERE / "broken"
DEFINITION_FILES = sorted(DEFS_DIR.glob("*.y*ml"))

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_LETTER = re.compile(r"[A-Za-z]")

# Content hashes of released definitions. A version's wording must not change once data is
# collected with it: if this test fails, give the definition a new `version` instead of
# editing the released one (or, before any data exists, update the hash here on purpose).
# Updated on purpose with issue 9 (no field data yet): constructs and KPIs gained the
# analysis fields `primary` and `sesoi` / `sesoi_pct`, and Module 1 declares its primaries.
RELEASED_HASHES = {
    ("worker_m1_cooperation", 1): (
        "8923e850f32a1931d320a861a63bc7a912c258e35ab3961e024e3ed42f921a1e"
    ),
    ("manager_m1", 1): "1eb5c212cf3f5f52c082f5b04f8715e139e9504bf3cfea4b6e7f9c1f2d328d2b",
}


def _texts(survey: Survey) -> Iterator[tuple[str, Text]]:
    """Every translatable text of a survey, with where it is."""
    for where, text in (
        ("title", survey.title),
        ("description", survey.description),
        ("consent", survey.consent),
    ):
        if text is not None:
            yield where, text
    for name, points in survey.scales.items():
        for point in points:
            yield f"scale {name} point {point.value}", point.label
    for c in survey.constructs:
        yield f"construct {c.id}", c.label
        if c.description:
            yield f"construct {c.id} description", c.description
    for s in survey.sections:
        yield f"section {s.id} title", s.title
        if s.intro:
            yield f"section {s.id} intro", s.intro
        for i in s.items:
            yield f"item {i.id}", i.label
            for part, text in (("help", i.help), ("unit", i.unit)):
                if text is not None:
                    yield f"item {i.id} {part}", text
            for o in i.options or []:
                yield f"item {i.id} option {o.value}", o.label
    for k in survey.kpis:
        yield f"kpi {k.id}", k.label
        yield f"kpi {k.id} unit", k.unit
        if k.help:
            yield f"kpi {k.id} help", k.help


@pytest.fixture(scope="module", params=DEFINITION_FILES, ids=lambda p: p.name)
def path(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture(scope="module")
def survey(path: Path) -> Survey:
    return load_survey_file(path).survey


def _load(name: str) -> Survey:
    return load_survey_file(DEFS_DIR / name).survey


# --------------------------------------------------------------------------------------
# every definition in survey_defs/
# --------------------------------------------------------------------------------------
def test_the_m1_instruments_are_there() -> None:
    names = {p.name for p in DEFINITION_FILES}
    assert {"worker_m1_cooperation.yaml", "manager_m1.yaml"} <= names


def test_the_folder_loads_without_errors() -> None:
    catalog = load_catalog(DEFS_DIR)
    assert [str(e) for e in catalog.errors] == []
    assert len(catalog.surveys) == len(DEFINITION_FILES)


def test_every_text_is_in_every_language(survey: Survey) -> None:
    problems = []
    for where, text in _texts(survey):
        if set(text) != set(survey.languages):
            problems.append(f"{where}: languages {sorted(text)}")
        problems += [f"{where}: blank {lang}" for lang in text if not text[lang].strip()]
    assert problems == []


def test_chinese_texts_are_chinese_and_english_texts_are_english(survey: Survey) -> None:
    """Catches English pasted into the zh slot (or the reverse); "%" needs no translation."""
    problems = []
    for where, text in _texts(survey):
        if not LATIN_LETTER.search(text.get("en", "")):
            continue
        if "zh" in text and not CJK.search(text["zh"]):
            problems.append(f"{where}: zh has no Chinese: {text['zh']!r}")
        if CJK.search(text["en"]):
            problems.append(f"{where}: en has Chinese: {text['en']!r}")
    assert problems == []


def test_every_construct_has_at_least_two_items_of_one_type(survey: Survey) -> None:
    for construct in survey.constructs:
        members = survey.construct_items(construct.id)
        assert len(members) >= 2, construct.id
        assert len({m.type for m in members}) == 1, construct.id
        assert {m.type for m in members} <= {ItemType.LIKERT, ItemType.YES_NO}


def test_every_construct_is_used_and_every_item_construct_exists(survey: Survey) -> None:
    declared = {c.id for c in survey.constructs}
    used = {i.construct_id for i in survey.items if i.construct_id}
    assert used == declared


def test_no_construct_is_only_reverse_items(survey: Survey) -> None:
    """An all-negative construct would be read upside down; keep one positive anchor."""
    for construct in survey.constructs:
        assert not all(i.reverse for i in survey.construct_items(construct.id)), construct.id


def test_worker_surveys_have_reverse_coded_items(survey: Survey) -> None:
    if survey.audience is not Audience.WORKER or not survey.constructs:
        pytest.skip("only worker surveys with constructs")
    assert any(i.reverse for i in survey.items)


def test_likert_items_use_a_labelled_scale(survey: Survey) -> None:
    for item in survey.items:
        if item.type is ItemType.LIKERT:
            points = survey.scales[item.scale or ""]
            assert [p.value for p in points] == list(range(1, len(points) + 1))


def test_demographics_are_coarse_bands(survey: Survey) -> None:
    for item in survey.items:
        if item.demographic:
            assert item.type is ItemType.SINGLE_CHOICE, item.id
            assert 2 <= len(item.options or []) <= 5, item.id
            assert item.construct_id is None, item.id


def test_free_text_is_never_forced_on_a_worker(survey: Survey) -> None:
    if survey.audience is not Audience.WORKER:
        pytest.skip("worker surveys only")
    for item in survey.items:
        if item.type is ItemType.TEXT:
            assert not item.required, item.id


def test_kpi_ids_are_unique_and_apart_from_item_ids(survey: Survey) -> None:
    kpi_ids = [k.id for k in survey.kpis]
    assert len(kpi_ids) == len(set(kpi_ids))
    assert not set(kpi_ids) & {i.id for i in survey.items}


def test_kpi_ranges_fit_their_units(survey: Survey) -> None:
    for kpi in survey.kpis:
        assert kpi.max is None or kpi.min <= kpi.max, kpi.id
        if kpi.formula is not None:  # computed by the app: says what it is per, and when
            assert kpi.period and kpi.denominator, kpi.id
            continue
        if kpi.unit.get("en", "").startswith("%"):
            assert (kpi.min, kpi.max) == (0, 100), kpi.id
            assert not kpi.integer, kpi.id
        if kpi.integer:
            assert kpi.min >= 0, kpi.id
        assert kpi.help, f"{kpi.id} needs help text saying how to compute it"


def test_content_hash_is_stable(path: Path, survey: Survey) -> None:
    """Same definition, same hash: across loads and however the YAML is laid out."""
    first = load_survey_file(path)
    assert load_survey_file(path).content_hash == first.content_hash
    relaid = yaml.safe_dump(
        yaml.safe_load(path.read_text(encoding="utf-8")), sort_keys=True, allow_unicode=True
    )
    assert parse_survey(relaid, "relaid.yaml", DEFS_DIR).content_hash == first.content_hash

    edited = yaml.safe_load(path.read_text(encoding="utf-8"))
    edited["title"]["en"] += " (edited)"
    assert (
        parse_survey(yaml.safe_dump(edited), "e.yaml", DEFS_DIR).content_hash != first.content_hash
    )


def test_released_versions_are_not_edited(path: Path, survey: Survey) -> None:
    key = (survey.id, survey.version)
    if key not in RELEASED_HASHES:
        pytest.skip(f"{key} is not pinned in RELEASED_HASHES")
    assert load_survey_file(path).content_hash == RELEASED_HASHES[key], (
        f"{path.name} changed but is still version {survey.version}: bump `version`"
    )


# --------------------------------------------------------------------------------------
# the Module 1 worker survey
# --------------------------------------------------------------------------------------
WORKER_CONSTRUCTS = {
    "communication_voice",
    "cooperation_teamwork",
    "trust_management",
    "fair_treatment",
    "safety_climate",
    "training_skills",
    "job_satisfaction",
    "intention_stay",
}


def test_worker_survey_header() -> None:
    s = _load("worker_m1_cooperation.yaml")
    assert (s.id, s.version, s.audience, s.languages) == (
        "worker_m1_cooperation",
        1,
        Audience.WORKER,
        ["en", "zh"],
    )
    assert s.consent is not None
    assert "anonymous" in s.consent["en"] and "10 minutes" in s.consent["en"]
    assert "不记名" in s.consent["zh"] and "10分钟" in s.consent["zh"]
    labels = [(p.label["en"], p.label["zh"]) for p in s.scales["agree5"]]
    assert labels[0] == ("Strongly disagree", "非常不同意")
    assert labels[-1] == ("Strongly agree", "非常同意")


def test_worker_survey_constructs() -> None:
    s = _load("worker_m1_cooperation.yaml")
    likert = {
        c.id: s.construct_items(c.id)
        for c in s.constructs
        if s.construct_items(c.id)[0].type is ItemType.LIKERT
    }
    assert set(likert) >= WORKER_CONSTRUCTS
    assert all(3 <= len(items) <= 5 for items in likert.values())
    assert {c.stakeholder for c in s.constructs} == {Stakeholder.WORKERS}


def test_worker_survey_reverse_items_are_spread() -> None:
    s = _load("worker_m1_cooperation.yaml")
    reverse = [i for i in s.items if i.reverse]
    assert len(reverse) >= 5
    assert len({i.construct_id for i in reverse}) >= 5


def test_worker_survey_yes_no_items() -> None:
    s = _load("worker_m1_cooperation.yaml")
    yes_no = [i for i in s.items if i.type is ItemType.YES_NO]
    assert len(yes_no) >= 3
    for item in yes_no:
        if item.construct_id:
            assert len(s.construct_items(item.construct_id)) >= 2


def test_worker_survey_asks_whether_a_suggestion_was_acted_on_only_after_one() -> None:
    s = _load("worker_m1_cooperation.yaml")
    follow_up = s.item("suggestion_acted")
    assert follow_up.show_if is not None and follow_up.show_if.item == "suggestion_made"
    assert follow_up.show_if.holds(True)
    assert not follow_up.show_if.holds(False)
    assert not follow_up.show_if.holds(None)


def test_worker_survey_demographic_bands() -> None:
    s = _load("worker_m1_cooperation.yaml")
    bands = {i.id: [o.value for o in i.options or []] for i in s.items if i.demographic}
    assert bands == {
        "tenure": ["under_1_year", "one_to_3_years", "over_3_years"],
        "gender": ["woman", "man", "not_say"],
        "department": ["production", "quality", "warehouse", "other"],
    }


def test_worker_survey_layout() -> None:
    """One section is one tablet screen; 30-45 short questions is 10-15 minutes."""
    s = _load("worker_m1_cooperation.yaml")
    assert all(4 <= len(section.items) <= 7 for section in s.sections)
    assert 30 <= len(s.items) <= 45
    texts = [i for i in s.items if i.type is ItemType.TEXT]
    assert len(texts) == 1 and not texts[0].required


# --------------------------------------------------------------------------------------
# the Module 1 manager survey and its KPI set
# --------------------------------------------------------------------------------------
HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
SUPPLIER, BRAND, WORKERS = Stakeholder.SUPPLIER, Stakeholder.BRAND, Stakeholder.WORKERS
EXPECTED_KPIS = {
    # id: (direction, stakeholder, integer, max)
    "output_per_worker_hour": (HIGHER, SUPPLIER, False, None),
    "defect_rework_rate": (LOWER, SUPPLIER, False, 100),
    "on_time_delivery_rate": (HIGHER, BRAND, False, 100),
    "worker_turnover_rate": (LOWER, SUPPLIER, False, 100),
    "absenteeism_rate": (LOWER, SUPPLIER, False, 100),
    "lost_time_accident_rate": (LOWER, SUPPLIER, False, None),
    "energy_per_unit": (LOWER, SUPPLIER, False, None),
    "suggestions_received": (HIGHER, WORKERS, True, None),
    "suggestions_implemented": (HIGHER, SUPPLIER, True, None),
    "open_audit_findings": (LOWER, BRAND, True, None),
}


def test_manager_survey_kpi_set() -> None:
    s = _load("manager_m1.yaml")
    assert (s.id, s.version, s.audience, s.languages) == (
        "manager_m1",
        1,
        Audience.MANAGER,
        ["en", "zh"],
    )
    got = {k.id: (k.direction, k.stakeholder, k.integer, k.max) for k in s.kpis}
    assert got == EXPECTED_KPIS
    assert all(k.min == 0 for k in s.kpis)
    units = {k.id: k.unit["en"] for k in s.kpis}
    assert units["energy_per_unit"] == "kWh/unit"
    assert "200,000" in units["lost_time_accident_rate"]


def test_manager_survey_constructs() -> None:
    s = _load("manager_m1.yaml")
    stakeholders = {c.id: c.stakeholder for c in s.constructs}
    assert stakeholders["management_practices"] is Stakeholder.SUPPLIER
    assert "perceived_benefits" in stakeholders
    practices = s.construct_items("management_practices")
    assert len(practices) >= 2 and {i.type for i in practices} == {ItemType.YES_NO}
    assert len(s.construct_items("perceived_benefits")) >= 2
    asked = " ".join(i.label["en"] for i in s.items)
    for practice in ("suggestion scheme", "EIT", "consulted", "improvement plan", "meetings"):
        assert practice in asked


# --------------------------------------------------------------------------------------
# deliberately broken definitions
# --------------------------------------------------------------------------------------
BROKEN = [
    ("unknown_item_type.yaml", "item 'q_rating' type: Input should be 'likert'"),
    ("missing_translation.yaml", "item 'q_listen' label: missing translation for zh"),
    ("duplicate_item_id.yaml", "duplicate item id 'q_team'"),
    ("construct_one_item.yaml", "construct 'safety' has 1 item(s); a construct needs at least 2"),
    ("show_if_unknown_item.yaml", "item 'q_acted': show_if refers to unknown item 'q_sugestion'"),
    ("show_if_later_item.yaml", "item 'q_acted': show_if refers to a later item 'q_suggestion'"),
    ("reverse_non_likert.yaml", "item 'q_accident': reverse coding applies to likert items only"),
    ("unknown_scale.yaml", "item 'q_proud': unknown scale 'agree7'"),
    ("invalid_yaml.yaml", "not valid YAML"),
    ("unknown_key.yaml", "item 'q_afraid' revrse: Extra inputs are not permitted"),
    ("number_min_above_max.yaml", "item 'q_hours': min (80.0) is greater than max (10.0)"),
    (
        "show_if_value_not_option.yaml",
        "item 'q_shift_pay': show_if value(s) night_shift are not options of 'q_shift'",
    ),
]


@pytest.mark.parametrize(("filename", "expected"), BROKEN)
def test_broken_definition_is_rejected_with_a_located_message(filename: str, expected: str) -> None:
    with pytest.raises(SurveyDefinitionError) as caught:
        load_survey_file(BROKEN_DIR / filename)
    error = caught.value
    assert error.source == filename
    assert str(error).startswith(f"{filename}: ")
    assert expected in str(error)
    # each file is broken in exactly one way, so the message is about that one problem
    assert len(error.problems) == 1, error.problems


def test_invalid_yaml_says_where() -> None:
    with pytest.raises(SurveyDefinitionError, match=r"line 14"):
        load_survey_file(BROKEN_DIR / "invalid_yaml.yaml")


def test_every_broken_file_is_tested() -> None:
    assert {p.name for p in BROKEN_DIR.glob("*.y*ml")} == {name for name, _ in BROKEN}


# --------------------------------------------------------------------------------------
# load_catalog on a folder mixing good and bad files
# --------------------------------------------------------------------------------------
def test_catalog_loads_good_files_and_reports_bad_ones(tmp_path: Path) -> None:
    tmp_path = tmp_path / "defs"
    shutil.copytree(DEFS_DIR, tmp_path)  # with the shared parts and translations
    for name, _ in BROKEN:
        shutil.copy(BROKEN_DIR / name, tmp_path / name)
    worker_text = (DEFS_DIR / "worker_m1_cooperation.yaml").read_text(encoding="utf-8")
    # a third version, with the other extension the loader accepts
    (tmp_path / "worker_m1_cooperation_v3.yml").write_text(
        worker_text.replace("\nversion: 1\n", "\nversion: 3\n"), encoding="utf-8"
    )
    # the same id and version again under another name
    (tmp_path / "worker_zz_copy.yaml").write_text(worker_text, encoding="utf-8")
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    (tmp_path / "a_list.yaml").write_text("- id: x\n- id: y\n", encoding="utf-8")
    # Chinese saved as GBK (the default of older Chinese Windows editors), not UTF-8
    (tmp_path / "gbk.yaml").write_bytes(worker_text.encode("gbk", errors="replace"))
    (tmp_path / "README.txt").write_text("not a definition", encoding="utf-8")

    catalog = load_catalog(tmp_path)

    good_keys = {
        (load_survey_file(p).survey.id, load_survey_file(p).survey.version)
        for p in DEFINITION_FILES
    }
    assert set(catalog.surveys) == good_keys | {("worker_m1_cooperation", 3)}
    assert catalog.latest("worker_m1_cooperation").survey.version == 3
    assert catalog.latest("manager_m1").source == "manager_m1_v2.yaml"
    with pytest.raises(KeyError):
        catalog.latest("no_such_survey")

    errors = {e.source: str(e) for e in catalog.errors}
    bad = {name for name, _ in BROKEN} | {
        "worker_zz_copy.yaml",
        "empty.yaml",
        "a_list.yaml",
        "gbk.yaml",
    }
    assert set(errors) == bad
    for name, expected in BROKEN:
        assert expected in errors[name]
    assert "also in worker_m1_cooperation.yaml" in errors["worker_zz_copy.yaml"]
    assert "must hold one survey" in errors["empty.yaml"]
    assert "must hold one survey" in errors["a_list.yaml"]
    assert "not UTF-8" in errors["gbk.yaml"]


def test_catalog_of_an_empty_folder_is_empty(tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path)
    assert catalog.surveys == {} and catalog.errors == []


# --------------------------------------------------------------------------------------
# the current instruments: Module 1 version 2 and Modules 2-5
# --------------------------------------------------------------------------------------
LATEST = [loaded.survey for loaded in load_catalog(DEFS_DIR).latest_versions()]
MODULES = (
    "workplace_cooperation",
    "quality_management",
    "cleaner_production",
    "workforce_management",
    "occupational_safety_health",
)


@pytest.fixture(params=LATEST, ids=lambda s: f"{s.id}.v{s.version}")
def current(request: pytest.FixtureRequest) -> Survey:
    return request.param


def test_every_module_has_a_worker_and_a_manager_survey_with_primary_outcomes() -> None:
    for module in MODULES:
        pair = {s.audience: s for s in LATEST if s.module == module}
        assert set(pair) == {Audience.WORKER, Audience.MANAGER}, module
        worker, manager = pair[Audience.WORKER], pair[Audience.MANAGER]
        primary = [c for c in worker.constructs if c.primary]
        assert primary and {c.stakeholder for c in primary} == {Stakeholder.WORKERS}, module
        covered = {c.stakeholder for s in pair.values() for c in s.constructs if c.primary}
        covered |= {k.stakeholder for k in manager.kpis if k.primary}
        assert covered == {Stakeholder.WORKERS, Stakeholder.SUPPLIER, Stakeholder.BRAND}, module


def test_every_rated_construct_has_a_reverse_worded_item(current: Survey) -> None:
    for construct in current.constructs:
        items = current.construct_items(construct.id)
        if items[0].type is ItemType.LIKERT:
            assert any(i.reverse for i in items), f"{current.id}: {construct.id}"


def test_the_worker_core_is_included_by_every_worker_survey_not_copied() -> None:
    core = yaml.safe_load((DEFS_DIR / "shared" / "worker_core.yaml").read_text(encoding="utf-8"))
    core_ids = {i["id"] for sec in core["sections"] for i in sec["items"]}
    for survey in (s for s in LATEST if s.audience is Audience.WORKER):
        assert survey.includes == ["worker_core v1"], survey.id
        assert core_ids <= set(survey.items_by_id), survey.id
        defined = next(
            raw
            for raw in (yaml.safe_load(p.read_text(encoding="utf-8")) for p in DEFINITION_FILES)
            if (raw["id"], raw["version"]) == (survey.id, survey.version)
        )
        own = {i["id"] for sec in defined["sections"] for i in sec.get("items", [])}
        assert not own & core_ids, f"{survey.id} copies core items {own & core_ids}"


def test_worker_surveys_are_truthful_and_let_workers_skip(current: Survey) -> None:
    if current.audience is not Audience.WORKER:
        pytest.skip("worker surveys")
    consent = current.consent or {}
    assert "at least 5" in consent["en"] and "skip" in consent["en"]
    assert "5人以上" in consent["zh"] and "跳过" in consent["zh"] and "组长" in consent["zh"]
    assert "từ 5 người" in consent["vi"] and "bỏ qua" in consent["vi"]
    midpoint = current.scales["agree5"][2].label
    assert (midpoint["zh"], midpoint["vi"]) == (
        "不同意也不反对", "Không đồng ý cũng không phản đối"
    )  # fmt: skip
    rated = [i for i in current.items if i.type in (ItemType.LIKERT, ItemType.YES_NO)]
    assert rated and all(current.declinable(i) for i in rated)
    screening = current.screening_item
    assert screening is not None and screening.show_if is not None
    tenure = [o.value for o in current.item("tenure").options or []]
    assert tenure == ["under_6_months", "six_to_12_months", "one_to_3_years",
                      "three_years_or_more"]  # fmt: skip


def test_manager_surveys_tell_that_brands_see_the_figures(current: Survey) -> None:
    if current.audience is not Audience.MANAGER:
        pytest.skip("manager surveys")
    consent = current.consent or {}
    assert "brands see" in consent["en"] and "品牌方能看到" in consent["zh"]
    assert "nhãn hàng sẽ xem được" in consent["vi"]
    assert current.kpi_inputs and all(k.formula for k in current.kpis)


def test_module_1_kpis_are_computed_from_raw_counts() -> None:
    s = next(x for x in LATEST if x.id == "manager_m1")
    computed = s.compute_kpis(
        {
            "leavers": 6,
            "voluntary_quits": 5,
            "headcount_start": 210,
            "headcount_end": 190,
            "absent_person_days": 156,
            "scheduled_person_days": 5200,
            "units_inspected": 20000,
            "units_failed": 900,
            "shipments_due": 25,
            "shipments_on_time": 21,
            "suggestions_received_3m": 30,
            "suggestions_implemented_3m": 12,
            "hours_worked_3m": 480000,
            "lost_time_accidents_3m": 3,
            "audit_findings_open": 7,
            "reference_good_units": 9000,
            "reference_hours": 900,
        }  # fmt: skip
    )
    assert computed == pytest.approx(
        {
            "worker_turnover_rate": 3.0,
            "voluntary_quit_rate": 2.5,
            "absenteeism_rate": 3.0,
            "defect_rate": 4.5,
            "output_per_worker_hour": 10.0,
            "on_time_delivery_rate": 84.0,
            "suggestions_per_100_workers": 5.0,
            "suggestion_implementation_rate": 40.0,
            "lost_time_accident_rate": 1.25,
            "open_audit_findings": 7.0,
        }  # fmt: skip
    )
    assert (
        s.compute_kpis({"leavers": 3, "headcount_start": 0, "headcount_end": 0})[
            "worker_turnover_rate"
        ]
        is None
    )  # a zero denominator gives no rate, never infinity


def test_version_2_declares_its_lineage_to_version_1() -> None:
    catalog = load_catalog(DEFS_DIR)
    v2 = catalog.latest("worker_m1_cooperation").survey
    assert v2.version == 2
    continued = {i.id for i in v2.items if i.continues}
    replaced = {i.replaces for i in v2.items if i.replaces}
    assert {"voice_afraid", "trust_honest", "coop_blame", "safety_shortcuts"} <= continued
    assert {"safety_first", "voice_informed", "fair_complaints_handled"} <= replaced
    manager = catalog.latest("manager_m1").survey
    assert {k.replaces for k in manager.kpis if k.replaces} >= {
        "absenteeism_rate", "defect_rework_rate", "lost_time_accident_rate"
    }  # fmt: skip


def test_module_1_declares_primary_outcomes_per_stakeholder() -> None:
    """The scorecard judges each stakeholder on outcomes declared before the data."""
    worker, manager = _load("worker_m1_cooperation.yaml"), _load("manager_m1.yaml")
    constructs = {c.id: c.stakeholder.value for c in worker.constructs + manager.constructs
                  if c.primary}  # fmt: skip
    primary = constructs | {k.id: k.stakeholder.value for k in manager.kpis if k.primary}
    assert set(primary.values()) == {"workers", "supplier", "brand"}
    assert primary["communication_voice"] == "workers"
    assert "perceived_benefits" not in primary  # managers' opinion is not a supplier win
    assert all(c.sesoi is None or c.sesoi > 0 for c in worker.constructs)
