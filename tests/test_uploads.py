"""Uploads are bounded: the admin-upload probes of issue 10, written as the attack.

The two large probes run in a fresh Python process that reports its own peak resident
memory (``ru_maxrss``) and the CPU time of the refusal alone (CPU, not wall-clock time: the
test must not depend on how busy the machine is; bench/uploads.py prints both): the limits
must hold for the server process, not only for pytest's already large one.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from score_impact import translations, uploads
from score_impact.config import DEFAULT_SURVEY_DIR
from score_impact.surveys.loader import SurveyDefinitionError, parse_survey
from score_impact.surveys.schema import Audience
from score_impact.surveys.xlsform import XLSFormError, import_xlsform
from tests.conftest import ROOT

# The probe of the issue (1.7 KB there): nine levels of nine aliases, 9**9 strings if expanded.
ALIAS_BOMB = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)

MEASURE = """
import json, resource, sys, time
from pathlib import Path
{setup}
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start, cpu = time.perf_counter(), time.process_time()
try:
    {call}
    outcome = "accepted"
except Exception as exc:
    outcome = f"{{type(exc).__name__}}: {{exc}}"
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": cpu, "wall_seconds": wall, "peak_mb": (after - before) / 1024,
                  "outcome": outcome}}))
"""


def measured(tmp_path: Path, data: bytes, setup: str, call: str) -> dict:
    """Run ``call`` on ``data`` in a fresh interpreter; its time and added peak memory."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    script = MEASURE.format(setup=setup, call=call)
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_alias_bomb_is_refused_fast_and_small(tmp_path):
    assert len(ALIAS_BOMB) < 1800
    with pytest.raises(SurveyDefinitionError) as refused:
        parse_survey(ALIAS_BOMB, source="bomb.yaml")
    assert "aliases" in refused.value.problems[0] and "line 2" in refused.value.problems[0]
    run = measured(
        tmp_path,
        ALIAS_BOMB.encode(),
        "from score_impact.surveys.loader import parse_survey",
        "parse_survey(data.decode(), source='bomb.yaml')",
    )
    assert run["outcome"].startswith("SurveyDefinitionError") and "aliases" in run["outcome"]
    assert run["seconds"] < 1 and run["peak_mb"] < 100, run


def test_merge_keys_need_aliases_so_they_are_refused_too():
    with pytest.raises(SurveyDefinitionError, match="aliases"):
        parse_survey("base: &b {x: 1}\nother:\n  <<: *b\n")


@pytest.mark.parametrize("depth", [41, 100_000])
def test_deep_nesting_is_refused_with_a_message_not_a_recursion_error(depth):
    with pytest.raises(SurveyDefinitionError) as refused:
        parse_survey("[" * depth + "]" * depth)
    assert "nested more than 40 levels" in refused.value.problems[0]


def test_anchors_without_aliases_and_normal_nesting_still_load():
    assert parse_survey.__module__  # the shipped definitions load in tests/surveys
    assert uploads.load_yaml("a: &x [1, [2, [3]]]") == {"a": [1, [2, [3]]]}


def test_oversized_yaml_is_refused_before_parsing():
    text = "# " + "x" * uploads.YAML_MAX_BYTES
    with pytest.raises(SurveyDefinitionError, match="limit is 1.0 MB"):
        parse_survey(text)


# ----- XLSX -----------------------------------------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    "</Types>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
    '.org/spreadsheetml/2006/main"><sheetData>'
)


def column(number: int) -> str:
    """Excel's column letters: 1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def workbook_with_rows(rows: int, columns: int = 1, refs: bool = True) -> bytes:
    """A minimal .xlsx whose first sheet has ``rows`` rows, written as a stream; without
    ``refs`` rows and cells carry no (optional) references, so they deflate to nearly
    nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD.encode())
            cells = "".join(
                f'<c r="{column(j + 1)}{{n}}"><v>1</v></c>' if refs else "<c><v>1</v></c>"
                for j in range(columns)
            )
            block = []
            for n in range(1, rows + 1):
                block.append(
                    f'<row r="{n}">{cells.format(n=n)}</row>' if refs else f"<row>{cells}</row>"
                )
                if len(block) == 10_000:
                    sheet.write("".join(block).encode())
                    block = []
            sheet.write(("".join(block) + "</sheetData></worksheet>").encode())
    return buffer.getvalue()


def lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """The same zip whose central directory claims ``name`` unpacks to ``declared`` bytes
    (what zipfile, and so openpyxl, believe)."""
    out = bytearray(data)
    central = out.index(b"PK\x01\x02")
    while out[central + 46 : central + 46 + len(name)] != name.encode():
        central = out.index(b"PK\x01\x02", central + 4)
    out[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(out)


@pytest.fixture(scope="module")
def two_million_rows() -> bytes:
    data = workbook_with_rows(2_000_000, refs=False)
    assert len(data) < 2_000_000  # the probe: about 1 MB on disk
    return data


XLSFORM_SETUP = (
    "import io\n"
    "from score_impact.surveys.schema import Audience\n"
    "from score_impact.surveys.xlsform import import_xlsform"
)
XLSFORM_CALL = "import_xlsform(io.BytesIO(data), Audience.WORKER, source_name='rows.xlsx')"


def test_two_million_rows_refused_fast_and_small(tmp_path, two_million_rows):
    with pytest.raises(XLSFormError) as refused:
        import_xlsform(io.BytesIO(two_million_rows), Audience.WORKER, source_name="rows.xlsx")
    assert "unpacks to" in refused.value.problems[0] and "limit is 40.0 MB" in str(refused.value)
    run = measured(tmp_path, two_million_rows, XLSFORM_SETUP, XLSFORM_CALL)
    assert run["outcome"].startswith("XLSFormError"), run
    assert run["seconds"] < 1 and run["peak_mb"] < 100, run


def test_two_million_rows_with_a_lying_zip_header_refused_fast_and_small(
    tmp_path, two_million_rows
):
    """A central directory that understates the sheet: unpacking stops at the declared
    size (a damaged file), or the streamed count stops at the row limit."""
    liar = lie_about_size(two_million_rows, "xl/worksheets/sheet1.xml", 1000)
    with pytest.raises(XLSFormError, match="the workbook is damaged"):
        import_xlsform(io.BytesIO(liar), Audience.WORKER)
    big_liar = lie_about_size(two_million_rows, "xl/worksheets/sheet1.xml", 39_000_000)
    with pytest.raises(XLSFormError, match="more than 20,000 rows"):
        import_xlsform(io.BytesIO(big_liar), Audience.WORKER)
    run = measured(tmp_path, big_liar, XLSFORM_SETUP, XLSFORM_CALL)
    assert "more than 20,000 rows" in run["outcome"], run
    assert run["seconds"] < 1 and run["peak_mb"] < 100, run


def test_the_translation_import_refuses_the_same_workbook_before_reading_it(two_million_rows):
    """The translator's spreadsheet (admin page "Translations") is an upload too."""
    with pytest.raises(translations.TranslationImportError, match="unpacks to"):
        translations.import_xlsx("vi", two_million_rows, DEFAULT_SURVEY_DIR, dry_run=True)


def test_too_many_columns_refused():
    with pytest.raises(uploads.UploadRefused, match=r"more than 200 columns \(cell GS1\)"):
        uploads.check_xlsx(workbook_with_rows(2, columns=201))
    uploads.check_xlsx(workbook_with_rows(2, columns=200))
    with pytest.raises(uploads.UploadRefused, match=r"more than 200 columns \(row 1\)"):
        uploads.check_xlsx(workbook_with_rows(2, columns=201, refs=False))


def test_not_a_workbook_and_too_large_are_refused_with_a_message():
    with pytest.raises(XLSFormError, match=r"not an Excel workbook \(.xlsx\)"):
        import_xlsform(io.BytesIO(b"name,label\nq1,Question"), Audience.WORKER)
    with pytest.raises(XLSFormError, match="larger than the limit of 5.0 MB"):
        import_xlsform(io.BytesIO(b"0" * (uploads.XLSX_MAX_BYTES + 1)), Audience.WORKER)
