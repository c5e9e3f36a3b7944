"""mmlatent against MMagic on the same networks: training iteration,
generator forward and start-up.

    python benchmarks/mmagic_speed.py [--models dcgan64 stylegan2-64]
        [--batch 16] [--repeats 5] [--iters 2] [--threads 2]
        [--startup-repeats 5] [--no-startup]

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

Timing alternates the sides in one process (MMagic, mmlatent, MMagic, ...)
and prints medians and the ratio mmlatent / MMagic (below 1: mmlatent is
faster). Start-up is the wall time of a fresh interpreter that imports
each library and registers its modules (MMagic: ``register_all_modules()``;
mmlatent: its model, dataset, engine and evaluation packages), and of one
that also builds the StyleGAN2-64 model, alternating, medians. Prints
figures only.
"""
import argparse
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, osp.dirname(HERE))

from step_speed import (CASES, MMLatentLoop,  # noqa: E402  (benchmarks/)
                        adam_options, iterations)

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


def time_case(args, name: str) -> dict:
    """Median seconds of an iteration and a G forward per side."""
    import torch

    import mmlatent.models  # noqa: F401 (registers)
    from mmlatent.registry import MODELS
    torch.manual_seed(0)
    ours = MODELS.build(dict(CASES[name]))
    theirs = MMagicLoop(name)
    sizes = dict(mmlatent=(count(ours.G), count(ours.D)),
                 mmagic=(count(theirs.G), count(theirs.model.discriminator)))
    if sizes['mmlatent'] != sizes['mmagic']:
        sys.exit(f'error: {name}: parameter counts (G, D) differ: {sizes}')
    real = torch.rand(args.batch, 3, 64, 64) * 2 - 1
    sides = dict(mmagic=theirs, mmlatent=MMLatentLoop(name, ours))
    nets = dict(mmagic=(theirs.G, theirs.z_dim),
                mmlatent=(ours.G, ours.G.z_dim))
    data = dict(mmagic=theirs.batch(real),
                mmlatent=real.contiguous(memory_format=torch.channels_last)
                if CASES[name].get('channels_last') else real)
    its = iterations(name, False, args.iters)
    times = {f'{k}_{w}': [] for k in sides for w in ('iter', 'forward')}
    for key, side in sides.items():  # warm-up
        side.step(data[key], its[0])
        forward(*nets[key], args.batch)
    for _ in range(args.repeats):
        for key, side in sides.items():
            start = time.perf_counter()
            for it in its:
                side.step(data[key], it)
            times[f'{key}_iter'].append((time.perf_counter() - start) /
                                        len(its))
            start = time.perf_counter()
            forward(*nets[key], args.batch)
            times[f'{key}_forward'].append(time.perf_counter() - start)
    out = {k: statistics.median(v) for k, v in times.items()}
    out['params_G_D'] = sizes['mmlatent']
    return out


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
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    need_mmagic()
    import torch
    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {args.threads} threads, batch '
          f'{args.batch}, medians of {args.repeats}; ratio = mmlatent / '
          'MMagic')
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
    main()
