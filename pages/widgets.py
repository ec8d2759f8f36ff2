"""One Streamlit widget per survey item type, shared by the tablet and manager pages.

Widgets carry no range limits of their own: every value goes through the domain's
validation, so a person always sees the same translated message for the same mistake.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from score_impact.i18n import t
from score_impact.services import admin
from score_impact.surveys.schema import DECLINED, Item, ItemType, Survey


def label_of(text: dict[str, str] | None, lang: str) -> str:
    return "" if text is None else text.get(lang) or next(iter(text.values()))


def _declinable(survey: Survey, item: Item, labels: dict, lang: str) -> dict:
    """The options' labels, with "prefer not to answer" last where the item offers it."""
    if survey.declinable(item):
        return {**labels, DECLINED: t("kiosk.prefer_not", lang)}
    return labels


def _choice(label: str, options: list, labels: dict, key: str, current: Any) -> Any:
    index = options.index(current) if current in options else None
    return st.radio(label, options, index=index, key=key, format_func=lambda v: labels[v])


def item_input(survey: Survey, item: Item, lang: str, key: str, current: Any = None) -> Any:
    """Render ``item`` and return its current value (None when unanswered)."""
    label = label_of(item.label, lang)
    if item.help:
        label = f"{label}  \n*{label_of(item.help, lang)}*"
    kind = item.type
    if kind is ItemType.NOTE:
        st.info(label)
        return None
    if kind is ItemType.LIKERT:
        points = survey.scales[item.scale or ""]
        labels = {p.value: f"{p.value} · {label_of(p.label, lang)}" for p in points}
    elif kind is ItemType.YES_NO:
        labels = {True: t("kiosk.yes", lang), False: t("kiosk.no", lang)}
    elif kind is ItemType.SINGLE_CHOICE:
        labels = {o.value: label_of(o.label, lang) for o in item.options or []}
    if kind in (ItemType.LIKERT, ItemType.YES_NO, ItemType.SINGLE_CHOICE):
        labels = _declinable(survey, item, labels, lang)
        return _choice(label, list(labels), labels, key, current)
    if kind is ItemType.MULTIPLE_CHOICE:
        st.markdown(f"**{label}**")
        ticked = set(current or [])
        return [
            o.value
            for o in item.options or []
            if st.checkbox(label_of(o.label, lang), value=o.value in ticked, key=f"{key}:{o.value}")
        ]
    if kind is ItemType.NUMBER:
        unit = f" ({label_of(item.unit, lang)})" if item.unit else ""
        text = st.text_input(
            f"{label}{unit}",
            value="" if current is None else str(current),
            key=key,
            placeholder="0",
        )
        return text or None
    return st.text_input(label, value=current or "", key=key, max_chars=item.max_length) or None


def answer_text(survey: Survey, item: Item, value: Any, lang: str) -> str:
    """An answer as words, for the review screen."""
    if value is None or value == []:
        return t("kiosk.not_answered", lang)
    if value == DECLINED:
        return t("kiosk.prefer_not", lang)
    if item.type is ItemType.LIKERT:
        point = next(p for p in survey.scales[item.scale or ""] if p.value == value)
        return label_of(point.label, lang)
    if item.type is ItemType.YES_NO:
        return t("kiosk.yes" if value else "kiosk.no", lang)
    if item.options:
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(label_of(o.label, lang) for o in item.options if o.value in chosen)
    return str(value)


def pick(label: str, rows: list[dict], key: str, new: str) -> dict:
    """Choose a row to edit, or ``new`` (an empty dict) to create one."""
    by_id = {r["id"]: r for r in rows}
    chosen = st.selectbox(
        label,
        [None, *by_id],
        format_func=lambda i: new if i is None else by_id[i]["name"],
        key=key,
    )
    return by_id.get(chosen, {})


def table(rows: list[dict], columns: list[str], lang: str, **config: Any) -> None:
    """An admin listing: ``columns`` of ``rows`` in this order, headed by ``admin.col.*``."""
    headers: dict[str, Any] = {c: t(f"admin.col.{c}", lang) for c in columns}
    st.dataframe(rows, hide_index=True, column_order=columns, column_config=headers | config)


def scroll_into_view(selector: str, nonce: int) -> None:
    """Bring the first element matching ``selector`` into view, once per ``nonce`` (the
    script runs again only when its text changes), e.g. a summary of problems at the top
    of a long form whose button is far below."""
    script = f"""<script>/* {nonce} */
    (function find(tries) {{
      const box = document.querySelector({json.dumps(selector)});
      if (box) box.scrollIntoView({{block: "start", behavior: "smooth"}});
      else if (tries < 40) setTimeout(() => find(tries + 1), 50);
    }})(0);
    </script>"""
    st.html(script, unsafe_allow_javascript=True)


def join_link(join_code: str, status: str, lang: str, key: str) -> None:
    """A round's join code, tablet link and QR code (to print or show on a projector),
    with a warning when tablets cannot use it: the round is not open, or the address is
    this computer's own (``localhost``), which a tablet cannot reach."""
    page_url = (st.context.url or "http://localhost:8501/").split("?")[0]
    base_url = st.text_input(
        t("admin.rounds.base_url", lang), page_url.rsplit("/", 1)[0], key=f"{key}_base"
    )
    if status != "open":
        st.warning(t("links.not_open", lang, status=t(f"admin.status.{status}", lang)))
    if urlsplit(base_url).hostname in ("localhost", "127.0.0.1", "::1", None):
        st.warning(t("links.local_address", lang))
    link = admin.tablet_link(base_url, join_code)
    st.markdown(t("admin.rounds.link", lang, code=join_code, link=link))
    png = admin.qr_png(base_url, join_code)
    st.image(png, caption=link, width=240)
    st.download_button(
        t("admin.rounds.download_qr", lang),
        png,
        file_name=f"round-{join_code}.png",
        mime="image/png",
        key=f"{key}_qr",
    )
