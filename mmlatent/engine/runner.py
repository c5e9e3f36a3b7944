"""The mmlatent Runner: mmengine's Runner with atomic checkpoints and a
plain ``--resume`` that survives a kill at any instant."""
import copy

from mmengine.dist import is_main_process, master_only
from mmengine.fileio import register_backend
from mmengine.fileio.backends import LocalBackend
from mmengine.fileio.io import backends
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from ..registry import RUNNERS
from .checkpoint_hook import AtomicCheckpointHook
from .hooks import IterationSeedHook
from .phase_scheduler import PhaseLinearLR, training_phases, with_phases
from .resume import choose_resume_checkpoint, remove_partials
from .self_sync import SelfSyncWrapper, syncs_own_gradients
from ..utils.checkpoint import (atomic_write_bytes, message_hub_from_plain,
                                message_hub_to_plain,
                                use_safe_loader_in_mmengine)
from ..utils.model import unwrap
from ..utils.rng import preserved_rng

use_safe_loader_in_mmengine()  # load_from / resume: weights_only

ATOMIC_BACKEND = 'mmlatent_atomic_local'
#: Default hooks replaced by their mmlatent subclasses (same options).
HOOK_SUBSTITUTES = {'CheckpointHook': 'AtomicCheckpointHook',
                    'LoggerHook': 'EarlyLoggerHook'}


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


def with_val_defaults(cfg):
    """``cfg`` with the validation parts filled in. ``val_evaluator`` is the
    switch: without one there is no validation (``val_cfg`` and
    ``val_dataloader`` are dropped); with one, ``val_cfg`` defaults to
    (and a ``val_cfg`` without type becomes) a ``GenerativeValLoop`` and
    ``val_dataloader`` to the training set (its real images are the
    reference of the metrics)."""
    if cfg.get('val_evaluator') is None:
        cfg.val_cfg = cfg.val_dataloader = None
        return cfg
    val_cfg = dict(cfg.get('val_cfg') or {})
    val_cfg.setdefault('type', 'GenerativeValLoop')
    cfg.val_cfg = val_cfg
    if cfg.get('val_dataloader') is None:
        cfg.val_dataloader = dict(
            cfg.train_dataloader, persistent_workers=False,
            sampler=dict(type='DefaultSampler', shuffle=False))
    return cfg


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
    one, so a config that replaces ``custom_hooks`` keeps exact resume.
    Validation is on when the config has a ``val_evaluator``
    (:func:`with_val_defaults`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_hook(CheckpointFormatHook())
        if not any(isinstance(h, IterationSeedHook) for h in self.hooks):
            self.register_hook(IterationSeedHook())

    @classmethod
    def from_cfg(cls, cfg) -> 'LatentRunner':
        """mmengine's ``from_cfg`` after :func:`with_val_defaults`."""
        return super().from_cfg(with_val_defaults(copy.deepcopy(cfg)))

    def wrap_model(self, model_wrapper_cfg, model):
        """mmengine's ``wrap_model``, except that in a multi-process run a
        model that averages its own gradients (:mod:`.self_sync`) gets a
        :class:`SelfSyncWrapper` instead of DDP."""
        if self.distributed and not is_model_wrapper(model) and \
                syncs_own_gradients(model):
            self.logger.info(f'{type(model).__name__} averages its own '
                             'gradients over the processes (SelfSyncWrapper, '
                             'no DDP)')
            return SelfSyncWrapper(model)
        return super().wrap_model(model_wrapper_cfg, model)

    def train(self):
        """mmengine's ``train``, with the validation loop built first so
        that ``save_best`` is checked against its metrics (one line)
        before anything runs. Building it draws nothing from the global
        RNGs (its sampler would seed itself from numpy's), so training is
        the same with or without validation."""
        if self._val_loop is not None:
            with preserved_rng():
                self._val_loop = self.build_val_loop(self._val_loop)
        for hook in self.hooks:
            if isinstance(hook, AtomicCheckpointHook):
                hook.resolve_save_best(self._val_loop)
        return super().train()

    def build_param_scheduler(self, scheduler):
        """mmengine's ``build_param_scheduler``, with the training phases
        (:mod:`.phase_scheduler`) given to each ``PhaseLinearLR``, whose
        span it logs once per optimizer."""
        phases = training_phases(unwrap(self.model),
                                 self.train_loop.max_iters)
        built = super().build_param_scheduler(with_phases(scheduler, phases))
        groups = built.items() if isinstance(built, dict) else [('all', built)]
        logged = self.__dict__.setdefault('_logged_schedules', set())
        for name, group in groups:
            for s in group:
                if isinstance(s, PhaseLinearLR) and id(s) not in logged:
                    self.logger.info(f'{name}: {s.describe()}')
                    logged.add(id(s))
        return built

    def register_default_hooks(self, hooks=None) -> None:
        """mmengine's default hooks, with ``CheckpointHook`` and
        ``LoggerHook`` (also when a config names them) replaced by
        :class:`AtomicCheckpointHook` and :class:`EarlyLoggerHook`."""
        hooks = dict(hooks or {})
        hooks.setdefault('checkpoint', dict(type='CheckpointHook',
                                            interval=1))
        hooks.setdefault('logger', dict(type='LoggerHook'))
        for name, hook in hooks.items():
            if isinstance(hook, dict) and hook.get('type') in \
                    HOOK_SUBSTITUTES:
                hooks[name] = dict(hook, type=HOOK_SUBSTITUTES[hook['type']])
        super().register_default_hooks(hooks)

    def load_or_resume(self) -> None:
        """Plain resume (no checkpoint path) continues from
        :func:`choose_resume_checkpoint`'s pick and says which it chose,
        or starts afresh when the work dir holds none. The temp files of
        killed saves are removed first."""
        if self._has_loaded:
            return None
        if is_main_process():
            removed = remove_partials(self.work_dir)
            if removed:
                self.logger.info(f'Removed {len(removed)} unfinished '
                                 f'checkpoint file(s) of a killed save: '
                                 f'{", ".join(removed)}')
        if self._resume and self._load_from is None:
            path, why = choose_resume_checkpoint(self.work_dir)
            if path is None:
                self.logger.warning(f'--resume: {why}; starting at '
                                    'iteration 0')
                self._resume = False
            else:
                self.logger.info(f'Auto resumed from the latest checkpoint '
                                 f'{path}: {why}')
                self._load_from = path
        return super().load_or_resume()

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str,
                        file_client_args=None, *args, **kwargs):
        local = '://' not in str(out_dir)
        if local and file_client_args is None and \
                kwargs.get('backend_args') is None:
            kwargs['backend_args'] = dict(backend=ATOMIC_BACKEND)
        super().save_checkpoint(out_dir, filename, file_client_args, *args,
                                **kwargs)
