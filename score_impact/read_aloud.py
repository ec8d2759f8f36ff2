"""Read-aloud controls for low-literacy workers: a large play button on each question and
answer option, in the chosen language.

A pre-recorded file from the survey definition (``audio: {zh: audio/q1_zh.mp3}``, paths
relative to the survey folder) is played when present; otherwise the tablet's own speech
synthesis (the browser's Web Speech API) reads the text. When the tablet has no voice for
the language, a message in that language says so instead of staying silent. This module
only builds the HTML and script; the page inserts it.

Limits: speech needs a voice for the language installed on the tablet (Android: Google
text-to-speech with the Chinese pack; iPad: Settings > Accessibility > Spoken Content).
Browsers allow sound only after the worker has tapped the page once, so auto-play starts
from the first screen after the language choice.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from score_impact.i18n import speech_tag

SCRIPT = """
<script>
(function () {
  const box = document.getElementById(%(id)s);
  if (!box || box.dataset.ready) return;
  box.dataset.ready = "1";
  const lang = box.dataset.lang;
  const message = box.querySelector(".ra-msg");
  function voiceFor(voices) {
    return voices.find(v => v.lang.replace("_", "-").toLowerCase().startsWith(lang.slice(0, 2)));
  }
  function speak(text) {
    const synth = window.speechSynthesis;
    const voice = synth ? voiceFor(synth.getVoices()) : undefined;
    if (!synth || !voice) { message.hidden = false; return; }
    synth.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.lang = lang; u.voice = voice; u.rate = 0.9;
    synth.speak(u);
  }
  function play(button) {
    const audio = button.dataset.audio ? box.querySelector("#" + button.dataset.audio) : null;
    if (audio) { window.speechSynthesis && window.speechSynthesis.cancel(); audio.currentTime = 0;
                 audio.play().catch(() => speak(button.dataset.text)); }
    else speak(button.dataset.text);
  }
  box.querySelectorAll("button.ra-play").forEach(b => b.addEventListener("click", () => play(b)));
  if (box.dataset.autoplay === "1") {
    const first = box.querySelector("button.ra-play");
    const start = () => play(first);
    if (window.speechSynthesis && !window.speechSynthesis.getVoices().length)
      window.speechSynthesis.addEventListener("voiceschanged", start, { once: true });
    else start();
  }
})();
</script>
"""

# A speaker icon drawn in CSS: tablets' fonts may lack the emoji, and inline SVG is stripped.
# Fully percent-encoded: the HTML sanitizer drops a <style> whose text contains "<".
SPEAKER_ICON = "data:image/svg+xml," + quote(
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'>"
    "<path fill='#1f5f8b' d='M3 9v6h4l5 5V4L7 9H3z'/>"
    "<path fill='#1f5f8b' d='M16.5 12a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4z'/></svg>"
)

STYLE = """
<style>
.read-aloud { display: flex; flex-wrap: wrap; gap: .4rem; margin: .2rem 0 .3rem; }
.read-aloud button.ra-play { min-height: 3rem; min-width: 3.4rem; font-size: 1.15rem;
  border-radius: .6rem; border: 1px solid #1f5f8b; background: #eef3f7; color: #1b2733;
  padding: .3rem .8rem; cursor: pointer; }
.read-aloud button.ra-play::before { content: ""; display: inline-block; width: 22px;
  height: 22px; vertical-align: -5px; margin-right: .25rem; background: no-repeat center /
  contain url("SPEAKER_ICON"); }
.read-aloud button.ra-question { background: #cfe2f3; border-width: 2px; font-weight: 600; }
.read-aloud .ra-msg { color: #8a1c1c; font-size: 1rem; flex-basis: 100%; }
</style>
""".replace("SPEAKER_ICON", SPEAKER_ICON)


@dataclass(frozen=True)
class Spoken:
    """One thing to read: its visible button label, its text, and an optional audio file."""

    label: str
    text: str
    audio_path: str | None = None


@cache
def _data_uri(path: Path, mtime: float) -> str:
    """The audio file inlined (files are small; this avoids a static file server)."""
    mime = mimetypes.guess_type(path.name)[0] or "audio/mpeg"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def audio_path(relative: str, base: Path) -> Path | None:
    """A survey's audio file, or None when it is missing or outside the survey folder (a
    definition must not read arbitrary files)."""
    path = (base / relative).resolve()
    if not path.is_file() or base.resolve() not in path.parents:
        return None
    return path


def audio_source(relative: str, base: Path) -> str | None:
    """Data URI of a survey's audio file (see :func:`audio_path`), or None."""
    path = audio_path(relative, base)
    return None if path is None else _data_uri(path, path.stat().st_mtime)


def controls_html(
    element_id: str,
    language: str,
    question: Spoken,
    options: list[Spoken],
    no_voice_message: str,
    base: Path,
    autoplay: bool = False,
) -> str:
    """HTML + script for one question's play buttons (question first, then each option)."""
    parts = [STYLE]
    attrs = {
        "id": element_id,
        "class": "read-aloud",
        "data-lang": speech_tag(language),
        "data-autoplay": "1" if autoplay else "0",
    }
    parts.append("<div " + " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items()) + ">")
    for index, spoken in enumerate([question, *options]):
        kind = "ra-question" if index == 0 else "ra-option"
        audio_attr = ""
        source = audio_source(spoken.audio_path, base) if spoken.audio_path else None
        if source:
            audio_id = f"{element_id}-audio-{index}"
            parts.append(
                f'<audio id="{audio_id}" class="ra-audio" preload="auto" src="{source}"></audio>'
            )
            audio_attr = f' data-audio="{audio_id}"'
        parts.append(
            f'<button type="button" class="ra-play {kind}" data-text="{html.escape(spoken.text)}"'
            f'{audio_attr} aria-label="{html.escape(spoken.text)}">{html.escape(spoken.label)}'
            "</button>"
        )
    parts.append(f'<span class="ra-msg" hidden>{html.escape(no_voice_message)}</span></div>')
    parts.append(SCRIPT % {"id": json.dumps(element_id)})
    return "".join(parts)
