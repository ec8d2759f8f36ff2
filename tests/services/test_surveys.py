"""Published survey versions are frozen: an edit without a new version is refused."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from score_impact.db.models import SurveyVersion
from score_impact.services.errors import SurveyVersionConflict
from score_impact.services.surveys import publish, publish_catalog, survey_of
from score_impact.surveys.loader import Catalog, parse_survey
from tests.conftest import ROOT

WORKER = ROOT / "survey_defs" / "worker_m1_cooperation.yaml"


def edited(version: int):
    raw = yaml.safe_load(WORKER.read_text(encoding="utf-8"))
    raw["version"] = version
    raw["sections"][0]["items"][0]["label"]["en"] = "My supervisor really listens to me."
    return parse_survey(yaml.safe_dump(raw, allow_unicode=True), "edited.yaml")


def test_republishing_identical_content_is_a_no_op(rt):
    with rt.session() as s:
        loaded = rt.catalog.latest("worker_m1_cooperation")
        assert publish(s, loaded).id == publish(s, loaded).id
        published = s.scalar(select(func.count()).select_from(SurveyVersion))
        assert published == len(rt.catalog.surveys)  # every definition, once


def test_edit_without_new_version_is_refused_and_old_version_kept(rt):
    with rt.session() as s:
        with pytest.raises(SurveyVersionConflict, match="give the changed survey a new version"):
            publish(s, edited(version=1))
        problems = publish_catalog(s, Catalog({("worker_m1_cooperation", 1): edited(1)}, []))
        assert problems and "edited.yaml" in problems[0]
        v1 = s.scalar(
            select(SurveyVersion).where(
                SurveyVersion.version == 1, SurveyVersion.survey_key == "worker_m1_cooperation"
            )
        )
        assert (
            survey_of(v1).sections[0].items[0].label["en"] != "My supervisor really listens to me."
        )


def test_edit_with_new_version_is_published_beside_the_old(rt):
    with rt.session() as s:
        v9 = publish(s, edited(version=9))
        s.commit()
        assert (
            survey_of(v9).sections[0].items[0].label["en"] == "My supervisor really listens to me."
        )
        versions = s.scalars(
            select(SurveyVersion.version).where(SurveyVersion.survey_key == "worker_m1_cooperation")
        ).all()
        assert sorted(versions) == [1, 2, 9]
