"""A live what-if dashboard in the browser: ``python run.py dashboard [SCENARIO ...]``.

Why plain Solara and not Mesa's SolaraViz (which is built on Solara): SolaraViz
draws *one* model stepped live in the page, agent by agent, with a step and a
play button. This model's question is different: what a change of a lever does
to the *distribution* of outcomes, which needs several replications of a whole
run, compared with a fixed baseline. So a change here starts a job of ten
runs of the fast engine in worker processes and the page draws medians and
bands as the runs arrive; nothing is stepped in the page. The one place where
watching a single run helps, the small network view, is drawn from a finished
run with a time slider.

Modules, in the order data flows:

- :mod:`.levers`: the controls as scenario keys; current settings = starting
  scenario + overrides, checked by :func:`sim.load_scenario`;
- :mod:`.runs`: the worker pool, cancellable jobs and their reduction to an
  :class:`~sim.reporting.dashboard.runs.Outcome` (median and 10-90% band);
- :mod:`.figures` and :mod:`.network_view`: the page's charts;
- :mod:`.export`: the settings as a scenario file that extends the start;
- :mod:`.optimisation`: an optimisation's plans (``--optimisation DIR``), loaded as the
  current settings;
- :mod:`.app`: the page (imports Solara); :mod:`.serve`: the CLI command
  (imports the web server only when run).
"""

__all__ = ["add_parser", "command"]


def add_parser(sub) -> None:
    """Register ``dashboard`` on the command line's sub-parsers (see :mod:`.serve`)."""
    from .serve import add_parser as add

    add(sub)


def command(args) -> int:
    """Run the ``dashboard`` command (see :mod:`.serve`)."""
    from .serve import command as run

    return run(args)
