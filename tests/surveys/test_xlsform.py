"""XLSForm import: a realistic worker form maps onto the schema, and every unsupported
feature is refused with a message naming sheet, row and feature (an admin must be able to
fix the spreadsheet from the message alone)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from score_impact.surveys.loader import SurveyDefinitionError, parse_survey
from score_impact.surveys.schema import Audience, Condition, ItemType
from score_impact.surveys.xlsform import XLSFormError, import_xlsform, survey_to_yaml

SURVEY_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::Chinese (zh)",
    "hint::English (en)",
    "hint::Chinese (zh)",
    "required",
    "relevant",
    "constraint",
    "appearance",
    "construct",
    "reverse",
]

# Row numbers in comments are Excel rows (the header is row 1).
SURVEY_ROWS: list[list[Any]] = [
    ["start", "start"],  # 2: metadata, skipped
    ["note", "welcome", "Thank you for taking part.", "感谢您的参与。"],  # 3
    ["begin_group", "cooperation", "Working together", "团队合作"],  # 4
    [
        "select_one agree5",
        "coop_listen",
        "My supervisor listens to my ideas.",
        "我的主管会倾听我的想法。",
        None,
        None,
        "yes",
        None,
        None,
        "likert",
        "cooperation",
    ],  # 5
    [
        "select_one agree5",
        "coop_team",
        "My team solves problems together.",
        "我的团队一起解决问题。",
        None,
        None,
        "yes",
        None,
        None,
        "likert",
        "cooperation",
    ],  # 6
    [
        "select_one agree5",
        "coop_ignored",
        "My suggestions are ignored.",
        "我的建议被忽视。",
        None,
        None,
        "TRUE",
        None,
        None,
        "likert",
        "cooperation",
        "yes",
    ],  # 7
    ["end_group"],  # 8
    [
        "select_one yes_no",
        "had_training",
        "Did you attend SCORE training?",
        "您参加过SCORE培训吗？",
        None,
        None,
        "yes",
    ],  # 9
    [
        "select_one useful3",
        "training_useful",
        "How useful was it?",
        "培训有用吗？",
        None,
        None,
        "yes",
        "${had_training} = 'yes'",
    ],  # 10
    [
        "integer",
        "tenure_months",
        "How many months have you worked here?",
        "您在这里工作了几个月？",
        "Count whole months.",
        "按整月计算。",
        "yes",
        None,
        ". >= 0 and . <= 600",
    ],  # 11
    [
        "text",
        "suggestion",
        "One suggestion for your factory",
        "给工厂的一条建议",
        None,
        None,
        "no",
    ],  # 12
    [
        "select_multiple topics",
        "topics",
        "Which topics helped you?",
        "哪些主题对您有帮助？",
        None,
        None,
        None,
        "selected(${had_training}, 'yes')",
    ],  # 13
    [
        "decimal",
        "extra_hours",
        "Overtime hours last week",
        "上周加班小时数",
        None,
        None,
        None,
        "${coop_listen} >= 3",
        ". >= 0 and . <= 80",
    ],  # 14
    ["end", "end"],  # 15
]

CHOICE_ROWS: list[list[Any]] = [
    ["agree5", 1, "Strongly disagree", "非常不同意"],
    ["agree5", 2, "Disagree", "不同意"],
    ["agree5", 3, "Neutral", "一般"],
    ["agree5", 4, "Agree", "同意"],
    ["agree5", 5, "Strongly agree", "非常同意"],
    ["yes_no", "yes", "Yes", "是"],
    ["yes_no", "no", "No", "否"],
    ["useful3", "not_useful", "Not useful", "没用"],
    ["useful3", "somewhat", "Somewhat useful", "有点用"],
    ["useful3", "very", "Very useful", "很有用"],
    ["topics", "safety", "Safety", "安全"],
    ["topics", "quality", "Quality", "质量"],
    ["topics", "communication", "Communication", "沟通"],
]

SETTINGS = {
    "form_id": "worker_pulse",
    "version": "2024010101",
    "form_title": "Worker pulse survey",
    "default_language": "English (en)",
}


def write_form(
    path: Path,
    survey_rows: list[list[Any]] = SURVEY_ROWS,
    choice_rows: list[list[Any]] | None = CHOICE_ROWS,
    settings: dict[str, Any] | None = None,
    survey_header: list[str] = SURVEY_HEADER,
    choices_header: tuple[str, ...] = (
        "list_name",
        "name",
        "label::English (en)",
        "label::中文 (zh)",
    ),
) -> Path:
    """Write an XLSForm workbook the way an admin would lay it out in Excel."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(survey_header)
    for row in survey_rows:
        survey.append(row)
    if choice_rows is not None:
        choices = book.create_sheet("choices")
        choices.append(list(choices_header))
        for row in choice_rows:
            choices.append(row)
    settings = SETTINGS if settings is None else settings
    sheet = book.create_sheet("settings")
    sheet.append(list(settings))
    sheet.append(list(settings.values()))
    book.save(path)
    return path


