"""The command line: ``score-impact demo`` prints where the data is, never the password."""

from __future__ import annotations

from sqlalchemy import make_url

from score_impact import cli


def test_demo_prints_the_database_url_without_its_password(database_url, capsys):
    assert cli.main(["demo"]) == 0
    printed = capsys.readouterr().out
    url = make_url(database_url)
    assert url.render_as_string(hide_password=True) in printed
    if url.password:  # the PostgreSQL run: the test server's password
        assert f":{url.password}@" not in printed and ":***@" in printed
