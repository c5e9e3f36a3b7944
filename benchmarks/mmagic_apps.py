"""mmlatent's apps against MMGeneration's, ported to MMagic 1.2, on the same
StyleGAN2-64 weights: ``modified_sefa.py`` wall time and the projector step.

    python benchmarks/mmagic_apps.py [--apps sefa projector] [--repeats 5]
        [--steps 20] [--threads 2] [--work-dir DIR]

Needs MMagic in the interpreter that runs it (the recipe is in
docs/speed.md, "Against MMagic"); without it the script stops with one
line saying so.

The weights: MMagic builds StyleGAN2-64 (channel multiplier 1, as in
``benchmarks/mmagic_speed.py``) with seed 0 and saves it; mmlatent's
``tools/convert_checkpoint.py --format mmgen`` converts that file. The
script checks that both generators draw the same image for the same z
(constant noise) before it times anything.

sefa: a fresh interpreter runs each app in turn (MMagic's port, then
mmlatent's, alternating; medians of the wall times): direction 0, 4
samples, degrees -3..3 in steps of 1. The port
(``benchmarks/mmagic_ports/modified_sefa.py``) renders the unedited row
plus one batch of 4 per degree (32 images) and factorises on every run, as
MMGeneration's app does; mmlatent's renders the 4 x 7 grid (degree 0 is
the unedited column) and reads its directions cache, written by an untimed
first run. The script also checks that both find the same eigenvectors.

projector: in one process, each side's loop on one target image (a
sample of the generator), LPIPS VGG with the same (random, offline)
weights on both sides, mapped-code statistics given to both; the median
seconds of a step over ``--steps`` steps after 2 warm-up steps, sides
alternating ``--repeats`` times. Prints figures only.
"""
import argparse
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)
from mmlatent.utils.cli import run_cli  # noqa: E402

from mmagic_speed import MMAGIC, need_mmagic  # noqa: E402  (benchmarks/)

SEFA_ARGS = ['-i', '0', '-d', '3', '--degree-step', '1',
             '--num-samples', '4']


def make_weights(folder: str) -> dict:
    """MMagic's StyleGAN2-64 (seed 0) and mmlatent's conversion of it."""
    import torch

    from mmagic.registry import MODELS
    from mmagic.utils import register_all_modules
    from mmlatent.converters import convert_checkpoint
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(MMAGIC['stylegan2-64'])
    paths = dict(mmagic=osp.join(folder, 'mmagic_sg2_64.pth'),
                 mmlatent=osp.join(folder, 'mmlatent_sg2_64.pth'))
    torch.save({'state_dict': model.state_dict()}, paths['mmagic'])
    convert_checkpoint(paths['mmagic'], paths['mmlatent'], 'mmgen',
                       resolution=64)
    return paths


def generators(paths: dict) -> dict:
    """Both EMA generators, eval mode, frozen."""
    from mmengine.runner import load_checkpoint

    from mmagic.registry import MODELS
    from mmlatent.apis.inference import init_generator
    model = MODELS.build(MMAGIC['stylegan2-64'])
    load_checkpoint(model, paths['mmagic'], map_location='cpu',
                    logger='silent')
    G = model.generator_ema.module.eval().requires_grad_(False)
    return dict(mmagic=G, mmlatent=init_generator(paths['mmlatent']).G)


