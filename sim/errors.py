"""User-facing errors: bad scenario files, bad overrides, bad networks.

A :class:`ScenarioError` is the one kind of error the command line turns into a
single line on stderr and exit status 2 (no traceback).
"""


class ScenarioError(Exception):
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
        self.key = key
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        """The one-line form printed by the command line."""
        where = f"{self.source}: {self.key}" if self.key else self.source
        return f"error: {where}: {self.message}"
