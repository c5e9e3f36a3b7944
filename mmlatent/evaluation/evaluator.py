"""Driving metrics: the one place that feeds real images, generated images
and the generator to a list of metrics, in batches.

Each metric that draws its own samples gets its own ``torch.Generator``
(seeded from ``seed`` and the metric's class), so its value does not
depend on which other metrics run with it, and two metrics of one class
(e.g. MIG of two direction sets, local and unprojected outside energy) see
the same latents: their comparison is paired. All image metrics share the
same generated images, and metrics that share a feature extractor compute
each batch's features once.
"""
import math
import sys
import zlib
from typing import Dict, Iterable, Iterator, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn
from tqdm import tqdm

from ..datasets.batched import items_of
from ..latent.spaces import default_synthesis_kwargs, frozen, model_device
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import GenerativeMetric


def build_metric(cfg) -> GenerativeMetric:
    """A metric from a config dict (key-checked) or as it is."""
    if isinstance(cfg, GenerativeMetric):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ConfigError(f'metric {cfg!r} must be a config dict with a '
                          "type, e.g. dict(type='FrechetDistance')")
    return METRICS.build(dict(cfg))


def check_unique_keys(metrics: Sequence[GenerativeMetric]) -> None:
    seen = {}
    for m in metrics:
        for key in m.keys:
            if key in seen:
                raise ConfigError(f"two metrics ({seen[key]} and "
                                  f"{type(m).__name__}) both output "
                                  f"'{key}'; give one a prefix=")
            seen[key] = type(m).__name__


def real_subset(n: int, num: int, seed: int = 0) -> List[int]:
    """Indices of the ``num`` items (all ``n`` when fewer) that the real
    images of an evaluation are taken from, fixed by ``seed``."""
    idx = np.random.default_rng(seed).permutation(n)[:min(num, n)]
    return [int(i) for i in idx]


def real_images(dataset, num: int, *, batch_size: int = 100,
                seed: int = 0) -> Iterator[Tensor]:
    """Batches of ``img`` [n, C, H, W] from ``num`` items of a dataset
    (a random subset without replacement, fixed by ``seed``; all items
    when it has fewer). A dataset that draws a batch in one go
    (``__getitems__``, as Shapes) is asked for each batch at once."""
    idx = real_subset(len(dataset), num, seed)
    for start in range(0, len(idx), batch_size):
        items = items_of(dataset, idx[start:start + batch_size])
        yield torch.stack([it['img'] if isinstance(it, dict) else it
                           for it in items])


def _metric_generator(seed: int, metric: GenerativeMetric, device):
    name = type(metric).__name__.encode()
    s = (seed * 1000003 + zlib.crc32(name)) % 2**63
    return torch.Generator(device=device).manual_seed(s)


def _head(img: Tensor, want: int, parts: dict) -> Tensor:
    """The first ``want`` images, the same tensor object for equal
    ``want`` (so that shared extractors reuse the batch's features)."""
    if want >= img.shape[0]:
        return img
    return parts.setdefault(want, img[:want])


def _bar(show: bool, total: int, desc: str) -> tqdm:
    """A progress bar on stderr over ``total`` images (hidden unless
    ``show``)."""
    return tqdm(total=total, desc=desc, unit='img', disable=not show,
                file=sys.stderr, dynamic_ncols=True)


def _feed_real(metrics: List[GenerativeMetric], real: Iterable,
               num: int, device, progress: bool = False) -> None:
    if not any(m.wants_real(num) for m in metrics):
        return
    if real is None:
        names = [m.name for m in metrics if m.wants_real(num)]
        raise ConfigError(f'metrics {names} need real images; give real '
                          'data (--real-data, or a dataset in the config)')
    total = max(m.wants_real(num) for m in metrics)
    with _bar(progress, total, 'real images') as bar:
        for batch in real:
            img = batch['img'] if isinstance(batch, dict) else batch
            img, parts = img.to(device), {}
            for m in metrics:
                want = m.wants_real(num)
                if want:
                    m.feed_real(_head(img, want, parts))
            bar.update(img.shape[0])
            if not any(m.wants_real(num) for m in metrics):
                return


