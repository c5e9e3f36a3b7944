"""Helpers shared by the benchmark scripts: timing, StyleGAN2 sizes and
the Shapes fidelity figures of a sample set."""
import statistics
import time

import torch

#: The reduced StyleGAN2 of the Shapes configs (channels
#: min(channel_base // res, channel_max): 128 up to 16 px, then 64, 32).
SMALL = dict(z_dim=128, w_dim=128, mapping_layers=2, channel_base=2048,
             channel_max=128)
#: NVIDIA's config-f sizes.
CONFIG_F = dict(z_dim=512, w_dim=512, mapping_layers=8, channel_base=32768,
                channel_max=512)


def sync(device) -> None:
    """Wait for queued CUDA work (no-op on the CPU)."""
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize()


def timed(fn, repeats: int, device) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after a warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


#: The figures ``shapes_scores`` returns by default.
SHAPES_KEYS = ('validity', 'class_distance', 'shape_fit', 'shape_fit_p10',
               'ks_max')


def shapes_scores(fake: torch.Tensor, real: torch.Tensor,
                  keys=SHAPES_KEYS) -> dict:
    """``{name: value}`` (rounded to 3 places) of ShapesValidity and
    ShapesFidelity for generated images ``fake`` against ``real`` ones,
    restricted to ``keys``."""
    from mmlatent.evaluation import ShapesFidelity, ShapesValidity, \
        evaluate_images
    out = evaluate_images([ShapesFidelity(), ShapesValidity()], real=[real],
                          fake=[fake], num_samples=len(fake))
    return {k.split('/')[-1]: round(float(v), 3) for k, v in out.items()
            if k.split('/')[-1] in keys}
