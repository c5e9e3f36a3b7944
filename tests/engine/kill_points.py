"""Fault injection for resume: trains a tiny GAN, kills it (``os._exit``,
no clean-up runs) at a chosen point, resumes with plain ``--resume`` and
compares the final weights with an uninterrupted run.

Run as a script (one fresh single-threaded process, so that forking is
safe): ``python kill_points.py ROOT NAME ...``; prints one JSON line per
kill point. Each killed run and each resumed run is a forked child of the
process that ran the uninterrupted reference (imports already paid).
"""
import glob
import json
import os
import os.path as osp
import sys
import tempfile

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from helpers import make_cfg, train  # noqa: E402

KILLED = 137  # the exit status of a SIGKILLed process, by convention
MAX_ITERS = 6  # saves at iterations 2, 4 and 6; keeps 1 checkpoint

# name -> (function to wrap, its call number, 'before' | 'after'[, damage
# done to the work dir after the kill, as by an older mmengine save or a
# broken disk]).
# Each save writes the checkpoint (torch.save into memory, mkstemp, fsync,
# os.replace), then last_checkpoint (mkstemp, fsync, os.replace), then
# removes the checkpoint max_keep_ckpts drops (os.remove). Call numbers
# 3-4 (torch.save: 2, os.remove: 1) belong to the save at iteration 4.
KILL_POINTS = {
    'mid_iteration_3': ('iter', 3, 'before'),
    'first_save_serialising': ('torch.save', 1, 'before'),
    'serialising': ('torch.save', 2, 'before'),
    'temp_file_created': ('tempfile.mkstemp', 3, 'after'),
    'checkpoint_written_unsynced': ('os.fsync', 3, 'before'),
    'checkpoint_synced_not_renamed': ('os.replace', 3, 'before'),
    'checkpoint_renamed': ('os.replace', 3, 'after'),
    'last_checkpoint_written_unsynced': ('os.fsync', 4, 'before'),
    'last_checkpoint_renamed': ('os.replace', 4, 'after'),
    'old_checkpoint_removed': ('os.remove', 1, 'after'),
    # last_checkpoint truncated to 0 bytes (mmengine writes it in place)
    'empty_last_checkpoint': ('os.replace', 4, 'after', 'empty_last'),
    # last_checkpoint names a checkpoint that no longer loads
    'named_checkpoint_broken': ('os.replace', 4, 'after', 'break_named'),
}


def damage(work_dir: str, how: str) -> None:
    last = osp.join(work_dir, 'last_checkpoint')
    if how == 'empty_last':
        open(last, 'w').close()
    elif how == 'break_named':
        named = open(last).read().strip()
        data = open(named, 'rb').read()
        with open(named, 'wb') as f:
            f.write(data[:len(data) // 2])


def cfg_for(work_dir: str, resume: bool = False):
    cfg = make_cfg('dcgan/dcgan_vanilla_digits-32x32.py', work_dir,
                   train_cfg__max_iters=MAX_ITERS,
                   train_dataloader__batch_size=4,
                   default_hooks__checkpoint__max_keep_ckpts=1,
                   custom_hooks=[dict(type='IterationSeedHook')])
    if resume:  # what plain --resume sets
        cfg.resume, cfg.load_from = True, None
    return cfg


def _die_around(owner, attr: str, call: int, when: str) -> None:
    real, calls = getattr(owner, attr), [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == call and when == 'before':
            os._exit(KILLED)
        out = real(*args, **kwargs)
        if calls[0] == call:
            os._exit(KILLED)
        return out

    setattr(owner, attr, wrapper)


def inject(point: tuple, cfg) -> None:
    """Arrange for this process to die at ``point``."""
    what, call, when = point[:3]
    if what == 'iter':
        cfg.custom_hooks.append(dict(type='KillBeforeIterHook', at=call))
        return
    module, attr = what.split('.')
    owner = {'os': os, 'tempfile': tempfile, 'torch': torch}[module]
    _die_around(owner, attr, call, when)


def in_child(fn) -> int:
    """Run ``fn`` in a forked child; its exit status."""
    pid = os.fork()
    if pid == 0:
        try:
            fn()
            code = 0
        except BaseException:  # noqa: BLE001 - reported by the status
            import traceback
            traceback.print_exc()
            code = 1
        os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def states_equal(a: str, b: str) -> bool:
    sa = torch.load(a, weights_only=True)['state_dict']
    sb = torch.load(b, weights_only=True)['state_dict']
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k])
                                          for k in sa)


def run_point(root: str, name: str, reference: str) -> dict:
    wd = osp.join(root, name)
    point = KILL_POINTS[name]

    def killed_run():
        cfg = cfg_for(wd)
        inject(point, cfg)
        train(cfg)

    killed = in_child(killed_run)
    if len(point) > 3:
        damage(wd, point[3])
    left = sorted(os.listdir(wd)) if osp.isdir(wd) else []
    resumed = in_child(lambda: train(cfg_for(wd, resume=True)))
    final = osp.join(wd, f'iter_{MAX_ITERS}.pth')
    return dict(name=name, killed=killed, left=left, resumed=resumed,
                equal=osp.isfile(final) and states_equal(final, reference),
                after=sorted(os.listdir(wd)), said=resume_lines(wd))


def resume_lines(work_dir: str) -> list:
    """The lines of the run logs that say where training resumed."""
    lines = []
    for log in sorted(glob.glob(osp.join(work_dir, '*', '*.log'))):
        lines += [ln.split(' - ', 3)[-1].strip() for ln in open(log)
                  if 'resume' in ln.lower() or 'unfinished' in ln]
    return lines


def register_kill_hook() -> None:
    from mmengine.hooks import Hook

    from mmlatent.registry import HOOKS

    @HOOKS.register_module(force=True)
    class KillBeforeIterHook(Hook):
        def __init__(self, at: int):
            self.at = at

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.iter == self.at:
                os._exit(KILLED)


def main(root: str, names: list) -> None:
    torch.set_num_threads(1)
    register_kill_hook()
    ref_dir = osp.join(root, 'reference')
    train(cfg_for(ref_dir))  # also pays the imports before forking
    reference = osp.join(ref_dir, f'iter_{MAX_ITERS}.pth')
    for name in names or list(KILL_POINTS):
        print(json.dumps(run_point(root, name, reference)), flush=True)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])
