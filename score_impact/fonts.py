"""TrueType fonts for PDFs (reports, paper questionnaires), chosen by a language's script.

PDF viewers and office printers cannot be relied on to have the glyphs, so fonts are
embedded. Every PDF uses a Unicode *body* font for Latin letters, digits and Vietnamese
diacritics (DejaVu Sans, Debian ``fonts-dejavu-core``: full Latin Extended Additional,
so "Tiếng Việt" round-trips), plus, for a language written in another script, a font of
that script as fpdf2 fallback (Chinese: Droid Sans Fallback, Debian
``fonts-droid-fallback``). The script comes from the language's ``language.yaml``, so a
new language needs a font here only if it brings a new script. fpdf2 reads single
TrueType/OpenType files, not .ttc collections, so only such files are listed.

Settings: ``SCORE_BODY_FONT`` (the body font file), ``SCORE_CJK_FONT`` (Chinese/Japanese).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from score_impact.i18n import language

BODY_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/freefont/FreeSans.ttf", "FreeSansBold.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "arialbd.ttf"),
)
CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/simhei.ttf",
)
#: Scripts the body font covers itself (no fallback needed).
BODY_SCRIPTS = frozenset({"Latn", "Cyrl", "Grek"})
#: Other scripts: (setting that names a file, candidate files, Debian package to advise).
SCRIPT_FONTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    script: ("SCORE_CJK_FONT", CJK_CANDIDATES, "fonts-droid-fallback")
    for script in ("Hans", "Hant", "Jpan")
}


class FontMissing(RuntimeError):
    """No font for a language's script (or no body font); the message says how to get one."""


#: The name earlier code and tests use for a missing Chinese font.
CjkFontMissing = FontMissing


@dataclass(frozen=True)
class PdfFonts:
    """The files a PDF in one language embeds."""

    body: Path
    bold: Path | None  # None: draw bold with the regular face
    fallback: Path | None  # the script's own font, used for glyphs the body font lacks


def _configured(setting: str) -> Path | None:
    value = os.environ.get(setting)
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise FontMissing(f"{setting} points at {path}, which is not a file")
    return path


def body_font() -> tuple[Path, Path | None] | None:
    """(regular, bold or None) of the first installed body font, or None."""
    configured = _configured("SCORE_BODY_FONT")
    if configured is not None:
        return configured, None
    for regular, bold in BODY_CANDIDATES:
        if Path(regular).is_file():
            bold_path = Path(regular).with_name(bold)
            return Path(regular), bold_path if bold_path.is_file() else None
    return None


def script_font(script: str) -> Path | None:
    """The fallback font for ``script`` (None for scripts the body font covers)."""
    if script in BODY_SCRIPTS or script not in SCRIPT_FONTS:
        return None
    setting, candidates, package = SCRIPT_FONTS[script]
    configured = _configured(setting)
    if configured is not None:
        return configured
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        f"No font for the {script} script found for PDFs: install one (Debian/Ubuntu: "
        f"apt-get install {package}) or set {setting} to a .ttf file"
    )


def cjk_font_path() -> Path:
    """A font with Chinese glyphs (reports embed it for Chinese names in any language)."""
    font = script_font("Hans")
    assert font is not None
    return font


def fallback_font(lang: str) -> Path | None:
    """The fallback font of a PDF in ``lang``: its script's font (required: raises
    :class:`FontMissing` without it), or for a language the body font covers, a Chinese
    font when one is installed (factory and people's names may be written in Chinese)."""
    script = language(lang).script
    if script not in BODY_SCRIPTS:
        return script_font(script)
    try:
        return cjk_font_path()
    except FontMissing:
        return None


def pdf_fonts(lang: str) -> PdfFonts:
    """The fonts a PDF in ``lang`` needs; raises :class:`FontMissing` with advice."""
    body = body_font()
    if body is None:
        raise FontMissing(
            "No Unicode body font found for PDFs: install one (Debian/Ubuntu: "
            "apt-get install fonts-dejavu-core) or set SCORE_BODY_FONT to a .ttf file"
        )
    return PdfFonts(body[0], body[1], fallback_font(lang))
