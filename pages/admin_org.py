"""Admin: brands, enterprises (with brand links) and cohorts (module, trainer, dates)."""

from __future__ import annotations

import streamlit as st

from pages.auth import require_role
from pages.common import apply, db, flash, ui_lang
from pages.widgets import pick, table
from score_impact.db.models import Role
from score_impact.i18n import t
from score_impact.services import admin
from score_impact.text import literal

scope = require_role(Role.ADMIN)
lang = ui_lang()
st.title(t("admin.org.title", lang))
flash()
with db() as s:
    brands = admin.brands(s, scope)
    factories = admin.enterprises(s, scope)
    cohorts = admin.cohorts(s, scope)
    trainers = admin.trainers(s, scope)
brand_names = {b["id"]: b["name"] for b in brands}
factory_names = {e["id"]: e["name"] for e in factories}
brand_tab, factory_tab, cohort_tab = st.tabs(
    [t(f"admin.org.{tab}", lang) for tab in ("brands", "factories", "cohorts")]
)

with brand_tab:
    table(brands, ["name", "enterprises"], lang)
    new = t("admin.org.new_brand", lang)
    row = pick(t("admin.org.edit_brand", lang), brands, "edit_brand", new)
    with st.form(f"brand-{row.get('id')}"):
        name = st.text_input(t("admin.org.brand_name", lang), row.get("name", ""))
        if st.form_submit_button(t("admin.org.save_brand", lang), type="primary"):
            apply(
                lambda s: admin.save_brand(s, scope, name, row.get("id")),
                t("admin.saved", lang, name=literal(name)),
            )

with factory_tab:
    table(factories, ["name", "country", "sector", "size_band", "headcount", "brands"], lang)
    new = t("admin.org.new_factory", lang)
    row = pick(t("admin.org.edit_factory", lang), factories, "edit_factory", new)
    with st.form(f"factory-{row.get('id')}"):
        name = st.text_input(t("admin.org.factory_name", lang), row.get("name", ""))
        country = st.text_input(t("admin.org.country", lang), row.get("country", ""))
        sector = st.text_input(t("admin.org.sector", lang), row.get("sector", ""))
        bands = list(admin.SIZE_BANDS)
        band = bands.index(row.get("size_band", "50-249"))
        size = st.selectbox(t("admin.org.size", lang), bands, index=band)
        headcount = st.number_input(
            t("admin.org.headcount", lang), value=row.get("headcount"), step=1, min_value=0
        )
        linked = st.multiselect(t("admin.org.supplies", lang), list(brand_names),
                                row.get("brand_ids", []), brand_names.get)  # fmt: skip
        if st.form_submit_button(t("admin.org.save_factory", lang), type="primary"):
            apply(
                lambda s: admin.save_enterprise(
                    s,
                    scope,
                    name=name,
                    country=country,
                    sector=sector,
                    size_band=size,
                    headcount=None if headcount is None else int(headcount),
                    brand_ids=linked,
                    enterprise_id=row.get("id"),
                ),
                t("admin.saved", lang, name=literal(name)),
            )

with cohort_tab:
    columns = ["name", "module", "trainer", "start_date", "end_date", "is_comparison"]
    table(cohorts, [*columns, "enterprises"], lang)
    new = t("admin.org.new_cohort", lang)
    row = pick(t("admin.org.edit_cohort", lang), cohorts, "edit_cohort", new)
    with st.form(f"cohort-{row.get('id')}"):
        name = st.text_input(t("admin.org.cohort_name", lang), row.get("name", ""))
        modules = list(admin.SCORE_MODULES)
        module = st.selectbox(
            t("admin.org.module", lang),
            modules,
            index=modules.index(row.get("module", modules[0])),
            format_func=lambda m: t(f"admin.module.{m}", lang),
        )
        options = [None, *trainers]
        trainer_id = st.selectbox(
            t("admin.org.trainer", lang),
            options,
            index=options.index(row.get("trainer_id")) if row.get("trainer_id") in options else 0,
            format_func=lambda i: t("admin.org.no_trainer", lang) if i is None else trainers[i],
        )
        trainer_name = st.text_input(
            t("admin.org.trainer_name", lang), row.get("trainer_name") or ""
        )
        start, end = st.columns(2)
        start_date = start.date_input(t("admin.org.start", lang), row.get("start_date"))
        end_date = end.date_input(t("admin.org.end", lang), row.get("end_date"))
        members = st.multiselect(t("admin.org.members", lang), list(factory_names),
                                 row.get("enterprise_ids", []), factory_names.get)  # fmt: skip
        comparison = st.checkbox(t("admin.org.comparison", lang), row.get("is_comparison", False))
        if st.form_submit_button(t("admin.org.save_cohort", lang), type="primary"):
            apply(
                lambda s: admin.save_cohort(
                    s,
                    scope,
                    name=name,
                    module=module,
                    trainer_id=trainer_id,
                    trainer_name=trainer_name,
                    start_date=start_date,
                    end_date=end_date,
                    enterprise_ids=members,
                    is_comparison=comparison,
                    cohort_id=row.get("id"),
                ),
                t("admin.saved", lang, name=literal(name)),
            )
