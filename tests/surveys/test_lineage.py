"""Lineage across survey versions: what a version claims about the previous one is
checked, and a version 1 baseline is compared with a version 2 follow-up on the continued
items only, the others left out with their reason; recent hires are screened out and
counted."""

from __future__ import annotations

import uuid

import pytest

from analysis.adapter import answers_frame, exclusions_frame, kpis_frame
from score_impact.db.models import Brand, Cohort, Enterprise, KpiValue, Phase
from score_impact.reports.impact import ImpactFilters, build_impact
from score_impact.services.responses import Submission, submit_response
from score_impact.services.rounds import create_round
from score_impact.services.surveys import publish
from score_impact.surveys.lineage import DROPPED, NEW, REPLACED, check, harmonise
from score_impact.surveys.loader import parse_survey
from tests.answering import answer_items

BASE = """
id: s
version: {version}
title: {{en: S}}
audience: worker
languages: [en]
scales:
  a3: [{{value: 1, label: {{en: "1"}}}}, {{value: 2, label: {{en: "2"}}}},
       {{value: 3, label: {{en: "3"}}}}]
constructs: [{{id: c, label: {{en: C}}}}]
sections:
  - id: one
    title: {{en: One}}
    items:
{items}
"""


def _survey(version: int, items: str):
    return parse_survey(BASE.format(version=version, items=items)).survey


V1 = _survey(
    1,
    """
      - {id: a, type: likert, scale: a3, construct: c, label: {en: A}}
      - {id: b, type: likert, scale: a3, construct: c, label: {en: B}}
      - {id: old, type: likert, scale: a3, label: {en: Old}}
      - {id: gone, type: yes_no, label: {en: Gone}}""",
)
V2 = _survey(
    2,
    """
      - {id: a, type: likert, scale: a3, construct: c, continues: a, label: {en: A}}
      - {id: b2, type: likert, scale: a3, construct: c, continues: b, label: {en: B renamed}}
      - {id: fixed, type: likert, scale: a3, replaces: old, label: {en: Fixed}}
      - {id: new, type: likert, scale: a3, construct: c, reverse: true, label: {en: New}}""",
)


def test_lineage_claims_are_checked_against_the_previous_version():
    assert check(V1, V2) == []
    bad = _survey(
        2,
        """
      - {id: a, type: yes_no, continues: a, label: {en: A}}
      - {id: w, type: likert, scale: a3, construct: c, label: {en: W}}
      - {id: x, type: likert, scale: a3, construct: c, continues: nope, label: {en: X}}
      - {id: y, type: likert, scale: a3, reverse: true, continues: b, label: {en: Y}}
      - {id: z, type: likert, scale: a3, replaces: b, label: {en: Z}}""",
    )
    problems = "\n".join(check(V1, bad))
    assert "'a' continues 'a' but changes the type" in problems
    assert "'nope', which is not a item of version 1" in problems
    assert "'y' continues 'b' but changes the polarity" in problems
    assert "'b' of version 1 is continued or replaced twice" in problems


def test_harmonise_keeps_continued_items_under_the_newest_id():
    result = harmonise({1: V1, 2: V2}, {1, 2})
    assert result.canonical == {(1, "a"): "a", (2, "a"): "a", (1, "b"): "b2", (2, "b2"): "b2"}
    reasons = {(left.outcome_id, left.version, left.reason, left.other) for left in result.left_out}
    assert reasons == {
        ("fixed", 2, REPLACED, "old"),
        ("new", 2, NEW, None),
        ("gone", 1, DROPPED, None),
    }
    # one version in view: everything is compared, nothing left out
    assert harmonise({1: V1, 2: V2}, {2}).left_out == []
    # a version missing in between breaks every chain
    assert harmonise({1: V1, 3: V2.model_copy(update={"version": 3})}, {1, 3}).canonical == {}


