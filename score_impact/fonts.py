"""Finding a TrueType font with Chinese glyphs, for PDFs (reports, paper questionnaires).

PDF viewers cannot be relied on to have Chinese fonts, so the font is embedded. fpdf2
reads single TrueType/OpenType files, not .ttc collections, so only such files are listed.
Set ``SCORE_CJK_FONT`` to use another file; on Debian ``apt-get install fonts-droid-fallback``
provides the first default.
"""

from __future__ import annotations

import os
from pathlib import Path

CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/simhei.ttf",
)


class CjkFontMissing(RuntimeError):
    """No font with Chinese glyphs is available; the message says how to get one."""


def cjk_font_path() -> Path:
    configured = os.environ.get("SCORE_CJK_FONT")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise CjkFontMissing(f"SCORE_CJK_FONT points at {path}, which is not a file")
        return path
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise CjkFontMissing(
        "No Chinese font found for PDFs: install one (Debian/Ubuntu: "
        "apt-get install fonts-droid-fallback) or set SCORE_CJK_FONT to a .ttf file"
    )
