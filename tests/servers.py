"""``streamlit run app.py`` as a real server on a free port, for the browser tests and the
multi-process test: started with a given environment, waited for until healthy, stopped
(terminate, then kill) on exit."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not healthy after {timeout}s")


@contextmanager
def streamlit_server(env: dict[str, str], log_path: Path, timeout: float = 90) -> Iterator[str]:
    """Run the app with ``env`` (its output in ``log_path``); yield its base URL."""
    with streamlit_process(env, log_path, timeout) as (url, _):
        yield url


@contextmanager
def streamlit_process(
    env: dict[str, str], log_path: Path, timeout: float = 90
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As :func:`streamlit_server`, yielding the process too (the benchmarks read its CPU
    time)."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process, timeout)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
