"""Building blocks of the worker tablet screens, as docs/tablet-screens.md draws them.

Every screen is made of the same few rows: a text with its speaker at the right end
(``said``), answer options as full-width rows with their speaker inside (``choices``), a
choice button with its speaker (``choice_button``), number grids (``number_grid``) and the
Back / Next pair (``nav``). ``begin`` starts each screen: the tablet style, the read-aloud
handler, and the script that shows a new screen from its top (or at a chosen question).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import streamlit as st

from pages.common import runtime
from score_impact.i18n import t
from score_impact.read_aloud import SCRIPT, STYLE, Spoken, speaker_html

state = st.session_state
SCREEN_KEY = "kiosk_screen"  # {"seq": n, "target": item id or None}: how the screen opens
WHERE_KEY, TARGET_KEY = "kiosk_where", "kiosk_target"  # the screen shown; where to open next

# Large touch targets and type for shared factory tablets (phones too). Rows are keyed
# containers: Streamlit gives a container with key K the class "st-key-K", which is how the
# answer rows (kopt-*, chosen: ksel-*) and question blocks (kq-*) are styled and found.
CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.2rem; }
[data-testid="stMain"] h1 { font-size: 2rem; }
[data-testid="stMain"] h1:focus { outline: none; }
[data-testid="stMain"] h2 { font-size: 1.6rem; }
.stButton button { min-height: 3.5rem; font-size: 1.25rem; padding: .5rem 1rem; }
.stButton button p { font-size: 1.25rem; }
[class*="st-key-kopt-"], [class*="st-key-ksel-"], [class*="st-key-krev-"] {
  border: 2px solid #c9d3df; border-radius: .8rem; padding: .25rem .4rem .25rem 0; }
[class*="st-key-ksel-"] { border-color: #1f5f8b; background: #dbe8f3; }
[class*="st-key-kopt-"] .stButton button, [class*="st-key-ksel-"] .stButton button,
[class*="st-key-krev-"] .stButton button { border: none; background: transparent;
  justify-content: flex-start; text-align: left; min-height: 3.4rem; box-shadow: none; }
[class*="st-key-kopt-"] .stButton button > div, [class*="st-key-ksel-"] .stButton button > div,
[class*="st-key-krev-"] .stButton button > div { justify-content: flex-start; }
[class*="st-key-kopt-"] .stButton p, [class*="st-key-ksel-"] .stButton p,
[class*="st-key-krev-"] .stButton p { text-align: left; }
[class*="st-key-kopt-"] .stButton button::before, [class*="st-key-ksel-"] .stButton button::before {
  content: ""; flex: 0 0 1.5rem; height: 1.5rem; margin-right: .8rem; border-radius: 50%;
  border: 2px solid #1f5f8b; background: #fff; }
[class*="st-key-ksel-"] .stButton button::before { background: #1f5f8b;
  box-shadow: inset 0 0 0 4px #fff; }
[class*="-multi-"] .stButton button::before { border-radius: .25rem; }
[class*="st-key-ksel-"] .stButton button p { font-weight: 700; }
[class*="st-key-kq-"] { scroll-margin-top: 4.5rem; margin-top: .8rem; }
[class*="st-key-knav"] { margin-top: 1rem; }
[class*="st-key-knav"] .stButton button { min-height: 3.8rem; }
[data-testid="stButtonGroup"] button { min-height: 3.2rem; min-width: 3.2rem;
  font-size: 1.25rem; flex-grow: 0; }
[data-testid="stButtonGroup"] button p { font-size: 1.25rem; }
.st-key-khead { display: none; }
[data-testid="InputInstructions"] { display: none; }  /* Streamlit's English "Press Enter" */
</style>
"""

# Runs once per screen (its text changes only when ``SCREEN_KEY`` does): scroll the main
# area to the top, or to the target question; then move keyboard focus to the title and
# play the first question when the round auto-plays.
SCREEN_SCRIPT = """
<script>
(function () {
  const seq = %(seq)d, target = %(target)s;
  const main = () => document.querySelector('[data-testid="stMain"]');
  const done = () => document.querySelector(
    '[data-testid="stApp"][data-test-script-state="notRunning"]');
  function place() {
    const box = target && document.querySelector(".st-key-kq-" + target);
    if (box) box.scrollIntoView({block: "start"});
    else if (main()) main().scrollTop = 0;
  }
  place();
  window.scoreScreenSeq = seq;
  let tries = 0;
  (function settle() {
    if (window.scoreScreenSeq !== seq) return;  // a newer screen took over
    if (!done() && tries++ < 60) { setTimeout(settle, 50); return; }
    place();
    const title = main() && main().querySelector("h1");
    if (title && !target) {
      title.setAttribute("tabindex", "-1");
      title.focus({preventScroll: true});
    }
    const first = document.querySelector('button.ra-play[data-autoplay="1"]');
    if (first && window.scoreReadAloud) window.scoreReadAloud.play(first);
  })();
})();
</script>
"""


