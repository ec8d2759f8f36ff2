"""What ``streamlit run app.py`` takes from .streamlit/config.toml, read by Streamlit itself
(in a fresh interpreter started in the project folder, as the server is), so a misspelt
key or section fails here instead of being ignored."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def streamlit_option(name: str) -> str:
    """Streamlit's value of the option ``name`` for a server started in the project."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    done = subprocess.run(
        [sys.executable, "-c", f"from streamlit import config; print(config.get_option({name!r}))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        # No full garbage collection after every run of the page: it held the interpreter
        # lock for about 0.2 s after each tap, with every other tablet waiting
        # (docs/benchmarks.md, "Load: tablets against one server").
        ("runner.postScriptGC", "False"),
        # A tablet that lost its Wi-Fi gets its session back within 30 minutes.
        ("server.disconnectedSessionTTL", "1800"),
        # No traceback on a public tablet (pages/error_screen.py).
        ("client.showErrorDetails", "none"),
    ],
)
def test_the_server_reads_the_project_settings(option, value):
    assert streamlit_option(option) == value
