"""The data-entry page end to end (AppTest): key a sheet by its paper numbers, save,
see the stored response; double entry with a mismatch resolved on the page."""

from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from score_impact.db.models import Answer, Cohort, Response, User
from score_impact.paper.keys import question_numbers
from score_impact.services.accounts import create_user
from tests.conftest import MANAGER_CODE, PASSWORD, ROOT, WORKER_CODE
from tests.paper.helpers import keyed_sheet, sheet_number

PAGE = str(ROOT / "pages" / "paper_entry.py")


def _trainer(rt, name: str) -> int:
    """A signed-in trainer of the test cohort (data entry is for trainers of the cohort)."""
    with rt.session() as s:
        user_id = s.scalar(select(User.id).where(User.username == name))
        if user_id is None:
            cohort_id = s.scalar(select(Cohort.id).where(Cohort.name == "Test cohort"))
            user_id = create_user(
                s, username=name, password=PASSWORD, role="trainer", cohort_ids=[cohort_id]
            ).id
    return user_id


def _open(rt, sign_in_as, person: str = "ana", double: bool = False) -> AppTest:
    _trainer(rt, person)
    sign_in_as(person)
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    at.text_input(key="p_code").input(WORKER_CODE).run()
    if double:
        at.toggle(key="p_double").set_value(True)
    return at.run()


def _key_in(at: AppTest, sheet: str, keys: dict[str, str], factory: str = "1") -> AppTest:
    n = at.session_state["p_form"]
    at.text_input(key=f"p{n}:sheet").input(sheet)
    at.text_input(key=f"p{n}:factory").input(factory)
    for item_id, key in keys.items():
        at.text_input(key=f"p{n}:{item_id}").input(key)
    return _submit(at)


def _submit(at: AppTest) -> AppTest:
    [submit] = [b for b in at.button if b.proto.is_form_submitter]
    return submit.click().run()


def _responses(rt) -> list[Response]:
    with rt.session() as s:
        return list(s.scalars(select(Response)))


def test_a_sheet_keyed_in_is_stored_as_a_paper_response(world, rt, sign_in_as):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _open(rt, sign_in_as)
    sheet = sheet_number()
    at = _key_in(at, sheet, keyed_sheet(survey, likert="5"), factory="2")
    assert not at.exception
    assert at.success[0].value == f"Sheet {sheet} is stored."
    [response] = _responses(rt)
    assert (response.source, response.enterprise_id) == ("paper", world.enterprise_ids[1])
    with rt.session() as s:
        value = s.scalar(select(Answer.value_num).where(Answer.item_id == "trust_honest"))
    assert value == 5.0
    n = at.session_state["p_form"]
    assert at.text_input(key=f"p{n}:sheet").value == ""  # empty boxes for the next sheet


def test_invalid_keys_are_explained_at_their_box_and_at_the_top(world, rt, sign_in_as):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    at = _open(rt, sign_in_as)
    at.session_state["ui_lang"] = "zh"  # the trainer's interface language (sidebar)
    at.run()
    assert at.title[0].value == "纸质问卷"
    assert at.selectbox[0].value == "zh"  # sheets in the interface language unless changed
    at = _key_in(at, sheet_number(), keyed_sheet(survey) | {"trust_honest": "9"})
    number = question_numbers(survey)["trust_honest"]
    summary, at_box = at.error[0].value, at.error[1].value
    assert summary.startswith("没有保存") and f"- 第{number}题：" in summary  # at the top
    assert "请输入：1-5, 0。" in at_box  # and under the box itself, framed red
    n = at.session_state["p_form"]
    assert at.text_input(key=f"p{n}:trust_honest").value == "9"  # nothing typed is lost
    assert _responses(rt) == []


def test_a_stored_sheet_keyed_again_says_so_whatever_the_factory_box_holds(world, rt, sign_in_as):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    sheet = sheet_number()
    _key_in(_open(rt, sign_in_as), sheet, keyed_sheet(survey))
    at = _key_in(_open(rt, sign_in_as), sheet, keyed_sheet(survey), factory="")
    assert f"Sheet {sheet} is already stored" in at.error[0].value  # not "not in the round"
    at = _key_in(_open(rt, sign_in_as), sheet_number(), keyed_sheet(survey), factory="")
    assert "Key the number of the factory ticked on the sheet: 1 = " in at.error[1].value
    assert len(_responses(rt)) == 1


def test_double_entry_mismatch_is_resolved_on_the_page(world, rt, sign_in_as):
    survey = rt.catalog.latest("worker_m1_cooperation").survey
    sheet = sheet_number()
    at = _key_in(_open(rt, sign_in_as, "ana", double=True), sheet, keyed_sheet(survey))
    assert "First keying" in at.info[0].value
    at = _key_in(
        _open(rt, sign_in_as, "ben", double=True), sheet, keyed_sheet(survey) | {"trust_cares": "2"}
    )
    assert "differ" in at.warning[0].value
    assert _responses(rt) == []
    table = at.table[0].value
    assert list(table.iloc[0])[1:] == ["4", "2"]
    at.radio(key=f"p_choose:{sheet}:trust_cares").set_value("2").run()
    [resolve] = [b for b in at.button if b.label == "Store the chosen values"]
    at = resolve.click().run()
    assert at.success[0].value == f"Sheet {sheet} is stored."
    [response] = _responses(rt)
    with rt.session() as s:
        value = s.scalar(select(Answer.value_num).where(Answer.item_id == "trust_cares"))
    assert (response.source, value) == ("paper", 2.0)


def test_printable_sheets_can_be_prepared_from_the_page(world, rt, sign_in_as):
    at = _open(rt, sign_in_as)
    at.number_input[0].set_value(2).run()
    [prepare] = [b for b in at.button if b.label == "Prepare the PDF"]
    at = prepare.click().run()
    assert not at.exception
    round_id, sheets = at.session_state["p_pdf"]
    assert round_id == world.worker_round_id and len(sheets.sheet_numbers) == 2
    assert sheets.pdf.startswith(b"%PDF")


def test_a_manager_round_is_refused(world, rt, sign_in_as):
    at = _open(rt, sign_in_as)
    at.text_input(key="p_code").input(MANAGER_CODE).run()
    assert at.error[0].value.startswith("Paper sheets are for worker survey rounds")


def test_signed_out_visitors_and_other_cohorts_trainers_are_refused(world, rt, sign_in_as):
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.text_input and at.error  # not signed in: nothing to key into
    with rt.session() as s:
        create_user(s, username="zed", password=PASSWORD, role="trainer")
    sign_in_as("zed")
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    at.text_input(key="p_code").input(WORKER_CODE).run()
    assert at.error[0].value == "There is no open survey round with this code."
    assert not [i for i in at.text_input if i.key and i.key.endswith(":sheet")]
