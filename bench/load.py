"""Benchmark: N worker tablets at once against one ``streamlit run`` server (issue 13).

Starts ``streamlit run app.py`` on a fresh demo database (bench/_server.py), then, from
this separate process, drives N simultaneous tablets for each N in ``--sizes`` (1, 5, 10,
20): N browser contexts (each its own cookies and Streamlit session, 768x1024) in one
system Chromium through Playwright's async API. Each tablet opens the demo's join link
(``/?code=AFWDEMO``: cohort A's follow-up worker round, which takes answers from any
tablet), chooses Chinese, agrees, picks a factory, skips the private code, answers every
question (a tap on a row, as a worker does; follow-up questions too), goes on with Next
through every section and submits on the review screen.

Timed in the page (``performance.now()``), from the click until the new screen is drawn
and Streamlit's run has finished (the tablet takes taps again):

- *Next*: until the next section (or the review) is on screen;
- *Submit*: until the thank-you screen is on screen;
- *answer*: a tap on an answer row until it shows as chosen.

Between taps each tablet waits ``--think`` seconds (uniformly 0.5x-1.5x, so the tablets
do not tap in step), standing in for a worker reading the next question. For each N it
prints p50/p95 and the CPU time the server process and the client (Chromium, Playwright's
driver and this script) used, as a share of one core over the N-tablet run: on a 2-core
machine that shows whether the figures measure the server or the browsers. The load
average is printed before and after each size. Figures go to docs/benchmarks.md (section
"Load: tablets against one server", a sub-section per ``--label``).

Never part of the test command. Run: ``python bench/load.py`` (``--sizes 1 5``,
``--think 1``, ``--walks 1``, ``--label "before"``, ``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._docs import BENCHMARKS_MD, cpu_model, write_section  # noqa: E402
from bench._server import demo_server  # noqa: E402

SECTION = "## Load: tablets against one server"
JOIN = "AFWDEMO"
LANG = "zh"
FACTORY = "Dongguan Evergreen Garments"  # as stored; shown under its Chinese name
TIMEOUT_MS = 180_000

# A question block (pages/kiosk_ui.py) with answer rows, none of them chosen.
UNANSWERED = '[class*="st-key-kq-"]:has([class*="st-key-kopt-"]):not(:has([class*="st-key-ksel-"]))'

# Both scripts resolve [milliseconds, problem or ""]. "Idle" is Streamlit's own flag that
# the run a tap started has finished (every element of the new screen has arrived).
NAV_TAP = """async ([label, limit]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = () => app.getAttribute('data-test-script-state') === 'notRunning';
  const text = (sel) => { const e = document.querySelector(sel); return e ? e.innerText : ''; };
  const screen = () => text('[data-testid="stProgress"]') + '|' + text('[data-testid="stMain"] h1');
  const before = screen();
  const button = [...document.querySelectorAll('[class*="st-key-knav"] button')]
    .find((b) => b.innerText.trim() === label);
  if (!button) return [0, 'no button ' + label];
  const t0 = performance.now();
  button.click();
  return await new Promise((resolve) => {
    const check = () => {
      const ms = performance.now() - t0;
      const alert = document.querySelector('[data-testid="stMain"] [data-testid="stAlert"]');
      if (screen() !== before && idle()) resolve([ms, '']);
      else if (alert && idle() && ms > 500) resolve([ms, 'alert: ' + alert.innerText]);
      else if (ms > limit) resolve([ms, 'timeout']);
      else setTimeout(check, 5);
    };
    setTimeout(check, 5);
  });
}"""
ANSWER_TAP = """async ([pending, limit]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = () => app.getAttribute('data-test-script-state') === 'notRunning';
  const block = document.querySelector(pending);
  if (!block) return null;
  const key = [...block.classList].find((c) => c.startsWith('st-key-kq-'));
  const rows = block.querySelectorAll('[class*="st-key-kopt-"]');
  const row = rows[rows.length >= 5 ? 3 : 0];  // Likert "agree"; else the first (yes)
  const t0 = performance.now();
  row.querySelector('.stButton button').click();
  return await new Promise((resolve) => {
    const check = () => {
      const ms = performance.now() - t0;
      const chosen = document.querySelector('.' + CSS.escape(key) + ' [class*="st-key-ksel-"]');
      if (chosen && idle()) resolve([ms, '']);
      else if (ms > limit) resolve([ms, 'timeout']);
      else setTimeout(check, 5);
    };
    setTimeout(check, 5);
  });
}"""


@dataclass
class Samples:
    next: list[float] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    answer: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# ----- CPU time from /proc (Linux) ----------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> set[int]:
    """``root`` and every process under it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[0]
    found, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


