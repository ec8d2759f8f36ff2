"""Brand impact report: the portfolio across the brand's suppliers, then one factory;
downloads of the same numbers as CSV, Excel, HTML and PDF."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from pages import impact_panels as panels
from pages import impact_view as view
from pages.common import db
from score_impact.db.models import Role
from score_impact.fonts import CjkFontMissing
from score_impact.i18n import t
from score_impact.reports import charts, export, raw_download
from score_impact.reports.content import did_table, fact_text
from score_impact.reports.report_html import report_html
from score_impact.reports.report_pdf import report_fonts, report_pdf
from score_impact.reports.summary import executive_summary
from score_impact.services.audit import record_download
from score_impact.text import literal

st.set_page_config(layout="wide")  # charts and tables need the width; labels are long
lang = view.language()
st.title(t("impact.brand_title", lang))
scope = view.current_scope(lang, Role.BRAND, Role.ADMIN)
st.caption(literal(scope.label))
opts = view.options_or_stop(scope, lang)
chosen = panels.filters(opts, lang, "brand", cohort_required=False)
at = view.version(scope)
result = view.impact_or_stop(scope, chosen, lang, at)

summary = executive_summary(result)  # the same summary opens the HTML, PDF and Excel files
st.header(summary.title)
for sentence in summary.sentences:
    st.text(sentence)  # plain text: outcome and factory names are user-entered
for note in summary.notes:
    st.warning(note)
rows = [[str(v) for v in row] for row in summary.table_rows()]
st.dataframe(pd.DataFrame(rows, columns=summary.headers()), hide_index=True, width="stretch")
for column, fact in zip(st.columns(len(summary.facts)), summary.facts, strict=True):
    column.metric(fact.label, fact_text(fact, lang))

st.header(t("impact.portfolio", lang))
panels.scorecard(result, lang)
rows = charts.change_rows(result.constructs)
if not rows.empty:
    st.altair_chart(charts.construct_chart(rows, lang), width="stretch")
kpis = charts.kpi_rows(result.kpi_tests)
if not kpis.empty:
    st.altair_chart(charts.kpi_chart(kpis, lang), width="stretch")
if not result.did.empty:
    st.subheader(t("report.did", lang))
    did = did_table(result.did, lang)
    st.dataframe(pd.DataFrame(did.rows, columns=did.headers), hide_index=True, width="stretch")

panels.exclusions(result, lang)

st.header(t("report.per_enterprise", lang))
names = sorted(result.constructs.query("grouping == 'enterprise'")["group"].unique())
if names:
    name = st.selectbox(t("impact.enterprise", lang), names, key="brand_one")
    panels.scorecard(result, lang, "enterprise", name)
    one = charts.change_rows(result.constructs, "enterprise", name)
    st.altair_chart(charts.construct_chart(one, lang), width="stretch")
    changes = result.kpi_changes
    if not changes.empty:
        shown = ["label", "value_before", "value_after", "change", "pct_change", "unit", "category"]
        panels.table(changes[changes["enterprise"] == name], shown, lang)

panels.action_plans(result, lang, can_add=False)

st.header(t("impact.downloads", lang))
stem = panels.download_stem(chosen, lang)


def audited(fmt: str, make: Callable[[], bytes]) -> Callable[[], bytes]:
    """The file, made when the button is clicked, with an audit event saying who took it."""

    def made() -> bytes:
        data = make()
        with db() as s:
            record_download(s, scope, chosen, fmt)
        return data

    return made


c1, c2, c3, c4 = st.columns(4)
c1.download_button(
    t("impact.download_csv", lang),
    audited("csv", lambda: export.results_csv_zip(result)),
    f"{stem}_csv.zip",
    "application/zip",
)
c2.download_button(
    "Excel", audited("xlsx", lambda: export.results_xlsx(result)), f"{stem}.xlsx",
    export.XLSX_MIME,
)  # fmt: skip
c3.download_button(
    "HTML", audited("html", lambda: report_html(result)), f"{stem}.html", "text/html"
)
try:
    report_fonts(lang)
    c4.download_button(
        "PDF",
        audited("pdf", view.stored_file(scope, chosen, at, "pdf", lambda: report_pdf(result))),
        f"{stem}.pdf",
        "application/pdf",
    )
except CjkFontMissing as exc:
    c4.warning(t("impact.pdf_unavailable", lang))
    c4.caption(str(exc))  # for the administrator: which font, where
if scope.is_admin:

    def raw() -> bytes:
        return raw_download.raw_xlsx(scope, chosen)  # made in a child process

    st.download_button(
        t("impact.raw", lang), audited("raw_xlsx", raw), f"{stem}_raw.xlsx", export.XLSX_MIME
    )
panels.method_notes(result, lang)
