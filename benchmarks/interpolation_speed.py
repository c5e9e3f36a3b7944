"""Speed of interpolation rendering (the path of apps/interpolate_sample.py):
frames per second against the generator's raw batched throughput
(``G.synthesis`` on ready ws batches, no grad; target: >= 0.8x).

    python benchmarks/interpolation_speed.py [--res 64] [--batch 16]
        [--endpoints 5] [--interval 33] [--space z w] [--mode slerp]
        [--write-png] [--device cpu|cuda] [--threads N]

G: a StyleGAN2 generator with the reduced sizes of the Shapes configs
(``--config-f`` for the full config F sizes). The interpolation figure
covers building the path (slerp / lerp of the codes), mapping z, synthesis
in batches of ``--batch`` and conversion to uint8 frames; ``--write-png``
also times writing numbered PNG frames, as the app does. Prints figures;
asserts nothing.
"""
import argparse
import os.path as osp
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402

from mmlatent.latent.codes import render_codes, sample_codes  # noqa: E402
from mmlatent.latent.interpolation import batch_ranges  # noqa: E402
from mmlatent.latent.paths import interpolation_path  # noqa: E402
from mmlatent.models.generators import StyleGAN2Generator  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.image import to_uint8, write_image  # noqa: E402

from common import CONFIG_F, SMALL, timed  # noqa: E402  (benchmarks/)





def raw(G, frames: int, batch: int):
    """G.synthesis on ready-made ws batches: the generator's throughput."""
    ws = G.mapping(G.sample_z(batch))

    def run():
        with torch.no_grad():
            for _ in range(0, frames, batch):
                G.synthesis(ws, noise_mode='const')
    return run


def interpolation(G, args, space: str, folder=None):
    """Path + batched rendering + uint8 (+ PNG frames)."""
    g = torch.Generator(device=args.device).manual_seed(0)
    inner = 'z' if space == 'z' else 'w+'
    ends = sample_codes(G, args.endpoints, space=inner, generator=g)

    def run():
        path = interpolation_path(ends, interval=args.interval,
                                  mode=args.mode)
        k = 0
        for part in batch_ranges(len(path), args.batch):
            img = render_codes(G, path[part], batch_size=args.batch)
            for frame in to_uint8(img):
                if folder is not None:
                    write_image(osp.join(folder, f'frame_{k:05d}.png'),
                                frame)
                k += 1
    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--res', type=int, default=64)
    p.add_argument('--config-f', action='store_true')
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--endpoints', type=int, default=5)
    p.add_argument('--interval', type=int, default=33)
    p.add_argument('--space', nargs='+', default=['z', 'w'])
    p.add_argument('--mode', default=None, choices=['lerp', 'slerp'])
    p.add_argument('--repeats', type=int, default=9)
    p.add_argument('--write-png', action='store_true')
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=None)
    args = p.parse_args()
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    sizes = CONFIG_F if args.config_f else SMALL
    G = StyleGAN2Generator(resolution=args.res, **sizes).to(device).eval()
    frames = (args.endpoints - 1) * (args.interval - 1) + 1
    print(f'device={device} threads={torch.get_num_threads()} G=StyleGAN2 '
          f'{args.res}px {"config F" if args.config_f else "small"} '
          f'batch={args.batch} frames={frames}')
    t_raw = timed(raw(G, frames, args.batch), args.repeats, device)
    n_raw = -(-frames // args.batch) * args.batch
    fps_raw = n_raw / t_raw
    print(f'raw G.synthesis, batches of {args.batch}: {fps_raw:8.1f} '
          'frames/s')
    for space in args.space:
        t = timed(interpolation(G, args, space), args.repeats, device)
        print(f'interpolation in {space} ({args.mode or "default"}): '
              f'{frames / t:8.1f} frames/s = {frames / t / fps_raw:.2f} x '
              'raw (target >= 0.8)')
        if args.write_png:
            with tempfile.TemporaryDirectory() as folder:
                t = timed(interpolation(G, args, space, folder),
                          args.repeats, device)
            print(f'  with PNG frames written:  {frames / t:8.1f} frames/s '
                  f'= {frames / t / fps_raw:.2f} x raw')


if __name__ == '__main__':
    run_cli(main)