@pytest.fixture
def form(tmp_path: Path) -> Path:
    return write_form(tmp_path / "worker_pulse.xlsx")


def test_worker_form_imports(form: Path) -> None:
    survey = import_xlsform(form, Audience.WORKER)

    assert survey.id == "worker_pulse"
    assert survey.version == 2024010101
    assert survey.audience is Audience.WORKER
    assert survey.languages == ["en", "zh"]
    assert survey.title == {"en": "Worker pulse survey", "zh": "Worker pulse survey"}
    assert [s.id for s in survey.sections] == ["main", "cooperation", "main_2"]
    assert survey.sections[1].title == {"en": "Working together", "zh": "团队合作"}
    assert [i.id for i in survey.items] == [
        "welcome",
        "coop_listen",
        "coop_team",
        "coop_ignored",
        "had_training",
        "training_useful",
        "tenure_months",
        "suggestion",
        "topics",
        "extra_hours",
    ]
    types = {i.id: i.type for i in survey.items}
    assert types == {
        "welcome": ItemType.NOTE,
        "coop_listen": ItemType.LIKERT,
        "coop_team": ItemType.LIKERT,
        "coop_ignored": ItemType.LIKERT,
        "had_training": ItemType.SINGLE_CHOICE,
        "training_useful": ItemType.SINGLE_CHOICE,
        "tenure_months": ItemType.NUMBER,
        "suggestion": ItemType.TEXT,
        "topics": ItemType.MULTIPLE_CHOICE,
        "extra_hours": ItemType.NUMBER,
    }

    welcome = survey.item("welcome")
    assert welcome.label == {"en": "Thank you for taking part.", "zh": "感谢您的参与。"}
    assert welcome.required is False

    listen = survey.item("coop_listen")
    assert listen.label["zh"] == "我的主管会倾听我的想法。"
    assert listen.scale == "agree5"
    assert listen.construct_id == "cooperation"
    assert listen.reverse is False
    assert survey.item("coop_ignored").reverse is True
    assert [p.value for p in survey.scales["agree5"]] == [1, 2, 3, 4, 5]
    assert survey.scales["agree5"][0].label == {"en": "Strongly disagree", "zh": "非常不同意"}
    assert [c.id for c in survey.constructs] == ["cooperation"]
    assert len(survey.construct_items("cooperation")) == 3

    training = survey.item("had_training")
    assert [o.value for o in training.options or []] == ["yes", "no"]
    assert training.options and training.options[0].label == {"en": "Yes", "zh": "是"}
    assert survey.item("training_useful").show_if == Condition(item="had_training", equals="yes")
    assert survey.item("topics").show_if == Condition(item="had_training", equals="yes")
    assert survey.item("topics").required is False
    assert survey.item("extra_hours").show_if == Condition(item="coop_listen", at_least=3)

    tenure = survey.item("tenure_months")
    assert (tenure.min, tenure.max, tenure.integer) == (0, 600, True)
    assert tenure.help == {"en": "Count whole months.", "zh": "按整月计算。"}
    extra = survey.item("extra_hours")
    assert (extra.min, extra.max, extra.integer) == (0, 80, False)
    assert survey.item("suggestion").required is False


def test_yaml_round_trip_keeps_chinese_and_aliases(form: Path) -> None:
    survey = import_xlsform(form, Audience.WORKER)
    text = survey_to_yaml(survey)

    assert parse_survey(text).survey == survey
    assert "我的主管会倾听我的想法。" in text  # readable, not \u escapes
    assert "construct: cooperation" in text
    assert "construct_id" not in text


def test_binary_stream_and_manager_audience(form: Path) -> None:
    survey = import_xlsform(io.BytesIO(form.read_bytes()), Audience.MANAGER)
    assert survey.audience is Audience.MANAGER