def check_same_images(Gs: dict) -> float:
    """Largest difference of the two generators' images of 3 z."""
    import torch
    z = torch.randn(3, 512, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        a = Gs['mmagic'](z, randomize_noise=False)
        b = Gs['mmlatent'](z, noise_mode='const')
    err = float((a - b).abs().max())
    if err > 1e-3 * float(a.abs().max()):
        sys.exit(f'error: the converted generator differs from MMagic\'s '
                 f'by {err:.3g}; the comparison would be unfair')
    return err


def run_app(cmd: list, env: dict) -> float:
    """Wall seconds of one app process (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def time_sefa(args, paths: dict, folder: str) -> dict:
    """Median wall seconds of each side's SeFa app, alternating."""
    env = dict(os.environ, PYTHONPATH=f'{ROOT}:{HERE}',
               OMP_NUM_THREADS=str(args.threads))
    cmds = dict(
        mmagic=[sys.executable, osp.join(HERE, 'mmagic_ports',
                                         'modified_sefa.py'),
                paths['mmagic'], *SEFA_ARGS, '--sample-path',
                osp.join(folder, 'sefa-port')],
        mmlatent=[sys.executable, osp.join(ROOT, 'apps', 'modified_sefa.py'),
                  paths['mmlatent'], *SEFA_ARGS, '--out-dir',
                  osp.join(folder, 'sefa'), '--overwrite'])
    for cmd in cmds.values():  # untimed: mmlatent writes its cache
        run_app(cmd, env)
    times = {k: [] for k in cmds}
    for _ in range(args.repeats):
        for key, cmd in cmds.items():
            times[key].append(run_app(cmd, env))
    return {k: statistics.median(v) for k, v in times.items()}


def same_directions(paths: dict, k: int = 5) -> float:
    """Smallest |cosine| between the two sides' first ``k`` directions
    (mmlatent's from the cache its app wrote for the EMA generator)."""
    import torch

    from mmlatent.latent.sefa import default_cache_path
    theirs = torch.load(osp.splitext(paths['mmagic'])[0] +
                        '_eigen-vec-mod.pth')['eigen_vector']
    ours = torch.load(default_cache_path(paths['mmlatent'],
                                         which='ema'))['directions']
    return min(abs(float(ours[i] @ theirs[:, i])) for i in range(k))


def time_projector(args, Gs: dict) -> dict:
    """Median seconds of a projector step per side, alternating."""
    import lpips
    import torch

    from mmagic_ports.stylegan_projector import project_steps
    from mmlatent.latent.projection import latent_stats, project
    from mmlatent.utils.perceptual import build_perceptual
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        target = Gs['mmlatent'](torch.randn(1, 512, generator=gen))
        target = target.clamp(-1, 1)  # random weights overshoot [-1, 1]
        mean, std = latent_stats(Gs['mmlatent'], 'w', 10000, gen)
    percept = dict(mmagic=lpips.LPIPS(net='vgg', pretrained=True,
                                      pnet_rand=True, verbose=False),
                   mmlatent=build_perceptual('random'))
    stamps = []

    def run(side: str, steps: int) -> None:
        stamps.clear()
        stamps.append(time.perf_counter())
        tick = lambda *_: stamps.append(time.perf_counter())  # noqa: E731
        if side == 'mmagic':
            project_steps(Gs['mmagic'], target, percept['mmagic'],
                          steps=steps, w_mean=mean, w_std=float(std),
                          on_step=tick)
        else:
            project(Gs['mmlatent'], target, steps=steps,
                    perceptual=percept['mmlatent'], stats=(mean, std),
                    generator=gen, callback=tick)

    times = {k: [] for k in Gs}
    for side in Gs:
        run(side, 2)
    for _ in range(args.repeats):
        for side in Gs:
            run(side, args.steps)
            times[side].extend(b - a for a, b in zip(stamps, stamps[1:]))
    return {k: statistics.median(v) for k, v in times.items()}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--apps', nargs='+', default=['sefa', 'projector'],
                   choices=['sefa', 'projector'])
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--steps', type=int, default=20,
                   help='projector steps per timed repeat')
    p.add_argument('--threads', type=int, default=2, help='torch threads')
    p.add_argument('--work-dir', help='where the weights and outputs go '
                   '(default: a temporary folder)')
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    need_mmagic()
    import torch
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.work_dir or tmp
        os.makedirs(folder, exist_ok=True)
        paths = make_weights(folder)
        Gs = generators(paths)
        err = check_same_images(Gs)
        print(f'torch {torch.__version__}, {args.threads} threads, '
              f'medians of {args.repeats}; ratio = mmlatent / MMagic; same '
              f'weights (images agree to {err:.1e})')
        print(f'{"workload":38s} {"MMagic":>9s} {"mmlatent":>9s} '
              f'{"ratio":>6s}')
        if 'sefa' in args.apps:
            t = time_sefa(args, paths, folder)
            a, b = t['mmagic'], t['mmlatent']
            print(f'{"modified_sefa.py wall time":38s} {a:8.2f}s {b:8.2f}s '
                  f'{b / a:6.2f}')
            print(f'  (same directions: smallest |cos| of the first 5 '
                  f'{same_directions(paths):.6f})')
        if 'projector' in args.apps:
            t = time_projector(args, Gs)
            a, b = t['mmagic'], t['mmlatent']
            print(f'{"projector step (1 image, 64 px)":38s} {a:8.3f}s '
                  f'{b:8.3f}s {b / a:6.2f}')


if __name__ == '__main__':
    run_cli(main)
