"""Wall and CPU time of an app's whole run (start-up included), for one or
more source trees, run alternately (A, B, A, B, ...) so that a changing
machine load touches every tree alike.

    python benchmarks/app_speed.py [--trees . ../main] [--repeats 3]
        [--threads 1] [--checkpoint CKPT] [-- APP ARGS ...]

Without an app command it times ``apps/modified_sefa.py CKPT -i 0 1 2``
(4 samples x 7 degrees, the directions cached by a first untimed run) on
CKPT, by default a 2-iteration checkpoint of
configs/stylegan2/stylegan2_small_shapes-64x64.py trained here once
(in a temporary folder; pass --checkpoint to reuse one). ``{ckpt}`` and
``{out}`` in the app arguments stand for the checkpoint and a fresh output
folder. CPU time is the user + system time of the app's process (other
processes do not inflate it as they inflate wall time). Prints figures
only.
"""
import argparse
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from mmlatent.utils.cli import run_cli

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'configs/stylegan2/stylegan2_small_shapes-64x64.py'
SEFA = ['apps/modified_sefa.py', '{ckpt}', '-i', '0', '1', '2', '-o',
        '{out}', '--overwrite']


def train_checkpoint(work_dir: str, config: str = CONFIG) -> str:
    """A checkpoint of ``config`` after 2 training iterations (batch 8, no
    evaluation); returns its path."""
    sys.path.insert(0, ROOT)
    import torch

    from mmlatent.training import build_runner, load_config, prepare_config
    torch.set_num_threads(1)
    path = osp.join(ROOT, config)
    cfg = load_config(path, {
        'train_cfg.max_iters': 2, 'default_hooks.checkpoint.interval': 2,
        'default_hooks.logger.interval': 1,
        'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_evaluator': None})
    cfg = prepare_config(cfg, config_path=path, work_dir=work_dir)
    build_runner(cfg).train()
    return osp.join(work_dir, 'iter_2.pth')


def run_once(tree: str, argv: list, threads: int) -> tuple:
    """(wall s, CPU s) of ``python APP ARGS`` with ``tree`` first on the
    path."""
    env = dict(os.environ, PYTHONPATH=tree, OMP_NUM_THREADS=str(threads))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, osp.join(tree, argv[0]),
                           *argv[1:]], env=env, cwd=tree,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f'error: {argv[0]} failed in {tree}: '
                 f'{done.stderr.strip().splitlines()[-1:]}')
    cpu = (after.ru_utime - before.ru_utime) + \
        (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    app = argv[argv.index('--') + 1:] if '--' in argv else SEFA
    own = argv[:argv.index('--')] if '--' in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--trees', nargs='+', default=[ROOT],
                   help='source trees to compare (default: this one)')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--checkpoint', help='checkpoint for {ckpt} (default: '
                   'train one of the StyleGAN2 64 px config)')
    args = p.parse_args(own)
    trees = [osp.abspath(t) for t in args.trees]
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.checkpoint or train_checkpoint(osp.join(tmp, 'train'))
        times = {t: [] for t in trees}
        for r in range(args.repeats + 1):  # run 0 warms caches, untimed
            for i, tree in enumerate(trees):
                out = osp.join(tmp, f'out{i}')
                cmd = [a.format(ckpt=ckpt, out=out) for a in app]
                wall, cpu = run_once(tree, cmd, args.threads)
                if r:
                    times[tree].append((wall, cpu))
    print(f'{" ".join(app)}  (threads {args.threads}, median of '
          f'{args.repeats}, alternating)')
    base = None
    for tree in trees:
        wall = statistics.median(w for w, _ in times[tree])
        cpu = statistics.median(c for _, c in times[tree])
        base = base or (wall, cpu)
        print(f'{tree:40s} wall {wall:6.2f} s ({wall / base[0]:.2f})  '
              f'CPU {cpu:6.2f} s ({cpu / base[1]:.2f})')


if __name__ == '__main__':
    run_cli(main)
