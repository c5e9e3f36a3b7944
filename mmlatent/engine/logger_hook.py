"""mmengine's LoggerHook with an early first log line."""
from mmengine.hooks import LoggerHook

from ..registry import HOOKS


@HOOKS.register_module()
class EarlyLoggerHook(LoggerHook):
    """mmengine's ``LoggerHook`` (same options), plus one log line after
    the first ``first`` iterations of a run (or of a resumed run), so a
    person sees losses and an ETA within seconds rather than after
    ``interval`` iterations. Then it logs every ``interval`` iterations.

    :class:`~mmlatent.engine.runner.LatentRunner` uses this hook wherever a
    config asks for ``LoggerHook``.
    """

    def __init__(self, *args, first: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        self.first = first
        self._start = 0

    def before_train(self, runner) -> None:
        super().before_train(runner)
        self._start = runner.iter

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        done = runner.iter + 1
        if done == self._start + min(self.first, runner.max_iters) and \
                done % self.interval != 0:
            tag, line = runner.log_processor.get_log_after_iter(
                runner, batch_idx, 'train')
            runner.logger.info(line)
            runner.visualizer.add_scalars(tag, step=done,
                                          file_path=self.json_log_path)
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
