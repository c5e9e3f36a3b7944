"""Convert StyleGAN2 checkpoints of rosinality's stylegan2-pytorch and of
MMGeneration 0.x into mmlatent ``StyleGAN2`` checkpoints.

Source layouts (both share rosinality's architecture and arithmetic):

* ``rosinality``: a ``.pt`` dict with ``g_ema`` (and ``g``, ``d`` from
  training runs; ``latent_avg`` from converted official weights). Keys
  ``style.{1..n}.weight``, ``input.input``, ``conv1.*``, ``convs.{i}.*``
  (``conv.weight``, ``conv.modulation.*``, ``noise.weight``,
  ``activate.bias``), ``to_rgb1.*``, ``to_rgbs.{i}.*``, ``noises.noise_{i}``.
* ``mmgen``: a ``.pth`` whose ``state_dict`` holds ``generator.``,
  ``generator_ema.`` and ``discriminator.`` entries of
  ``StyleGANv2Generator`` / ``StyleGAN2Discriminator`` (equalised-lr
  weights stored as ``*.weight_orig``; noise as ``injected_noise_{i}``).

The architecture (resolution, channels, mapping depth, ``w_dim``) is read
from the weight shapes. Every source key must map onto exactly one mmlatent
parameter or buffer of the same shape (up to singleton dimensions);
otherwise :class:`CheckpointError` lists the unmatched keys. The mapping
learning-rate multiplier is not stored in the weights (default 0.01).
"""
import argparse
import re
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.config import Config
from torch import Tensor, nn

from .args import CONVERT_FORMATS
from .checkpoint import atomic_save, load_checkpoint_file
from .errors import CheckpointError

FORMATS = CONVERT_FORMATS
StateDict = Dict[str, Tensor]

#: rosinality key pattern -> MMGeneration key (applied in order).
MMGEN_RENAMES = [
    (r'^style\.(\d+)\.weight$', r'style_mapping.\1.linear.weight_orig'),
    (r'^style\.(\d+)\.bias$', r'style_mapping.\1.bias'),
    (r'^input\.input$', 'constant_input.input'),
    (r'^noises\.noise_(\d+)$', r'injected_noise_\1'),
    (r'\.conv\.modulation\.weight$', '.conv.style_modulation.linear.'
     'weight_orig'),
    (r'\.conv\.modulation\.bias$', '.conv.style_modulation.bias'),
    (r'\.noise\.weight$', '.noise_injector.weight'),
    (r'^(conv1|convs\.\d+|to_rgb1|to_rgbs\.\d+)\.conv\.weight$',
     r'\1.conv.weight_orig'),
    (r'^final_linear\.(\d)\.weight$', r'final_linear.\1.linear.weight_orig'),
    (r'^(.*\.\d)\.weight$', r'\1.conv.weight_orig'),  # D convs
]


def source_key(ros_key: str, fmt: str) -> str:
    """The name of rosinality's ``ros_key`` in format ``fmt``."""
    if fmt == 'rosinality':
        return ros_key
    for pattern, repl in MMGEN_RENAMES:
        if re.search(pattern, ros_key):
            return re.sub(pattern, repl, ros_key)
    return ros_key


# -- reading sources --------------------------------------------------------
def read_source(path: str, fmt: str) -> Dict[str, Optional[StateDict]]:
    """``{'g', 'g_ema', 'd': state dict or None, 'latent_avg': tensor or
    None}`` from a checkpoint in format ``fmt``."""
    if fmt not in FORMATS:
        raise CheckpointError(f"--format '{fmt}' is not one of {FORMATS}")
    with torch.serialization.safe_globals([argparse.Namespace]):
        ckpt = load_checkpoint_file(path)
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"'{path}' holds a {type(ckpt).__name__}, "
                              'not a checkpoint dict')
    parts = _rosinality_parts(ckpt) if fmt == 'rosinality' \
        else _mmgen_parts(ckpt)
    if parts['g'] is None and parts['g_ema'] is None:
        raise CheckpointError(
            f"'{path}' holds no {fmt} generator (keys: "
            f'{sorted(ckpt)[:10]}); check --format')
    return parts


def _rosinality_parts(ckpt: dict) -> Dict[str, Optional[StateDict]]:
    avg = ckpt.get('latent_avg')
    return dict(g=ckpt.get('g'), g_ema=ckpt.get('g_ema'), d=ckpt.get('d'),
                latent_avg=avg if torch.is_tensor(avg) else None)


def _mmgen_parts(ckpt: dict) -> Dict[str, Optional[StateDict]]:
    sd = ckpt.get('state_dict', ckpt)
    prefixes = dict(g='generator.', g_ema='generator_ema.',
                    d='discriminator.')
    parts = {}
    for name, prefix in prefixes.items():
        sub = {k[len(prefix):]: v for k, v in sd.items()
               if k.startswith(prefix)}
        parts[name] = sub or None
    parts['latent_avg'] = None
    return parts


