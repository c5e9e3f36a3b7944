"""NVIDIA stylegan2-ada-pytorch / stylegan3 StyleGAN2 networks -> mmlatent.

Layout (read from NVIDIA's ``training/networks.py``; names are
``state_dict()`` keys of the persistent modules, see :mod:`.nvidia_pickle`):

* ``Generator``: ``mapping`` (``MappingNetwork``: ``embed`` [w_dim, c_dim]
  when conditional, ``fc{i}`` ``weight`` [out, in] / ``bias``, buffer
  ``w_avg``) and ``synthesis`` (``SynthesisNetwork``: blocks ``b4`` ... ``bR``
  of ``SynthesisBlock``; ``b4.const`` [C, 4, 4]; ``conv0`` (up-sampling, not
  in ``b4``) and ``conv1`` (``SynthesisLayer``: ``affine.{weight,bias}``,
  ``weight`` [O, I, 3, 3], ``bias``, ``noise_strength``, ``noise_const``
  [r, r], ``resample_filter``), ``torgb`` (``ToRGBLayer``: ``affine``,
  ``weight`` [C, I, 1, 1], ``bias``); ``resample_filter`` [4, 4] buffers).
  The arithmetic equals mmlatent's StyleGAN2Generator (skip architecture)
  with NVIDIA's ``conv_clamp`` (activations clamped to +-256 in the
  stylegan2-ada configs) and the conditional mapping ``[norm(z) |
  norm(embed(c))]``. NVIDIA runs the top ``num_fp16_res`` blocks in float16
  on GPUs; mmlatent computes in float32 (NVIDIA's ``force_fp32=True``).
* ``Discriminator`` (resnet): ``b{R}.fromrgb``, ``b{r}.conv0`` / ``conv1``
  (down) / ``skip`` (``Conv2dLayer``: ``weight``, ``bias``), epilogue
  ``b4.conv`` / ``fc`` / ``out`` and ``b4.mbstd`` (group size, channels);
  conditional ones add ``mapping`` (projection), which mmlatent's
  StyleGAN2Discriminator has not: such a D is left randomly initialised.

Hyper-parameters absent from the weights are read from the modules' stored
attributes (``bias_gain`` = mapping lr multiplier, ``conv_clamp``,
``architecture``, ``activation``, ``mbstd`` group size); none of the
pickled source code is run.
"""
from typing import Dict, List, Optional, Tuple

from torch import Tensor

from ..models.stylegan2_layers import make_fir
from ..utils.errors import CheckpointError
from .layout import StateDict, fit_channels
from .nvidia_pickle import PersistentStub, flatten, load_nvidia_pickle

Modules = Dict[str, PersistentStub]
STYLEGAN3_MISSING = ('the Fourier-feature SynthesisInput, the alias-free '
                     'filtered_lrelu up/down-sampling layers and their '
                     'magnitude EMA')


# -- reading -----------------------------------------------------------------
def read_nvidia(path: str) -> dict:
    """Source parts of an NVIDIA pickle: ``g``, ``g_ema``, ``d`` (NVIDIA
    state dicts or None), ``g_args`` / ``d_args`` (mmlatent network
    arguments) and ``notes``."""
    data = load_nvidia_pickle(path)
    nets = {k: data.get(k) for k in ('G', 'G_ema', 'D')}
    if nets['G'] is None and nets['G_ema'] is None:
        raise CheckpointError(f"'{path}' holds no 'G' or 'G_ema' network "
                              f'(keys: {sorted(map(str, data))[:10]})')
    parts = dict(g=None, g_ema=None, d=None, latent_avg=None, notes={})
    for key, name in (('G', 'g'), ('G_ema', 'g_ema')):
        if nets[key] is not None:
            sd, args = generator_source(nets[key], key)
            if parts.get('g_args', args) != args:
                raise CheckpointError(f"G and G_ema differ in their options "
                                      f"({parts['g_args']} vs {args})")
            parts[name], parts['g_args'] = sd, args
    parts['notes']['w_avg'] = 'mapping.w_avg of the source'
    d = nets['D']
    if d is not None:
        why = unsupported_discriminator(d)
        if why:
            parts['notes']['discriminator'] = \
                f'not converted ({why}): randomly initialised'
        else:
            parts['d'], parts['d_args'] = discriminator_source(d)
    return parts


def _stub(obj, what: str, class_name: str) -> PersistentStub:
    if not isinstance(obj, PersistentStub) or obj.class_name != class_name:
        found = getattr(obj, 'class_name', type(obj).__name__)
        raise CheckpointError(f'{what} is a {found}, expected NVIDIA\'s '
                              f'persistent {class_name}')
    return obj


