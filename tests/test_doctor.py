"""``score-impact doctor`` finds the risks of the issue-10 probes (the key beside the
database, a world-readable file, demo accounts, tracebacks in browsers), and stays quiet
once they are fixed."""

from __future__ import annotations

import os

from score_impact import cli, doctor
from score_impact.config import load_settings
from score_impact.demo import disable_demo_accounts
from score_impact.runtime import start


def test_doctor_warns_then_is_quiet_when_fixed(tmp_path, monkeypatch, capsys):
    for name in ("SCORE_DATABASE_URL", "SCORE_SECRET_KEY", "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCORE_DEMO_ON_EMPTY", "1")
    runtime = start(load_settings())  # the README's first command: key and demo in data/
    database = tmp_path / "data" / "score_impact.db"
    os.chmod(database, 0o644)  # as SQLite used to create it
    with runtime.session() as s:
        found = doctor.check(s, runtime.settings, "full")
    assert [f.key for f in found] == [
        "key_beside_database", "database_readable", "demo_accounts", "error_details",
    ]  # fmt: skip
    assert "chmod 600" in found[1].message("en") and "chmod 600" in found[1].message("zh")

    monkeypatch.setenv("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
    assert cli.main(["doctor"]) == 1
    printed = capsys.readouterr().out
    assert printed.count("WARNING:") == 4

    monkeypatch.setenv("SCORE_SECRET_KEY", (tmp_path / "data" / "secret.key").read_text())
    monkeypatch.delenv("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS")  # the project's config: none
    os.chmod(database, 0o600)
    with runtime.session() as s:
        disable_demo_accounts(s, actor="test")
    assert doctor.streamlit_error_details() == "none"
    assert cli.main(["doctor"]) == 0
    assert "No problem found" in capsys.readouterr().out
    runtime.engine.dispose()
