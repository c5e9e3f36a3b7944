"""Speed of the generator Jacobian (mmlatent.latent.generator_jacobian).

A 64x64 RGB DCGAN generator with z_dim 128 in eval mode: the Jacobian at
one point [12288, 128] by forward mode for several chunk sizes, as a ratio
to one batched forward pass of 128 samples (target: <= 3), and against
``torch.autograd.functional.jacobian`` with its defaults (one backward
pass per output pixel). Prints figures; asserts nothing.

    python benchmarks/jacobian_speed.py [--device cuda] [--threads 1]
        [--skip-autograd]
"""
import argparse

import torch
from torch.autograd.functional import jacobian as autograd_jacobian

from mmlatent.latent import generator_jacobian
from mmlatent.models.generators import DCGANGenerator
from mmlatent.utils.cli import run_cli

from common import timed  # benchmarks/common.py



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--chunks', type=int, nargs='+',
                        default=[8, 16, 32, 64, 128])
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--skip-autograd', action='store_true',
                        help='skip the slow torch.autograd baseline')
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    G = DCGANGenerator(resolution=64, z_dim=128).to(device).eval()
    z = torch.randn(1, 128, device=device)
    batch = torch.randn(128, 128, device=device)
    print(f'device={device} threads={torch.get_num_threads()} '
          f'G=DCGAN 64x64 RGB z_dim=128 (eval)')

    with torch.no_grad():
        forward = timed(lambda: G(batch), args.repeats, device)
    print(f'forward pass, 128 samples:       {forward * 1e3:8.1f} ms')

    best = None
    for chunk in args.chunks:
        t = timed(lambda: generator_jacobian(G, z, chunk_size=chunk),
                  args.repeats, device)
        print(f'jacobian (jvp), chunk_size={chunk:3d}: {t * 1e3:8.1f} ms '
              f'= {t / forward:5.2f} x forward(128)')
        best = min(best or (t, chunk), (t, chunk))
    print(f'fastest chunk_size: {best[1]} ({best[0] / forward:.2f} x '
          'forward(128); target <= 3)')

    if not args.skip_autograd:
        def one(v):
            return G(v[None])[0]
        t = timed(lambda: autograd_jacobian(one, z[0]), 1, device)
        print(f'torch.autograd.functional.jacobian (defaults): '
              f'{t * 1e3:8.1f} ms = {t / best[0]:.0f} x the fastest jvp')


if __name__ == '__main__':
    run_cli(main)
