"""What Winograd convolutions (mmlatent.models.winograd) save in the latent
tools: a projector step (synthesis forward and the gradient with respect
to ``ws``, batch 1) and a batched synthesis forward of a StyleGAN2
generator of config-F widths, with Winograd on and off alternately.

    python benchmarks/winograd_speed.py [--resolution 256] [--threads 2]
        [--repeats 5] [--batch 8]

Random weights (timing only). Prints figures only.
"""
import argparse
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmlatent.utils.cli import run_cli  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--resolution', type=int, default=256)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--batch', type=int, default=8,
                   help='batch of the synthesis forward')
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    import torch

    from mmlatent.models.generators import StyleGAN2Generator
    from mmlatent.models.winograd import set_winograd, winograd_ready
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    G = StyleGAN2Generator(resolution=args.resolution, channel_base=32768,
                           channel_max=512).eval().requires_grad_(False)
    ws0 = G.mapping(torch.randn(1, G.z_dim))

    def projector_step():
        ws = ws0.clone().requires_grad_(True)
        G.synthesis(ws, noise_mode='const').square().mean().backward()

    def forward():
        with torch.no_grad():
            G.synthesis(ws0.expand(args.batch, -1, -1), noise_mode='const')

    print(f'StyleGAN2 {args.resolution} px (config-F widths), threads '
          f'{torch.get_num_threads()}, Winograd usable here: '
          f'{winograd_ready()}; median of {args.repeats}, seconds')
    for name, run in (('projector step, batch 1', projector_step),
                      (f'synthesis forward, batch {args.batch}', forward)):
        times = {True: [], False: []}
        for rep in range(args.repeats + 1):  # the first is a warm-up
            for on in (True, False):
                set_winograd(G, on)
                start = time.perf_counter()
                run()
                if rep:
                    times[on].append(time.perf_counter() - start)
        w, d = (statistics.median(times[k]) for k in (True, False))
        print(f'{name:>28}: Winograd {w:.3f}, F.conv2d {d:.3f}, '
              f'ratio {w / d:.2f}', flush=True)


if __name__ == '__main__':
    run_cli(main)