def test_language_names_without_codes_and_likert_lists(tmp_path: Path) -> None:
    """'English' / 'Simplified Chinese' map by name; a configured list becomes a scale."""
    path = write_form(
        tmp_path / "f.xlsx",
        survey_rows=[["select_one agree5", "q1", "Q one", "问题一"]],
        choice_rows=[["agree5", i, f"point {i}", f"点 {i}"] for i in range(1, 6)],
        survey_header=["type", "name", "label::English", "label::Simplified Chinese"],
        choices_header=("list_name", "name", "label::en", "label::zh"),
        settings={"form_id": "tiny", "version": 3, "default_language": "Chinese (zh)"},
    )
    survey = import_xlsform(path, Audience.WORKER, likert_lists={"agree5"})
    assert survey.languages == ["zh", "en"]
    assert survey.item("q1").type is ItemType.LIKERT
    assert survey.item("q1").required is False  # XLSForm default: not required
    assert survey.title == {"zh": "Tiny", "en": "Tiny"}


def _error(tmp_path: Path, **kwargs: Any) -> XLSFormError:
    path = write_form(tmp_path / "bad.xlsx", **kwargs)
    with pytest.raises(XLSFormError) as info:
        import_xlsform(path, Audience.WORKER)
    return info.value


def _with(row: int, new: list[list[Any]]) -> list[list[Any]]:
    """SURVEY_ROWS with the rows starting at Excel ``row`` preceded by ``new``."""
    index = row - 2
    return SURVEY_ROWS[:index] + new + SURVEY_ROWS[index:]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {
                "survey_rows": _with(
                    9,
                    [
                        ["begin_repeat", "kids", "Children", "孩子"],
                        ["integer", "age", "Age", "年龄"],
                        ["end_repeat"],
                    ],
                )
            },
            [
                "survey sheet row 9: type 'begin_repeat' (repeat groups) is not supported",
                "survey sheet row 11: type 'end_repeat' (repeat groups) is not supported",
            ],
            id="begin_repeat",
        ),
        pytest.param(
            {
                "survey_rows": _with(
                    12, [["calculate", "years", None, None, None, None, None, None, None]]
                )
            },
            ["survey sheet row 12: type 'calculate' (calculated fields) is not supported"],
            id="calculate",
        ),
        pytest.param(
            {
                "survey_rows": _with(
                    15,
                    [
                        [
                            "text",
                            "why",
                            "Why?",
                            "为什么？",
                            None,
                            None,
                            None,
                            "${had_training} = 'yes' and ${tenure_months} > 6",
                        ]
                    ],
                )
            },
            [
                "survey sheet row 15: relevant \"${had_training} = 'yes' and ${tenure_months} > 6\""
                " is not supported"
            ],
            id="complex_relevant",
        ),
        pytest.param(
            {"survey_rows": _with(15, [["select_one shifts", "shift", "Shift", "班次"]])},
            ["survey sheet row 15: choices list 'shifts' for 'shift' is not in the choices sheet"],
            id="missing_choices_list",
        ),
        pytest.param(
            {"survey_rows": _with(15, [["text", "dept", "Department", None]])},
            ["survey sheet row 15: 'dept' has no label in zh (column 'label::Chinese (zh)')"],
            id="missing_zh_label",
        ),
        pytest.param(
            {"choice_rows": [*CHOICE_ROWS, ["yes_no", "maybe", "Maybe", None]]},
            [
                "choices sheet row 15: choice 'maybe' in list 'yes_no' has no label in zh "
                "(column 'label::中文 (zh)')"
            ],
            id="missing_zh_choice_label",
        ),
        pytest.param(
            {"survey_rows": _with(15, [["slider", "mood", "Mood", "心情"]])},
            ["survey sheet row 15: unknown type 'slider'"],
            id="unknown_type",
        ),
        pytest.param(
            {"survey_rows": _with(15, [["geopoint", "where", "Where?", "哪里？"]])},
            ["survey sheet row 15: type 'geopoint' (location questions) is not supported"],
            id="geopoint",
        ),
        pytest.param(
            {"survey_rows": _with(15, [["select_one_from_file shifts.csv", "shift", "S", "班"]])},
            [
                "survey sheet row 15: type 'select_one_from_file shifts.csv' (choices from an "
                "external file) is not supported"
            ],
            id="select_from_file",
        ),
        pytest.param(
            {
                "survey_rows": _with(
                    15,
                    [
                        [
                            "select_one topics",
                            "topic",
                            "T",
                            "主题",
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                            None,
                            "list = ${had_training}",
                        ]
                    ],
                ),
                "survey_header": [*SURVEY_HEADER, "choice_filter"],
            },
            [
                "survey sheet row 15: cascading selects (choice_filter) ('choice_filter') are "
                "not supported"
            ],
            id="choice_filter",
        ),
        pytest.param(
            {
                "survey_rows": _with(
                    15,
                    [["integer", "n", "N", "数", None, None, None, None, "regex(., '^[0-9]+$')"]],
                )
            },
            ["survey sheet row 15: constraint \"regex(., '^[0-9]+$')\" on 'n' is not supported"],
            id="complex_constraint",
        ),
        pytest.param(
            {"survey_header": [*SURVEY_HEADER[:3], "label::Deutsch", *SURVEY_HEADER[4:]]},
            [
                "survey sheet: column 'label::Deutsch': cannot tell the language",
                "survey sheet: column 'hint::Chinese (zh)' is in language 'zh' which has no "
                "label column",
            ],
            id="unknown_language",
        ),
        pytest.param(
            {"settings": {"form_id": "worker_pulse", "version": "v1.2"}},
            ["settings sheet row 2: version 'v1.2' is not a positive whole number"],
            id="bad_version",
        ),
    ],
)
def test_unsupported_features_are_named(
    tmp_path: Path, kwargs: dict[str, Any], expected: list[str]
) -> None:
    error = _error(tmp_path, **kwargs)
    assert isinstance(error, SurveyDefinitionError)  # shown by the same UI as YAML errors
    assert error.source == "bad.xlsx"
    for text in expected:
        assert any(text in p for p in error.problems), (text, error.problems)
    assert len(error.problems) == len(expected), error.problems


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    rows = _with(
        15,
        [
            ["calculate", "c"],
            ["begin_repeat", "r"],
            ["end_repeat"],
            ["select_one nowhere", "x", "X", "叉"],
        ],
    )
    error = _error(tmp_path, survey_rows=rows)
    assert [p.split(":")[0] for p in error.problems] == [
        "survey sheet row 15",
        "survey sheet row 16",
        "survey sheet row 17",
        "survey sheet row 18",
    ]
    assert str(error).startswith("bad.xlsx: ")


