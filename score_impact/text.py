"""Text typed by people is text: cleaned when stored, never interpreted when shown.

Two rules, one module:

- **Stored**: :func:`clean_line` (names, titles, roles) and :func:`clean_block` (notes,
  free-text answers) drop control characters and invisible direction overrides before a
  string reaches the database. A NUL byte breaks exports and some drivers; a right-to-left
  override (U+202E) makes "Evergreen‮stnemraG" display as a different name, so a name could
  be spoofed in a list a brand reads. Text is also put in Unicode NFC form, so the same
  name typed on two keyboards (composed or decomposed Vietnamese accents) is the same name.
- **Shown**: Streamlit reads every string it draws as Markdown (``st.markdown``,
  ``st.write``, captions, headers, button and expander labels). :func:`literal` escapes a
  user string so it is drawn as the characters typed: an action titled
  ``![x](http://host/pixel.png)`` shows those characters instead of making each reader's
  browser fetch the image, and ``[click](http://...)`` is no link.
"""

from __future__ import annotations

import re
import unicodedata

# Directional formatting characters (Unicode bidi controls), the byte-order mark and the
# line/paragraph separators. Zero-width joiners stay: scripts and emoji need them.
_INVISIBLE = {
    *"\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e",
    *"\u2066\u2067\u2068\u2069\ufeff\u2028\u2029",
}
# Every ASCII punctuation character may be backslash-escaped in CommonMark; Streamlit's own
# extensions (":red[...]" colours, ":material/icon:", "$math$", "~~strike~~") use : $ ~ too.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|:$~&=])")


def _keep(char: str, newlines: bool) -> bool:
    if char in _INVISIBLE:
        return False
    if newlines and char in "\n\t":
        return True
    return unicodedata.category(char) not in ("Cc", "Cs")  # controls, lone surrogates


def clean_line(value: str | None) -> str:
    """One line of text as a person meant it: line breaks and tabs become spaces, other
    control and direction characters go, runs of spaces collapse to one, trimmed, NFC."""
    text = unicodedata.normalize("NFC", value or "")
    spaced = "".join(" " if c in "\t\n\r\v\f" else c for c in text)
    return " ".join("".join(c for c in spaced if _keep(c, newlines=False)).split())


def clean_block(value: str | None) -> str:
    """Multi-line text (notes, free-text answers): line breaks and tabs kept, every other
    control or direction character removed, trimmed, NFC."""
    text = unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(c for c in text if _keep(c, newlines=True)).strip()


def literal(value: object) -> str:
    """``value`` as Markdown that displays exactly its characters (no formatting, links,
    images, HTML or Streamlit directives). Line breaks are kept as line breaks."""
    text = _MARKDOWN.sub(r"\\\1", str(value))
    return text.replace("\n", "  \n")
