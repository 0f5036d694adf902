"""User-facing errors: bad scenario files, bad overrides, bad networks.

A :class:`ScenarioError` is the one kind of error the command line turns into a
single line on stderr and exit status 2 (no traceback). It is a ValueError, so
Python callers may catch either.
"""

__all__ = ["ScenarioError", "shorten"]

#: Longest file name or key printed whole in an error line (characters).
MAX_SHOWN = 160


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` on one line, its middle cut out if longer than ``limit`` characters."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    keep = (limit - 3) // 2
    return f"{text[:keep]}...{text[-keep:]}"


class ScenarioError(ValueError):
    """A problem with what the user gave us, named by file and dotted key.

    Parameters
    ----------
    source : str
        The file (or ``--set`` option) the bad value came from.
    key : str
        Dotted key of the bad value, e.g. ``population.cohorts.gen_z``; may be
        empty when the problem is with the whole file.
    message : str
        What is wrong and what is allowed.
    """

    def __init__(self, source: str, key: str, message: str):
        self.source = str(source)
        self.key = str(key)
        self.message = str(message)
        super().__init__(self.line())

    def line(self) -> str:
        """The one-line form printed by the command line (long names shortened)."""
        where = shorten(self.source)
        if self.key:
            where = f"{where}: {shorten(self.key)}"
        return shorten(f"error: {where}: {self.message}", 4 * MAX_SHOWN)
