"""NVIDIA network pickles (stylegan2-ada-pytorch / stylegan3 layout).

No NVIDIA file is available offline, so the tests pickle stand-in networks
in NVIDIA's layout (``nvidia_standins``) and compare the converted
generator and discriminator with a reference forward written from NVIDIA's
semantics.
"""
import os
import subprocess
import sys
import types

import pytest
import torch
from mmengine.config import Config

from mmlatent.converters import convert_checkpoint
from mmlatent.models.gans.stylegan2 import StyleGAN2  # noqa: F401
from mmlatent.registry import MODELS
from mmlatent.utils.errors import CheckpointError
from nvidia_standins import (EVIL_SRC, RES, ROOT, Z, EasyDict, Stub, dump,
                             nv_discriminator, nv_generator,
                             ref_discriminator, ref_mapping, ref_synthesis)


# -- helpers -----------------------------------------------------------------
def load_converted(path):
    ckpt = torch.load(path, weights_only=True)
    model = MODELS.build(Config.fromstring(ckpt['meta']['cfg'], '.py').model)
    model.load_state_dict(ckpt['state_dict'])
    return model.eval(), ckpt['meta']


def check_generator(G, nv, c=None):
    gen = torch.Generator().manual_seed(1)
    n = 3 if c is None else c.shape[0]
    z = torch.randn(n, Z, generator=gen)
    noise = [torch.randn(n, 1, r, r, generator=gen) for r in
             [4, 8, 8, 16, 16]]
    const = [getattr(nv.synthesis, f'b{r}').conv1.noise_const if j == 0 or
             j % 2 == 0 else getattr(nv.synthesis, f'b{r}').conv0.noise_const
             for j, r in enumerate([4, 8, 8, 16, 16])]
    with torch.no_grad():
        ws_ref = ref_mapping(nv.mapping, z, c)
        assert (G.mapping(z, c) - ws_ref).abs().max() < 1e-5
        ref = ref_synthesis(nv.synthesis, ws_ref, noise)
        assert (G.synthesis(ws_ref, noise=noise) - ref).abs().max() < 1e-4
        ws_t = ref_mapping(nv.mapping, z, c, 0.7, 3)
        ref_t = ref_synthesis(nv.synthesis, ws_t, const)
        img = G(z, c, truncation_psi=0.7, truncation_cutoff=3,
                noise_mode='const')
    assert (img - ref_t).abs().max() < 1e-4
    return ref


# -- tests -----------------------------------------------------------------
def test_unconditional_pickle(tmp_path):
    """G, G_ema, D (conv_clamp active), augment pipe and dataset kwargs;
    the module source in the pickle tries a command and is never run."""
    marker = tmp_path / 'ran'
    src = EVIL_SRC.format(marker=marker)
    G = nv_generator(0, clamp=0.8, src=src)
    G_ema = nv_generator(1, clamp=0.8, src=src)
    D = nv_discriminator(2, clamp=0.5)
    pipe = Stub('AugmentPipe', src, xflip=1)
    pipe.register_buffer('p', torch.zeros([]))
    path = dump(dict(G=G, D=D, G_ema=G_ema, augment_pipe=pipe,
                     training_set_kwargs=EasyDict(resolution=RES)),
                 tmp_path / 'network-snapshot-000100.pkl')
    meta = convert_checkpoint(path, str(tmp_path / 'out.pth'), 'nvidia')
    assert not marker.exists()
    assert meta['w_avg'] == 'mapping.w_avg of the source'
    model, _ = load_converted(tmp_path / 'out.pth')
    assert model.generator.synthesis_net.blocks[0].conv1.conv_clamp == 0.8
    ref = check_generator(model.generator, G)
    for m in G.modules():  # the clamp matters here
        if hasattr(m, 'conv_clamp'):
            m.conv_clamp = None
    ws = ref_mapping(G.mapping, torch.randn(3, Z), None)
    noise = [torch.randn(3, 1, r, r) for r in [4, 8, 8, 16, 16]]
    with torch.no_grad():
        unclamped = ref_synthesis(G.synthesis, ws, noise)
        clamped = model.generator.synthesis(ws, noise=noise)
    assert (unclamped - clamped).abs().max() > 1e-3 and ref.shape[-1] == RES
    check_generator(model.generator_ema.module, G_ema)
    assert torch.equal(model.generator_ema.module.w_avg, G_ema.mapping.w_avg)
    img = torch.randn(4, 3, RES, RES)
    with torch.no_grad():
        assert (model.discriminator(img) - ref_discriminator(D, img)
                ).abs().max() < 1e-4


