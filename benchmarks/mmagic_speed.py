"""mmlatent against MMagic on the same networks: training iteration,
generator forward and start-up.

    python benchmarks/mmagic_speed.py [--models dcgan64 stylegan2-64]
        [--batch 16] [--repeats 5] [--iters 2] [--threads 2]
        [--startup-repeats 5] [--no-startup] [--no-keep-memory]
        [--float32]

Needs MMagic in the interpreter that runs it: ``mmagic`` 1.2 and ``mmcv``
2.x built with its ops (the CPU ones; the recipe is in docs/speed.md,
"Against MMagic"). Without it the script stops with one line saying so.

Both sides build the networks of ``benchmarks/step_speed.py`` (DCGAN-64
with G 12.66 M / D 11.04 M parameters; StyleGAN2-64 with channel
multiplier 1, style mixing 0.9, an EMA) from their own registries, and the
script checks that their parameter counts agree. MMagic trains through
``model.train_step`` with an ``OptimWrapperDict`` of PyTorch's default
Adam (what its configs build), fed ``DataSample`` items as its dataloader
would; mmlatent through ``model.train_step`` with the wrappers its
training builds. A StyleGAN2 iteration is a plain one (no lazy
regulariser: both run R1 every 16 and path length every 4 iterations at
the same iteration indices). The generator forward is ``G(z)`` in eval
mode without gradients.

Timing alternates the sides (MMagic, mmlatent, MMagic, ...) and prints
medians and the ratio mmlatent / MMagic (below 1: mmlatent is faster).
Each sample runs in a fresh process with the process settings of its
side's own training: mmlatent's keeps freed memory for reuse as its
``tools/train.py`` does (``mmlatent.utils.malloc``; ``--no-keep-memory``
takes that away), MMagic's runs as its ``tools/train.py`` does.
mmlatent's StyleGAN2-64 has ``autocast='auto'``, as its StyleGAN2 configs
(bfloat16 autocast on a CPU that multiplies bfloat16 in hardware; MMagic
stays float32 on a CPU); ``--float32`` times it in float32.

Start-up is the wall time of a fresh interpreter that imports each library
and registers its modules (MMagic: ``register_all_modules()``; mmlatent:
its model, dataset, engine and evaluation packages), and of one that also
builds the StyleGAN2-64 model, alternating, medians. Prints figures
only.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, osp.dirname(HERE))
from mmlatent.utils.cli import run_cli  # noqa: E402

from step_speed import (CASES, MMLatentLoop,  # noqa: E402  (benchmarks/)
                        adam_options, build, iterations)
from step_speed import parse_args as case_options  # noqa: E402

MMAGIC = {
    'dcgan64': dict(
        type='DCGAN', noise_size=100,
        data_preprocessor=dict(type='DataPreprocessor'),
        generator=dict(type='DCGANGenerator', output_scale=64,
                       base_channels=1024),
        discriminator=dict(type='DCGANDiscriminator', input_scale=64,
                           output_scale=4, out_channels=1)),
    'stylegan2-64': dict(
        type='StyleGAN2', data_preprocessor=dict(type='DataPreprocessor'),
        generator=dict(type='StyleGANv2Generator', out_size=64,
                       style_channels=512, num_mlps=8, channel_multiplier=1,
                       mix_prob=0.9),
        discriminator=dict(type='StyleGAN2Discriminator', in_size=64,
                           channel_multiplier=1),
        ema_config=dict(type='ExponentialMovingAverage', interval=1,
                        momentum=1 - 0.5**(16 / 10000)),
        loss_config=dict(r1_loss_weight=5. * 16, r1_interval=16,
                         norm_mode='HWC', g_reg_interval=4,
                         g_reg_weight=2. * 4, pl_batch_shrink=2)),
}
SIDES = ('mmagic', 'mmlatent')
# (G, D) parameter counts of MMagic's builds of MMAGIC (read off mmagic
# 1.2.0); mmlatent's networks of the same case have the same counts
MMAGIC_PARAMS = {'dcgan64': (12658435, 11036289),
                 'stylegan2-64': (23819544, 23407361)}
STARTUP = {
    'mmagic': 'from mmagic.utils import register_all_modules; '
              'register_all_modules()',
    'mmlatent': 'import mmlatent.models, mmlatent.datasets, '
                'mmlatent.engine, mmlatent.evaluation',
}
BUILD = {
    'mmagic': '; from mmagic.registry import MODELS; '
              'from mmagic_speed import MMAGIC; '
              "MODELS.build(MMAGIC['stylegan2-64'])",
    'mmlatent': '; from mmlatent.registry import MODELS; '
                'from step_speed import CASES; '
                "MODELS.build(CASES['stylegan2-64'])",
}


def need_mmagic() -> None:
    """Stop with one line when MMagic cannot be imported."""
    try:
        import mmagic  # noqa: F401
        import mmcv.ops  # noqa: F401
    except ImportError as err:
        sys.exit(f'error: MMagic is not importable here ({err}); install '
                 'mmcv 2.x with its ops and mmagic 1.2 as docs/speed.md '
                 '("Against MMagic") shows, and run this script with that '
                 'interpreter')


class MMagicLoop:
    """MMagic's ``train_step`` and generator on case ``name``."""

    def __init__(self, name: str):
        import torch
        from mmengine.logging import MessageHub
        from mmengine.optim import OptimWrapper, OptimWrapperDict

        from mmagic.registry import MODELS
        from mmagic.utils import register_all_modules
        register_all_modules()
        torch.manual_seed(0)
        self.model = MODELS.build(MMAGIC[name])
        self.G = self.model.generator
        opts = adam_options(name, lazy=False)
        self.optim = OptimWrapperDict(**{
            k: OptimWrapper(torch.optim.Adam(
                getattr(self.model, k).parameters(), lr=v['lr'],
                betas=tuple(float(b) for b in v['betas'])))
            for k, v in opts.items()})
        self.hub = MessageHub.get_current_instance()
        self.z_dim = self.model.noise_size

    def batch(self, real) -> dict:
        """``real`` in [-1, 1] as the DataSample items of a dataloader."""
        from mmagic.structures import DataSample
        return dict(inputs=dict(), data_samples=[
            DataSample(gt_img=(x + 1) * 127.5) for x in real])

    def step(self, data: dict, it: int) -> None:
        self.hub.update_info('iter', it)
        self.model.train_step(data, self.optim)