def check_stylegan2(G: PersistentStub, what: str, modules: Modules) -> None:
    """Refuse StyleGAN3 and non-skip StyleGAN2 generators (one line)."""
    names = {m.class_name for m in modules.values()}
    if 'SynthesisInput' in names or 'class SynthesisInput' in G.module_src:
        raise CheckpointError(
            f'{what} is a StyleGAN3 (alias-free) generator; mmlatent has no '
            f'StyleGAN3 generator (missing: {STYLEGAN3_MISSING}); only '
            'StyleGAN2 networks (stylegan2-ada-pytorch, stylegan3 '
            '--cfg=stylegan2) convert')
    archs = {m.attr('architecture') for p, m in modules.items()
             if m.class_name == 'SynthesisBlock'}
    if archs != {'skip'}:
        raise CheckpointError(
            f'{what} has synthesis architecture {sorted(map(str, archs))};'
            " mmlatent's StyleGAN2Generator is the 'skip' architecture "
            '(config F)')
    acts = {m.attr('activation') for m in modules.values()
            if m.class_name == 'SynthesisLayer'}
    acts |= {m.attr('activation') for p, m in modules.items()
             if p.startswith('mapping.fc')}
    if acts != {'lrelu'}:
        raise CheckpointError(f'{what} uses activations {sorted(acts)}; '
                              'mmlatent supports lrelu only')


def _one(values: set, what: str):
    if len(values) != 1:
        raise CheckpointError(f'{what} differs between layers: '
                              f'{sorted(map(str, values))}')
    return values.pop()


def generator_source(obj, what: str) -> Tuple[StateDict, dict]:
    """NVIDIA state dict and StyleGAN2Generator arguments of ``G``."""
    G = _stub(obj, what, 'Generator')
    sd, modules = flatten(G)
    check_stylegan2(G, what, modules)
    n_map = sum(1 for p in modules if p.startswith('mapping.fc'))
    fc0, last = sd.get('mapping.fc0.weight'), \
        sd.get(f'mapping.fc{n_map - 1}.weight')
    if fc0 is None or 'synthesis.b4.const' not in sd:
        raise CheckpointError(f'{what} has no mapping.fc0 or synthesis.b4 '
                              "(not NVIDIA's StyleGAN2 layout)")
    w_dim = last.shape[0]
    hidden = {sd[f'mapping.fc{i}.weight'].shape[0] for i in range(n_map)}
    if hidden != {w_dim}:
        raise CheckpointError(f'{what} mapping layer widths {sorted(hidden)}'
                              f' differ from w_dim {w_dim} (layer_features)'
                              '; mmlatent needs them equal')
    embed = sd.get('mapping.embed.weight')
    c_dim = 0 if embed is None else embed.shape[1]
    e_dim = 0 if embed is None else embed.shape[0]
    res = max(int(p[len('synthesis.b'):]) for p in modules
              if p.startswith('synthesis.b') and '.' not in p[10:])
    ch = {4: sd['synthesis.b4.const'].shape[0]}
    ch.update({r: sd[f'synthesis.b{r}.conv1.weight'].shape[0]
               for r in _resolutions(res)[1:]})
    base, cmax = fit_channels(ch, f'{what} synthesis')
    layers = [m for m in modules.values() if m.class_name in
              ('SynthesisLayer', 'ToRGBLayer')]
    args = dict(resolution=res, z_dim=fc0.shape[1] - e_dim, w_dim=w_dim,
                mapping_layers=n_map, channel_base=base, channel_max=cmax,
                out_channels=sd[f'synthesis.b{res}.torgb.weight'].shape[0],
                lr_multiplier=float(modules['mapping.fc0'].attr(
                    'bias_gain', 0.01)),
                c_dim=int(c_dim), embed_features=int(e_dim) or None,
                conv_clamp=_one({_float(m.attr('conv_clamp')) for m in
                                 layers}, f'{what} conv_clamp'))
    beta = modules['mapping'].attr('w_avg_beta')
    if beta is not None:
        args['w_avg_beta'] = float(beta)
    return sd, args


def _float(v) -> Optional[float]:
    return None if v is None else float(v)


def _resolutions(res: int) -> List[int]:
    return [4 << i for i in range(res.bit_length() - 3 + 1)]


def unsupported_discriminator(D) -> str:
    """Why ``D`` cannot become a StyleGAN2Discriminator ('' if it can)."""
    if not isinstance(D, PersistentStub) or D.class_name != 'Discriminator':
        return f'D is a {getattr(D, "class_name", type(D).__name__)}'
    if 'mapping' in D.children():
        return ('the source D is conditional (projection on the mapped c);'
                " mmlatent's StyleGAN2Discriminator is unconditional")
    _, modules = flatten(D)
    archs = {m.attr('architecture') for m in modules.values()
             if m.class_name in ('DiscriminatorBlock',
                                 'DiscriminatorEpilogue')}
    if archs != {'resnet'}:
        return f'D architecture {sorted(map(str, archs))} is not resnet'
    return ''