def new_screen(target: str | None = None) -> None:
    """Show the next run from the top of the screen (or from question ``target``), even
    when it is the same screen (an answer was missing: ``target`` is the first one)."""
    seq = state.get(SCREEN_KEY, {}).get("seq", 0) + 1
    state[SCREEN_KEY] = {"seq": seq, "target": target}


def open_at(item_id: str) -> None:
    """The next screen opens at this question instead of its top (a jump from the review)."""
    state[TARGET_KEY] = item_id


def begin(where: Hashable) -> None:
    """Start a screen: style, the read-aloud handler, and the scroll script. ``where``
    names the screen (step, section); a change of it opens the new screen at its top."""
    if state.get(WHERE_KEY) != where:
        state[WHERE_KEY] = where
        new_screen(state.pop(TARGET_KEY, None))
    screen = state[SCREEN_KEY]
    st.html(CSS + STYLE)
    target = screen["target"]
    script = SCREEN_SCRIPT % {"seq": screen["seq"], "target": json.dumps(target)}  # or null
    with st.container(key="khead"):
        st.html(SCRIPT + script, unsafe_allow_javascript=True)


def speaker(text: str, lang: str, audio: str | None = None, autoplay: bool = False) -> None:
    """The round read-aloud button for ``text`` (docs/tablet-screens.md, rule 2)."""
    # The survey folder only for a recorded file: runtime() reads the settings (and the key
    # file) on each call, and a screen of questions has dozens of speakers.
    html = speaker_html(
        Spoken(text, audio),
        lang,
        t("kiosk.read_aloud", lang),
        t("kiosk.no_voice", lang),
        runtime().settings.survey_dir if audio else None,
        autoplay,
    )
    st.html(html, width="content")


def said(
    text: str,
    lang: str,
    kind: str = "text",
    audio: str | None = None,
    autoplay: bool = False,
    key: str | None = None,
    spoken: str | None = None,
) -> None:
    """``text`` (a title, a header or a paragraph) with its speaker at the row's right end;
    the speaker reads ``spoken`` when the shown text carries markup."""
    with st.container(
        horizontal=True, vertical_alignment="center", wrap=False, gap="small", key=key
    ):
        if kind == "title":
            st.title(text, anchor=False)
        elif kind == "header":
            st.header(text, anchor=False)
        else:
            st.markdown(text, width="stretch")
        speaker(spoken or text, lang, audio, autoplay)


def choice_button(
    label: str,
    key: str,
    lang: str,
    on_click: Callable[[], None],
    primary: bool = False,
    spoken: str | None = None,
) -> None:
    """A choice the worker taps (a language, a factory, I agree), its speaker beside it."""
    with st.container(horizontal=True, vertical_alignment="center", wrap=False, gap="small"):
        st.button(
            label,
            key=key,
            on_click=on_click,
            type="primary" if primary else "secondary",
            width="stretch",
            wrap=True,
        )
        speaker(spoken or label, lang)


def choices(
    options: Iterable[tuple[Any, str]],
    chosen: Any,
    key: str,
    lang: str,
    on_pick: Callable[[Any], None],
    multiple: bool = False,
) -> None:
    """One full-width answer row per option (circle, words, speaker at the right end);
    the chosen row(s) filled. ``chosen`` is a value, or a collection when ``multiple``."""
    picked = set(chosen or []) if multiple else {chosen}
    kind = "multi" if multiple else "one"
    for index, (value, label) in enumerate(options):
        row = "ksel" if value in picked else "kopt"
        with st.container(
            key=f"{row}-{kind}-{key}-{index}",
            horizontal=True,
            vertical_alignment="center",
            wrap=False,
            gap=None,
        ):
            st.button(
                label,
                key=f"{state['attempt'].client_uuid}:{key}:{index}",
                on_click=on_pick,
                args=(value,),
                width="stretch",
                wrap=True,
            )
            speaker(label, lang)


def number_grid(label: str, options: range, key: str, lang: str) -> int | None:
    """The question ``label`` with its speaker, then one button per number: a tap picks it
    (no keyboard, no drop-down, nothing pre-filled). The choice reaches the server with
    the next button tap, so picking numbers costs no round trip."""
    said(label, lang)
    return st.pills(
        label,
        list(options),
        key=key,
        label_visibility="collapsed",
        on_change="ignore",
        width="stretch",
    )


def nav(back: tuple[str, str] | None, forward: tuple[str, str]) -> tuple[bool, bool]:
    """Back (outlined, left) and the primary button (filled, twice as wide), side by side
    on every screen size. Each is (label, key); returns (back tapped, forward tapped)."""
    with st.container(key="knav"):
        if back is None:
            return False, st.button(forward[0], key=forward[1], type="primary", width="stretch")
        left, right = st.columns([1, 2], wrap=False)
        went_back = left.button(back[0], key=back[1], width="stretch")
        went_on = right.button(forward[0], key=forward[1], type="primary", width="stretch")
    return went_back, went_on
