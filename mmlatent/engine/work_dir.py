"""The work dir of ``tools/train.py``: one run's files, never two runs'."""
import os.path as osp
from typing import List

from ..utils.outputs import (make_writable_dir, matching, refuse_earlier_run,
                             remove_entries)
from .resume import PARTIAL_GLOB, read_last_checkpoint

#: What a run leaves that a new run would mix with its own.
RUN_OUTPUTS = ('iter_*.pth', 'epoch_*.pth', 'best_*.pth', 'last_checkpoint',
               'samples', 'eval', 'validity.json', PARTIAL_GLOB)
#: The per-run log folders (<timestamp>/: log, vis_data, TensorBoard).
LOG_DIRS = ('[0-9]' * 8 + '_' + '[0-9]' * 6, )


def prepare_work_dir(work_dir: str, *, resume: bool, overwrite: bool,
                     config_name: str = '') -> List[str]:
    """Check ``work_dir`` before a run (rank 0 only): a new run (no
    resume) refuses a work dir with an earlier run's checkpoints or sample
    grids, or with ``overwrite`` deletes them (and the earlier run's logs
    and config copy); returns the deleted names. Creates the folder (one
    line if it cannot)."""
    removed = []
    if osp.isdir(work_dir) and not resume:
        earlier = matching(work_dir, RUN_OUTPUTS)
        if not overwrite:
            refuse_earlier_run(
                work_dir, earlier, '--work-dir',
                'pass --resume to continue it or --overwrite to delete them '
                'first')
        removed = earlier + matching(
            work_dir, LOG_DIRS + ((config_name, ) if config_name else ()))
        remove_entries(work_dir, removed)
    make_writable_dir(work_dir, '--work-dir')
    return removed


def kept_checkpoint_note(work_dir: str) -> str:
    """What an interrupted training keeps, for the ``interrupted:`` line."""
    last = read_last_checkpoint(work_dir)
    if last and osp.isfile(last):
        return (f'kept {osp.basename(last)} in {work_dir}; continue with '
                '--resume')
    return f'no checkpoint was written yet in {work_dir}'
