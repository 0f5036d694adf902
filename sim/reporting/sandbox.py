"""Rendering report templates so that a template cannot reach the machine or hang it.

A ``--template`` folder is the user's (or someone else's) jinja2 code. It is
rendered in jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`:
no attribute starting with ``_`` (so no ``''.__class__.__mro__`` or
``cycler.__init__.__globals__.os``), no changes to the report's data. On top
of the sandbox, :class:`ReportSandbox` bounds what a template may spend:

- ``range()`` gives at most :data:`MAX_RANGE` numbers;
- a render runs at most :data:`MAX_STEPS` template lines (loops included),
  counted, not timed, so the limit is the same on every machine;
- no value a template makes (text, list), and not the page, is longer than
  :data:`MAX_TEXT` characters; ``*`` and ``**`` are checked before they are
  computed (``'x' * 10**10``, ``10**10**10``);
- numbers given to filters and text methods as widths or counts
  (``center(10**9)``, ``'%0999999999d'``) are at most :data:`MAX_WIDTH`;
- recursion (a macro calling itself) and running out of memory end the
  render instead of the program.

Each limit raises :class:`TemplateLimit`; the caller turns it into one line
naming the template file and line.
"""

from __future__ import annotations

import functools
import math
import re
import string
import sys
from typing import Any, Callable

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["MAX_RANGE", "MAX_STEPS", "MAX_TEXT", "MAX_WIDTH", "TemplateLimit", "ReportSandbox",
           "render_bounded"]

#: Most numbers one ``range()`` of a template gives.
MAX_RANGE = 100_000
#: Most template lines one render runs (the built-in report runs about 2,500).
MAX_STEPS = 20_000_000
#: Longest text or list a template makes, and the longest page (characters): 50 MB.
MAX_TEXT = 50_000_000
#: Largest width or count a template gives a filter or text method.
MAX_WIDTH = 100_000
#: Largest number a template computes with ``**`` (bits).
MAX_POWER_BITS = 100_000

_SIZED = (str, bytes, list, tuple, dict, set, frozenset)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


class TemplateLimit(Exception):
    """A template went past one of the limits of :class:`ReportSandbox`."""


def _check_size(value: Any) -> Any:
    """``value`` if it is not longer than :data:`MAX_TEXT`, else TemplateLimit."""
    if isinstance(value, _SIZED) and len(value) > MAX_TEXT:
        raise TemplateLimit(f"a value of {len(value):,} items or characters; allowed: at most "
                            f"{MAX_TEXT:,}")
    return value


def _check_width(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
        raise TemplateLimit(f"{what} of {value:,}; allowed: at most {MAX_WIDTH:,}")


def _check_numbers(args, kwargs, what: str) -> None:
    for value in (*args, *kwargs.values()):
        _check_width(value, what)


def _check_percent_format(fmt: str, values: Any) -> None:
    """Widths and precisions of a ``%`` format, and ``*`` widths among its ``values``."""
    for match in _PERCENT_SPEC.finditer(fmt):
        for width in match.groups():
            if width == "*":
                _check_numbers(values if isinstance(values, tuple) else (values,), {},
                               "a format width")
            elif width:
                _check_width(int(width), "a format width")


def _check_brace_format(fmt: str, args, kwargs) -> None:
    """Widths in the specs of a ``str.format`` string (and nested widths among its arguments)."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return                                    # str.format raises its own error
    for _, _, spec, _ in fields:
        for digits in re.findall(r"\d+", spec or ""):
            _check_width(int(digits), "a format width")
        if spec and "{" in spec:
            _check_numbers(args, kwargs, "a format width")


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
            raise TemplateLimit(f"{base} ** {exponent} is too large to compute; allowed: results of "
                                f"at most {MAX_POWER_BITS:,} bits")


def _check_repeat(left: Any, right: Any) -> None:
    """``left * right`` repeating a text or list: not longer than :data:`MAX_TEXT`."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, _SIZED) and isinstance(times, int) and len(seq) * times > MAX_TEXT:
            raise TemplateLimit(f"repeating {len(seq):,} items {times:,} times; allowed: values of "
                                f"at most {MAX_TEXT:,} items or characters")


def _bounded_range(*args: int) -> range:
    """``range(...)`` of at most :data:`MAX_RANGE` numbers."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimit(f"range of {len(numbers):,} numbers; allowed: at most {MAX_RANGE:,}")
    return numbers


def _bounded_filter(name: str, filter_: Callable) -> Callable:
    """``filter_`` with its widths and counts checked and its result's size bounded."""
    skip = 2 if getattr(filter_, "jinja_pass_arg", None) is not None else 1   # context, value

    @functools.wraps(filter_)
    def bounded(*args, **kwargs):
        if name == "format":
            _check_percent_format(str(args[skip - 1]), tuple(args[skip:]))
        else:
            _check_numbers(args[skip:], kwargs, f"a number given to the {name} filter")
        return _check_size(filter_(*args, **kwargs))

    return bounded


def _str_method(obj: Any) -> tuple[str, str] | None:
    """(the text, the method's name) if ``obj`` is a bound method of a text, else None."""
    owner = getattr(getattr(obj, "__wrapped__", obj), "__self__", None)
    return (owner, getattr(obj, "__name__", "")) if isinstance(owner, str) else None


class ReportSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with the limits of this module (see the module's description)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals.pop("lipsum", None)          # makes text of any length
        self.globals["range"] = _bounded_range
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_repeat(left, right)
        elif isinstance(left, str):               # "%" formatting
            _check_percent_format(left, right)
        return _check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja2's signature
        for value in (*args, *kwargs.values()):
            _check_size(value)
        method = _str_method(__obj)
        if method is not None and method[1] in ("format", "format_map"):
            _check_brace_format(method[0], args, kwargs)
        elif method is not None:
            _check_numbers(args, kwargs, f"a number given to {method[1]}()")
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        return _check_size(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _check_size(super().getitem(obj, argument))


class _StepCounter:
    """A trace function counting the lines run in the templates of one environment."""

    def __init__(self, environment: jinja2.Environment, limit: int):
        self.environment, self.limit, self.steps = environment, limit, 0

    def __call__(self, frame, event, arg):
        """The global trace function: trace template frames only."""
        return self._line if frame.f_globals.get("environment") is self.environment else None

    def _line(self, frame, event, arg):
        if event == "line":
            self.steps += 1
            if self.steps > self.limit:
                raise TemplateLimit(f"ran more than {self.limit:,} template steps (a loop that does "
                                    f"not end?); allowed: at most {self.limit:,}")
        return self._line


def render_bounded(template: jinja2.Template, context: dict[str, Any]) -> str:
    """``template`` rendered with ``context``, its lines counted and its page bounded.

    Raises
    ------
    TemplateLimit
        past :data:`MAX_STEPS` lines or a page of :data:`MAX_TEXT` characters.
    """
    counter = _StepCounter(template.environment, MAX_STEPS)
    before = sys.gettrace()
    sys.settrace(counter)
    try:
        parts, size = [], 0
        for part in template.generate(**context):
            size += len(part)
            if size > MAX_TEXT:
                raise TemplateLimit(f"the page would be longer than {MAX_TEXT:,} characters; allowed: "
                                    f"at most {MAX_TEXT:,}")
            parts.append(part)
    finally:
        sys.settrace(before)
    return "".join(parts)
