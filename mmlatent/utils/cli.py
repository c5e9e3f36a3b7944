"""Shared command-line behaviour: one-line errors for user mistakes."""
import os
import sys
from typing import Callable

from .errors import MMLatentError

DEBUG_ENV = 'MMLATENT_DEBUG'


def is_user_error(e: BaseException) -> bool:
    """Errors caused by input (bad config, path, data), not by a bug."""
    return isinstance(e, (MMLatentError, FileNotFoundError))


def user_message(e: BaseException) -> str:
    """One line for ``e``. An error re-raised from a DataLoader worker
    carries the worker's traceback; its last line holds the message."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    if not lines:
        return type(e).__name__
    if lines[0].startswith('Caught ') and len(lines) > 1:
        last = lines[-1]
        return last.split(': ', 1)[1] if ': ' in last else last
    return lines[0]


def run_cli(main: Callable[[], None]) -> None:
    """Run ``main``; print user errors as ``error: <message>`` (exit 2)
    unless ``MMLATENT_DEBUG=1`` asks for the traceback."""
    try:
        main()
    except Exception as e:  # noqa: BLE001
        if not is_user_error(e) or os.environ.get(DEBUG_ENV):
            raise
        print(f'error: {user_message(e)}', file=sys.stderr)
        sys.exit(2)
