"""Downloads: aggregated impact tables as CSV (zip) and Excel, raw rows for admins only.

Every cell goes through :func:`escape_cell` first. A downloaded file is opened in Excel or
LibreOffice, where text such as ``=HYPERLINK(...)`` typed into a survey's free-text
answer or an enterprise name would run as a formula (CSV/formula injection). Following
the OWASP guidance, text starting with ``= + - @``, tab or carriage return gets a leading
apostrophe, and in XLSX is stored as a string cell; numbers stay numbers.

Suppressed rows arrive already worded "suppressed" (:func:`impact.for_display`), so no
count or mean of a small group can reach a file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.adapter import RoundFilter, pair_ids, phase_order
from score_impact.db.models import Answer, Cohort, Enterprise, Response, SurveyRound
from score_impact.i18n import strings, t
from score_impact.reports.impact import ImpactFilters, ImpactResult, for_display
from score_impact.services.scope import Scope, require_admin, visible_enterprise_ids

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="1F5F8B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MAX_WIDTH = 60

#: Raw export columns: no pairing hashes, no client UUIDs (see :func:`raw_rows`).
RAW_COLUMNS: list[str] = [
    "response_id",
    "cohort",
    "phase",
    "enterprise",
    "audience",
    "language",
    "source",
    "submitted_at",
    "pair_id",
    "item_id",
    "value_num",
    "value_text",
]


def escape_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula; other values unchanged.

    >>> escape_cell("=1+1"), escape_cell("-3"), escape_cell(-3.0), escape_cell("ok")
    ("'=1+1", "'-3", -3.0, 'ok')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell_value(value: Any) -> Any:
    """A plain Python value for a file cell: NaN/NA -> None, numpy scalars unwrapped."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; stored values are UTC
    return escape_cell(value)


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell passed through :func:`escape_cell` (header names included)."""
    out = frame.astype(object).map(_cell_value)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def frame_csv(frame: pd.DataFrame) -> bytes:
    """One table as UTF-8 CSV with a byte-order mark (so Excel reads Chinese correctly)."""
    return escape_frame(frame).to_csv(index=False).encode("utf-8-sig")


# ----- column help (README sheet / README.csv) ---------------------------------------------

_HELP: dict[str, tuple[str, str]] = {
    "finding": ("The result that prompted the action", "促成该行动的结果"),
    "title": ("What the factory will do", "工厂将采取的行动"),
    "responsible_role": ("Who is responsible (a role, not a name)", "负责人（职务，不是姓名）"),
    "due_date": ("Due date (YYYY-MM-DD)", "截止日期（年-月-日）"),
    "status": ("planned, in_progress, done or dropped", "已计划、进行中、已完成或已放弃"),
    "overdue": ("True: still open after its due date", "是：已过截止日期仍未完成"),
    "enterprise_id": ("Database id of the factory", "工厂的数据库编号"),
    "enterprise": ("Factory (supplier enterprise)", "工厂（供应商企业）"),
    "cohort": ("Training class, or the comparison group", "培训班，或对照组"),
    "module": ("SCORE module", "SCORE模块"),
    "treated": ("True: took the training; False: comparison factory", "是：参加培训；否：对照工厂"),
    "phase": ("Survey phase (baseline = before training)", "调查阶段（基线 = 培训前）"),
    "phase_order": ("0 baseline, 1 first follow-up, ...", "0 基线，1 第一次跟踪……"),
    "expected": ("Expected respondents (factory headcount)", "预计回答人数（工厂人数）"),
    "responses": ("Worker questionnaires received", "收到的员工问卷数"),
    "response_rate": ("responses / expected (0-1)", "回答数 / 预计人数（0-1）"),
    "suppressed": (
        "True: fewer respondents than the privacy minimum; numbers hidden",
        "是：回答者少于隐私下限，数字已隐藏",
    ),
    "grouping": (
        "How results are grouped: overall, cohort, enterprise",
        "分组方式：总体、培训班、工厂",
    ),
    "group": ("The group's name ('all' for overall)", "组名（总体为 all）"),
    "outcome_id": ("Construct, item or KPI id", "维度、题目或指标编号"),
    "kind": ("construct, item or kpi", "维度、题目或指标"),
    "label": ("Outcome name", "结果名称"),
    "stakeholder": ("Who benefits: workers, supplier or brand", "受益方：员工、供应商或品牌"),
    "direction": (
        "Direction of good: higher_is_better / lower_is_better",
        "好的方向：越高越好/越低越好",
    ),
    "design": (
        "paired (same workers matched) or independent samples",
        "配对（同一员工）或独立样本",
    ),
    "test": ("Statistical test", "统计检验"),
    "primary": ("True on the headline test of each outcome", "每个结果的主要检验为是"),
    "baseline": ("Phase compared as 'before'", "作为“之前”的阶段"),
    "follow_up": ("Phase compared as 'after'", "作为“之后”的阶段"),
    "n_before": (
        "Answers before (matched pairs for paired rows)",
        "之前的回答数（配对行为配对数）",
    ),
    "n_after": ("Answers after (matched pairs for paired rows)", "之后的回答数（配对行为配对数）"),
    "n_pairs": (
        "Matched pairs (KPIs: enterprises with both values)",
        "配对数（指标：两期都有数值的工厂数）",
    ),
    "mean_before": (
        "Mean before (share of yes for yes/no items)",
        "之前平均值（是/否题为“是”的比例）",
    ),
    "mean_after": (
        "Mean after (share of yes for yes/no items)",
        "之后平均值（是/否题为“是”的比例）",
    ),
    "change": ("after - before", "之后 - 之前"),
    "ci_low": ("Lower end of the 95% confidence interval of the change", "变化的95%置信区间下限"),
    "ci_high": ("Upper end of the 95% confidence interval of the change", "变化的95%置信区间上限"),
    "statistic": ("Test statistic", "检验统计量"),
    "df": ("Degrees of freedom", "自由度"),
    "p": ("Raw two-sided p-value", "原始双侧p值"),
    "p_holm": ("p-value adjusted by Holm (decides significance)", "Holm校正p值（用于判断显著）"),
    "p_bh": ("p-value adjusted by Benjamini-Hochberg", "Benjamini-Hochberg校正p值"),
    "effect_size": ("Effect size (see effect_size_name)", "效应量（见 effect_size_name）"),
    "effect_size_name": (
        "Cohen's d_z, Hedges' g, rank-biserial r ...",
        "Cohen's d_z、Hedges' g、秩双列相关r等",
    ),
    "not_estimable": ("Why no result can be given, if so", "无法给出结果的原因"),
    "sentence": ("The result in plain words", "用通俗语言描述的结果"),
    "audience": ("worker or manager survey", "员工或管理者问卷"),
    "item_id": ("Question id", "题目编号"),
    "construct": ("Construct (group of questions) id", "维度（题组）编号"),
    "reverse": ("True: negatively worded, scored 6 - answer", "是：反向题，计分为 6 - 回答"),
    "point": (
        "Answer on the 1-5 scale (1 strongly disagree ... 5 strongly agree)",
        "1-5分（1非常不同意……5非常同意）",
    ),
    "n": ("Respondents", "回答人数"),
    "share": ("Share of respondents choosing this point (0-1)", "选择该分值的比例（0-1）"),
    "kpi_id": ("KPI id", "指标编号"),
    "unit": ("KPI unit", "指标单位"),
    "value_before": ("KPI value before", "之前的指标值"),
    "value_after": ("KPI value after", "之后的指标值"),
    "pct_change": ("100 x change / |before|", "100 × 变化 / |之前|"),
    "estimate": (
        "Difference-in-differences: trained change minus comparison change",
        "双重差分：培训组变化减去对照组变化",
    ),
    "se": ("Standard error, clustered by factory", "按工厂聚类的标准误"),
    "n_clusters": ("Factories in the model", "模型中的工厂数"),
    "n_items": ("Questions in the construct", "维度中的题目数"),
    "alpha": ("Cronbach's alpha (internal consistency)", "Cronbach's alpha（内部一致性）"),
    "n_outcomes": ("Outcomes counted", "计入的结果数"),
    "note": ("Caution or method note", "注意事项或方法说明"),
    "topic": ("Method topic", "方法主题"),
    "language": ("Language the questionnaire was answered in", "填写问卷所用语言"),
    "submitted_at": ("When it was submitted (UTC)", "提交时间（UTC）"),
    "pair_id": (
        "Same value before and after = the same anonymous worker",
        "前后相同 = 同一匿名员工",
    ),
    "value_num": (
        "Numeric answer (Likert 1-5, yes 1 / no 0, numbers)",
        "数字回答（1-5分，是1/否0，数字）",
    ),
    "value_text": ("Text or choice answer", "文字或选项回答"),
    "table": ("Sheet / file", "工作表/文件"),
    "column": ("Column", "列"),
    "meaning": ("Meaning", "含义"),
}
_WHO = {"treated": ("trained", "培训"), "control": ("comparison", "对照")}
_WHEN = {"before": "之前", "after": "之后"}
for _who, (_en, _zh) in _WHO.items():
    for _when, _when_zh in _WHEN.items():
        _HELP[f"mean_{_who}_{_when}"] = (
            f"Mean construct score, {_en} factories, {_when}",
            f"{_zh}工厂{_when_zh}的平均维度得分",
        )
        _HELP[f"n_{_who}_{_when}"] = (
            f"Respondents, {_en} factories, {_when}",
            f"{_zh}工厂{_when_zh}的回答人数",
        )

TABLE_HELP: dict[str, tuple[str, str]] = {
    "response_counts": ("Worker responses per factory and phase", "各工厂各阶段的员工回答数"),
    "constructs": ("Before vs after per construct", "各维度前后比较"),
    "items": ("Before vs after per question", "各题目前后比较"),
    "item_distributions": ("Share of answers per scale point", "各分值的回答比例"),
    "kpi_changes": ("KPI change per factory", "各工厂指标变化"),
    "kpi_tests": ("KPI change across factories, tested", "跨工厂指标变化检验"),
    "did": ("Difference-in-differences vs comparison factories", "与对照工厂的双重差分"),
    "reliability": ("Cronbach's alpha per construct and phase", "各维度各阶段的Cronbach's alpha"),
    "scorecard": ("Win-win-win scorecard", "三赢记分卡"),
    "method_notes": ("How the numbers were made", "数字是如何得出的"),
    "raw": ("One row per answer (admins only)", "每个回答一行（仅管理员）"),
    "pairing": ("Match rate of the private codes", "私人编码配对率"),
    "sensitivity": ("Main results with exact code matches only", "仅用完全相同编码配对的主要结果"),
    "attrition": ("Baseline scores: returned vs not returned", "基线得分：再次回答与未再回答"),
    "actions": (
        "Improvement-plan actions on outcomes that did not improve",
        "针对未改善结果的改善计划行动",
    ),
}


def column_help(column: str, lang: str = "en") -> str:
    """What a column means, in ``lang`` (English when no translation): the interface
    string ``column.<name>`` where there is one (locale files), else the table above."""
    if f"column.{column}" in strings():
        return t(f"column.{column}", lang)
    en, zh = _HELP.get(column, ("", ""))
    return zh if lang == "zh" and zh else en


def readme_frame(tables: Iterable[tuple[str, pd.DataFrame]], lang: str = "en") -> pd.DataFrame:
    """table, column, meaning for every column of every table."""
    rows = []
    for name, frame in tables:
        what = TABLE_HELP.get(name, (name, name))[1 if lang == "zh" else 0]
        rows.append({"table": name, "column": "", "meaning": what})
        rows.extend(
            {"table": name, "column": str(c), "meaning": column_help(str(c), lang)}
            for c in frame.columns
        )
    return pd.DataFrame(rows, columns=["table", "column", "meaning"])


def _about(result: ImpactResult) -> list[tuple[str, str]]:
    """Key facts shown at the top of the README: when, what, the suppression rule."""
    lang, f = result.filters.lang, result.filters
    return [
        (t("report.title", lang), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        (t("report.enterprises", lang), ", ".join(result.enterprises) or "-"),
        (t("report.phases", lang), f"{f.baseline} -> {f.follow_up}"),
        (
            t("report.suppression_rule", lang),
            t("report.note.suppression", lang, k=result.min_group_size),
        ),
    ]


def display_tables(result: ImpactResult) -> list[tuple[str, pd.DataFrame]]:
    """The tables as they appear in files: suppressed numbers worded, nothing dropped."""
    return [(name, for_display(frame)) for name, frame in result.tables()]


def results_csv_zip(result: ImpactResult) -> bytes:
    """A zip with README.csv and one CSV per table."""
    tables = display_tables(result)
    readme = pd.concat(
        [
            pd.DataFrame(_about(result), columns=["table", "meaning"]).assign(column=""),
            readme_frame(tables, result.filters.lang),
        ],
        ignore_index=True,
    )[["table", "column", "meaning"]]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.csv", frame_csv(readme))
        for name, frame in tables:
            zf.writestr(f"{name}.csv", frame_csv(frame))
    return buffer.getvalue()


def _header_cell(ws: Worksheet, name: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=escape_cell(str(name)) if name is not None else None)
    cell.data_type = "s"
    cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    return cell


def _body_cell(ws: Worksheet, raw: Any, wrap: bool = False) -> WriteOnlyCell | None:
    value = _cell_value(raw)
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _write_sheet(
    wb: Workbook, title: str, frame: pd.DataFrame, widths: dict[int, float] | None = None
) -> None:
    """A write-only sheet (fast for the raw export's tens of thousands of rows): styled,
    frozen header row; escaped values; strings stored as string cells; fitted widths."""
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    values = frame.astype(object).to_numpy()
    fitted = [len(str(c)) for c in frame.columns]
    for j in range(values.shape[1]):
        lengths = [len(str(v)) for v in values[:2000, j] if _cell_value(v) is not None]
        fitted[j] = max([fitted[j], *lengths])
    for j, width in enumerate(fitted, start=1):
        width = (widths or {}).get(j, width + 2)
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), MAX_WIDTH + 30)
    ws.append([_header_cell(ws, c) for c in frame.columns])
    wrap = widths is not None
    for row in values:
        if wrap:
            ws.append([_body_cell(ws, v, wrap) for v in row])
        else:
            # Plain values are much faster; escaped text never starts with "=", so openpyxl
            # stores every str as a string cell (data_type "s"), never as a formula.
            ws.append([_cell_value(v) for v in row])


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def results_xlsx(result: ImpactResult) -> bytes:
    """Workbook: README (every column explained, then facts and method notes beside
    it), then one sheet per table."""
    tables = display_tables(result)
    facts = pd.DataFrame(_about(result), columns=["topic", "note"])
    notes = pd.concat([facts, result.method_notes], ignore_index=True)
    help_rows = readme_frame(tables, result.filters.lang)
    readme = pd.concat(
        [help_rows, pd.DataFrame({"": [None] * len(help_rows)}), notes], axis=1
    ).astype(object)
    wb = Workbook(write_only=True)
    _write_sheet(wb, "README", readme, widths={1: 20, 2: 24, 3: 60, 4: 3, 5: 20, 6: 90})
    for name, frame in tables:
        _write_sheet(wb, name, frame)
    return _save(wb)


# ----- raw rows (admins only) ---------------------------------------------------------------


def raw_rows(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> pd.DataFrame:
    """Every stored answer, one row each, for the admin's checks and re-analysis.

    Admins only (``require_admin`` raises ``AccessDenied`` for anyone else): free-text
    answers and small groups are not suppressed here. Pairing hashes and client UUIDs are
    never exported; ``pair_id`` is the opaque match label the analysis uses.
    """
    require_admin(scope)
    filters = filters or ImpactFilters()
    ids = sorted(visible_enterprise_ids(session, scope))
    if filters.enterprise_id is not None:
        ids = [i for i in ids if i == filters.enterprise_id]
    query = (
        select(Response, SurveyRound, Cohort.name, Enterprise.name)
        .join(SurveyRound, SurveyRound.id == Response.round_id)
        .join(Cohort, Cohort.id == SurveyRound.cohort_id)
        .join(Enterprise, Enterprise.id == Response.enterprise_id)
        .where(
            Response.enterprise_id.in_(ids),
            SurveyRound.phase.in_([filters.baseline, filters.follow_up]),
        )
    )
    if filters.cohort_id is not None:
        query = query.where(SurveyRound.cohort_id == filters.cohort_id)
    found = session.execute(query).all()
    pairs = pair_ids(session, ids, RoundFilter(cohort_id=filters.cohort_id))
    head = {
        resp.id: {
            "response_id": resp.id,
            "cohort": cohort,
            "phase": round_.phase,
            "enterprise": ent,
            "audience": resp.audience,
            "language": resp.language,
            "source": resp.source,
            "submitted_at": resp.submitted_at,
            "pair_id": pairs.get(resp.id),
        }
        for resp, round_, cohort, ent in found
    }
    answers = session.execute(
        select(Answer.response_id, Answer.item_id, Answer.value_num, Answer.value_text)
        .where(Answer.response_id.in_(list(head)))
        .order_by(Answer.response_id, Answer.id)
    ).all()
    rows = [
        {**head[rid], "item_id": item, "value_num": num, "value_text": text}
        for rid, item, num, text in answers
    ]
    out = pd.DataFrame(rows, columns=RAW_COLUMNS)
    if filters.source is not None:
        out = out[out["source"] == filters.source]
    out["_o"] = out["phase"].map(phase_order)
    return out.sort_values(["_o", "response_id"], kind="stable").drop(columns="_o")


def raw_xlsx(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> bytes:
    """The raw rows as a workbook (README + raw sheet); admins only."""
    frame = raw_rows(session, scope, filters)
    lang = (filters or ImpactFilters()).lang
    wb = Workbook(write_only=True)
    _write_sheet(wb, "README", readme_frame([("raw", frame)], lang))
    _write_sheet(wb, "raw", frame)
    return _save(wb)


def raw_csv(session: Session, scope: Scope, filters: ImpactFilters | None = None) -> bytes:
    """The raw rows as one CSV; admins only."""
    return frame_csv(raw_rows(session, scope, filters))