def discriminator_source(D: PersistentStub) -> Tuple[StateDict, dict]:
    """NVIDIA state dict and StyleGAN2Discriminator arguments of ``D``."""
    sd, modules = flatten(D)
    res = max(int(p[1:]) for p in modules if p.startswith('b')
              and '.' not in p)
    ch = {r: sd[f'b{r}.conv0.weight'].shape[0]
          for r in _resolutions(res)[1:]}
    ch[4] = sd['b4.conv.weight'].shape[0]
    base, cmax = fit_channels(ch, 'D')
    mbstd = modules.get('b4.mbstd')
    group = None if mbstd is None else mbstd.attr('group_size')
    convs = [m for p, m in modules.items() if m.class_name == 'Conv2dLayer'
             and not p.endswith('skip')]
    args = dict(resolution=res,
                in_channels=sd[f'b{res}.fromrgb.weight'].shape[1],
                channel_base=base, channel_max=cmax,
                mbstd_group_size=0 if mbstd is None else int(group or 1 << 30),
                mbstd_num_channels=1 if mbstd is None else int(
                    mbstd.attr('num_channels', 1)),
                conv_clamp=_one({_float(m.attr('conv_clamp'))
                                 for m in convs}, 'D conv_clamp'))
    return sd, args


# -- key correspondence ------------------------------------------------------
def generator_pairs(arch: dict) -> List[Tuple[str, str]]:
    """``(NVIDIA key, mmlatent key)`` of every generator tensor."""
    pairs = [(f'mapping.fc{i}.{p}', f'mapping_net.fcs.{i}.{p}')
             for i in range(arch['mapping_layers'])
             for p in ('weight', 'bias')]
    if arch['c_dim']:
        pairs += [(f'mapping.embed.{p}', f'mapping_net.embed.{p}')
                  for p in ('weight', 'bias')]
    pairs += [('mapping.w_avg', 'w_avg'),
              ('synthesis.b4.const', 'synthesis_net.const')]
    for k, r in enumerate(_resolutions(arch['resolution'])):
        src, dst = f'synthesis.b{r}', f'synthesis_net.blocks.{k}'
        for conv in (['conv1'] if r == 4 else ['conv0', 'conv1']):
            pairs += [(f'{src}.{conv}.{p}', f'{dst}.{conv}.{p}') for p in (
                'affine.weight', 'affine.bias', 'weight', 'bias',
                'noise_strength', 'noise_const')]
        pairs += [(f'{src}.torgb.{p}', f'{dst}.torgb.{p}') for p in (
            'affine.weight', 'affine.bias', 'weight', 'bias')]
    return pairs


def discriminator_pairs(arch: dict) -> List[Tuple[str, str]]:
    """``(NVIDIA key, mmlatent key)`` of every discriminator tensor."""
    res = arch['resolution']
    pairs = [(f'b{res}.fromrgb.{p}', f'from_rgb.{p}')
             for p in ('weight', 'bias')]
    for i, r in enumerate(reversed(_resolutions(res)[1:])):
        pairs += [(f'b{r}.{c}.{p}', f'blocks.{i}.{c}.{p}')
                  for c in ('conv0', 'conv1') for p in ('weight', 'bias')]
        pairs.append((f'b{r}.skip.weight', f'blocks.{i}.skip.weight'))
    return pairs + [(f'b4.{m}.{p}', f'{m}.{p}') for m in ('conv', 'fc', 'out')
                    for p in ('weight', 'bias')]


def fir_buffers(arch: dict, part: str) -> Dict[str, Tensor]:
    """NVIDIA's ``resample_filter`` buffers (setup_filter([1, 3, 3, 1]),
    summing to 1): checked, not copied."""
    res = _resolutions(arch['resolution'])
    if part == 'g':
        keys = [f'synthesis.b{r}.resample_filter' for r in res] + \
            [f'synthesis.b{r}.{c}.resample_filter' for r in res
             for c in (['conv1'] if r == 4 else ['conv0', 'conv1'])]
    else:
        keys = [f'b{arch["resolution"]}.fromrgb.resample_filter',
                'b4.conv.resample_filter'] + \
            [f'b{r}.{m}' for r in res[1:] for m in (
                'resample_filter', 'conv0.resample_filter',
                'conv1.resample_filter', 'skip.resample_filter')]
    return {k: make_fir() for k in keys}
