"""Helpers shared by the benchmark scripts: timing and StyleGAN2 sizes."""
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