@pytest.fixture
def mixed(rt):
    """A cohort answering worker_m1_cooperation version 1 at baseline and version 2 at
    follow-up (and manager_m1 likewise): 8 workers each, plus 2 recent hires at follow-up
    who say they joined after the training."""
    with rt.session() as s:
        ent = Enterprise(name="Alpha", country="China", sector="garments",
                         size_band="50-249", headcount=20, brands=[Brand(name="B")])  # fmt: skip
        cohort = Cohort(name="C", module="workplace_cooperation", enterprises=[ent])
        s.add(cohort)
        s.flush()
        w1 = publish(s, rt.catalog.surveys[("worker_m1_cooperation", 1)])
        w2 = publish(s, rt.catalog.latest("worker_m1_cooperation"))
        m1 = publish(s, rt.catalog.surveys[("manager_m1", 1)])
        m2 = publish(s, rt.catalog.latest("manager_m1"))
        rounds = {
            ("baseline", "worker"): create_round(s, cohort, Phase.BASELINE, w1),
            ("follow_up", "worker"): create_round(s, cohort, Phase.FOLLOW_UP, w2),
            ("baseline", "manager"): create_round(s, cohort, Phase.BASELINE, m1),
            ("follow_up", "manager"): create_round(s, cohort, Phase.FOLLOW_UP, m2),
        }
        s.commit()
        surveys = {k: rt.catalog.surveys[(v.survey_key, v.version)].survey
                   for k, v in {"w1": w1, "w2": w2}.items()}  # fmt: skip
        people = [(("baseline", "w1", 2, "one_to_3_years", "no"), 8),
                  (("follow_up", "w2", 4, "one_to_3_years", "no"), 8),
                  (("follow_up", "w2", 4, "under_6_months", "yes"), 2)]  # fmt: skip
        for (phase, key, likert, tenure, joined), count in people:
            for _ in range(count):
                answers = answer_items(surveys[key].items, likert=likert)
                if key == "w2":
                    answers |= {"tenure": tenure, "joined_after_training": joined}
                    if tenure != "under_6_months":
                        answers.pop("joined_after_training")
                    answers["voice_afraid"] = "prefer_not_to_answer"
                submit_response(s, Submission(str(uuid.uuid4()), rounds[(phase, "worker")].id,
                                              ent.id, "en", answers))  # fmt: skip
        v1_kpis = {"worker_turnover_rate": 6.0, "absenteeism_rate": 40.0}
        v2_counts = {"leavers": 5, "headcount_start": 100, "headcount_end": 100,
                     "absent_person_days": 80, "scheduled_person_days": 2600}  # fmt: skip
        for phase, values in (("baseline", v1_kpis), ("follow_up", v2_counts)):
            for kpi_id, value in values.items():
                s.add(KpiValue(enterprise_id=ent.id, round_id=rounds[(phase, "manager")].id,
                               kpi_id=kpi_id, value=value))  # fmt: skip
        s.commit()
        yield s, ent


def test_v1_baseline_v2_follow_up_compares_continued_items_only(mixed):
    s, ent = mixed
    answers = answers_frame(s, None)
    items = {
        p: set(answers.loc[answers["phase"] == p, "item_id"]) for p in ("baseline", "follow_up")
    }
    assert items["baseline"] == items["follow_up"]
    assert {"voice_afraid", "trust_honest", "coop_blame", "safety_equipment"} <= items["baseline"]
    assert not {"voice_supervisor_listens", "safety_first", "safety_no_risk_for_output",
                "trust_say_do_differ", "trust_explains"} & items["baseline"]  # fmt: skip
    # continued items keep the version 2 construct; the screened recent hires are gone
    assert set(answers.loc[answers["item_id"] == "voice_afraid", "construct"]) == {
        "communication_voice"
    }
    assert answers.loc[answers["phase"] == "follow_up", "response_id"].nunique() == 8
    # "prefer not to answer" is stored, missing for scoring, and marked
    declined = answers[(answers["item_id"] == "voice_afraid") & (answers["phase"] == "follow_up")]
    assert declined["declined"].all() and declined["value"].isna().all()
    left = exclusions_frame(s, None)
    by_id = left[left["kind"] == "lineage"].set_index("outcome_id")
    assert by_id.loc["safety_no_risk_for_output", "reason"] == "replaced"
    assert by_id.loc["safety_no_risk_for_output", "other"] == "safety_first"
    assert by_id.loc["trust_say_do_differ", ["reason", "version"]].tolist() == ["new", 2]
    assert by_id.loc["trust_explains", ["reason", "version"]].tolist() == ["dropped", 1]
    assert by_id.loc["absenteeism_rate", "reason"] == "replaced"  # KPI definition fixed
    screened = left[left["kind"] == "screening"]
    assert screened[["phase", "n"]].values.tolist() == [["follow_up", 2]]
    kpis = kpis_frame(s, None)
    turnover = kpis[kpis["kpi_id"] == "worker_turnover_rate"].set_index("phase")["value"]
    assert turnover.to_dict() == {"baseline": 6.0, "follow_up": 5.0}  # computed: 100*5/100
    assert "absenteeism_rate" not in set(kpis["kpi_id"])  # changed: not compared


def test_the_report_says_what_was_left_out_and_counts_declines(mixed):
    s, ent = mixed
    result = build_impact(s, [ent.id], ImpactFilters(), min_group_size=2)
    compared = set(result.items["outcome_id"])
    assert "trust_honest" in compared and "trust_say_do_differ" not in compared
    trust = result.constructs[(result.constructs["outcome_id"] == "trust_management")
                              & (result.constructs["grouping"] == "overall")]  # fmt: skip
    rose = (trust["mean_after"] - trust["mean_before"]).dropna()  # no codes: unpaired only
    assert len(rose) and (rose == 2).all()  # 2 -> 4 on the three continued trust items
    notes = dict(zip(result.method_notes["topic"], result.method_notes["note"], strict=True))
    assert "lineage" in notes and "2 follow-up response(s)" in notes["screening"]
    assert {"new", "replaced", "dropped"} <= set(result.exclusions["reason"])
    nonresponse = result.item_nonresponse.set_index(["item_id", "phase"])
    assert nonresponse.loc[("voice_afraid", "follow_up"), "declined"] == 8
    assert nonresponse.loc[("voice_afraid", "baseline"), "declined"] == 0