def forward(G, z_dim: int, n: int):
    """``G(z)`` for ``n`` codes, in eval mode, without gradients."""
    import torch
    G.eval()
    with torch.no_grad():
        out = G(torch.randn(n, z_dim))
    G.train()
    return out


def count(module) -> int:
    """Number of parameters."""
    return sum(p.numel() for p in module.parameters())


def build_side(name: str, side: str, float32: bool = False):
    """``(loop, G, z_dim, (G params, D params))`` of ``side`` for case
    ``name``; ``float32`` builds mmlatent's without autocast."""
    if side == 'mmagic':
        loop = MMagicLoop(name)
        G, D, z_dim = loop.G, loop.model.discriminator, loop.z_dim
    else:   # as step_speed.py builds it, with its default options
        model, _ = build(name, case_options(['--float32'] if float32 else []))
        loop, G, D, z_dim = MMLatentLoop(name, model), model.G, model.D, \
            model.G.z_dim
    return loop, G, z_dim, (count(G), count(D))


def time_side(args, name: str, side: str) -> dict:
    """One timed sample of ``side`` in this (fresh) process, with the
    process settings of that side's own training: seconds of an iteration
    and of a G forward after a warm-up, and the parameter counts."""
    import torch
    if side == 'mmlatent' and args.keep_memory:
        from mmlatent.utils.malloc import keep_freed_memory
        keep_freed_memory()     # as mmlatent's tools/train.py does
    loop, G, z_dim, params = build_side(name, side, args.float32)
    torch.manual_seed(1)
    real = torch.rand(args.batch, 3, 64, 64) * 2 - 1
    if side == 'mmagic':
        data = loop.batch(real)
    elif CASES[name].get('channels_last'):
        data = real.contiguous(memory_format=torch.channels_last)
    else:
        data = real
    its = iterations(name, False, args.iters)
    loop.step(data, its[0])  # warm-up
    forward(G, z_dim, args.batch)
    start = time.perf_counter()
    for it in its:
        loop.step(data, it)
    step = (time.perf_counter() - start) / len(its)
    start = time.perf_counter()
    forward(G, z_dim, args.batch)
    return dict(iter=step, forward=time.perf_counter() - start,
                params=params)


