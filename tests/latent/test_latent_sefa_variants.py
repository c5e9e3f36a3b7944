"""SeFa variants (mmgen / rosinality / genforce) and the edit order."""
import pytest
import torch

from mmlatent.converters import generator_pairs
from mmlatent.latent.sefa import apply_edit, load_or_compute, variant_weights
from mmlatent.models.generators import StyleGAN2Generator
from mmlatent.utils.errors import ConfigError
from test_convert import rosinality_generator

W = 4


def tiny(**kw):
    return StyleGAN2Generator(resolution=16, z_dim=W, w_dim=W,
                              mapping_layers=1, channel_base=64,
                              channel_max=8, **kw)


def hand_built():
    """Conv affines along e0 (|row| 3), the 4x4 toRGB along e1 (10), the
    output toRGB along e2 (20), the middle toRGB along e3 (100)."""
    G = tiny()
    rows = {'conv': (0, 3.0)}
    with torch.no_grad():
        for i, kind, affine in G.layer_affines():
            axis, size = rows['conv'] if kind == 'conv' else \
                {1: (1, 10.0), G.num_ws - 1: (2, 20.0)}.get(i, (3, 100.0))
            affine.weight.zero_()
            affine.weight[:, axis] = size / affine.weight_gain
    return G


def counts(G):
    conv = sum(a.weight.shape[0] for _, k, a in G.layer_affines()
               if k == 'conv')
    last = G.synthesis_net.blocks[-1].torgb.affine.weight.shape[0]
    first = G.synthesis_net.blocks[0].torgb.affine.weight.shape[0]
    return conv, first, last


def test_variants_give_their_closed_form_directions():
    G = hand_built()
    conv, first, last = counts(G)
    e = torch.eye(W)
    expected = {  # eigenvalues of A^T A along e0..e3
        'mmgen': [9.0 * conv, 0, 0, 0],
        'rosinality': [9.0 * conv, 100.0 * first, 0, 0],
        'genforce': [float(conv), 0, float(last), 0]}
    for variant, values in expected.items():
        V, ev = load_or_compute(G, variant=variant)
        want = torch.tensor(values)
        assert torch.allclose(ev, want.sort(descending=True).values,
                              rtol=1e-4, atol=1e-3), variant
        top = [i for i in want.argsort(descending=True) if want[i] > 0]
        for row, axis in enumerate(top):
            assert abs(float(V[row] @ e[axis])) > 0.9999, (variant, row)


def test_rosinality_variant_matches_closed_form_factorization():
    """closed_form_factorization.py on the same weights: the modulation
    weights with 'modulation' and 'weight' in the key but not 'to_rgbs',
    stacked, right singular vectors of torch.svd."""
    sd = rosinality_generator(5)
    G = StyleGAN2Generator(resolution=32, z_dim=16, w_dim=16,
                           mapping_layers=2, channel_base=128,
                           channel_max=16)
    arch = dict(resolution=32, mapping_layers=2)
    state = G.state_dict()
    with torch.no_grad():
        for ros, key in generator_pairs(arch):
            state[key].copy_(sd[ros].reshape(state[key].shape))
    W_ros = torch.cat([v for k, v in sd.items() if 'modulation' in k and
                       'to_rgbs' not in k and 'weight' in k], 0)
    eigvec = torch.svd(W_ros.double()).V.float()
    V, _ = load_or_compute(G, variant='rosinality')
    cos = (V[:10] * eigvec[:, :10].t()).sum(1).abs()
    assert cos.min() >= 0.9999, cos
    V_mm, _ = load_or_compute(G, variant='mmgen')
    assert (V_mm[:3] * eigvec[:, :3].t()).sum(1).abs().min() < 0.9999
    with pytest.raises(ConfigError, match='--variant rosinality factorises '
                       'every layer'):
        variant_weights(G, [0, 1], 'rosinality')


def test_edit_order():
    G = tiny().eval()
    G.w_avg.normal_()
    ws = G.mapping(torch.randn(3, W))
    v, d, psi = torch.nn.functional.normalize(torch.randn(W), dim=0), \
        torch.tensor([-2., 0., 3.]), 0.6
    mm = apply_edit(G, ws, v, d, truncation_psi=psi)
    ros = apply_edit(G, ws, v, d, truncation_psi=psi, order='edit-truncate')
    w_avg = G.w_avg
    # rosinality apply_factor.py: trunc + psi * (w + d v - trunc)
    want = w_avg + psi * (ws[:, None] + d.view(1, -1, 1, 1) * v - w_avg)
    assert torch.allclose(ros, want, atol=1e-6)
    assert torch.allclose(mm, G.truncate(ws, psi)[:, None] +
                          d.view(1, -1, 1, 1) * v, atol=1e-6)
    assert torch.allclose(ros, apply_edit(G, ws, v, psi * d,
                                          truncation_psi=psi), atol=1e-6)
    with pytest.raises(ConfigError, match="--edit-order 'x'"):
        apply_edit(G, ws, v, d, truncation_psi=psi, order='x')
