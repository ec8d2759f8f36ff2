"""Every shipped language is complete for every shipped survey and the interface; a new
language is added by files alone; the translator's spreadsheet goes out and comes back
(validated, all or nothing), and draft strings stay visible as drafts."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from score_impact import i18n, translations
from score_impact.kiosk import KioskAttempt
from score_impact.surveys.loader import DEFAULT_DIR, load_catalog
from score_impact.surveys.xlsform import _language_of

SHIPPED = [code for code in i18n.languages() if code != i18n.FALLBACK]


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_shipped_language_is_complete_for_the_interface_and_every_survey(lang):
    incomplete = {
        r.name: r.missing[:5] for r in translations.report(lang, DEFAULT_DIR) if r.missing
    }
    assert incomplete == {}
    catalog = load_catalog(DEFAULT_DIR)
    assert catalog.errors == [] and catalog.notes == []
    for loaded in catalog.latest_versions():
        assert lang in loaded.survey.languages, loaded.survey.id


def test_vietnamese_is_a_draft_until_a_native_reviewer_signs_it_off():
    reports = translations.report("vi", DEFAULT_DIR)
    assert all(r.draft and not r.reviewed for r in reports)
    ui = next(r for r in translations.report("zh", DEFAULT_DIR) if r.name == "ui")
    assert "kiosk.no_voice" in ui.reviewed  # corrected as the review said
    assert "kiosk.prefer_not" in ui.draft  # written since, not yet reviewed


@pytest.fixture
def copies(tmp_path, monkeypatch):
    """Writable copies of the locales and survey definitions (imports write files)."""
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, locales)
    surveys = tmp_path / "survey_defs"
    shutil.copytree(DEFAULT_DIR, surveys)
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    i18n.reload()
    yield locales, surveys
    monkeypatch.undo()
    i18n.reload()


def test_a_new_language_directory_and_translation_file_make_it_selectable(copies):
    locales, surveys = copies
    (locales / "xx").mkdir()
    (locales / "xx" / "language.yaml").write_text(
        'name: "Xish"\nenglish_name: "Xishian"\nspeech: "xx-XX"\nlocale: "de_DE"\n'
        'script: "Latn"\naliases: ["Ksh"]\n',
        encoding="utf-8",
    )
    english = i18n.language_strings("en")
    (locales / "xx" / "ui.yaml").write_text(
        yaml.safe_dump({k: f"X {v}" for k, v in english.items()}, allow_unicode=True),
        encoding="utf-8",
    )
    i18n.reload()
    assert i18n.language_names()["xx"] == "Xish"
    assert i18n.t("kiosk.submit", "xx") == "X Submit"
    assert i18n.speech_tag("xx") == "xx-XX"
    assert i18n.format_number(1234.5, "xx", 1) == "1.234,5"  # the locale says so
    assert _language_of("Xishian") == _language_of("Ksh (xx)") == "xx"  # XLSForm columns
    # a survey offers xx once every text of it has a translation file entry
    catalog = load_catalog(surveys)
    assert "xx" not in catalog.latest("worker_m5_safety").survey.languages
    for file in translations.translation_files("xx", surveys):
        if file.kind == "survey":
            file.path.parent.mkdir(parents=True, exist_ok=True)
            file.path.write_text(yaml.safe_dump(file.source), encoding="utf-8")
    survey = load_catalog(surveys).latest("worker_m5_safety").survey
    assert "xx" in survey.languages and survey.translated == ["vi", "xx", "zh"]
    attempt = KioskAttempt(1, survey, [1])
    attempt.choose_language("xx")  # the tablet offers it
    assert attempt.language == "xx"


def _sheet(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    ws = wb["translations"]
    header = [c.value for c in ws[1]]
    return wb, ws, {name: header.index(name) + 1 for name in header}


def _row(ws, cols, file, key):
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, cols["file"]).value == file and ws.cell(row, cols["key"]).value == key:
            return row
    raise KeyError(key)


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_export_edit_import_round_trip(copies):
    locales, surveys = copies
    data = translations.export_xlsx("vi", surveys)
    wb, ws, cols = _sheet(data)
    assert ws.max_row - 1 == sum(r.total for r in translations.report("vi", surveys))
    row = _row(ws, cols, "ui", "kiosk.progress")
    assert ws.cell(row, cols["english"]).value == "Page {current} of {total}"
    ws.cell(row, cols["translation"]).value = "Trang {current} trên {total}"
    ws.cell(row, cols["status"]).value = "reviewed"
    item = _row(ws, cols, "worker_core.v1", "item.voice_afraid.label")
    ws.cell(item, cols["translation"]).value = "Tôi ngại nói ra các vấn đề trong công việc."
    result = translations.import_xlsx("vi", _save(wb), surveys)
    assert sum(result.changed.values()) == ws.max_row - 1  # every exported row comes back
    assert i18n.t("kiosk.progress", "vi", current=2, total=9) == "Trang 2 trên 9"
    ui = next(r for r in translations.report("vi", surveys) if r.name == "ui")
    assert "kiosk.progress" in ui.reviewed and "kiosk.next" in ui.draft
    survey = load_catalog(surveys).latest("worker_m1_cooperation").survey
    assert survey.item("voice_afraid").label["vi"].startswith("Tôi ngại")
    # the definition itself is never rewritten
    assert (surveys / "shared" / "worker_core.yaml").read_bytes() == (
        DEFAULT_DIR / "shared" / "worker_core.yaml"
    ).read_bytes()


def test_imported_translations_lose_control_and_direction_characters(copies):
    """A spreadsheet cell can hold what no screen should show: a right-to-left override
    that reverses the words after it, a right-to-left mark, a carriage return (XML, so no
    NUL: openpyxl and Excel refuse those). They never reach a file."""
    locales, surveys = copies
    wb, ws, cols = _sheet(translations.export_xlsx("vi", surveys))
    row = _row(ws, cols, "ui", "kiosk.progress")
    ws.cell(row, cols["translation"]).value = "Trang {current}\u202e trên\u200f {total}\r"
    translations.import_xlsx("vi", _save(wb), surveys)
    stored = yaml.safe_load((locales / "vi" / "ui.yaml").read_text(encoding="utf-8"))
    assert stored["kiosk.progress"] == "Trang {current} trên {total}"
    assert i18n.t("kiosk.progress", "vi", current=2, total=9) == "Trang 2 trên 9"


def test_a_lost_placeholder_refuses_the_whole_import_and_changes_nothing(copies):
    locales, surveys = copies
    before = {p: p.read_bytes() for p in (locales / "vi").iterdir()}
    wb, ws, cols = _sheet(translations.export_xlsx("vi", surveys))
    row = _row(ws, cols, "ui", "kiosk.progress")
    ws.cell(row, cols["translation"]).value = "Trang {current}"  # {total} lost
    fine = _row(ws, cols, "ui", "kiosk.next")
    ws.cell(fine, cols["translation"]).value = "Đi tiếp"  # valid, but must not be written
    empty = _row(ws, cols, "ui", "kiosk.back")
    ws.cell(empty, cols["translation"]).value = "  "
    odd = _row(ws, cols, "ui", "kiosk.submit")
    ws.cell(odd, cols["status"]).value = "final"
    changed = _row(ws, cols, "ui", "kiosk.yes")
    ws.cell(changed, cols["source_hash"]).value = "0000000000"  # English edited since
    with pytest.raises(translations.TranslationImportError) as refused:
        translations.import_xlsx("vi", _save(wb), surveys)
    problems = "\n".join(refused.value.problems)
    assert f"row {row} (kiosk.progress): placeholders must be exactly as in English" in problems
    assert "{current}, {total}" in problems
    assert f"row {empty} (kiosk.back): the translation is empty" in problems
    assert f"row {odd} (kiosk.submit): status 'final'" in problems
    assert f"row {changed} (kiosk.yes): the English changed since the export" in problems
    assert {p: p.read_bytes() for p in (locales / "vi").iterdir()} == before
    assert i18n.t("kiosk.next", "vi") == "Tiếp theo"


def test_a_changed_english_string_makes_the_translation_stale(copies):
    locales, surveys = copies
    path = locales / "en" / "ui.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('kiosk.next: "Next"', 'kiosk.next: "Next page"'),
        encoding="utf-8",
    )
    i18n.reload()
    ui = next(r for r in translations.report("zh", surveys) if r.name == "ui")
    assert ui.stale == ["kiosk.next"] and ui.complete


def test_a_workbook_that_is_not_one_is_refused(copies):
    _, surveys = copies
    with pytest.raises(translations.TranslationImportError, match="not an Excel workbook"):
        translations.import_xlsx("vi", b"not a zip", surveys)


def test_cli_reports_and_exports(copies, tmp_path, capsys, monkeypatch):
    from score_impact import cli

    _, surveys = copies
    monkeypatch.setenv("SCORE_SURVEY_DIR", str(surveys))
    assert cli.main(["translations", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "worker_m1_cooperation.v2" in out and "ui" in out
    target = tmp_path / "vi.xlsx"
    assert cli.main(["translations", "export", "vi", "-o", str(target)]) == 0
    assert cli.main(["translations", "import", "vi", str(target), "--dry-run"]) == 0
    assert "would write" in capsys.readouterr().out
    assert Path(target).stat().st_size > 10_000
