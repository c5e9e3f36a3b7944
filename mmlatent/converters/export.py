"""mmlatent StyleGAN2 -> rosinality stylegan2-pytorch ``.pt``.

Writes ``{'g_ema', 'g', 'd', 'latent_avg'}`` in rosinality's layout (see
:mod:`.layout`), so rosinality's ``generate.py``, ``projector.py``,
``closed_form_factorization.py`` and the tools built on them (GANSpace,
StyleCLIP, ...) load it with ``Generator(size, w_dim, n_mlp,
channel_multiplier)``. ``g`` is written only when the mmlatent generator
differs from its EMA (a trained checkpoint), ``d`` only when asked.
Converting the file back with ``--format rosinality`` gives identical
weights.
"""
import re
from typing import Dict, List, Optional

from torch import Tensor, nn

from ..models.ema import pick_generator
from ..models.loading import load_model
from ..models.stylegan2_layers import MinibatchStd
from ..utils.checkpoint import atomic_save
from ..utils.errors import CheckpointError
from .layout import (StateDict, discriminator_pairs, fir_buffers,
                     generator_pairs)


def _ros_shape(key: str, t: Tensor) -> List[int]:
    """rosinality's shape of the tensor stored under ``key``."""
    shape = list(t.shape)
    if key == 'input.input' or key.startswith('noises.'):
        return [1] * (4 - len(shape)) + shape
    if key.endswith('.noise.weight'):
        return [1]
    if key.endswith('.conv.weight'):
        return [1] + shape  # modulated conv weight [1, O, I, k, k]
    if re.match(r'^to_rgb(1|s\.\d+)\.bias$', key):
        return [1, shape[0], 1, 1]
    return shape


def check_exportable(G: nn.Module, drop_conv_clamp: bool = False) -> None:
    """One-line error when rosinality's Generator cannot reproduce ``G``."""
    if G.c_dim:
        raise CheckpointError(
            f'the generator is conditional (c_dim={G.c_dim}); rosinality\'s '
            'Generator has no condition input, so it cannot be exported')
    clamp = G.synthesis_net.blocks[0].conv1.conv_clamp
    if clamp is not None and not drop_conv_clamp:
        raise CheckpointError(
            f'the generator clamps activations (conv_clamp={clamp}), which '
            "rosinality's Generator does not; pass --drop-conv-clamp to "
            'export anyway (images may then differ)')


def generator_state(G: nn.Module) -> StateDict:
    """rosinality ``Generator`` state dict of the StyleGAN2Generator ``G``."""
    arch = dict(resolution=G.resolution,
                mapping_layers=len(G.mapping_net.fcs))
    sd = G.state_dict()
    out = {}
    for ros_key, key in generator_pairs(arch):
        t = sd[key].detach().cpu().clone()
        out[ros_key] = t.reshape(_ros_shape(ros_key, t))
    out.update({k: v.clone() for k, v in fir_buffers(arch, 'g').items()})
    return out


def discriminator_state(D: nn.Module) -> StateDict:
    """rosinality ``Discriminator`` state dict of a StyleGAN2Discriminator."""
    mbstd = D.mbstd
    if D.conv.conv_clamp is not None or not isinstance(mbstd, MinibatchStd) \
            or (mbstd.group_size, mbstd.num_channels) != (4, 1):
        raise CheckpointError('the discriminator uses conv_clamp or a '
                              'minibatch std other than groups of 4 with 1 '
                              "channel (rosinality's); export it with --no-d")
    arch = dict(resolution=D.resolution)
    sd = D.state_dict()
    out = {ros: sd[key].detach().cpu().clone()
           for ros, key in discriminator_pairs(arch)}
    out.update({k: v.clone() for k, v in fir_buffers(arch, 'd').items()})
    return out


def rosinality_args(G: nn.Module) -> str:
    """How rosinality's ``Generator`` is built for ``G``."""
    lr, m = G.mapping_net.fcs[0].lr_multiplier, G.channel_base / 16384
    if G.channel_max != 512 or m not in (1, 2):
        return (f'rosinality\'s Generator has channels min(16384 * '
                f'channel_multiplier // res, 512); these are min('
                f'{G.channel_base} // res, {G.channel_max}): edit its '
                'channels table to load this file')
    return (f'load with Generator({G.resolution}, {G.w_dim}, n_mlp='
            f'{len(G.mapping_net.fcs)}, channel_multiplier={m:g}, '
            f'lr_mlp={lr:g})')


def export_rosinality(src: str, dst: str, *, with_d: bool = True,
                      drop_conv_clamp: bool = False,
                      config: Optional[str] = None) -> Dict[str, str]:
    """Write the StyleGAN2 of the mmlatent checkpoint ``src`` as a
    rosinality ``.pt`` at ``dst`` (atomically); returns what was written."""
    model, _, _ = load_model(src, config=config)
    G = getattr(model, 'generator', None)
    if G is None or not hasattr(G, 'synthesis_net'):
        raise CheckpointError(f"'{src}' holds no StyleGAN2Generator; only "
                              'StyleGAN2 exports to rosinality')
    G_ema = pick_generator(model).G
    check_exportable(G_ema, drop_conv_clamp)
    out = dict(g_ema=generator_state(G_ema),
               latent_avg=G_ema.w_avg.detach().cpu().clone())
    written = dict(g_ema='the EMA generator' if G_ema is not G else
                   'the generator (no averaged EMA in the checkpoint)')
    if G_ema is not G:
        out['g'] = generator_state(G)
        written['g'] = 'the generator'
    if with_d and getattr(model, 'discriminator', None) is not None:
        out['d'] = discriminator_state(model.discriminator)
        written['d'] = 'the discriminator'
    written['args'] = rosinality_args(G_ema)
    atomic_save(out, dst)
    return written
