"""Talking to the user: progress on stderr, and the one exception type for expected errors.

Expected failures (unknown id, missing file, hub unreachable, a layer TF.js lacks) raise
`ConverterError` with a message written for the user; the CLI prints it without a
traceback and exits non-zero. Anything else is a bug and keeps its traceback.
"""

import sys
import time


class ConverterError(Exception):
    """An expected failure whose message tells the user what happened and what to do."""


_started = time.monotonic()


def step(message: str) -> None:
    """Print one progress line to stderr, stamped with seconds since start.

    stdout stays free for the command's result (the `list` table, the verify report).
    """
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", file=sys.stderr, flush=True)