class CpuMeter:
    """CPU seconds of the server's process tree and of the client's (this process and
    everything under it but the server), sampled every half second so that a browser
    process that ends before the run does is still counted."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.server: set[int] = set()

    def sample(self) -> None:
        self.server = _tree(self.server_pid)
        for pid in _tree(os.getpid()):
            if (stat := _stat(pid)) is not None:
                self.last[pid] = stat[1]

    def begin(self) -> None:
        self.last = {}
        self.sample()
        self.start = dict(self.last)

    def used(self) -> tuple[float, float]:
        """(server, client) CPU seconds since :meth:`begin`."""
        spent = {pid: cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items()}
        server = sum(v for pid, v in spent.items() if pid in self.server)
        return server, sum(spent.values()) - server

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.5)


# ----- one tablet ---------------------------------------------------------------------------


async def think(seconds: float) -> None:
    await asyncio.sleep(seconds * random.uniform(0.5, 1.5))


async def tap(page, label: str) -> None:  # noqa: ANN001
    """An untimed tap on the screens before the questions; waits for the run it starts."""
    button = page.get_by_role("button", name=label, exact=True)
    await button.wait_for()
    await button.click()
    await page.wait_for_function(
        "(label) => ![...document.querySelectorAll('button')].some("
        "(b) => b.innerText.trim() === label) && document.querySelector("
        "'[data-testid=\"stApp\"]').getAttribute('data-test-script-state') === 'notRunning'",
        arg=label,
        timeout=TIMEOUT_MS,
    )


async def navigate(page, label: str, times: list[float], problems: list[str]) -> bool:  # noqa: ANN001
    """Tap a Next/Submit button and record how long until the new screen; False (and the
    problem recorded) when it did not come."""
    ms, problem = await page.evaluate(NAV_TAP, [label, TIMEOUT_MS])
    if problem:
        problems.append(f"{label}: {problem}")
        return False
    times.append(ms)
    return True


async def walk(page, base: str, pace: float, samples: Samples) -> None:  # noqa: ANN001
    """One worker's survey, from the join link to the thank-you screen."""
    from score_impact.i18n import enterprise_name, language_names, t

    await page.goto(f"{base}/?code={JOIN}")
    await tap(page, language_names()[LANG])
    await think(pace)
    await tap(page, t("kiosk.agree", LANG))
    await think(pace)
    await tap(page, enterprise_name(FACTORY, LANG))
    await think(pace)
    await tap(page, t("kiosk.skip_code", LANG))
    review = t("kiosk.review_title", LANG)
    for _ in range(40):  # sections
        await page.locator('[data-testid="stProgress"]').wait_for()
        while True:
            await think(pace)
            result = await page.evaluate(ANSWER_TAP, [UNANSWERED, TIMEOUT_MS])
            if result is None:
                break
            ms, problem = result
            if problem:
                samples.problems.append(f"answer: {problem}")
                return
            samples.answer.append(ms)
        await think(pace)
        if not await navigate(page, t("kiosk.next", LANG), samples.next, samples.problems):
            return
        title = page.locator('[data-testid="stMain"] h1').first
        if await title.inner_text() == review:
            break
    await think(pace)
    await navigate(page, t("kiosk.submit", LANG), samples.submit, samples.problems)


