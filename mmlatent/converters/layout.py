"""rosinality / MMGeneration StyleGAN2 layouts: key names, architecture
from weight shapes, and the (source key, mmlatent key) correspondence.

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
import re
from typing import Dict, List, Tuple

from torch import Tensor

from ..models.stylegan2_layers import make_fir, stylegan2_channels
from ..utils.errors import CheckpointError

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
    n = arch['resolution'].bit_length() - 3
    if part == 'g':
        keys = [f'convs.{2 * b}.conv.blur.kernel' for b in range(n)] + \
            [f'to_rgbs.{b}.upsample.kernel' for b in range(n)]
        return {k: make_fir() * 4 for k in keys}
    return {f'convs.{i}.{m}.0.kernel': make_fir()
            for i in range(1, n + 1) for m in ('conv2', 'skip')}
