"""``python run.py dashboard [SCENARIO ...]``: serve the what-if page on this machine.

Checks everything the user gave before serving (scenario files, run
settings, an optimisation's folder, a free port: one-line messages, exit 2), starts the worker
processes, prints the address and serves until Ctrl+C. Offline: the page's
front end comes from the installed ``solara-assets`` package, and Solara's
telemetry and version check are switched off.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path

from ...config.bundled import find_scenario, main_job_files
from ...errors import ScenarioError
from ...config.scenario import load_scenario
from . import levers as lv
from .optimisation import read_optimisation
from .config import DEFAULT_PORT, DEFAULT_REPLICATIONS, DEFAULT_SEED, DashboardConfig

__all__ = ["add_parser", "command", "has_display"]

#: Solara's settings, read from the environment when it is imported.
SOLARA_ENV = {
    "SOLARA_APP": "sim.reporting.dashboard.app",
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_THEME_SHOW_BANNER": "false",
    "SOLARA_THEME_TITLE": "breachsim what-if",
}


def add_parser(sub) -> None:
    """Register the ``dashboard`` command on the CLI's sub-parsers."""
    p = sub.add_parser(
        "dashboard", help="a live what-if page in the browser: baseline against your changes",
        description="Serve a page where you move the levers of a scenario (company messages, "
                    "press releases and tweets, word of mouth, trust) and see the baseline and "
                    "the current settings side by side, re-run on every change; save the "
                    "settings as a scenario file. Runs offline, on this machine.")
    p.add_argument("scenarios", type=Path, nargs="*", metavar="SCENARIO",
                   help="starting scenarios (default: the four bundled ones)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to serve on (default 127.0.0.1: this machine only; "
                        "0.0.0.0: every network interface)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a browser (never opened when there is no display)")
    p.add_argument("--reps", type=int, default=DEFAULT_REPLICATIONS,
                   help=f"runs per setting (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--people", type=int, default=None,
                   help="agents per run (default: each scenario's population.size)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"base seed, as in compare (default {DEFAULT_SEED})")
    p.add_argument("--out", type=Path, default=Path("out") / "dashboard",
                   help="folder for saved scenario files (default out/dashboard)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: number of cores)")
    p.add_argument("--optimisation", type=Path, default=None, metavar="DIR",
                   help="the --out folder of `breachsim optimise`: list its plans (the front, or "
                        "the best plan) and load one as the current settings; its scenario is "
                        "added to the starting scenarios (first, if none are given)")


def has_display() -> bool:
    """Whether a browser could open a window here (Linux and BSD need an X or Wayland display)."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise ScenarioError("--port", "", f"got {port}; allowed: a whole number in [1, 65535]")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as err:
            raise ScenarioError("--port", "", f"cannot serve on {host}:{port} ({err.strerror}); "
                                "choose another with --port N") from None


def config_from(args) -> DashboardConfig:
    """The server's configuration; raises ScenarioError for anything the user got wrong."""
    optimised = None
    if getattr(args, "optimisation", None) is not None:
        optimised = read_optimisation(args.optimisation)
    files = [find_scenario(s) for s in args.scenarios]
    if optimised is not None:
        base = Path(optimised.base)
        given = [Path(f).resolve() for f in files]
        if not files:  # the optimised scenario first, then the bundled ones
            files = [base] + [f for f in main_job_files() if Path(f).resolve() != base]
        elif base not in given:
            files.append(base)
    files = files or main_job_files()
    for file in files:
        scenario = load_scenario(file)
        if args.people is not None:
            lv.current_scenario(file, {lv.SIZE: args.people})
        elif scenario.get(lv.SIZE) > lv.MAX_PEOPLE:
            raise ScenarioError(file, lv.SIZE, f"{scenario.get(lv.SIZE):,} agents; allowed in the "
                                f"dashboard: at most {lv.MAX_PEOPLE:,} (set fewer with --people N)")
    try:
        lv.check_replications(args.reps)
    except ScenarioError as err:
        raise ScenarioError("--reps", "", err.message) from None
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", "", f"got {args.workers}; allowed: a whole number >= 1")
    return DashboardConfig([str(Path(f).resolve()) for f in files], args.reps, args.people,
                           args.seed, str(args.out), args.workers,
                           optimised.folder if optimised is not None else None)


def _open_when_up(server, url: str) -> None:
    while not server.started:
        time.sleep(0.1)
    webbrowser.open(url)


def command(args) -> int:
    """Serve the dashboard until Ctrl+C."""
    config = config_from(args)
    _check_port(args.host, args.port)
    if importlib.util.find_spec("solara") is None:
        raise ScenarioError("dashboard", "", "needs Solara, which is not installed: "
                            "pip install \"breachsim[dashboard]\"")
    config.to_env()
    os.environ.update(SOLARA_ENV)
    import uvicorn  # heavy, and only this command needs the web server

    from . import app

    app.warm()
    server = uvicorn.Server(uvicorn.Config("solara.server.starlette:app", host=args.host,
                                           port=args.port, log_level="warning"))
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    url = f"http://{shown}:{args.port}/"
    print(f"breachsim dashboard: serving on {url}  (Ctrl+C to stop)", flush=True)
    if args.host in ("0.0.0.0", ""):
        print(f"  from other machines: http://{socket.gethostname()}:{args.port}/", flush=True)
    if not args.no_browser and has_display():
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    try:
        server.run()
    finally:
        app.runner().close()
    return 0
