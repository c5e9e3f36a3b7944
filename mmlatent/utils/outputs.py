"""Output folders of apps and tools: never mix two runs' files.

An app names the files it writes as glob patterns. Its output folder may
hold other files (inputs, other apps' outputs), but if it already holds
files matching the app's patterns (an earlier run of the same app) the app
refuses to start, unless ``--overwrite`` asks it to delete them first.
"""
import fnmatch
import os
import os.path as osp
import shutil
from typing import List, Sequence

from .cli import on_interrupt
from .errors import ConfigError


def matching(folder: str, patterns: Sequence[str]) -> List[str]:
    """Names in ``folder`` matching any of ``patterns``, sorted."""
    if not osp.isdir(folder):
        return []
    return sorted(name for name in os.listdir(folder)
                  if any(fnmatch.fnmatch(name, p) for p in patterns))


def remove_entries(folder: str, names: Sequence[str]) -> None:
    for name in names:
        path = osp.join(folder, name)
        if osp.isdir(path) and not osp.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def safe_name(text: str) -> str:
    """``text`` usable in a file name (other characters become ``_``)."""
    return ''.join(ch if ch.isalnum() or ch in '-_.' else '_' for ch in text)


def unique_stems(paths: Sequence[str]) -> List[str]:
    """File name stems of ``paths``, made unique with _1, _2, ... in input
    order (``a/x.png, b/x.png`` -> ``x, x_1``)."""
    seen, stems = {}, []
    for path in paths:
        stem = osp.splitext(osp.basename(path))[0]
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        stems.append(stem if count == 0 else f'{stem}_{count}')
    return stems


def make_writable_dir(path: str, option: str = '--out-dir') -> str:
    """Create ``path`` (with parents); one-line errors for an existing file
    there and for a folder that cannot be created or written."""
    if osp.exists(path) and not osp.isdir(path):
        raise ConfigError(f"{option} '{path}' is an existing file, not a "
                          'folder; give a folder path')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create {option} '{path}': "
                          f'{e.strerror.lower()}; choose a folder you can '
                          'write to') from e
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write to {option} '{path}': permission "
                          'denied; choose a folder you can write to')
    return path


def refuse_earlier_run(path: str, earlier: Sequence[str], option: str,
                       fixes: str = 'pass --overwrite to delete them first'
                       ) -> None:
    """One-line error when ``earlier`` (names of an earlier run's files in
    ``path``) is not empty."""
    if earlier:
        raise ConfigError(
            f"{option} '{path}' already holds {len(earlier)} file(s) of an "
            f"earlier run (e.g. '{earlier[0]}'); {fixes}, or choose another "
            f'{option}')


def prepare_out_dir(path: str, *, outputs: Sequence[str],
                    overwrite: bool = False,
                    option: str = '--out-dir') -> str:
    """The output folder of an app that writes ``outputs`` (glob patterns),
    created and checked before any work. Files of an earlier run (names
    matching ``outputs``) make it refuse, or with ``overwrite`` are
    deleted. A Ctrl-C later reports the files this run kept."""
    if osp.isdir(path):
        earlier = matching(path, outputs)
        if not overwrite:
            refuse_earlier_run(path, earlier, option)
        remove_entries(path, earlier)
    make_writable_dir(path, option)
    on_interrupt(lambda: kept_files_note(path, outputs))
    return path


def kept_files_note(path: str, outputs: Sequence[str]) -> str:
    kept = matching(path, outputs)
    if not kept:
        return f'nothing was written to {path}'
    return f"kept {len(kept)} finished file(s) in {path} (e.g. '{kept[0]}')"


def check_out_file(path: str, *, overwrite: bool = False,
                   option: str = '--output') -> str:
    """An output file that must not silently replace an earlier run's."""
    if osp.isdir(path):
        raise ConfigError(f"{option} '{path}' is a folder; give a file path")
    if osp.exists(path) and not overwrite:
        raise ConfigError(f"{option} '{path}' already exists; pass "
                          '--overwrite to replace it, or choose another '
                          f'{option}')
    make_writable_dir(osp.dirname(osp.abspath(path)), f'folder of {option}')
    return path