async def tablet(browser, base: str, pace: float, walks: int, delay: float, samples: Samples):  # noqa: ANN001, ANN201
    from tests.e2e.conftest import TABLET

    await asyncio.sleep(delay)
    context = await browser.new_context(viewport=TABLET, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    try:
        for _ in range(walks):
            await walk(page, base, pace, samples)
    except Exception as exc:  # noqa: BLE001 - one tablet's failure is reported, not fatal
        samples.problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        # Leave the page: the thank-you screen's timer would keep the server busy while
        # the other tablets are measured. The context stays open until the size is done.
        await page.goto("about:blank")
    return context


async def one_size(base: str, server_pid: int, n: int, args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

    samples = Samples()
    meter = CpuMeter(server_pid)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        load_before = os.getloadavg()
        meter.begin()
        sampler = asyncio.create_task(meter.run())
        started, began_at = time.monotonic(), time.time()
        spread = min(3.0, 0.3 * n)  # tablets start within a few seconds of each other
        contexts = await asyncio.gather(
            *(
                tablet(browser, base, args.think, args.walks, random.uniform(0, spread), samples)
                for _ in range(n)
            )
        )
        wall = time.monotonic() - started
        meter.sample()
        sampler.cancel()
        load_after = os.getloadavg()
        for context in contexts:
            await context.close()
        await browser.close()
    server_cpu, client_cpu = meter.used()
    return {
        "n": n,
        "samples": samples,
        "wall": wall,
        "server_cpu": server_cpu / wall,
        "client_cpu": client_cpu / wall,
        "load": (load_before, load_after),
        "window": (began_at, time.time()),
    }


def server_runs(probe: Path, start: float, end: float) -> list[tuple[float, float, float]]:
    """(wall, CPU, garbage collection) milliseconds of each run of the page the server
    finished between ``start`` and ``end`` (bench/_probe/sitecustomize.py writes them)."""
    if not probe.exists():
        return []
    runs = []
    for line in probe.read_text().splitlines():
        at, wall, cpu, gc = map(float, line.split())
        if start <= at <= end:
            runs.append((wall, cpu, gc))
    return runs


# ----- figures ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0-100); NaN when there is no value."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def seconds(values: list[float]) -> str:
    return f"{percentile(values, 50) / 1000:.2f} / {percentile(values, 95) / 1000:.2f}"


HEADER = (
    "| tablets | Next p50 / p95 (s) | Submit p50 / p95 (s) | answer tap p50 / p95 (s) "
    "| samples (Next, Submit, answer) | server run p50 / p95 (s) | of which GC (s, mean) "
    "| server CPU | client CPU | load average before -> after |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def row(result: dict) -> str:
    s: Samples = result["samples"]
    runs = result.get("runs", [])
    before, after = (f"{x[0]:.1f}" for x in result["load"])
    return (
        f"| {result['n']} | {seconds(s.next)} | {seconds(s.submit)} | {seconds(s.answer)} "
        f"| {len(s.next)}, {len(s.submit)}, {len(s.answer)} "
        f"| {seconds([r[0] for r in runs])} "
        f"| {sum(r[2] for r in runs) / max(1, len(runs)) / 1000:.2f} "
        f"| {result['server_cpu']:.0%} | {result['client_cpu']:.0%} | {before} -> {after} |"
    )


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "score_impact", "pages",
                                "app.py"], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
        head = out.stdout.strip()[:60]
        return head + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


INTRO = f"""{SECTION}

`python bench/load.py` starts `streamlit run app.py` on a fresh demo database and, from its
own process, walks the demo's worker survey (`/?code=AFWDEMO`, Chinese, every question
answered, 10 sections, review, Submit) on N tablets at once: N browser contexts in one
system Chromium (Playwright, async). Each tablet waits about `--think` seconds between taps
(a worker reading). Times are taken in the page from the tap until the new screen is drawn
and Streamlit's run has finished: *Next* until the next section (or the review), *Submit*
until the thank-you screen, *answer tap* until the tapped row shows as chosen. *Server CPU*
and *client CPU* are the CPU time of the server process and of Chromium + Playwright + the
script, as a share of one core over the run (the machine has 2 cores, shared with other
work: the load average is given before and after each size).
"""


def write(label: str, block: str, notes: str) -> None:
    """The section: the intro, then one "### label" block per run label (a new run with
    the same label replaces its block; other labels are kept), then the notes."""
    old = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else ""
    found = re.search(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", old, re.S)
    blocks: dict[str, str] = {}
    if found:
        for part in re.split(r"\n(?=### )", found.group(0))[1:]:
            heading = part.splitlines()[0]
            if heading.startswith("### ") and not heading.startswith("### What"):
                blocks[heading[4:]] = part.strip("\n")
    blocks[label] = block.strip("\n")
    text = INTRO + "\n" + "\n\n".join(blocks.values()) + "\n\n" + notes
    write_section(SECTION, text)


NOTES = """### What made Next slow, and what was changed

With 20 tablets, Next went from a median of 9.1 s (p95 16 s) to 1.7 s (p95 3.3 s), and the
server's own time per tap from 1.44 s to 0.09 s (median), on the same loaded machine.

*Server run* is the server's own wall time for one run of the page (a tap), measured in the
server by bench/_probe/sitecustomize.py, which only the benchmark's server loads; *of which
GC* is the part spent in Streamlit's garbage collection after the run.

- Not the per-screen draft save (the suspect): in a py-spy profile of the server under 5
  tablets (`--profile`), `keep_draft` (one SELECT and one UPDATE of the attempt's draft row
  in SQLite) was 0.3% of the server's samples; all database work (SQLAlchemy, sqlite3) 0.5%.
- Streamlit collects all garbage after every run of the page (`gc.collect(2)`, the hidden
  option `runner.postScriptGC`, on by default): 39% of the server's samples in the profile,
  twice the page's own code. The server holds pandas, SciPy, pyarrow and the survey
  definitions (over 230,000 objects), so each collection takes about 0.15 s of CPU (0.25 s
  of wall time on these shared cores) with the interpreter lock held, and every tap on
  every tablet (answers, Next, the thank-you screen's timer) is a run: the tablets queue
  behind each other's collections. `.streamlit/config.toml` now turns it off
  (`[runner] postScriptGC = false`); Python's own generational collector still runs, and
  the server's memory stayed about the same (resident size at the end of the 20-tablet
  run: 296 MB before, 292 MB after).
  `tests/test_streamlit_config.py` checks, through Streamlit's own config reader, that a
  server started in the project has it off.
- Each speaker button (a screen of questions has about 40) called `runtime()`, which reads
  the settings again (two path resolutions, the key file) and hashes the cached
  resource's key: about 5% of the server's samples. The survey folder is now looked up
  only for a recorded audio file (`pages/kiosk_ui.speaker`).
- What is left is the browsers: at 10 and 20 tablets the Chromium processes use more CPU
  than the server does on the same 2 cores (client CPU above), so those figures measure
  the tablets' rendering and the machine's other work as much as the server. Real tablets
  each bring their own processor; the *server run* column is what the server itself adds.

Streamlit re-reads `.streamlit/config.toml` while it runs (it polls the file), so the
change also reaches a running server; the "before" run above was made with the change
stashed for the whole run.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--think", type=float, default=1.0, help="seconds between taps")
    parser.add_argument("--walks", type=int, default=1, help="surveys per tablet")
    parser.add_argument("--label", default=None, help="sub-section heading of this run")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="record the server with py-spy (pip install py-spy) into FILE, collapsed stacks",
    )
    args = parser.parse_args()
    random.seed(13)
    results = []
    print(HEADER)
    probe = Path(tempfile.mkdtemp(prefix="score-load-probe-")) / "runs.txt"
    paths = [str(Path(__file__).parent / "_probe"), os.environ.get("PYTHONPATH", "")]
    env = {"PYTHONPATH": os.pathsep.join(p for p in paths if p), "SCORE_BENCH_PROBE": str(probe)}
    with demo_server("score-load-", env) as (base, process, _):
        spy = None
        if args.profile:
            exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            spy = subprocess.Popen([exe, "record", "--pid", str(process.pid), "--format",
                                    "raw", "--output", args.profile, "--rate", "50"],
                                   stdout=subprocess.DEVNULL)  # fmt: skip
        for n in args.sizes:
            print(f"load average before {n} tablets: {os.getloadavg()}", flush=True)
            result = asyncio.run(one_size(base, process.pid, n, args))
            result["runs"] = server_runs(probe, *result["window"])
            results.append(result)
            print(f"load average after {n} tablets: {os.getloadavg()}", flush=True)
            print(row(result), f"({result['wall']:.0f} s)", flush=True)
            for problem in sorted(set(result["samples"].problems)):
                print("  problem:", problem)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on interrupt
            spy.wait(timeout=60)
    label = args.label or f"{dt.date.today()}, {commit()}"
    block = (
        f"### {label}\n\n"
        f"`python bench/load.py --sizes {' '.join(map(str, args.sizes))} --think {args.think}"
        f" --walks {args.walks}` on {dt.date.today()}, machine: {os.cpu_count()} CPUs "
        f"({cpu_model()}), Python {platform.python_version()}, SQLite.\n\n"
        + HEADER
        + "\n"
        + "\n".join(row(r) for r in results)
        + "\n"
    )
    failed = sum(len(r["samples"].problems) for r in results)
    if failed:
        block += f"\n{failed} tablet walks did not finish (see the run's output).\n"
    if not args.no_write:
        write(label, block, NOTES)


if __name__ == "__main__":
    began = time.monotonic()
    main()
    print(f"({time.monotonic() - began:.0f} s)")
