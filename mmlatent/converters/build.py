"""Building an mmlatent StyleGAN2 model from source networks and writing
the converted checkpoint."""
from typing import Dict, Optional, Tuple

import torch
from mmengine.config import Config
from torch import Tensor, nn

from ..models.gans.stylegan2 import StyleGAN2  # noqa: F401 (registers)
from ..registry import MODELS
from ..utils.checkpoint import atomic_save
from ..utils.errors import CheckpointError
from . import layout as ros_layout
from . import nvidia
from .layout import StateDict, infer_discriminator, infer_generator
from .sources import alias_noise_keys, read_source
from .strict import load_strictly, map_state_dict


def stylegan2_config(g_args: dict, d_args: dict) -> str:
    """Config text (Python) of a StyleGAN2 model with these networks."""
    model = dict(type='StyleGAN2',
                 generator=dict(type='StyleGAN2Generator', **g_args),
                 discriminator=dict(type='StyleGAN2Discriminator', **d_args),
                 ema=dict(half_life_images=10000),
                 # as the StyleGAN2 configs: on a CPU, training 16% faster
                 # and a SeFa grid of a 64-px G rendered 20% faster
                 # (docs/speed.md)
                 channels_last=True)
    return Config(dict(default_scope='mmlatent', model=model)).pretty_text


@torch.no_grad()
def estimate_w_avg(G: nn.Module, num_samples: int = 10000,
                   seed: int = 0) -> Tensor:
    """Mean of ``w`` over ``num_samples`` z drawn with ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    total = torch.zeros(G.w_dim)
    for n in [1000] * (num_samples // 1000) + [num_samples % 1000]:
        if n:
            z = G.sample_z(n, gen)
            total += G.mapping_net(z, G.sample_c(n, gen)).sum(0)
    return total / num_samples


def build_model(parts: Dict[str, Optional[StateDict]], fmt: str,
                resolution: Optional[int] = None,
                lr_multiplier: float = 0.01) -> Tuple[nn.Module, str]:
    """An untrained StyleGAN2 model shaped like the source, and its config
    text."""
    g_sd = parts['g_ema'] if parts['g_ema'] is not None else parts['g']
    if fmt == 'nvidia':  # read from the pickled modules
        g_args = dict(parts['g_args'])
    else:
        g_args = infer_generator(alias_noise_keys(g_sd, fmt), fmt)
        g_args['lr_multiplier'] = lr_multiplier
    res = g_args['resolution']
    if resolution is not None and resolution != res:
        raise CheckpointError(f'--resolution {resolution} but the generator'
                              f' weights are for {res} px')
    d_args = dict(resolution=res, in_channels=g_args['out_channels'],
                  channel_base=g_args['channel_base'],
                  channel_max=g_args['channel_max'])
    if parts['d'] is not None:
        d_args = parts['d_args'] if fmt == 'nvidia' else \
            infer_discriminator(parts['d'], fmt)
        if d_args['resolution'] != res:
            raise CheckpointError(
                f"the discriminator is for {d_args['resolution']} px, the "
                f'generator for {res} px')
    cfg_text = stylegan2_config(g_args, d_args)
    model = MODELS.build(Config.fromstring(cfg_text, '.py').model)
    return model, cfg_text


def fill_generator(G: nn.Module, sd: StateDict, fmt: str,
                   w_avg: Optional[Tensor], what: str,
                   w_avg_samples: int = 10000) -> None:
    """Fill the StyleGAN2Generator ``G`` from a source state dict; without
    ``w_avg`` it is estimated from G's own mapping network."""
    arch = dict(resolution=G.resolution, c_dim=G.c_dim,
                mapping_layers=len(G.mapping_net.fcs))
    layout = nvidia if fmt == 'nvidia' else ros_layout
    out = map_state_dict(alias_noise_keys(sd, fmt),
                         layout.generator_pairs(arch),
                         layout.fir_buffers(arch, 'g'), G, fmt, what)
    if 'w_avg' in out:  # NVIDIA stores each network's own w_avg
        load_strictly(G, out, what)
        return
    out['w_avg'] = torch.zeros(G.w_dim) if w_avg is None \
        else w_avg.reshape(G.w_dim)
    load_strictly(G, out, what)
    if w_avg is None:
        G.w_avg.copy_(estimate_w_avg(G, w_avg_samples))


def fill_discriminator(D: nn.Module, sd: StateDict, fmt: str) -> None:
    """Fill the StyleGAN2Discriminator ``D`` from a source state dict."""
    arch = dict(resolution=D.resolution)
    layout = nvidia if fmt == 'nvidia' else ros_layout
    out = map_state_dict(sd, layout.discriminator_pairs(arch),
                         layout.fir_buffers(arch, 'd'), D, fmt,
                         'discriminator')
    load_strictly(D, out, 'discriminator')


def fill_model(model: nn.Module, parts: Dict[str, Optional[StateDict]],
               fmt: str, w_avg_samples: int = 10000) -> Dict[str, str]:
    """Load the source networks into ``model``; returns notes for meta."""
    g, g_ema, avg = parts['g'], parts['g_ema'], parts['latent_avg']
    fill_generator(model.generator, g if g is not None else g_ema, fmt,
                   avg, 'generator', w_avg_samples)
    ema = model.generator_ema
    fill_generator(ema.module, g_ema if g_ema is not None else g, fmt,
                   avg, 'generator_ema', w_avg_samples)
    ema.steps.fill_(2 if g_ema is not None else 1)
    notes = dict(
        w_avg='latent_avg of the source' if avg is not None else
        f'estimated as the mean of {w_avg_samples} mapped z',
        generator='g' if g is not None else 'g_ema (the source has no g)',
        generator_ema='g_ema' if g_ema is not None else
        'none in the source: a copy of g, not averaged',
        discriminator='converted')
    if parts['d'] is not None:
        fill_discriminator(model.discriminator, parts['d'], fmt)
    else:
        notes['discriminator'] = 'none in the source: randomly initialised'
    notes.update(parts.get('notes') or {})
    return notes


def convert_to_model(src: str, fmt: str, *,
                     resolution: Optional[int] = None,
                     lr_multiplier: float = 0.01,
                     w_avg_samples: int = 10000) -> Tuple[nn.Module, dict]:
    """The mmlatent StyleGAN2 model (in memory) of ``src`` in format
    ``fmt``, and its ``meta`` (config text, what was converted)."""
    parts = read_source(src, fmt)
    model, cfg_text = build_model(parts, fmt, resolution, lr_multiplier)
    notes = fill_model(model, parts, fmt, w_avg_samples)
    return model, dict(cfg=cfg_text, converted_from=f'{fmt} checkpoint '
                       f'{src}', **notes)


def convert_checkpoint(src: str, dst: str, fmt: str, *,
                       resolution: Optional[int] = None,
                       lr_multiplier: float = 0.01,
                       w_avg_samples: int = 10000) -> dict:
    """Convert ``src`` (format ``fmt``) into an mmlatent StyleGAN2
    checkpoint at ``dst`` (written atomically); returns its ``meta``."""
    model, meta = convert_to_model(src, fmt, resolution=resolution,
                                   lr_multiplier=lr_multiplier,
                                   w_avg_samples=w_avg_samples)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    atomic_save(dict(state_dict=state, meta=meta), dst)
    return meta
