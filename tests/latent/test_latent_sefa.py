import pytest
import torch

from mmlatent.latent import (edit_ws, load_or_compute, sefa_directions,
                             select_directions)
from mmlatent.latent.codes import sample_codes
from mmlatent.latent.sefa import render_edits
from mmlatent.utils.errors import ConfigError


def test_directions_are_svd_of_weights():
    A = torch.randn(20, 8, dtype=torch.float64)
    V, eig = sefa_directions(A)
    assert torch.allclose(V @ V.t(), torch.eye(8, dtype=A.dtype), atol=1e-10)
    assert (eig[:-1] >= eig[1:]).all()
    _, S, Vh = torch.linalg.svd(A, full_matrices=False)
    assert torch.allclose(eig, S.square())
    assert torch.allclose((V * Vh).sum(1).abs(), torch.ones(8, dtype=A.dtype),
                          atol=1e-8)


def test_wide_matrix_gives_full_basis():
    V, eig = sefa_directions(torch.randn(3, 8))
    assert V.shape == (8, 8) and torch.allclose(V @ V.t(), torch.eye(8),
                                                atol=1e-5)
    assert torch.all(eig[3:] < 1e-4)


def test_cache_round_trip_and_invalidation(tmp_path, style_G, monkeypatch):
    path = str(tmp_path / 'sefa.pt')
    V, eig = load_or_compute(style_G, [0, 1], path)
    assert V.shape == (8, 8)
    data = torch.load(path, weights_only=True)
    assert data['layers'] == [0, 1] and data['shape'] == [12, 8]
    calls = []
    import mmlatent.latent.sefa as sefa
    real = sefa.sefa_directions
    monkeypatch.setattr(sefa, 'sefa_directions',
                        lambda A, **kw: calls.append(1) or real(A, **kw))
    V2, _ = load_or_compute(style_G, [0, 1], path)
    assert not calls and torch.equal(V, V2)
    load_or_compute(style_G, [2], path)
    assert calls == [1]
    with torch.no_grad():
        style_G.affines[2].weight.add_(1)
    load_or_compute(style_G, [2], path)
    assert calls == [1, 1]


def test_edit_only_chosen_layers():
    ws = torch.randn(2, 4, 8)
    n = torch.nn.functional.normalize(torch.randn(8), dim=0)
    out = edit_ws(ws, n, [-2, 0, 3], layers=[1, 2])
    assert out.shape == (2, 3, 4, 8)
    assert torch.equal(out[:, :, [0, 3]], ws[:, None, [0, 3]].expand(
        -1, 3, -1, -1))
    assert torch.allclose(out[:, 2, 1] - ws[:, 1], 3 * n.expand(2, -1))
    assert torch.equal(out[:, 1], ws)
    with pytest.raises(ConfigError, match='layer 4 is out of range'):
        edit_ws(ws, n, [1], layers=[4])


def test_direction_index_error_names_count():
    V = torch.eye(8)
    assert torch.equal(select_directions(V, 3), V[3])
    assert select_directions(V, [0, 7]).shape == (2, 8)
    with pytest.raises(ConfigError, match='there are 8 directions'):
        select_directions(V, [1, 8])


def test_render_edits_in_batches_without_mapping(style_G):
    """[N, D, C, H, W] images equal to one synthesis per edited code; only
    synthesis runs, ceil(N * D / batch) times, without gradients."""
    torch.manual_seed(0)
    codes = sample_codes(style_G, 3, space='w+')
    direction = torch.nn.functional.normalize(torch.randn(style_G.w_dim),
                                              dim=0)
    ws = edit_ws(codes.latent, direction, [-2.0, 0.0, 1.0, 3.0],
                 layers=[1, 2])
    calls = {'mapping': 0, 'synthesis': []}
    mapping, synthesis = style_G.mapping, style_G.synthesis

    def count_mapping(*a, **k):
        calls['mapping'] += 1
        return mapping(*a, **k)

    def count_synthesis(ws, **k):
        calls['synthesis'].append(ws.shape[0])
        return synthesis(ws, **k)
    style_G.mapping, style_G.synthesis = count_mapping, count_synthesis
    images = render_edits(style_G, codes, ws, batch_size=5)
    style_G.mapping, style_G.synthesis = mapping, synthesis
    assert images.shape == (3, 4, 3, 8, 8) and not images.requires_grad
    # 12 edits at batch 5: three near-equal batches (batch_ranges)
    assert calls == {'mapping': 0, 'synthesis': [4, 4, 4]}
    with torch.no_grad():
        for i in range(3):
            for j in range(4):
                one = synthesis(ws[i, j][None], noise_mode='const')
                assert torch.allclose(images[i, j], one[0], atol=1e-5)
        assert torch.allclose(images[:, 1], synthesis(
            codes.latent, noise_mode='const'), atol=1e-5)


def test_render_edits_checks_shapes(style_G):
    codes = sample_codes(style_G, 2, space='w+')
    with pytest.raises(ConfigError, match=r'edited ws have shape \(3, 1, 4, '
                       r'8\), expected \[2, D, num_ws, w_dim\]'):
        render_edits(style_G, codes, torch.zeros(3, 1, 4, 8))
