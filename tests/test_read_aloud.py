"""Read-aloud controls: one play button per question and option, audio files inlined."""

from __future__ import annotations

import base64
import wave
from pathlib import Path

from score_impact.i18n import t
from score_impact.read_aloud import Spoken, audio_source, controls_html


def make_wav(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 800)
    return path.read_bytes()


def test_buttons_for_question_and_each_option_with_speech_language(tmp_path):
    html = controls_html(
        "ra-x",
        "zh",
        Spoken("", "主管会听我的意见"),
        [Spoken("1", "非常不同意"), Spoken("2", '"<b>"')],
        "没有中文语音",
        base=tmp_path,
    )
    assert html.count('class="ra-play') == 3
    assert 'data-lang="zh-CN"' in html and 'data-autoplay="0"' in html
    assert 'data-text="主管会听我的意见"' in html and "没有中文语音" in html
    assert "<b>" not in html.split("<script>")[0].replace('<b>"', "")  # text is escaped
    assert "&lt;b&gt;" in html


def test_audio_file_is_inlined_as_the_source(tmp_path):
    content = make_wav(tmp_path / "audio" / "q1_zh.wav")
    html = controls_html(
        "ra-y", "zh", Spoken("", "问题", "audio/q1_zh.wav"), [], "x", base=tmp_path, autoplay=True
    )
    expected = "data:audio/x-wav;base64," + base64.b64encode(content).decode()
    assert f'src="{expected}"' in html and 'data-audio="ra-y-audio-0"' in html
    assert 'data-autoplay="1"' in html


def test_missing_or_escaping_audio_paths_fall_back_to_speech(tmp_path):
    (tmp_path / "defs").mkdir()
    make_wav(tmp_path / "secret.wav")
    assert audio_source("../secret.wav", tmp_path / "defs") is None
    assert audio_source("audio/none.wav", tmp_path / "defs") is None


def test_vietnamese_read_aloud_asks_for_a_vi_vn_voice_and_says_so_in_vietnamese(tmp_path):
    message = t("kiosk.no_voice", "vi")
    html = controls_html("q1", "vi", Spoken("", "Câu hỏi"), [], message, tmp_path)
    assert 'data-lang="vi-VN"' in html and "chưa cài giọng đọc tiếng Việt" in html
