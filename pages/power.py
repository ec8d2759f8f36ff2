"""Planning a survey round: how many workers to ask, and what change a round can detect."""

from __future__ import annotations

import math

import streamlit as st

from analysis.power import power_clustered
from pages import impact_view as view
from score_impact.db.models import Role
from score_impact.i18n import t

lang = view.language()
st.title(t("power.title", lang))
view.current_scope(lang, Role.TRAINER, Role.ADMIN)
st.caption(t("power.intro", lang))

c1, c2, c3 = st.columns(3)
factories = c1.number_input(t("power.factories", lang), 1, 500, 6, key="power_factories")
sd = c2.number_input(t("power.sd", lang), 0.1, 3.0, 0.7, 0.05, key="power_sd",
                     help=t("power.sd_help", lang))  # fmt: skip
icc = c3.number_input(t("power.icc", lang), 0.0, 0.5, 0.05, 0.01, key="power_icc",
                      help=t("power.icc_help", lang))  # fmt: skip
c4, c5 = st.columns(2)
match = c4.slider(t("power.match_rate", lang), 0.2, 1.0, 0.6, 0.05, key="power_match",
                  help=t("power.match_help", lang))  # fmt: skip
power = c5.slider(t("power.power", lang), 0.5, 0.95, 0.8, 0.05, key="power_power")
common = {"sd": sd, "icc": icc, "match_rate": match, "power": power}

st.subheader(t("power.q_workers", lang))
delta = st.number_input(t("power.delta", lang), 0.05, 2.0, 0.3, 0.05, key="power_delta")
need = power_clustered(int(factories), None, delta=delta, **common).iloc[0]
if need["reachable"]:
    st.metric(t("power.workers_needed", lang), math.ceil(need["workers_per_factory"]))
    st.caption(
        t(
            "power.workers_detail",
            lang,
            pairs=f"{need['n_pairs']:.0f}",
            effective=f"{need['n_effective']:.0f}",
            deff=f"{need['design_effect']:.2f}",
        )
    )
else:
    st.warning(t("power.unreachable", lang))

st.subheader(t("power.q_detect", lang))
workers = st.number_input(t("power.workers", lang), 2, 2000, 40, key="power_workers")
mde = power_clustered(int(factories), float(workers), delta=None, **common).iloc[0]
st.metric(t("power.mde", lang), f"{mde['delta']:.2f}")
st.caption(
    t(
        "power.mde_detail",
        lang,
        pairs=f"{mde['n_pairs']:.0f}",
        effective=f"{mde['n_effective']:.0f}",
        deff=f"{mde['design_effect']:.2f}",
    )
)
st.caption(t("power.note", lang))
