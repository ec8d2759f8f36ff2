"""Text is text: user strings are stored clean and drawn as the characters typed.

``rendered`` parses what a page hands to Streamlit with a CommonMark parser
(markdown-it-py, the reference implementation's Python port): after :func:`literal`
there must be no link, image, HTML, emphasis or heading left, only the text itself.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from score_impact.text import clean_block, clean_line, literal

PLAIN = {"paragraph_open", "paragraph_close", "inline", "text", "softbreak", "hardbreak"}


def rendered(markdown: str) -> tuple[set[str], str]:
    """(token types other than plain paragraphs of text, the text a reader sees)."""
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(markdown)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    text = "".join(
        c.content if c.type == "text" else "\n"
        for t in tokens
        for c in t.children or []
        if c.type in ("text", "hardbreak", "softbreak")
    )
    return kinds - PLAIN, text


HOSTILE = [
    "![x](http://attacker.example/pixel.png)",
    "[click me](http://attacker.example/)",
    "<img src=http://attacker.example/p.png>",
    "<http://attacker.example/>",
    "**bold** _em_ ~~gone~~",
    "# heading",
    "> quote",
    "- list item",
    "1. numbered",
    "`code`",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Title\n===",
    ":red[coloured] :material/home: $x^2$",
    "&lt;b&gt; &amp;",
    "back\\slash",
]


@pytest.mark.parametrize("typed", HOSTILE)
def test_literal_markdown_shows_exactly_what_was_typed(typed):
    kinds, text = rendered(literal(typed))
    assert kinds == set(), f"{typed!r} was interpreted as {kinds}"
    assert text == typed


def test_plain_text_is_unchanged_apart_from_escapes():
    assert literal("Dongguan Evergreen Garments") == "Dongguan Evergreen Garments"
    assert literal("中文名称") == "中文名称"


def test_clean_line_strips_nul_and_direction_overrides():
    # U+202E would show "Evergreen<RLO>stnemraG" as "EvergreenGarments" reversed: a spoof.
    assert clean_line("Ever\u202egreen\x00 Garments") == "Evergreen Garments"
    assert clean_line("  a \t b\n c  ") == "a b c"
    assert clean_line("\u2066Isolated\u2069\ufeff") == "Isolated"
    assert clean_line(None) == ""


def test_clean_line_keeps_scripts_and_joins_accents():
    decomposed = "Nguye\u0302\u0303n"  # e + combining circumflex + combining tilde
    assert clean_line(decomposed) == "Nguyễn"
    assert clean_line("👩‍🔧 工长") == "👩‍🔧 工长"  # zero-width joiner kept


def test_clean_block_keeps_lines_and_drops_controls():
    assert clean_block("first\r\nsecond\x07\u202e\tend ") == "first\nsecond\tend"
