"""Shared command-line behaviour: one-line errors for user mistakes."""
import os
import sys
from typing import Callable

from .errors import MMLatentError

DEBUG_ENV = 'MMLATENT_DEBUG'


def is_user_error(e: BaseException) -> bool:
    """Errors caused by input (bad config, path, data), not by a bug."""
    return isinstance(e, (MMLatentError, FileNotFoundError))


def run_cli(main: Callable[[], None]) -> None:
    """Run ``main``; print user errors as ``error: <message>`` (exit 2)
    unless ``MMLATENT_DEBUG=1`` asks for the traceback."""
    try:
        main()
    except Exception as e:  # noqa: BLE001
        if not is_user_error(e) or os.environ.get(DEBUG_ENV):
            raise
        text = str(e).strip().splitlines()
        print(f'error: {text[0] if text else type(e).__name__}',
              file=sys.stderr)
        sys.exit(2)
