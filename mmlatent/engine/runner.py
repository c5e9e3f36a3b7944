"""The mmlatent Runner: mmengine's Runner with atomic checkpoints."""
from mmengine.dist import master_only
from mmengine.fileio import register_backend
from mmengine.fileio.backends import LocalBackend
from mmengine.fileio.io import backends
from mmengine.hooks import Hook
from mmengine.runner import Runner

from ..registry import RUNNERS
from ..utils.checkpoint import (atomic_write_bytes, message_hub_from_plain,
                                message_hub_to_plain)

ATOMIC_BACKEND = 'mmlatent_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """LocalBackend whose ``put`` writes a temp file and renames it, so a
    checkpoint file is either complete or absent."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(obj, str(filepath))


if ATOMIC_BACKEND not in backends:
    register_backend(ATOMIC_BACKEND, AtomicLocalBackend)


class PlainMessageHubHook(Hook):
    """Stores the message hub in checkpoints as tensors and numbers, so
    that resuming reads it with ``weights_only=True``."""
    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['message_hub'] = message_hub_to_plain(
            checkpoint['message_hub'])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = message_hub_from_plain(
                checkpoint['message_hub'])


@RUNNERS.register_module()
class LatentRunner(Runner):
    """mmengine's Runner, writing local checkpoints atomically, with a
    message hub stored as plain data; checkpoints are read with
    ``weights_only=True`` (see :mod:`mmlatent.utils.checkpoint`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_hook(PlainMessageHubHook())

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str,
                        file_client_args=None, *args, **kwargs):
        local = '://' not in str(out_dir)
        if local and file_client_args is None and \
                kwargs.get('backend_args') is None:
            kwargs['backend_args'] = dict(backend=ATOMIC_BACKEND)
        super().save_checkpoint(out_dir, filename, file_client_args, *args,
                                **kwargs)
