"""Checkpoint reading and writing.

* Every checkpoint is written atomically: to a temporary file in the same
  folder, then renamed over the target, so a run killed while saving leaves
  the previous checkpoint intact.
* Every checkpoint is read with ``torch.load(weights_only=True)``; nothing
  is ever unpickled with ``weights_only=False``. mmengine's local
  checkpoint loader (used by ``load_from`` and ``resume``) does the same
  once :func:`use_safe_loader_in_mmengine` ran: the runner module
  (``mmlatent.engine.runner``) calls it, and so does importing this module
  when mmengine's runner is already loaded. Reading a checkpoint for
  inference does not import mmengine's runner (about 1 s of start-up).
* What mmengine's resume needs besides tensors is the message hub's
  ``HistoryBuffer`` of logged scalars, whose numpy arrays pickle through
  ``builtins.getattr`` -- a global no allow-list should admit. The runner
  therefore stores the message hub as plain tensors and numbers
  (:func:`message_hub_to_plain`) and rebuilds it on load
  (:func:`message_hub_from_plain`); the allow-list ``SAFE_GLOBALS`` holds
  only ``HistoryBuffer`` itself, for checkpoints of plain mmengine runs.
"""
import io
import os
import os.path as osp
import sys
import tempfile
import zipfile
from typing import Any, List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from .errors import CheckpointError


#: Classes a checkpoint may reference besides tensors and Python types.
SAFE_GLOBALS: List[Any] = [HistoryBuffer]


def _plain(value: Any) -> Any:
    """numpy scalars and arrays -> Python numbers and tensors, recursively."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return type(value)((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def message_hub_to_plain(state: dict) -> dict:
    """A MessageHub state dict with its HistoryBuffers as plain dicts."""
    scalars = {}
    for key, buf in state.get('log_scalars', {}).items():
        logs, counts = buf.data
        scalars[key] = dict(log_history=torch.from_numpy(logs.copy()),
                            count_history=torch.from_numpy(counts.copy()),
                            max_length=buf.max_length)
    return dict(state, log_scalars=scalars,
                runtime_info=_plain(state.get('runtime_info', {})))


def message_hub_from_plain(state: dict) -> dict:
    """Inverse of :func:`message_hub_to_plain` (idempotent)."""
    scalars = {}
    for key, buf in state.get('log_scalars', {}).items():
        if isinstance(buf, dict):
            buf = HistoryBuffer(buf['log_history'].numpy(),
                                buf['count_history'].numpy(),
                                buf['max_length'])
        scalars[key] = buf
    return dict(state, log_scalars=scalars)


def load_checkpoint_file(path: str, map_location='cpu', *,
                         mmap: bool = False) -> dict:
    """Read a checkpoint with ``weights_only=True`` and the allow-list.

    ``mmap``: map the file instead of reading it whole, so that only the
    tensors used are read (for a caller that copies them into a network
    at once, e.g. one generator of a checkpoint that also holds D and the
    EMA); files of the old non-zip format are read whole.
    Raises CheckpointError (one line) for a missing or unreadable file.
    """
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise CheckpointError(f"checkpoint '{path}' does not exist; pass the "
                              'path of a .pth file written by tools/train.py')
    if not looks_like_torch_file(path):
        raise CheckpointError(
            f"cannot read checkpoint '{path}': not a torch file (an image, "
            'text or other file); pass a .pth written by tools/train.py or '
            'tools/convert_checkpoint.py')
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(path, map_location=map_location,
                              weights_only=True,
                              mmap=mmap and zipfile.is_zipfile(path))
    except Exception as e:  # noqa: BLE001 - reported as one line
        raise CheckpointError(
            f"cannot read checkpoint '{path}': {describe_load_error(e)}; "
            'pass a .pth written by tools/train.py or '
            'tools/convert_checkpoint.py') from e


def load_format_file(path: str, fmt: str, *, kind: str, saver: str,
                     missing: str, writer: str, error: type) -> dict:
    """Read a dict tagged ``format=fmt`` (latent, boundary files) with
    ``weights_only=True``. A missing, unreadable or differently tagged file
    raises ``error`` in one line: ``missing`` says what to pass instead,
    ``saver`` names the function that writes the format and ``writer``
    what to write one with."""
    if not osp.isfile(path):
        raise error(f"{kind} file '{path}' does not exist; {missing}")
    try:
        data = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # unpickling errors have many types
        raise error(f"cannot read {kind} file '{path}' ({type(e).__name__}); "
                    f'it is not a file written by {saver}') from e
    if not isinstance(data, dict) or data.get('format') != fmt:
        found = data.get('format') if isinstance(data, dict) else \
            type(data).__name__
        raise error(f"'{path}' has format {found!r}, expected '{fmt}'; "
                    f'write it with {writer}')
    return data


def describe_load_error(e: BaseException) -> str:
    """What went wrong in a ``torch.load(weights_only=True)``, in words
    that fit one line. torch's advice to re-run with ``weights_only=False``
    is never repeated: it would unpickle arbitrary code."""
    text = str(e)
    if 'Unsupported global' in text:
        glob = text[text.index('Unsupported global'):].splitlines()[0]
        return glob.split(' was not an allowed global')[0] + \
            ', an object outside the allow-list of tensors and plain data'
    if 'WeightsUnpickler error' in text:
        detail = text.split('WeightsUnpickler error:', 1)[1]
        detail = ' '.join(detail.split('Check the documentation')[0].split())
        return f'not a torch file ({detail or "unpickling failed"})'
    if 'central directory' in text or 'PytorchStreamReader' in text:
        return 'the file is truncated or corrupted (incomplete archive)'
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()
             and 'weights_only' not in ln]
    return f'{type(e).__name__}: {lines[0][:160]}' if lines else \
        type(e).__name__


def looks_like_torch_file(path: str) -> bool:
    """A torch file starts as a zip archive (torch.save's format) or a
    pickle (the legacy format)."""
    with open(path, 'rb') as f:
        head = f.read(4)
    return head.startswith(b'PK\x03\x04') or head[:1] == b'\x80'


def atomic_save(obj: Any, path: str) -> None:
    """``torch.save`` to a temporary file next to ``path``, then rename."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(buf.getvalue(), path)


def atomic_write_bytes(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.partial', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def _load_local(filename: str, map_location=None) -> dict:
    return load_checkpoint_file(filename, map_location)


def use_safe_loader_in_mmengine() -> None:
    """Make mmengine's loader of local checkpoints (``load_from``,
    ``resume``, ``Pretrained`` init) read them with
    :func:`load_checkpoint_file`. Imports mmengine's runner."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=_load_local,
                                     force=True)


if 'mmengine.runner.checkpoint' in sys.modules:  # already paid for
    use_safe_loader_in_mmengine()
