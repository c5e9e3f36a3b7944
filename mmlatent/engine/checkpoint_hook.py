"""mmengine's CheckpointHook with a crash-safe order of writes."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from ..registry import HOOKS
from ..utils.checkpoint import atomic_write_bytes


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

    :class:`~mmlatent.engine.runner.LatentRunner` uses this hook wherever a
    config asks for ``CheckpointHook``.
    """

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