def test_conditional_pickle(tmp_path):
    G, D = nv_generator(3, c_dim=4), nv_discriminator(4, c_dim=4)
    path = dump(dict(G=G, D=D, G_ema=G), tmp_path / 'cond.pkl', protocol=4)
    meta = convert_checkpoint(path, str(tmp_path / 'out.pth'), 'nvidia')
    assert meta['discriminator'].startswith('not converted (the source D '
                                            'is conditional')
    model, _ = load_converted(tmp_path / 'out.pth')
    G2 = model.generator_ema.module
    assert G2.c_dim == 4 and G2.codes.cat_dims == [4]
    c = G2.make_c(torch.tensor([0, 3, 1]))
    check_generator(G2, G, c)


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_forbidden_global_is_refused(tmp_path):
    marker = tmp_path / 'ran'
    path = dump(dict(G=nv_generator(0), extra=Evil(marker)),
                tmp_path / 'evil.pkl')
    with pytest.raises(CheckpointError) as e:
        convert_checkpoint(path, str(tmp_path / 'out.pth'), 'nvidia')
    msg = str(e.value)
    assert msg.startswith(f"'{path}' refers to {os.system.__module__}."
                          'system, which an NVIDIA network pickle does not '
                          'need; refused (nothing from the file was run)')
    assert '\n' not in msg
    assert not marker.exists() and not (tmp_path / 'out.pth').exists()
    tool = os.path.join(ROOT, 'tools', 'convert_checkpoint.py')
    run = subprocess.run([sys.executable, tool, path, str(tmp_path / 'o.pth'),
                          '--format', 'nvidia'], capture_output=True,
                         text=True, cwd=ROOT)
    assert run.returncode == 2 and run.stdout == ''
    assert run.stderr.strip() == f'error: {msg}'
    assert not marker.exists() and not (tmp_path / 'o.pth').exists()


class TFNetwork:
    """Pickles as dnnlib.tflib.network.Network (a TensorFlow pickle)."""

    def __reduce__(self):
        return TFNetwork, ()


def test_tensorflow_pickle_is_named(tmp_path):
    mod = types.ModuleType('dnnlib.tflib.network')
    mod.Network = TFNetwork
    TFNetwork.__module__, TFNetwork.__qualname__ = mod.__name__, 'Network'
    sys.modules[mod.__name__] = mod
    try:
        path = dump((TFNetwork(), TFNetwork(), TFNetwork()),
                    tmp_path / 'tf.pkl')
    finally:
        sys.modules.pop(mod.__name__)
    with pytest.raises(CheckpointError, match='TensorFlow StyleGAN pickle '
                       r"\(dnnlib.tflib.network.Network\); convert it with "
                       "NVIDIA's stylegan2-ada-pytorch legacy.py"):
        convert_checkpoint(path, str(tmp_path / 'out.pth'), 'nvidia')


def test_stylegan3_and_resnet_generators_are_refused(tmp_path):
    G = nv_generator(0)
    G.synthesis.input = Stub('SynthesisInput')
    path = dump(dict(G_ema=G), tmp_path / 'sg3.pkl')
    with pytest.raises(CheckpointError, match='StyleGAN3 .*missing: the '
                       'Fourier-feature SynthesisInput'):
        convert_checkpoint(path, str(tmp_path / 'out.pth'), 'nvidia')
    G = nv_generator(0)
    G.synthesis.b8.architecture = 'resnet'
    path = dump(dict(G_ema=G), tmp_path / 'resnet.pkl')
    with pytest.raises(CheckpointError, match=r"architecture \['resnet', "
                       r"'skip'\]"):
        convert_checkpoint(path, str(tmp_path / 'out.pth'), 'nvidia')


def test_missing_tensor_is_listed(tmp_path):
    G = nv_generator(0)
    del G.synthesis.b8.conv0.noise_strength
    path = dump(dict(G_ema=G), tmp_path / 'x.pkl')
    with pytest.raises(CheckpointError, match='missing: synthesis.b8.conv0.'
                       'noise_strength'):
        convert_checkpoint(path, str(tmp_path / 'out.pth'), 'nvidia')