def _aliased(sd: StateDict, fmt: str) -> StateDict:
    """Accept MMGeneration noise buffers named ``noises.noise_{i}``."""
    if fmt != 'mmgen':
        return sd
    return {re.sub(r'^noises\.noise_(\d+)$', r'injected_noise_\1', k): v
            for k, v in sd.items()}


# -- architecture from weight shapes ----------------------------------------
def _get(sd: StateDict, ros_key: str, fmt: str, what: str) -> Tensor:
    key = source_key(ros_key, fmt)
    if key not in sd:
        raise CheckpointError(
            f"the {what} has no key '{key}'; it is not a {fmt} StyleGAN2 "
            'state dict (check --format)')
    return sd[key]


def _count(sd: StateDict, ros_pattern: str, fmt: str, start: int = 0) -> int:
    """How many consecutive indices from ``start`` fill ``ros_pattern``."""
    i = start
    while source_key(ros_pattern.format(i), fmt) in sd:
        i += 1
    return i - start


def fit_channels(channels: Dict[int, int], what: str) -> Tuple[int, int]:
    """``(channel_base, channel_max)`` reproducing ``{res: channels}``."""
    from ..models.stylegan2_layers import stylegan2_channels
    top = max(channels)
    base, cmax = channels[top] * top, max(channels.values())
    if any(stylegan2_channels(r, base, cmax) != c
           for r, c in channels.items()):
        raise CheckpointError(
            f'the {what} channels {channels} are not min(channel_base // '
            'res, channel_max) for any channel_base, channel_max')
    return base, cmax


def infer_generator(sd: StateDict, fmt: str) -> dict:
    """StyleGAN2Generator arguments from a generator state dict."""
    what = 'generator'
    fc = _get(sd, 'style.1.weight', fmt, what)
    n_blocks = _count(sd, 'to_rgbs.{}.bias', fmt) + 1
    ch = {4: _get(sd, 'input.input', fmt, what).shape[1]}
    for b in range(1, n_blocks):
        w = _get(sd, f'convs.{2 * b - 2}.conv.weight', fmt, what)
        ch[4 << b] = w.shape[1]
    base, cmax = fit_channels(ch, what)
    rgb = _get(sd, 'to_rgb1.conv.weight', fmt, what)
    return dict(resolution=4 << (n_blocks - 1), z_dim=fc.shape[1],
                w_dim=fc.shape[0],
                mapping_layers=_count(sd, 'style.{}.weight', fmt, 1),
                channel_base=base, channel_max=cmax,
                out_channels=rgb.shape[1])


def infer_discriminator(sd: StateDict, fmt: str) -> dict:
    """StyleGAN2Discriminator arguments from a discriminator state dict."""
    what = 'discriminator'
    rgb = _get(sd, 'convs.0.0.weight', fmt, what)
    n_blocks = _count(sd, 'convs.{}.conv1.0.weight', fmt, 1)
    res = 4 << n_blocks
    ch = {res: rgb.shape[0]}
    for i in range(1, n_blocks + 1):
        w = _get(sd, f'convs.{i}.conv2.1.weight', fmt, what)
        ch[res >> i] = w.shape[0]
    base, cmax = fit_channels(ch, what)
    final = _get(sd, 'final_conv.0.weight', fmt, what)
    return dict(resolution=res, in_channels=rgb.shape[1], channel_base=base,
                channel_max=cmax,
                mbstd_num_channels=final.shape[1] - ch[4])


# -- key correspondence -----------------------------------------------------
def generator_pairs(arch: dict) -> List[Tuple[str, str]]:
    """``(rosinality key, mmlatent key)`` of every generator tensor."""
    pairs = [(f'style.{i + 1}.{p}', f'mapping_net.fcs.{i}.{p}')
             for i in range(arch['mapping_layers']) for p in ('weight',
                                                              'bias')]
    pairs.append(('input.input', 'synthesis_net.const'))
    n_blocks = (arch['resolution'].bit_length() - 1) - 1
    for j in range(2 * n_blocks - 1):
        src = 'conv1' if j == 0 else f'convs.{j - 1}'
        dst = 'synthesis_net.blocks.0.conv1' if j == 0 else \
            f'synthesis_net.blocks.{(j + 1) // 2}.conv{1 - j % 2}'
        pairs += [(f'{src}.conv.weight', f'{dst}.weight'),
                  (f'{src}.conv.modulation.weight', f'{dst}.affine.weight'),
                  (f'{src}.conv.modulation.bias', f'{dst}.affine.bias'),
                  (f'{src}.noise.weight', f'{dst}.noise_strength'),
                  (f'{src}.activate.bias', f'{dst}.bias'),
                  (f'noises.noise_{j}', f'{dst}.noise_const')]
    for b in range(n_blocks):
        src = 'to_rgb1' if b == 0 else f'to_rgbs.{b - 1}'
        dst = f'synthesis_net.blocks.{b}.torgb'
        pairs += [(f'{src}.conv.weight', f'{dst}.weight'),
                  (f'{src}.conv.modulation.weight', f'{dst}.affine.weight'),
                  (f'{src}.conv.modulation.bias', f'{dst}.affine.bias'),
                  (f'{src}.bias', f'{dst}.bias')]
    return pairs


