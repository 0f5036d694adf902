"""Batch throughput: many Optus runs at 10,000 people, locally and on Dask.

    python bench/batch.py [--runs 1000] [--dask-runs 100]

1. ``--runs`` runs of the Optus scenario at 10,000 people (fast engine) with
   the local process pool (one worker per core): wall time, runs per second.
2. Dask overhead per run: the same ``--dask-runs`` runs in this process one by
   one (no pool) and on a Dask cluster of one single-threaded worker started
   here on 127.0.0.1 (scheduler + worker processes); overhead = (Dask time -
   serial time) / runs, and as a share of one run.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from common import OPTUS, Timer, table

from sim.batch import run_batch


def write_batch(folder: Path, runs: int) -> Path:
    path = folder / "batch.toml"
    path.write_text(f'scenarios = ["{OPTUS}"]\nreplications = {runs}\nseed = 1\n'
                    '[set]\n"population.size" = 10000\n')
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--dask-runs", type=int, default=100)
    parser.add_argument("--worker-saturation", default=None,
                        help="scheduler setting distributed.scheduler.worker-saturation "
                             "(e.g. inf: send workers all their tasks at once)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    rows = []
    try:
        with Timer() as local:
            run_batch(write_batch(tmp, args.runs), tmp / "local", progress=False)
        rows.append({"what": f"{args.runs} runs, local pool", "seconds": f"{local.seconds:.1f}",
                     "runs/s": f"{args.runs / local.seconds:.1f}"})
        (tmp / "d").mkdir()
        batch = write_batch(tmp / "d", args.dask_runs)
        with Timer() as serial:
            run_batch(batch, tmp / "serial", workers=1, progress=False)
        import dask
        from distributed import LocalCluster

        if args.worker_saturation:
            dask.config.set({"distributed.scheduler.worker-saturation": args.worker_saturation})
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            run_batch(batch, tmp / "warm", scheduler=cluster.scheduler_address, progress=False)
            with Timer() as dask:
                run_batch(batch, tmp / "dask", scheduler=cluster.scheduler_address, progress=False)
        per_run = serial.seconds / args.dask_runs
        overhead = (dask.seconds - serial.seconds) / args.dask_runs
        rows.append({"what": f"{args.dask_runs} runs, serial in-process", "seconds": f"{serial.seconds:.1f}",
                     "runs/s": f"{args.dask_runs / serial.seconds:.1f}"})
        rows.append({"what": f"{args.dask_runs} runs, Dask (1 worker)", "seconds": f"{dask.seconds:.1f}",
                     "runs/s": f"{args.dask_runs / dask.seconds:.1f}"})
        print(table(rows, ["what", "seconds", "runs/s"]))
        print(f"Dask overhead per run: {overhead * 1000:.1f} ms = {100 * overhead / per_run:.1f}% "
              f"of a 10,000-person run ({per_run * 1000:.0f} ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
