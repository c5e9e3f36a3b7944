"""Shared command-line behaviour: one-line errors for user mistakes and
one line when the user stops a program with Ctrl-C."""
import os
import sys
from typing import Callable, List

from .errors import MMLatentError

DEBUG_ENV = 'MMLATENT_DEBUG'
INTERRUPTED_EXIT = 130  # 128 + SIGINT, as shells report it
_interrupt_notes: List[Callable[[], str]] = []


def on_interrupt(note: Callable[[], str]) -> None:
    """Register ``note()``: what a Ctrl-C leaves behind (e.g. "kept 3
    finished file(s) in out/"), printed by :func:`run_cli`."""
    _interrupt_notes.append(note)


def interrupted_line(program: str) -> str:
    """``interrupted: <program> stopped by Ctrl-C; <notes>``."""
    notes = []
    for note in _interrupt_notes:
        try:
            notes.append(note())
        except Exception:  # noqa: BLE001 - a note must not hide the stop
            continue
    kept = '; '.join(n for n in notes if n) or 'nothing was kept'
    return f'interrupted: {program} stopped by Ctrl-C; {kept}'


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


def program_name() -> str:
    """``apps/mutate.py``-style name of the running script."""
    path = os.path.abspath(sys.argv[0])
    return os.path.join(os.path.basename(os.path.dirname(path)),
                        os.path.basename(path))


def run_cli(main: Callable[[], None]) -> None:
    """Run ``main``; print user errors as ``error: <message>`` (exit 2)
    and a Ctrl-C as one ``interrupted: ...`` line saying what was kept
    (exit 130), unless ``MMLATENT_DEBUG=1`` asks for the traceback."""
    _interrupt_notes.clear()  # notes of an earlier in-process run
    try:
        main()
    except KeyboardInterrupt:
        if os.environ.get(DEBUG_ENV):
            raise
        print(interrupted_line(program_name()), file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)
    except Exception as e:  # noqa: BLE001
        if not is_user_error(e) or os.environ.get(DEBUG_ENV):
            raise
        print(f'error: {user_message(e)}', file=sys.stderr)
        sys.exit(2)
