"""Choosing the checkpoint that plain ``--resume`` continues from, and
clearing what a killed save left behind."""
import glob
import os
import os.path as osp
import re
from typing import List, Optional, Tuple

from ..utils.checkpoint import load_checkpoint_file
from ..utils.errors import CheckpointError

PARTIAL_GLOB = '.*.partial'  # temp files of utils.checkpoint.atomic_write
_STEP = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def remove_partials(work_dir: str) -> List[str]:
    """Delete the temporary files of saves that were killed half-way;
    returns their names."""
    removed = []
    for path in sorted(glob.glob(osp.join(work_dir, PARTIAL_GLOB))):
        os.remove(path)
        removed.append(osp.basename(path))
    return removed


def read_last_checkpoint(work_dir: str) -> str:
    """The path ``last_checkpoint`` names ('' when missing or empty)."""
    try:
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            return f.read().strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return ''


def loads(path: str) -> bool:
    """Whether ``path`` is a complete checkpoint with a state dict."""
    try:
        return 'state_dict' in load_checkpoint_file(path)
    except CheckpointError:
        return False


def saved_checkpoints(work_dir: str) -> List[str]:
    """``iter_<k>.pth`` / ``epoch_<k>.pth`` of ``work_dir``, newest
    (largest k) first."""
    found = [(int(m.group(1)), name) for name in os.listdir(work_dir)
             if (m := _STEP.match(name))]
    return [osp.join(work_dir, name) for _, name in sorted(found,
                                                          reverse=True)]


def choose_resume_checkpoint(work_dir: str) -> Tuple[Optional[str], str]:
    """The checkpoint plain ``--resume`` continues from and why.

    ``last_checkpoint`` wins when it names a checkpoint that loads;
    otherwise (missing, empty, or naming a missing or broken file) the
    newest ``iter_<k>.pth`` of the work dir that loads. Returns
    ``(None, reason)`` when there is none."""
    if not osp.isdir(work_dir):
        return None, f"work dir '{work_dir}' does not exist yet"
    named = read_last_checkpoint(work_dir)
    if named and loads(named):
        return named, f"'{osp.basename(named)}' named by last_checkpoint"
    problem = (f"last_checkpoint names '{named}', which does not load"
               if named else 'last_checkpoint is missing or empty')
    for path in saved_checkpoints(work_dir):
        if loads(path):
            return path, (f"'{osp.basename(path)}', the newest checkpoint "
                          f'of the work dir that loads ({problem})')
    return None, f'no checkpoint of the work dir loads ({problem})'
