"""The worker's Pause screen: the draft is saved and its resume code shown big, on its own
screen only (never on a question screen of a shared tablet), until the worker continues,
hands the tablet on, or nobody taps for PAUSE_SECONDS."""

from __future__ import annotations

import time

import streamlit as st

from pages.kiosk_start import keep_draft, reset, state
from score_impact.i18n import t
from score_impact.kiosk import KioskAttempt

PAUSE_SECONDS = 120  # a paused screen (with its code) is cleared after two minutes


def pause_button(a: KioskAttempt, lang: str) -> None:
    """The worker has to step away: save, then show the resume code on its own screen."""
    if st.button(t("kiosk.pause", lang), key=f"{a.client_uuid}:pause", width="stretch"):
        a.pause()
        keep_draft(a)
        st.rerun()


def paused(a: KioskAttempt, lang: str, issues: dict[str, str]) -> None:
    """The resume code, big, with "continue now" and "hand the tablet on", which clears the
    screen for the next person, as do PAUSE_SECONDS without a tap (the draft waits up to
    two hours for its code)."""
    paused_at = state.setdefault("paused_at", time.monotonic())

    @st.fragment(run_every=5)
    def clear_when_left() -> None:
        if a.resume_code and time.monotonic() - paused_at > PAUSE_SECONDS:
            reset()
            st.rerun(scope="app")

    clear_when_left()
    st.title(t("kiosk.paused_title", lang), anchor=False)
    if a.resume_code:
        st.write(t("kiosk.paused_intro", lang))
        st.html(f'<p style="font-size:3.2rem;letter-spacing:.35em;font-weight:700">'
                f"{a.resume_code}</p>")  # fmt: skip
    else:
        st.warning(t("kiosk.pause_failed", lang))
    if st.button(
        t("kiosk.continue_now", lang), key=f"{a.client_uuid}:unpause", type="primary",
        width="stretch",
    ):  # fmt: skip
        a.unpause()
        state.pop("paused_at", None)
        st.rerun()
    if a.resume_code and st.button(
        t("kiosk.pause_done", lang), key=f"{a.client_uuid}:pause-done", width="stretch"
    ):
        reset()
        st.rerun()
