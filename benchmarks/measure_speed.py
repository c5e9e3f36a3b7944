"""Images per second of rendering Shapes and of measuring their factors.

Dataset items are read one at a time (``getitem``) and in batches of 32
(``batch``, as torch's DataLoader reads them) with the item cache off, and
in batches of 32 from a full cache (``cached``).

Usage: python benchmarks/measure_speed.py [--num 1000] [--resolutions 32 64]
"""
import argparse
import time

import numpy as np
import torch

from mmlatent.datasets.measure import measure_factors
from mmlatent.datasets.shapes import ShapesDataset, render_shapes
from mmlatent.utils.cli import run_cli


def _rate(fn, num: int) -> float:
    """Images per second of ``fn()`` that handles ``num`` images."""
    fn()                                    # warm up (calibration, caches)
    start = time.perf_counter()
    fn()
    return num / (time.perf_counter() - start)


def bench(resolution: int, num: int) -> dict:
    """Rates of render_shapes, dataset items and measure_factors."""
    ds = ShapesDataset(resolution=resolution, num_samples=num, seed=0,
                       cache_bytes=0)
    cached = ShapesDataset(resolution=resolution, num_samples=num, seed=0)
    batches = [list(range(b, min(b + 32, num))) for b in range(0, num, 32)]
    labels, factors = zip(*(ds.factors_of(i) for i in range(num)))
    labels, factors = np.array(labels), np.stack(factors)
    imgs = torch.stack([ds[i]['img'] for i in range(num)])
    return dict(
        render=_rate(lambda: render_shapes(labels, factors, resolution),
                     num),
        getitem=_rate(lambda: [ds[i] for i in range(num)], num),
        batch=_rate(lambda: [ds.__getitems__(b) for b in batches], num),
        cached=_rate(lambda: [cached.__getitems__(b) for b in batches], num),
        measure=_rate(lambda: measure_factors(imgs), num))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num', type=int, default=1000)
    parser.add_argument('--resolutions', type=int, nargs='+',
                        default=[32, 64, 128])
    args = parser.parse_args()
    names = ('render', 'getitem', 'batch', 'cached', 'measure')
    print(f'{"res":>5}' + ''.join(f' {n + " img/s":>14}' for n in names))
    for res in args.resolutions:
        r = bench(res, args.num)
        print(f'{res:>5}' + ''.join(f' {r[n]:>14.0f}' for n in names))


if __name__ == '__main__':
    run_cli(main)
