"""Loaded by the server that bench/load.py starts (``PYTHONPATH=bench/_probe``), never by
the app: appends one line per run of the page to ``$SCORE_BENCH_PROBE`` - the run's wall
time, its thread's CPU time and the wall time of Streamlit's garbage collection after it,
in milliseconds - so the benchmark can tell the server's share of a tap from the
browser's."""

import os
import threading
import time

_PATH = os.environ.get("SCORE_BENCH_PROBE")

if _PATH:
    from streamlit.runtime.scriptrunner import script_runner

    _lock = threading.Lock()
    _local = threading.local()
    _run_script = script_runner.ScriptRunner._run_script
    _gc = script_runner.gc

    class _TimedGc:
        def __getattr__(self, name):  # noqa: ANN001, ANN204
            return getattr(_gc, name)

        def collect(self, *args):  # noqa: ANN002, ANN201
            started = time.perf_counter()
            try:
                return _gc.collect(*args)
            finally:
                _local.gc = getattr(_local, "gc", 0.0) + time.perf_counter() - started

    def _timed(self, rerun_data):  # noqa: ANN001, ANN202
        _local.gc = 0.0
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return _run_script(self, rerun_data)
        finally:
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            line = f"{time.time():.3f} {wall * 1000:.1f} {cpu * 1000:.1f} {_local.gc * 1000:.1f}\n"
            with _lock, open(_PATH, "a") as out:
                out.write(line)

    script_runner.gc = _TimedGc()
    script_runner.ScriptRunner._run_script = _timed
