"""Read-aloud for low-literacy workers: a round speaker button at the right end of every
row that has text (a question, an answer option, a paragraph, a choice button), reading
that text in the worker's language (docs/tablet-screens.md, rule 2).

A pre-recorded file from the survey definition (``audio: {zh: audio/q1_zh.mp3}``, paths
relative to the survey folder) is played when present; otherwise the tablet's own speech
synthesis (the browser's Web Speech API) reads the text. When the tablet has no voice for
the language, a message in that language says so at the bottom of the screen instead of
staying silent. This module only builds the HTML and the script; the page inserts them.

Each button is plain HTML (it needs no script of its own): one delegated click handler,
``SCRIPT``, serves every button on the page and is installed once per screen.

Limits: speech needs a voice for the language installed on the tablet (Android: Google
text-to-speech with the language pack; iPad: Settings > Accessibility > Spoken Content).
Browsers allow sound only after the worker has tapped the page once, so auto-play starts
from the first screen after the language choice.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from score_impact.i18n import speech_tag

SCRIPT = """
<script>
(function () {
  if (window.scoreReadAloud) return;
  function voiceFor(lang) {
    const voices = window.speechSynthesis ? window.speechSynthesis.getVoices() : [];
    const want = lang.toLowerCase();
    return voices.find(v => v.lang.replace("_", "-").toLowerCase() === want)
      || voices.find(v => v.lang.replace("_", "-").toLowerCase().startsWith(want.slice(0, 2)));
  }
  function tell(text) {
    let box = document.getElementById("ra-message");
    if (!box) {
      box = document.createElement("div");
      box.id = "ra-message";
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box.timer);
    box.timer = setTimeout(() => { box.hidden = true; }, 6000);
  }
  function speak(button) {
    const synth = window.speechSynthesis;
    const voice = synth ? voiceFor(button.dataset.lang) : undefined;
    if (!synth || !voice) { tell(button.dataset.novoice); return; }
    synth.cancel();
    const u = new SpeechSynthesisUtterance(button.dataset.text);
    u.lang = button.dataset.lang; u.voice = voice; u.rate = 0.9;
    synth.speak(u);
  }
  function play(button) {
    const audio = button.parentElement.querySelector("audio.ra-audio");
    if (audio) {
      window.speechSynthesis && window.speechSynthesis.cancel();
      audio.currentTime = 0;
      audio.play().catch(() => speak(button));
    } else speak(button);
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button.ra-play");
    if (button) { event.preventDefault(); event.stopPropagation(); play(button); }
  }, true);
  window.scoreReadAloud = { play: play };
})();
</script>
"""

# A speaker icon drawn in CSS: tablets' fonts may lack the emoji, and inline SVG is stripped.
# Fully percent-encoded: the HTML sanitizer drops a <style> whose text contains "<".
SPEAKER_ICON = "data:image/svg+xml," + quote(
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'>"
    "<path fill='#1f5f8b' d='M3 9v6h4l5 5V4L7 9H3z'/>"
    "<path fill='#1f5f8b' d='M16.5 12a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4z'/>"
    "<path fill='none' stroke='#1f5f8b' stroke-width='1.8' stroke-linecap='round' "
    "d='M17.5 5.5a9 9 0 0 1 0 13'/></svg>"
)

STYLE = """
<style>
button.ra-play { width: 3rem; height: 3rem; min-width: 3rem; border-radius: 50%;
  border: 2px solid #1f5f8b; background: #fff no-repeat center / 1.7rem
  url("SPEAKER_ICON"); cursor: pointer; padding: 0; display: block; }
button.ra-play:active { background-color: #cfe2f3; }
button.ra-play:focus-visible { outline: 3px solid #1b2733; outline-offset: 2px; }
#ra-message { position: fixed; left: 1rem; right: 1rem; bottom: 1rem; z-index: 1000;
  background: #8a1c1c; color: #fff; font-size: 1.15rem; padding: .8rem 1rem;
  border-radius: .6rem; }
</style>
""".replace("SPEAKER_ICON", SPEAKER_ICON)


@dataclass(frozen=True)
class Spoken:
    """One thing to read: its text, and an optional recorded file (survey-relative path)."""

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


def speaker_html(
    spoken: Spoken,
    language: str,
    name: str,
    no_voice_message: str,
    base: Path | None,
    autoplay: bool = False,
) -> str:
    """One speaker button reading ``spoken`` in ``language``.

    ``name`` is the words "read aloud" in that language: the button's accessible name is
    ``name: text``, so a screen reader says what it will read. ``autoplay`` marks the one
    button a screen plays by itself when the round asks for it. ``base`` is the survey
    folder a recorded file is found in (needed only when ``spoken`` has one)."""
    attrs = {
        "type": "button",
        "class": "ra-play",
        "data-lang": speech_tag(language),
        "data-text": spoken.text,
        "data-novoice": no_voice_message,
        "data-autoplay": "1" if autoplay else "0",
        "aria-label": f"{name}: {spoken.text}",
        "title": name,
    }
    button = "<button " + " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
    source = audio_source(spoken.audio_path, base) if spoken.audio_path else None
    audio = f'<audio class="ra-audio" preload="auto" src="{source}"></audio>' if source else ""
    return f'<span class="ra">{button}></button>{audio}</span>'