def _feed_fake(G: nn.Module, metrics: List[GenerativeMetric], num: int,
               batch_size: int, seed: int, device,
               progress: bool = False) -> None:
    image_metrics = [m for m in metrics if m.needs_fake]
    gen_metrics = [m for m in metrics if m.needs_generator]
    img_rng = torch.Generator(device=device).manual_seed(seed)
    rngs = {id(m): _metric_generator(seed, m, device) for m in gen_metrics}
    kwargs = default_synthesis_kwargs(G)
    total = max([m.wants_fake(num) for m in image_metrics] + [0])
    with _bar(progress and total > 0, total, 'generated images') as bar:
        while any(m.wants_fake(num) for m in image_metrics):
            n = min(batch_size, max(m.wants_fake(num)
                                    for m in image_metrics))
            with torch.no_grad():
                z, c = G.sample_z(n, img_rng), G.sample_c(n, img_rng)
                img = G.synthesis(G.mapping(z, c), **kwargs)
            parts = {}
            for m in image_metrics:
                want = m.wants_fake(num)
                if want:
                    m.feed_fake(_head(img, want, parts))
            bar.update(n)
    for m in gen_metrics:
        with _bar(progress, m.wants_fake(num), m.name) as bar:
            while m.wants_fake(num):
                n = min(batch_size, m.wants_fake(num))
                m.feed_generator(G, n, rngs[id(m)])
                bar.update(n)


def evaluate_generator(G: nn.Module, metrics: Sequence, *,
                       real: Optional[Iterable] = None,
                       num_samples: int = 1000, batch_size: int = 100,
                       seed: int = 0, dataset_meta: Optional[dict] = None,
                       keep_real: bool = False,
                       progress: bool = False) -> Dict[str, float]:
    """Evaluate ``G`` (run in eval mode, no gradients) with ``metrics``.

    Args:
        G: a generator with the latent interface.
        metrics: GenerativeMetric objects or their config dicts.
        real: an iterable of real batches (tensors [n, C, H, W] in [-1, 1]
            or dicts with ``img``), e.g. :func:`real_images`; needed by
            metrics with ``needs_real``.
        num_samples: generated samples (and real images) per metric unless
            a metric sets its own ``num_samples`` / ``num_real``.
        batch_size: samples per generator call.
        seed: fixes every random draw.
        dataset_meta: the training set's metainfo (Shapes metrics read the
            classes and scale range from it).
        keep_real: reuse real statistics the metrics already hold (a hook
            evaluating repeatedly against the same real images).
        progress: show progress bars (real images, generated images,
            generator metrics) on stderr.

    Returns:
        ``{output name: value}`` of all metrics, in their order.
    """
    metrics = [build_metric(m) for m in metrics]
    check_unique_keys(metrics)
    device = model_device(G)
    with frozen(G):
        for m in metrics:
            if keep_real:
                m.reset_fake()
            else:
                m.reset()
            m.prepare(G, dataset_meta)
            m.to(device)
        _feed_real(metrics, real, num_samples, device, progress)
        _feed_fake(G, metrics, num_samples, batch_size, seed, device,
                   progress)
        results = {}
        for m in metrics:
            results.update(m.summary())
    return results


def evaluate_images(metrics: Sequence, *, real: Iterable, fake: Iterable,
                    num_samples: int = 1000,
                    dataset_meta: Optional[dict] = None) -> Dict[str, float]:
    """Evaluate image metrics on given images instead of a generator's:
    ``fake`` batches take the generated stream's place. With a second
    held-out real set as ``fake`` this gives the real-vs-real reference
    figures (class distance and KS near 0, shape fit near 1, the
    precision / recall and Fréchet distance a perfect generator would
    reach with this many samples).

    Args: as :func:`evaluate_generator`; metrics that need the generator
    itself are refused.
    """
    metrics = [build_metric(m) for m in metrics]
    check_unique_keys(metrics)
    bad = [m.name for m in metrics if m.needs_generator]
    if bad:
        raise ConfigError(f'metrics {bad} draw from a generator; '
                          'evaluate_images takes image metrics only')
    for m in metrics:
        m.reset()
        m.prepare(None, dataset_meta)
    _feed_real(metrics, real, num_samples, torch.device('cpu'))
    for batch in fake:
        img, parts = batch['img'] if isinstance(batch, dict) else batch, {}
        for m in metrics:
            want = m.wants_fake(num_samples)
            if want:
                m.feed_fake(_head(img, want, parts))
        if not any(m.wants_fake(num_samples) for m in metrics):
            break
    results = {}
    for m in metrics:
        results.update(m.summary())
    return results


def format_table(results: Dict[str, float]) -> str:
    """A two-column text table of results."""
    width = max([len(k) for k in results] + [6])
    lines = [f"{'metric':<{width}}  value", '-' * (width + 14)]
    for k, v in results.items():
        text = 'nan' if v is None or (isinstance(v, float) and
                                      math.isnan(v)) else f'{v:.6g}'
        lines.append(f'{k:<{width}}  {text}')
    return '\n'.join(lines)


def jsonable(results: Dict[str, float]) -> Dict[str, Optional[float]]:
    """NaN -> None so the JSON stays standard."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in results.items()}
