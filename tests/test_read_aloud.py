"""Read-aloud speaker buttons: the text, language and messages they carry, audio inlined."""

from __future__ import annotations

import base64
import wave
from pathlib import Path

from score_impact.i18n import t
from score_impact.read_aloud import SCRIPT, Spoken, audio_source, speaker_html


def make_wav(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 800)
    return path.read_bytes()


def test_a_speaker_reads_its_text_in_the_worker_language_and_escapes_it():
    # No recording: no survey folder needed (the kiosk passes none, pages/kiosk_ui.speaker)
    html = speaker_html(Spoken('主管会听"<b>"'), "zh", "朗读", "没有中文语音", base=None)
    assert html.count('class="ra-play"') == 1 and html.count("<button") == 1
    assert 'data-lang="zh-CN"' in html and 'data-autoplay="0"' in html
    assert 'data-novoice="没有中文语音"' in html
    assert 'aria-label="朗读: 主管会听&quot;&lt;b&gt;&quot;"' in html  # a name that says what
    assert "<b>" not in html  # text is escaped
    assert "<audio" not in html and "<script" not in html  # one page-wide handler plays it


def test_audio_file_is_inlined_beside_its_button(tmp_path):
    content = make_wav(tmp_path / "audio" / "q1_zh.wav")
    html = speaker_html(Spoken("问题", "audio/q1_zh.wav"), "zh", "朗读", "x", tmp_path, True)
    expected = "data:audio/x-wav;base64," + base64.b64encode(content).decode()
    assert f'<audio class="ra-audio" preload="auto" src="{expected}">' in html
    assert 'data-autoplay="1"' in html


def test_the_page_handler_finds_the_buttons_and_their_audio():
    """The delegated handler reads what speaker_html writes (class, data attributes)."""
    for name in ("button.ra-play", "dataset.lang", "dataset.text", "dataset.novoice",
                 "audio.ra-audio", 'role", "status'):  # fmt: skip
        assert name in SCRIPT


def test_missing_or_escaping_audio_paths_fall_back_to_speech(tmp_path):
    (tmp_path / "defs").mkdir()
    make_wav(tmp_path / "secret.wav")
    assert audio_source("../secret.wav", tmp_path / "defs") is None
    assert audio_source("audio/none.wav", tmp_path / "defs") is None


def test_vietnamese_read_aloud_asks_for_a_vi_vn_voice_and_says_so_in_vietnamese(tmp_path):
    message = t("kiosk.no_voice", "vi")
    html = speaker_html(Spoken("Câu hỏi"), "vi", t("kiosk.read_aloud", "vi"), message, tmp_path)
    assert 'data-lang="vi-VN"' in html and "chưa cài giọng đọc tiếng Việt" in html