def discriminator_pairs(arch: dict) -> List[Tuple[str, str]]:
    """``(rosinality key, mmlatent key)`` of every discriminator tensor."""
    pairs = [('convs.0.0.weight', 'from_rgb.weight'),
             ('convs.0.1.bias', 'from_rgb.bias')]
    for i in range(1, arch['resolution'].bit_length() - 2):
        src, dst = f'convs.{i}', f'blocks.{i - 1}'
        pairs += [(f'{src}.conv1.0.weight', f'{dst}.conv0.weight'),
                  (f'{src}.conv1.1.bias', f'{dst}.conv0.bias'),
                  (f'{src}.conv2.1.weight', f'{dst}.conv1.weight'),
                  (f'{src}.conv2.2.bias', f'{dst}.conv1.bias'),
                  (f'{src}.skip.1.weight', f'{dst}.skip.weight')]
    return pairs + [
        ('final_conv.0.weight', 'conv.weight'),
        ('final_conv.1.bias', 'conv.bias'),
        ('final_linear.0.weight', 'fc.weight'),
        ('final_linear.0.bias', 'fc.bias'),
        ('final_linear.1.weight', 'out.weight'),
        ('final_linear.1.bias', 'out.bias')]


def fir_buffers(arch: dict, part: str) -> Dict[str, Tensor]:
    """Constant FIR kernels the source stores as buffers (rosinality key
    -> expected value); they are checked, not copied."""
    from ..models.stylegan2_layers import make_fir
    n = arch['resolution'].bit_length() - 3
    if part == 'g':
        keys = [f'convs.{2 * b}.conv.blur.kernel' for b in range(n)] + \
            [f'to_rgbs.{b}.upsample.kernel' for b in range(n)]
        return {k: make_fir() * 4 for k in keys}
    return {f'convs.{i}.{m}.0.kernel': make_fir()
            for i in range(1, n + 1) for m in ('conv2', 'skip')}


def _nonsingleton(shape) -> List[int]:
    return [d for d in shape if d != 1]


def _listed(label: str, keys: List[str], limit: int = 30) -> str:
    more = f' ... and {len(keys) - limit} more' if len(keys) > limit else ''
    return f"{label}: {', '.join(keys[:limit])}{more}"


def map_state_dict(src: StateDict, pairs: List[Tuple[str, str]],
                   constants: Dict[str, Tensor], target: nn.Module,
                   fmt: str, what: str) -> StateDict:
    """``target``'s state dict filled from ``src``; raises CheckpointError
    listing missing, unexpected, mis-shaped and altered-constant keys."""
    ref = target.state_dict()
    out, missing, shapes, used = {}, [], [], set()
    for ros_key, dst in pairs:
        key = source_key(ros_key, fmt)
        if key not in src:
            missing.append(key)
            continue
        used.add(key)
        t = src[key]
        if _nonsingleton(t.shape) != _nonsingleton(ref[dst].shape):
            shapes.append(f'{key} {tuple(t.shape)} (expected '
                          f'{tuple(ref[dst].shape)})')
            continue
        out[dst] = t.detach().reshape(ref[dst].shape).to(ref[dst].dtype)
    constants = {source_key(k, fmt): v for k, v in constants.items()}
    altered = [k for k, v in constants.items() if k in src and not (
        src[k].shape == v.shape and torch.allclose(src[k].float(), v))]
    used |= set(constants)
    problems = [_listed(label, keys) for label, keys in (
        ('missing', missing), ('unexpected', sorted(set(src) - used)),
        ('wrong shape', shapes), ('FIR kernel is not [1, 3, 3, 1]',
                                  altered)) if keys]
    if problems:
        raise CheckpointError(f'the {fmt} {what} does not match the '
                              'mmlatent StyleGAN2 layout; '
                              + '; '.join(problems))
    return out


# -- building the converted model -------------------------------------------
def stylegan2_config(g_args: dict, d_args: dict) -> str:
    """Config text (Python) of a StyleGAN2 model with these networks."""
    model = dict(type='StyleGAN2',
                 generator=dict(type='StyleGAN2Generator', **g_args),
                 discriminator=dict(type='StyleGAN2Discriminator', **d_args),
                 ema=dict(half_life_images=10000))
    return Config(dict(default_scope='mmlatent', model=model)).pretty_text


