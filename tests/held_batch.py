"""The command line with its batch workers held: for tests of stopping a batch.

``python tests/held_batch.py TOKENS COMMAND ...`` runs ``breachsim COMMAND ...``
where each worker runs a chunk only if it can take one of the ``TOKENS`` first
chunk tokens; every later chunk waits until the process is stopped. A test can
then interrupt a batch that has finished some runs and can never finish the
rest first, however busy the machine is (no timing involved).
"""

import os
import sys
import threading
from pathlib import Path

import sim.runs.batch
from sim.cli.main import main

_real_execute = sim.runs.batch.execute_chunk
_never = threading.Event()


def _take_token(folder: Path, tokens: int) -> bool:
    for i in range(tokens):
        try:
            os.close(os.open(folder / f"token-{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True
        except FileExistsError:
            continue
    return False


def held_execute(chunk):
    """Run the chunk if a token is left, else wait until stopped."""
    if not _take_token(Path(os.environ["HELD_BATCH_TOKENS"]), int(os.environ["HELD_BATCH_COUNT"])):
        _never.wait()
    return _real_execute(chunk)


if __name__ == "__main__":
    tokens, *argv = sys.argv[1:]
    os.environ["HELD_BATCH_COUNT"] = tokens
    Path(os.environ["HELD_BATCH_TOKENS"]).mkdir(parents=True, exist_ok=True)
    sim.runs.batch.execute_chunk = held_execute
    held_execute.__module__ = "sim.runs.batch"          # pickled by name: workers find it there
    held_execute.__qualname__ = "execute_chunk"
    raise SystemExit(main(argv))