def time_case(args, name: str) -> dict:
    """Median seconds of an iteration and a G forward per side, the sides
    alternating (MMagic, mmlatent, ...), each sample in a fresh process
    with its side's process settings (:func:`time_side`)."""
    times = {f'{k}_{w}': [] for k in SIDES for w in ('iter', 'forward')}
    sizes = {}
    for _ in range(args.repeats):
        for side in SIDES:
            got = time_one(args, name, side)
            sizes[side] = tuple(got['params'])
            for what in ('iter', 'forward'):
                times[f'{side}_{what}'].append(got[what])
        if sizes['mmlatent'] != sizes['mmagic']:
            sys.exit(f'error: {name}: parameter counts (G, D) differ: '
                     f'{sizes}')
    out = {k: statistics.median(v) for k, v in times.items()}
    out['params_G_D'] = sizes['mmlatent']
    return out


def time_one(args, name: str, side: str) -> dict:
    """:func:`time_side` in a fresh interpreter (this one's)."""
    cmd = [sys.executable, __file__, '--time-one', name, side,
           '--threads', str(args.threads), '--batch', str(args.batch),
           '--iters', str(args.iters)]
    cmd += [] if args.keep_memory else ['--no-keep-memory']
    cmd += ['--float32'] if args.float32 else []
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        last = (out.stderr.strip().splitlines() or ['no output'])[-1]
        sys.exit(f'error: the timed {side} sample of {name} failed: {last}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup(args) -> dict:
    """Median wall seconds of a fresh interpreter per side and task."""
    env_path = osp.dirname(HERE) + ':' + HERE
    times = {f'{side}_{task}': [] for side in STARTUP
             for task in ('import', 'build')}
    for _ in range(args.startup_repeats):
        for side, code in STARTUP.items():
            for task, extra in (('import', ''), ('build', BUILD[side])):
                start = time.perf_counter()
                subprocess.run([sys.executable, '-c', code + extra],
                               check=True, env=dict(
                                   os.environ, PYTHONPATH=env_path,
                                   OMP_NUM_THREADS=str(args.threads)))
                times[f'{side}_{task}'].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--models', nargs='+', default=list(CASES),
                   choices=list(CASES))
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--iters', type=int, default=2,
                   help='iterations per timed repeat')
    p.add_argument('--threads', type=int, default=2, help='torch threads')
    p.add_argument('--startup-repeats', type=int, default=5)
    p.add_argument('--no-startup', action='store_true')
    p.add_argument('--no-keep-memory', dest='keep_memory',
                   action='store_false',
                   help="mmlatent's process returns freed memory to the "
                   'system as glibc does by default (default: it keeps it '
                   'for reuse, as its tools/train.py does; '
                   'mmlatent.utils.malloc)')
    p.add_argument('--float32', action='store_true',
                   help="mmlatent's StyleGAN2 in float32 also on a CPU "
                   "with bfloat16 hardware (its case, as its configs, has "
                   "autocast='auto')")
    p.add_argument('--time-one', nargs=2, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    need_mmagic()
    import torch
    torch.set_num_threads(args.threads)
    if args.time_one:
        print(json.dumps(time_side(args, *args.time_one)))
        return
    print(f'torch {torch.__version__}, {args.threads} threads, batch '
          f'{args.batch}, medians of {args.repeats}, each sample in a '
          f'fresh process, keep_memory={args.keep_memory}, '
          f'float32={args.float32}; ratio = '
          'mmlatent / MMagic')
    print(f'{"workload":34s} {"MMagic":>9s} {"mmlatent":>9s} {"ratio":>6s}')
    for name in args.models:
        t = time_case(args, name)
        for what in ('iter', 'forward'):
            a, b = t[f'mmagic_{what}'], t[f'mmlatent_{what}']
            label = name + (' training iteration' if what == 'iter'
                            else ' G forward')
            print(f'{label:34s} {a:8.3f}s {b:8.3f}s {b / a:6.2f}')
        g, d = t['params_G_D']
        print(f'  ({name}: G {g / 1e6:.2f} M, D {d / 1e6:.2f} M '
              'parameters on both sides)')
    if not args.no_startup:
        t = startup(args)
        for task, label in (('import', 'start-up: import and registry'),
                            ('build', 'start-up and StyleGAN2-64 built')):
            a, b = t[f'mmagic_{task}'], t[f'mmlatent_{task}']
            print(f'{label:34s} {a:8.2f}s {b:8.2f}s {b / a:6.2f}')


if __name__ == '__main__':
    run_cli(main)