@torch.no_grad()
def estimate_w_avg(G: nn.Module, num_samples: int = 10000,
                   seed: int = 0) -> Tensor:
    """Mean of ``w`` over ``num_samples`` z drawn with ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    total = torch.zeros(G.w_dim)
    for n in [1000] * (num_samples // 1000) + [num_samples % 1000]:
        if n:
            total += G.mapping_net(G.sample_z(n, gen)).sum(0)
    return total / num_samples


def _load(module: nn.Module, sd: StateDict, what: str) -> None:
    try:
        module.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f'converted {what} does not load: '
                              f'{str(e).splitlines()[0]}') from e


def build_model(parts: Dict[str, Optional[StateDict]], fmt: str,
                resolution: Optional[int] = None,
                lr_multiplier: float = 0.01) -> Tuple[nn.Module, str]:
    """An untrained StyleGAN2 model shaped like the source, and its config
    text."""
    from ..models.gans.stylegan2 import StyleGAN2  # noqa: F401 (registers)
    from ..registry import MODELS
    g_sd = parts['g_ema'] if parts['g_ema'] is not None else parts['g']
    g_args = infer_generator(_aliased(g_sd, fmt), fmt)
    g_args['lr_multiplier'] = lr_multiplier
    res = g_args['resolution']
    if resolution is not None and resolution != res:
        raise CheckpointError(f'--resolution {resolution} but the generator'
                              f' weights are for {res} px')
    d_args = dict(resolution=res, in_channels=g_args['out_channels'],
                  channel_base=g_args['channel_base'],
                  channel_max=g_args['channel_max'])
    if parts['d'] is not None:
        d_args = infer_discriminator(parts['d'], fmt)
        if d_args['resolution'] != res:
            raise CheckpointError(
                f"the discriminator is for {d_args['resolution']} px, the "
                f'generator for {res} px')
    cfg_text = stylegan2_config(g_args, d_args)
    model = MODELS.build(Config.fromstring(cfg_text, '.py').model)
    return model, cfg_text


def load_generator(G: nn.Module, sd: StateDict, fmt: str,
                   w_avg: Optional[Tensor], what: str,
                   w_avg_samples: int = 10000) -> None:
    """Fill the StyleGAN2Generator ``G`` from a source state dict; without
    ``w_avg`` it is estimated from G's own mapping network."""
    arch = dict(resolution=G.resolution,
                mapping_layers=len(G.mapping_net.fcs))
    out = map_state_dict(_aliased(sd, fmt), generator_pairs(arch),
                         fir_buffers(arch, 'g'), G, fmt, what)
    out['w_avg'] = torch.zeros(G.w_dim) if w_avg is None \
        else w_avg.reshape(G.w_dim)
    _load(G, out, what)
    if w_avg is None:
        G.w_avg.copy_(estimate_w_avg(G, w_avg_samples))


def load_discriminator(D: nn.Module, sd: StateDict, fmt: str) -> None:
    """Fill the StyleGAN2Discriminator ``D`` from a source state dict."""
    arch = dict(resolution=D.resolution)
    out = map_state_dict(sd, discriminator_pairs(arch), fir_buffers(
        arch, 'd'), D, fmt, 'discriminator')
    _load(D, out, 'discriminator')


def fill_model(model: nn.Module, parts: Dict[str, Optional[StateDict]],
               fmt: str, w_avg_samples: int = 10000) -> Dict[str, str]:
    """Load the source networks into ``model``; returns notes for meta."""
    g, g_ema, avg = parts['g'], parts['g_ema'], parts['latent_avg']
    load_generator(model.generator, g if g is not None else g_ema, fmt,
                   avg, 'generator', w_avg_samples)
    ema = model.generator_ema
    load_generator(ema.module, g_ema if g_ema is not None else g, fmt,
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
        load_discriminator(model.discriminator, parts['d'], fmt)
    else:
        notes['discriminator'] = 'none in the source: randomly initialised'
    return notes


def convert_checkpoint(src: str, dst: str, fmt: str, *,
                       resolution: Optional[int] = None,
                       lr_multiplier: float = 0.01,
                       w_avg_samples: int = 10000) -> dict:
    """Convert ``src`` (format ``fmt``) into an mmlatent StyleGAN2
    checkpoint at ``dst`` (written atomically); returns its ``meta``."""
    parts = read_source(src, fmt)
    model, cfg_text = build_model(parts, fmt, resolution, lr_multiplier)
    notes = fill_model(model, parts, fmt, w_avg_samples)
    meta = dict(cfg=cfg_text, converted_from=f'{fmt} checkpoint {src}',
                **notes)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    atomic_save(dict(state_dict=state, meta=meta), dst)
    return meta
