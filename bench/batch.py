"""Batch throughput, side by side: the whole command, the parent's capacity,
scaling with workers, and Dask's overhead.

    python bench/batch.py [--runs 1000] [--scaling-runs 480] [--dask-runs 200]
                          [--capacity-runs 20000] [--people 10000]

1. ``--runs`` Optus runs at ``--people`` (fast engine), the whole command
   ``python run.py batch ... --workers <cores>`` timed from outside (interpreter
   start, planning, runs, merge).
2. Parent capacity: ``--capacity-runs`` runs whose workers return at once
   (no simulation, nothing written), so the time is the parent's own work per
   run: planning, handing out chunks, recording outcomes, the progress bar.
3. Scaling: ``--scaling-runs`` runs on 1, 2, ... up to the cores available;
   efficiency = time on 1 worker / (N x time on N workers).
4. Dask: ``--dask-runs`` runs in this process one by one, and on a local Dask
   cluster of one single-threaded worker process (scheduler defaults); the
   overhead per run as a share of one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import OPTUS, ROOT, Timer, table

from sim.runs.batch import ChunkOutcome, run_batch


def write_batch(folder: Path, runs: int, people: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "batch.toml"
    path.write_text(f'scenarios = ["{OPTUS}"]\nreplications = {runs}\nseed = 1\n'
                    f'[set]\n"population.size" = {people}\n')
    return path


def instant(chunk) -> ChunkOutcome:
    """A worker that returns at once: every run ok, nothing computed or written."""
    return ChunkOutcome([(run_id, True, 0.0, "") for run_id, *_ in chunk.runs], "instant")


def whole_command(tmp: Path, runs: int, people: int, workers: int) -> float:
    batch = write_batch(tmp / "whole", runs, people)
    with Timer() as t:
        subprocess.run([sys.executable, str(ROOT / "run.py"), "batch", str(batch), "--out",
                        str(tmp / "whole" / "out"), "--workers", str(workers), "--quiet"],
                       check=True, cwd=ROOT)
    return t.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--capacity-runs", type=int, default=20_000)
    parser.add_argument("--scaling-runs", type=int, default=480)
    parser.add_argument("--dask-runs", type=int, default=200)
    parser.add_argument("--worker-saturation", default=None,
                        help="Dask scheduler setting distributed.scheduler.worker-saturation")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp())
    rows = []
    try:
        # warm-up: compiled kernels and caches, outside every timing
        run_batch(write_batch(tmp / "warm", 4, args.people), tmp / "warm" / "out", workers=1,
                  progress=False)
        seconds = whole_command(tmp, args.runs, args.people, cores)
        rows.append({"what": f"{args.runs} runs x {args.people:,} people, whole command, "
                             f"{cores} workers", "seconds": f"{seconds:.1f}",
                     "runs/s": f"{args.runs / seconds:.0f}"})

        batch = write_batch(tmp / "cap", args.capacity_runs, args.people)
        with Timer() as cap:
            run_batch(batch, tmp / "cap" / "out", workers=cores, progress=False, _execute=instant)
        rows.append({"what": f"parent capacity: {args.capacity_runs:,} instant runs",
                     "seconds": f"{cap.seconds:.2f}",
                     "runs/s": f"{args.capacity_runs / cap.seconds:,.0f}"})

        batch = write_batch(tmp / "scale", args.scaling_runs, args.people)
        times = {}
        for n in range(1, cores + 1):
            with Timer() as t:
                run_batch(batch, tmp / "scale" / f"w{n}", workers=n, progress=False)
            times[n] = t.seconds
            rows.append({"what": f"{args.scaling_runs} runs on {n} worker(s)",
                         "seconds": f"{t.seconds:.1f}", "runs/s": f"{args.scaling_runs / t.seconds:.0f}",
                         "efficiency": f"{100 * times[1] / (n * t.seconds):.0f}%"})

        batch = write_batch(tmp / "dask", args.dask_runs, args.people)
        with Timer() as serial:
            run_batch(batch, tmp / "dask" / "serial", workers=1, progress=False)
        import dask
        from distributed import LocalCluster

        if args.worker_saturation:
            dask.config.set({"distributed.scheduler.worker-saturation": args.worker_saturation})
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            run_batch(batch, tmp / "dask" / "warm", scheduler=cluster.scheduler_address,
                      progress=False)
            with Timer() as on_dask:
                run_batch(batch, tmp / "dask" / "dask", scheduler=cluster.scheduler_address,
                          progress=False)
        per_run = serial.seconds / args.dask_runs
        overhead = (on_dask.seconds - serial.seconds) / args.dask_runs
        rows.append({"what": f"{args.dask_runs} runs, serial in this process",
                     "seconds": f"{serial.seconds:.1f}", "runs/s": f"{args.dask_runs / serial.seconds:.0f}"})
        rows.append({"what": f"{args.dask_runs} runs, Dask (1 worker)", "seconds": f"{on_dask.seconds:.1f}",
                     "runs/s": f"{args.dask_runs / on_dask.seconds:.0f}"})
        print(f"machine: {cores} cores, Python {sys.version.split()[0]}")
        print(table(rows, ["what", "seconds", "runs/s", "efficiency"]))
        print(f"Dask overhead per run: {overhead * 1000:.1f} ms = {100 * overhead / per_run:.1f}% "
              f"of a {args.people:,}-person run ({per_run * 1000:.1f} ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
