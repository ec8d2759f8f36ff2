"""Shared by the benchmarks that drive a real server: ``streamlit run app.py`` on a fresh
demo database in a temporary directory, seeded before the first request."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH_KEY = "bench-key"  # the server's secret key (pairing codes, cookies)


@contextmanager
def demo_server(
    prefix: str = "score-bench-", extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """Seed the demo into a new SQLite database, start the app on a free port; yield its
    base URL, the server process and the data directory (the server's log is
    ``streamlit.log`` there). The server is stopped on exit."""
    from tests.servers import streamlit_process

    data = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        **os.environ,
        "SCORE_DATA_DIR": str(data),
        "SCORE_DATABASE_URL": f"sqlite:///{data / 'bench.db'}",
        "SCORE_SECRET_KEY": BENCH_KEY,
        "SCORE_DEMO_ON_EMPTY": "1",
        "SCORE_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("SCORE_")})
    from score_impact.config import load_settings
    from score_impact.runtime import start

    start(load_settings(), demo=True).engine.dispose()  # seeded before the first request
    with streamlit_process(env, data / "streamlit.log", timeout=180) as (url, process):
        yield url, process, data
