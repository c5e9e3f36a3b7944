"""The mmlatent Runner: mmengine's Runner with atomic checkpoints."""
from mmengine.dist import master_only
from mmengine.fileio import register_backend
from mmengine.fileio.backends import LocalBackend
from mmengine.fileio.io import backends
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from ..registry import RUNNERS
from .hooks import IterationSeedHook
from ..utils.checkpoint import (atomic_write_bytes, message_hub_from_plain,
                                message_hub_to_plain)
from ..utils.model import unwrap

ATOMIC_BACKEND = 'mmlatent_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """LocalBackend whose ``put`` writes a temp file and renames it, so a
    checkpoint file is either complete or absent."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(obj, str(filepath))


if ATOMIC_BACKEND not in backends:
    register_backend(ATOMIC_BACKEND, AtomicLocalBackend)


def _wrapped_children(runner) -> list:
    """Names of the model's networks wrapped in DDP (multi-process runs)."""
    model = unwrap(runner.model)
    return [n for n, m in model.named_children() if is_model_wrapper(m)]


def _rename_prefix(state: dict, old: str, new: str) -> dict:
    return {new + k[len(old):] if k.startswith(old) else k: v
            for k, v in state.items()}


class CheckpointFormatHook(Hook):
    """Keeps checkpoints independent of how a run was launched:

    * the message hub is stored as tensors and numbers, so that resuming
      reads it with ``weights_only=True``;
    * the ``.module`` level that DDP adds to each network is stripped on
      save and restored on load, so single- and multi-process checkpoints
      have the same keys.
    """
    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['message_hub'] = message_hub_to_plain(
            checkpoint['message_hub'])
        for name in _wrapped_children(runner):
            checkpoint['state_dict'] = _rename_prefix(
                checkpoint['state_dict'], f'{name}.module.', f'{name}.')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = message_hub_from_plain(
                checkpoint['message_hub'])
        state = checkpoint.get('state_dict', {})
        for name in _wrapped_children(runner):
            state = _rename_prefix(state, f'{name}.module.', f'{name}.')
            state = _rename_prefix(state, f'{name}.', f'{name}.module.')
        if 'state_dict' in checkpoint:
            checkpoint['state_dict'] = state


@RUNNERS.register_module()
class LatentRunner(Runner):
    """mmengine's Runner, writing local checkpoints atomically in a format
    that does not depend on the launcher (:class:`CheckpointFormatHook`);
    checkpoints are read with ``weights_only=True``
    (see :mod:`mmlatent.utils.checkpoint`). It registers the
    :class:`IterationSeedHook` itself unless ``custom_hooks`` already holds
    one, so a config that replaces ``custom_hooks`` keeps exact resume."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_hook(CheckpointFormatHook())
        if not any(isinstance(h, IterationSeedHook) for h in self.hooks):
            self.register_hook(IterationSeedHook())

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str,
                        file_client_args=None, *args, **kwargs):
        local = '://' not in str(out_dir)
        if local and file_client_args is None and \
                kwargs.get('backend_args') is None:
            kwargs['backend_args'] = dict(backend=ATOMIC_BACKEND)
        super().save_checkpoint(out_dir, filename, file_client_args, *args,
                                **kwargs)
