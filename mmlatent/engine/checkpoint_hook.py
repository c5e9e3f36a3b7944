"""mmengine's CheckpointHook with a crash-safe order of writes."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from ..registry import HOOKS
from ..utils.checkpoint import atomic_write_bytes
from ..utils.errors import ConfigError

RULES = ('less', 'greater')


class _DeferredRemoval:
    """A file backend whose ``remove`` only records the path."""

    def __init__(self, backend, removals: list):
        self._backend, self._removals = backend, removals

    def remove(self, path) -> None:
        self._removals.append(path)

    def __getattr__(self, name):
        return getattr(self._backend, name)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """The same options as mmengine's ``CheckpointHook``; a save is safe to
    kill at any instant:

    1. the checkpoint is written atomically (temp file + rename, by the
       runner's atomic backend);
    2. ``last_checkpoint`` is then replaced atomically as well (mmengine
       truncates it and writes it in place, so a kill could leave it
       empty);
    3. only then are checkpoints beyond ``max_keep_ckpts`` removed
       (mmengine removes the oldest one before the new one exists).

    With ``save_best`` (an output of the ``val_evaluator``'s metrics, or
    ``'auto'`` for the first) the best checkpoint of the evaluations is
    kept as ``best_<name>_iter_<k>.pth``, written before the previous best
    is removed; ``rule`` defaults to the metric's own (``less`` for
    distances, ``greater`` for validity...).

    :class:`~mmlatent.engine.runner.LatentRunner` uses this hook wherever a
    config asks for ``CheckpointHook``.
    """

    def __init__(self, *args, save_best=None, rule=None, **kwargs):
        # mmengine infers a missing rule from the key's name at once; the
        # metric knows it: resolve_save_best reads it from the evaluator
        for r in rule if isinstance(rule, list) else [rule]:
            if r is not None and r not in RULES:
                raise ConfigError(f'checkpoint rule={r!r} is not one of '
                                  f'{RULES} (or None: the metric\'s own)')
        self._rule_from_metrics = save_best is not None and rule is None
        super().__init__(*args, save_best=save_best,
                         rule='greater' if self._rule_from_metrics else rule,
                         **kwargs)

    def resolve_save_best(self, val_loop) -> None:
        """Check ``save_best`` against the outputs of ``val_loop``'s
        evaluator and take the metrics' rules where the config gives none
        (:class:`LatentRunner` calls it before training)."""
        if self.save_best is None:
            return
        if val_loop is None:
            raise ConfigError(
                f"default_hooks.checkpoint.save_best="
                f"'{', '.join(self.save_best)}' needs a val_evaluator with "
                'metrics in the config')
        rules = getattr(val_loop.evaluator, 'rules', None)
        if rules is None:
            return                      # another evaluator: mmengine's way
        keys = [next(iter(rules)) if k == 'auto' else k
                for k in self.key_indicators]
        for key in keys:
            if key not in rules:
                raise ConfigError(
                    f"default_hooks.checkpoint.save_best='{key}' is not an "
                    f"output of val_evaluator; choose from "
                    f"{', '.join(rules)}")
        given = None if self._rule_from_metrics else self.rules
        self._init_rule(given or [rules[k] for k in keys], keys)
        self._rule_from_metrics = False

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """mmengine's, but the previous best file is removed only once the
        new one is written."""
        backend, removals = self.file_backend, []
        self.file_backend = _DeferredRemoval(backend, removals)
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            self.file_backend = backend
        for path in removals:
            if backend.isfile(path):
                backend.remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        dropped = self._remember(runner, step)
        name = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, name)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, name, self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta,
            by_epoch=self.by_epoch, backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_bytes(str(self.last_ckpt).encode(),
                           osp.join(runner.work_dir, 'last_checkpoint'))
        for old in dropped:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)

    def _remember(self, runner, step: int) -> list:
        """Add ``step`` to the kept checkpoints (stored in the message hub,
        so in the checkpoint itself); returns the steps that fall out of
        ``max_keep_ckpts``, to delete once the new checkpoint is safe."""
        if self.max_keep_ckpts <= 0 or (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            return []
        dropped = []
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            dropped.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
        return dropped
