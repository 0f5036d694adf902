"""Dashboard: time from a control change to an updated chart, in a real browser.

    python bench/dashboard.py [--people 10000] [--reps 10] [--changes 7] [--workers N]

Starts ``python run.py dashboard`` on a free port, opens the page in headless
Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright), waits for the
first result, then moves the start of the first company campaign one hour
earlier ``--changes`` times (each a new scenario, never a cached one) and
measures, from the key press:

- *first chart*: the awareness chart shows runs of the new settings (the runs
  so far for a job longer than ``REDRAW_EVERY`` of the page, else all of them);
- *all runs*: every replication is in, all charts are drawn and the page says
  it has finished.

For scale, the same replications run one after another in this process
(the work the pool shares out), and the page's three charts drawn here.
Medians (min-max) over the changes; compare only ratios measured in one go,
and mind the load average printed with them (other work on the machine takes
the cores the runs need).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
import urllib.request

from common import OPTUS, ROOT, Timer, table

sys.path.insert(0, str(ROOT / "tests"))
from browser import AWARENESS_CHART, CHROMIUM, CHROMIUM_FLAGS, free_port, image_digest  # noqa: E402

from sim import load_scenario, simulate
from sim.runs.batch import run_seed

def start_server(args) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, str(ROOT / "run.py"), "dashboard", str(OPTUS), "--no-browser",
               "--port", str(port), "--people", str(args.people), "--reps", str(args.reps),
               "--out", str(ROOT / "out" / "bench_dashboard")]
    if args.workers:
        command += ["--workers", str(args.workers)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the dashboard did not start")
            time.sleep(0.2)
    raise SystemExit("the dashboard did not answer within 2 minutes")


def wait_new_chart(page, old: str, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while image_digest(page, AWARENESS_CHART) in ("", old):
        if time.perf_counter() > deadline:
            raise SystemExit("the chart did not change")
        time.sleep(0.02)


def browser_times(url: str, changes: int) -> list[tuple[float, float]]:
    """(first chart, all runs) seconds after each of ``changes`` slider moves."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(url)
        page.locator(".finished").wait_for(timeout=180_000)
        thumb = page.locator(".campaign-0-start .v-slider__thumb-container")
        for _ in range(changes):
            old = image_digest(page, AWARENESS_CHART)
            thumb.focus()
            start = time.perf_counter()
            page.keyboard.press("ArrowLeft")
            wait_new_chart(page, old)
            first = time.perf_counter() - start
            page.locator(".running").wait_for(state="detached", timeout=180_000)
            page.locator(".finished").wait_for(timeout=180_000)
            out.append((first, time.perf_counter() - start))
        browser.close()
    return out


def in_process(args) -> tuple[float, float]:
    """Seconds for the replications one after another, and for drawing the three charts."""
    from sim.reporting.dashboard import figures
    from sim.reporting.dashboard.runs import outcome_of, replicate

    scenario = load_scenario(OPTUS, {"population.size": args.people})
    simulate(scenario, seed=0)  # anything compiled on first use
    with Timer() as runs:
        reps = [replicate(scenario, r, run_seed(2022, 0, r)) for r in range(args.reps)]
    outcome = outcome_of(scenario.name, reps, args.reps)
    draws = []
    for _ in range(3):
        with Timer() as t:
            for make in (figures.awareness_figure, figures.first_source_figure, figures.trust_figure):
                make(outcome, outcome).savefig(io.BytesIO(), format="png",
                                               pil_kwargs={"compress_level": 1})
        draws.append(t.seconds)
    return runs.seconds, statistics.median(draws)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="agents per run")
    parser.add_argument("--reps", type=int, default=10, help="replications per setting")
    parser.add_argument("--changes", type=int, default=7, help="slider moves timed")
    parser.add_argument("--workers", type=int, default=None, help="dashboard worker processes")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    serial, draw = in_process(args)
    proc, url = start_server(args)
    try:
        times = browser_times(url, args.changes)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    first = [t[0] for t in times]
    done = [t[1] for t in times]
    workers = args.workers or os.cpu_count()
    print(f"dashboard on {OPTUS.name}: {args.reps} runs x {args.people:,} agents per change, "
          f"{workers} workers, {args.changes} changes; seconds, median (min-max); "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
          f"on {os.cpu_count()} cores")
    print(table([
        {"what": "change -> first chart (browser)", "seconds": spread(first)},
        {"what": "change -> all runs drawn (browser)", "seconds": spread(done)},
        {"what": "the runs one after another (in process)", "seconds": f"{serial:.2f}"},
        {"what": "drawing the three charts (in process)", "seconds": f"{draw:.2f}"},
    ], ["what", "seconds"]))
    print(f"all runs drawn / serial runs + drawing: "
          f"{statistics.median(done) / (serial + draw):.2f}")


if __name__ == "__main__":
    main()
