"""Admin: brands, enterprises (with brand links) and cohorts (module, trainer, dates)."""

from __future__ import annotations

import streamlit as st

from pages.common import apply, db, flash, require_role
from pages.widgets import pick
from score_impact.db.models import Role
from score_impact.services import admin

scope = require_role(Role.ADMIN)
st.title("Brands, factories and cohorts")
flash()
with db() as s:
    brands = admin.brands(s, scope)
    factories = admin.enterprises(s, scope)
    cohorts = admin.cohorts(s, scope)
    trainers = admin.trainers(s, scope)
brand_names = {b["id"]: b["name"] for b in brands}
factory_names = {e["id"]: e["name"] for e in factories}
brand_tab, factory_tab, cohort_tab = st.tabs(["Brands", "Factories", "Cohorts"])

with brand_tab:
    st.dataframe(brands, hide_index=True, column_order=["name", "enterprises"])
    row = pick("Edit brand", brands, "edit_brand", "New brand")
    with st.form(f"brand-{row.get('id')}"):
        name = st.text_input("Brand name", row.get("name", ""))
        if st.form_submit_button("Save brand", type="primary"):
            apply(lambda s: admin.save_brand(s, scope, name, row.get("id")), f"Saved {name}.")

with factory_tab:
    columns = ["name", "country", "sector", "size_band", "headcount", "brands"]
    st.dataframe(factories, hide_index=True, column_order=columns)
    row = pick("Edit factory", factories, "edit_factory", "New factory")
    with st.form(f"factory-{row.get('id')}"):
        name = st.text_input("Factory name", row.get("name", ""))
        country = st.text_input("Country", row.get("country", ""))
        sector = st.text_input("Sector", row.get("sector", ""))
        bands = list(admin.SIZE_BANDS)
        size = st.selectbox(
            "Size (workers)", bands, index=bands.index(row.get("size_band", "50-249"))
        )
        headcount = st.number_input(
            "Expected survey respondents", value=row.get("headcount"), step=1, min_value=0
        )
        linked = st.multiselect(
            "Supplies brands", list(brand_names), row.get("brand_ids", []), brand_names.get
        )
        if st.form_submit_button("Save factory", type="primary"):
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
                f"Saved {name}.",
            )

with cohort_tab:
    columns = ["name", "module", "trainer", "start_date", "end_date", "is_comparison"]
    st.dataframe(cohorts, hide_index=True, column_order=[*columns, "enterprises"])
    row = pick("Edit cohort", cohorts, "edit_cohort", "New cohort")
    with st.form(f"cohort-{row.get('id')}"):
        name = st.text_input("Cohort name", row.get("name", ""))
        modules = list(admin.SCORE_MODULES)
        module = st.selectbox(
            "SCORE module",
            modules,
            index=modules.index(row.get("module", modules[0])),
            format_func=admin.SCORE_MODULES.get,
        )
        options = [None, *trainers]
        trainer_id = st.selectbox(
            "Trainer account",
            options,
            index=options.index(row.get("trainer_id")) if row.get("trainer_id") in options else 0,
            format_func=lambda i: "(none)" if i is None else trainers[i],
        )
        trainer_name = st.text_input("Trainer name (as printed)", row.get("trainer_name") or "")
        start, end = st.columns(2)
        start_date = start.date_input("Start", row.get("start_date"))
        end_date = end.date_input("End", row.get("end_date"))
        members = st.multiselect(
            "Factories", list(factory_names), row.get("enterprise_ids", []), factory_names.get
        )
        comparison = st.checkbox(
            "Comparison group (no training yet)", row.get("is_comparison", False)
        )
        if st.form_submit_button("Save cohort", type="primary"):
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
                f"Saved {name}.",
            )
