"""Inference API (as MMGeneration's ``mmgen.apis`` and NVIDIA's
``gen_images.py``): load a generator from any supported checkpoint, then
sample images from a count, from seeds, or for given classes.

    from mmlatent.apis import init_generator, sample_images
    G = init_generator('ffhq.pkl', format='nvidia').G
    img = sample_images(G, seeds=[0, 1, 2], truncation_psi=0.7)

Seeds follow NVIDIA's convention: seed ``s`` draws
``z = numpy.random.RandomState(s).randn(1, z_dim)``, so a converted NVIDIA
network gives NVIDIA's image for the same seed, class, truncation and
``noise_mode='const'``.
"""
from typing import List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from torch import Tensor, nn

from ..converters import convert_to_model
from ..latent.codes import require_w_space
from ..latent.interpolation import render
from ..latent.start import seed_z
from ..models.ema import loaded_generator
from ..models.loading import LoadedGenerator, load_generator
from ..utils.choices import INPUT_FORMATS, NOISE_MODES
from ..utils.errors import ConfigError

FOREIGN_FORMATS = ('nvidia', 'rosinality', 'mmgen')


def init_generator(checkpoint: str, *, format: str = 'mmlatent',
                   config: Optional[str] = None, sample_model: str = 'ema',
                   device: str = 'cpu',
                   w_avg_samples: int = 10000) -> LoadedGenerator:
    """The generator of ``checkpoint`` ready for inference (eval mode, no
    gradients, on ``device``): the EMA one when the checkpoint holds
    averaged EMA weights (``sample_model='ema'``), else the original.

    ``format``: ``mmlatent`` (a checkpoint of tools/train.py or
    tools/convert_checkpoint.py) or a foreign StyleGAN2 file converted in
    memory: ``nvidia`` (``.pkl``), ``rosinality`` (``.pt``), ``mmgen``
    (``.pth``); nothing is written.
    """
    if format not in INPUT_FORMATS:
        raise ConfigError(f"--format '{format}' is not one of "
                          f'{INPUT_FORMATS}')
    if format == 'mmlatent':
        return load_generator(checkpoint, config=config,
                              sample_model=sample_model, device=device)
    model, meta = convert_to_model(checkpoint, format,
                                   w_avg_samples=w_avg_samples)
    model = model.to(device).eval().requires_grad_(False)
    cfg = Config.fromstring(meta['cfg'], '.py')
    loaded = loaded_generator(model, cfg, meta, sample_model)
    loaded.message = ('using the EMA generator' if loaded.which == 'ema'
                      else 'using the original generator') + \
        f' of the {format} file (converted in memory)'
    return loaded


def parse_seeds(text: str) -> List[int]:
    """``'0-3,7'`` -> ``[0, 1, 2, 3, 7]`` (NVIDIA's ``--seeds`` syntax)."""
    seeds = []
    for part in str(text).split(','):
        lo, sep, hi = part.strip().partition('-')
        try:
            a, b = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise ConfigError(f"--seeds '{text}': '{part}' is not a seed or "
                              'a range A-B; e.g. 0-99 or 1,5,9') from None
        if a < 0 or b < a or b >= 2**32:
            raise ConfigError(f"--seeds '{text}': '{part}' is not a range "
                              'of seeds 0 <= A <= B < 2**32')
        seeds += range(a, b + 1)
    return seeds


def _seed_noise(G: nn.Module, seeds: Sequence[int]) -> List[Tensor]:
    """Per-seed noise maps (``torch.Generator().manual_seed(seed)``)."""
    maps = [G.make_noise(1, torch.Generator(G.device).manual_seed(int(s)))
            for s in seeds]
    return [torch.cat(layer) for layer in zip(*maps)]


def _synthesis_kwargs(G: nn.Module, noise_mode: str,
                      seeds: Optional[Sequence[int]]) -> dict:
    if noise_mode not in NOISE_MODES:
        raise ConfigError(f"--noise-mode '{noise_mode}' is not one of "
                          f'{NOISE_MODES}')
    if not hasattr(G, 'make_noise'):
        return {}  # no per-layer noise (DCGAN-like generators)
    if noise_mode == 'random' and seeds is not None:
        return {'noise': _seed_noise(G, seeds)}
    return {'noise_mode': noise_mode}


def sample_images(G: nn.Module, n: Optional[int] = None, *,
                  seeds: Optional[Sequence[int]] = None,
                  c: Optional[Tensor] = None, truncation_psi: float = 1.0,
                  truncation_cutoff: Optional[int] = None,
                  noise_mode: str = 'const', batch_size: int = 16,
                  generator: Optional[torch.Generator] = None) -> Tensor:
    """Images [N, C, H, W] in [-1, 1] (CPU) of ``n`` z drawn with
    ``generator``, or of one z per seed in ``seeds`` (:func:`seed_z`).

    ``c`` [N, c_dim]: the condition of conditional generators (see
    :func:`sample_conditional`). Truncation (style generators): ``w_avg +
    psi * (w - w_avg)`` on the first ``truncation_cutoff`` layers.
    ``noise_mode`` (style generators): ``const`` (NVIDIA's default),
    ``random`` (per seed from ``manual_seed(seed)`` when seeds are given)
    or ``none``.
    """
    if (n is None) == (seeds is None):
        raise ConfigError('give either a number of images n or seeds')
    z = seed_z(G, seeds) if seeds is not None else \
        G.sample_z(n, generator).cpu()
    if G.c_dim and c is None:
        raise ConfigError(f'the generator is conditional (c_dim={G.c_dim}); '
                          'give c or a class (--class)')
    mapping_kwargs = None
    if truncation_psi != 1 or truncation_cutoff is not None:
        require_w_space(G, 'truncation')
        mapping_kwargs = dict(truncation_psi=truncation_psi,
                              truncation_cutoff=truncation_cutoff)
    return render(G, z, space='z', c=c, batch_size=batch_size,
                  synthesis_kwargs=_synthesis_kwargs(G, noise_mode, seeds),
                  mapping_kwargs=mapping_kwargs)


def sample_conditional(G: nn.Module, labels: Union[int, Sequence[int]],
                       n: Optional[int] = None, *,
                       seeds: Optional[Sequence[int]] = None,
                       **kwargs) -> Tensor:
    """:func:`sample_images` of class ``labels`` (one int for all images,
    or one per image; for several categorical codes the label sets each).
    """
    if not G.c_dim:
        raise ConfigError('the generator is unconditional; drop the class '
                          '(use sample_images)')
    count = n if seeds is None else len(seeds)
    if count is None:
        raise ConfigError('give either a number of images n or seeds')
    labels = torch.as_tensor(labels, dtype=torch.long)
    if labels.dim() == 0:
        labels = labels.expand(count)
    if labels.shape != (count, ):
        raise ConfigError(f'{labels.numel()} labels for {count} images; '
                          'give one label or one per image')
    c = G.make_c(labels.to(G.device), n=count).cpu()
    return sample_images(G, n, seeds=seeds, c=c, **kwargs)
