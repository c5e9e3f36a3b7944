"""Speed of the projector (mmlatent.latent.project, used by
apps/stylegan_projector.py): seconds per optimisation step against the
floor of one step, a forward + backward pass of G plus LPIPS (VGG) at the
same batch (target: <= 1.2x).

    python benchmarks/projector_speed.py [--res 64] [--batch 1]
        [--steps 10 30] [--w-plus] [--device cpu|cuda] [--threads N]

G: a StyleGAN2 generator with the reduced sizes of the Shapes configs
(``--config-f`` for the full 256-px config F). LPIPS uses a random VGG16
backbone (same cost as the ImageNet one, runs offline). The per-step time
is the difference of two runs of different lengths divided by the
difference of their steps, so the one-off setup (w_avg samples, noise
maps, optimiser) does not count. Prints figures; asserts nothing.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402

from mmlatent.latent.projection import project  # noqa: E402
from mmlatent.latent.spaces import noise_shapes  # noqa: E402
from mmlatent.models.generators import StyleGAN2Generator  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.perceptual import build_perceptual  # noqa: E402

from common import CONFIG_F, SMALL, timed  # noqa: E402  (benchmarks/)





def floor_step(G, lpips, target, space: str):
    """One forward + backward of G.synthesis plus LPIPS, gradients to the
    code and the noise maps (what one projector step cannot avoid)."""
    n, device = target.shape[0], target.device
    shape = (n, G.num_ws, G.w_dim) if space == 'w+' else (n, G.w_dim)
    latent = torch.zeros(shape, device=device, requires_grad=True)
    noise = [torch.randn(n, 1, h, w, device=device, requires_grad=True)
             for h, w in noise_shapes(G)]

    def step():
        ws = latent if space == 'w+' else latent[:, None].expand(
            -1, G.num_ws, -1)
        img = G.synthesis(ws, noise_mode='const', noise=noise)
        lpips(img, target).sum().backward()
    return step


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--res', type=int, default=64)
    p.add_argument('--config-f', action='store_true',
                   help='full StyleGAN2 config F sizes (use with --res 256)')
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--steps', type=int, nargs=2, default=[10, 30])
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--w-plus', action='store_true')
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=None)
    args = p.parse_args()
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    sizes = CONFIG_F if args.config_f else SMALL
    G = StyleGAN2Generator(resolution=args.res, **sizes).to(device).eval()
    G.requires_grad_(False)
    lpips = build_perceptual('random', device=device)
    target = torch.rand(args.batch, 3, args.res, args.res,
                        device=device) * 2 - 1
    space = 'w+' if args.w_plus else 'w'
    name = 'config F' if args.config_f else 'small'
    print(f'device={device} threads={torch.get_num_threads()} '
          f'G=StyleGAN2 {args.res}px {name} batch={args.batch} '
          f'space={space} LPIPS=VGG16 (random weights)')

    floor = timed(floor_step(G, lpips, target, space), 2 * args.repeats,
                  device)
    print(f'G forward+backward + LPIPS:     {floor * 1e3:8.1f} ms')

    def run(steps):
        g = torch.Generator(device=device).manual_seed(0)
        return lambda: project(G, target, steps=steps, space=space,
                               perceptual=lpips, w_avg_samples=1000,
                               generator=g)
    short, long = args.steps
    t_short = timed(run(short), args.repeats, device)
    t_long = timed(run(long), args.repeats, device)
    per_step = (t_long - t_short) / (long - short)
    print(f'projector, {short} and {long} steps: {t_short:.2f} s, '
          f'{t_long:.2f} s')
    print(f'projector per step:             {per_step * 1e3:8.1f} ms = '
          f'{per_step / floor:.2f} x G fwd+bwd + LPIPS (target <= 1.2)')


if __name__ == '__main__':
    run_cli(main)
