"""Images per second of rendering Shapes and of measuring their factors.

Usage: python benchmarks/measure_speed.py [--num 1000] [--resolutions 32 64]
"""
import argparse
import time

import numpy as np
import torch

from mmlatent.datasets.measure import measure_factors
from mmlatent.datasets.shapes import ShapesDataset, render_shapes


def _rate(fn, num: int) -> float:
    """Images per second of ``fn()`` that handles ``num`` images."""
    fn()                                    # warm up (calibration, caches)
    start = time.perf_counter()
    fn()
    return num / (time.perf_counter() - start)


def bench(resolution: int, num: int) -> dict:
    """Rates of render_shapes, dataset items and measure_factors."""
    ds = ShapesDataset(resolution=resolution, num_samples=num, seed=0)
    labels, factors = zip(*(ds.factors_of(i) for i in range(num)))
    labels, factors = np.array(labels), np.stack(factors)
    imgs = torch.stack([ds[i]['img'] for i in range(num)])
    return dict(
        render=_rate(lambda: render_shapes(labels, factors, resolution),
                     num),
        getitem=_rate(lambda: [ds[i] for i in range(num)], num),
        measure=_rate(lambda: measure_factors(imgs), num))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num', type=int, default=1000)
    parser.add_argument('--resolutions', type=int, nargs='+',
                        default=[32, 64, 128])
    args = parser.parse_args()
    print(f'{"res":>5} {"render img/s":>13} {"getitem img/s":>14} '
          f'{"measure img/s":>14}')
    for res in args.resolutions:
        r = bench(res, args.num)
        print(f'{res:>5} {r["render"]:>13.0f} {r["getitem"]:>14.0f} '
              f'{r["measure"]:>14.0f}')


if __name__ == '__main__':
    main()
