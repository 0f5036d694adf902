"""Options several commands share."""

from __future__ import annotations

import argparse

from ..model.engine import DEFAULT_ENGINE, REGISTRY

__all__ = ["add_engine_option"]


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    """``--engine NAME``: every registered engine, each with its own words in the help."""
    each = [f"{name} ({spec.help})" for name, spec in REGISTRY.items()]
    described = each[0] if len(each) == 1 else f"{', '.join(each[:-1])} or {each[-1]}"
    parser.add_argument("--engine", choices=tuple(REGISTRY), default=DEFAULT_ENGINE,
                        help=f"simulation engine: {described}")