def test_likert_appearance_needs_numbered_choices(tmp_path: Path) -> None:
    rows = _with(
        15,
        [
            [
                "select_one yes_no",
                "likes_job",
                "Like job?",
                "喜欢工作吗？",
                None,
                None,
                None,
                None,
                None,
                "likert",
            ]
        ],
    )
    error = _error(tmp_path, survey_rows=rows)
    assert "survey sheet row 15: 'likes_job' is a likert question" in error.problems[0]


def test_numeric_choice_names_need_likert(tmp_path: Path) -> None:
    """A 1..5 list without likert appearance cannot become single_choice option values."""
    rows = [row[:9] for row in SURVEY_ROWS]  # drop appearance/construct/reverse columns
    error = _error(tmp_path, survey_rows=rows, survey_header=SURVEY_HEADER[:9])
    assert len(error.problems) == 1
    assert error.problems[0].startswith("choices sheet row 2: list 'agree5' has choice name(s)")


def test_group_relevant_or_chain_and_plain_label(tmp_path: Path) -> None:
    """A group's relevant reaches its items; 'or' of equalities becomes ``in``; strict
    integer bounds shift by one; a plain ``label`` is in the default language."""
    rows = [
        ["select one yes_no", "a", "A?"],
        ["begin group", "g", "Group", None, "yes", "${a}='yes'"],
        ["select_one topics", "b", "B?"],
        ["integer", "n", "N", None, None, None, ". > 0 and . < 10"],
        ["end group"],
        [
            "text",
            "c",
            "C",
            None,
            "true()",
            "${b} = 'safety' or ${b} = 'quality'",
            "string-length(.) <= 80",
        ],
    ]
    path = write_form(
        tmp_path / "plain.xlsx",
        survey_rows=rows,
        choice_rows=[row[:3] for row in CHOICE_ROWS],
        survey_header=["type", "name", "label", "hint", "required", "relevant", "constraint"],
        choices_header=("list_name", "name", "label"),
        settings={"form_id": "plain", "version": 2, "default_language": "English"},
    )
    survey = import_xlsform(path, Audience.MANAGER)
    assert survey.languages == ["en"]
    assert survey.item("b").show_if == Condition(item="a", equals="yes")
    assert survey.item("n").show_if == Condition(item="a", equals="yes")
    assert (survey.item("n").min, survey.item("n").max) == (1, 9)
    assert survey.item("c").show_if == Condition(item="b", in_=["safety", "quality"])
    assert survey.item("c").max_length == 80
    assert survey.item("c").required is True
    assert parse_survey(survey_to_yaml(survey)).survey == survey
