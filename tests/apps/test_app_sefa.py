"""apps/modified_sefa.py end to end on checkpoints of 2-iteration runs:
grids, the directions cache, degree ranges, layers, truncation, edits of
projected codes, and the one-line errors."""
import os.path as osp

import pytest
import torch

from mmlatent.latent.codes import render_codes
from mmlatent.latent.io import load_codes
from mmlatent.latent.sefa import CACHE_FORMAT
from mmlatent.models.loading import load_generator
from mmlatent.utils.image import to_uint8

CONDITIONS = {
    'cgan': ['--label', '2'],
    'infogan': ['--label', '0', '--con', '1', '0', '0', '0'],
}


@pytest.mark.parametrize('family', ['dcgan', 'wgangp', 'cgan', 'infogan',
                                    'stylegan2', 'lgan'])
def test_every_family(family, tiny_ckpts, app, tmp_path, helpers):
    cache = tmp_path / 'eigen.pt'
    app('modified_sefa').main([
        tiny_ckpts[family], '-i', '0', '2', '-d', '1', '--degree-step', '1',
        '--num-samples', '2', '-o', str(tmp_path / 'out'), '--eigen-vector',
        str(cache), *CONDITIONS.get(family, [])])
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'sefa_i0.png', 'sefa_i2.png']
    cells = helpers.grid_cells(tmp_path / 'out' / 'sefa_i0.png', rows=2,
                               cols=3, size=32)
    assert (cells[:, 0] != cells[:, 2]).any()  # the edit changes images
    data = torch.load(str(cache), weights_only=True)
    assert data['format'] == CACHE_FORMAT


def test_directions_cache_is_the_svd(tiny_ckpts, app, tmp_path, capsys):
    ckpt = tiny_ckpts['stylegan2']
    sefa = app('modified_sefa')
    args = [ckpt, '-i', '1', '-l', '2', '3', '-o', str(tmp_path),
            '--num-samples', '1', '-d', '0.5', '--degree-step', '0.5']
    sefa.main(args)
    path = osp.splitext(ckpt)[0] + '_sefa-ema-2_3.pt'
    assert f'cached at {path}' in capsys.readouterr().err
    data = torch.load(path, weights_only=True)
    V, values = data['directions'].double(), data['eigenvalues'].double()
    assert torch.allclose(V @ V.t(), torch.eye(V.shape[0],
                                               dtype=torch.float64),
                          atol=1e-5)
    assert (values[:-1] >= values[1:]).all()
    A = load_generator(ckpt).G.direction_weights([2, 3]).double()
    S, Vh = torch.linalg.svd(A, full_matrices=True)[1:]
    assert torch.allclose(values[:len(S)], S.square(), rtol=1e-4)
    top = 5  # well separated singular values: equal up to sign
    assert torch.allclose((V[:top] * Vh[:top]).sum(1).abs(),
                          torch.ones(top, dtype=torch.float64), atol=1e-4)
    sefa.main(args + ['--overwrite'])  # the same folder: a re-run
    assert f'read from {path}' in capsys.readouterr().err


def test_layers_range_truncation_and_reproducible(tiny_ckpts, app, tmp_path,
                                                  helpers):
    ckpt, sefa = tiny_ckpts['stylegan2'], app('modified_sefa')
    args = [ckpt, '-i', '3', '-d', '-1', '2', '--degree-step', '1', '-l',
            '0', '1', '--num-samples', '3', '--truncation', '0', '--seed',
            '5', '--eigen-vector', str(tmp_path / 'eigen.pt')]
    for name in ('a', 'b'):
        sefa.main(args + ['-o', str(tmp_path / name)])
    a, b = (tmp_path / name / 'sefa_i3.png' for name in ('a', 'b'))
    assert a.read_bytes() == b.read_bytes()
    cells = helpers.grid_cells(a, rows=3, cols=4, size=32)  # -1, 0, 1, 2
    # psi = 0 puts every sample at w_avg: identical rows
    assert (cells[0] == cells[1]).all() and (cells[0] == cells[2]).all()
    G = load_generator(ckpt).G
    with torch.no_grad():
        plain = to_uint8(G.synthesis(G.w_avg[None], noise_mode='const'))[0]
    helpers.assert_close_uint8(cells[0, 1], plain)  # degree 0: unedited
    assert (cells[0, 0] != plain).any() and (cells[0, 3] != plain).any()
    grid = helpers.read_rgb(a)
    assert tuple(grid[1, 2 + 34 + 10]) == (255, 196, 0)  # marked column
    assert tuple(grid[1, 2 + 10]) != (255, 196, 0)


def test_variant_and_edit_order(tiny_ckpts, app, tmp_path, helpers):
    """--edit-order edit-truncate with psi 0: the edit is truncated away
    (rosinality's apply_factor.py), every cell is the w_avg image."""
    ckpt, sefa = tiny_ckpts['stylegan2'], app('modified_sefa')
    out = tmp_path / 'out'
    sefa.main([ckpt, '-i', '0', '-d', '2', '--degree-step', '2',
               '--num-samples', '2', '--truncation', '0', '--edit-order',
               'edit-truncate', '--variant', 'rosinality', '-o', str(out),
               '--eigen-vector', str(tmp_path / 'eigen.pt')])
    cells = helpers.grid_cells(out / 'sefa_i0.png', rows=2, cols=3, size=32)
    assert (cells == cells[0, 0]).all()
    G = load_generator(ckpt).G
    A = torch.load(str(tmp_path / 'eigen.pt'), weights_only=True)['shape']
    assert A == list(G.direction_weights(torgb='first').shape)


def test_edit_projected_code(tiny_ckpts, projected, app, tmp_path,
                             helpers):
    ckpt, latent = tiny_ckpts['stylegan2'], projected('stylegan2')
    app('modified_sefa').main([
        ckpt, '-i', '0', '-d', '2', '--degree-step', '2', '--latent',
        latent, '-o', str(tmp_path), '--sample-model', 'orig',
        '--eigen-vector', str(tmp_path / 'eigen.pt')])
    cells = helpers.grid_cells(tmp_path / 'sefa_i0.png', rows=1, cols=3,
                               size=32)
    result = helpers.read_rgb(latent.replace('.pt', '.png'))[2:34, 36:68]
    helpers.assert_close_uint8(cells[0, 1], result)
    # a DCGAN edits its input w = [z | c] of a projected z code
    app('modified_sefa').main([
        tiny_ckpts['cgan'], '-i', '0', '-d', '1', '--latent',
        projected('cgan'), '-o', str(tmp_path / 'cgan'), '--sample-model',
        'orig', '--eigen-vector', str(tmp_path / 'eigen_cgan.pt')])
    G = load_generator(tiny_ckpts['cgan'], sample_model='orig').G
    plain = to_uint8(render_codes(G, load_codes([projected('cgan')], G)))
    cells = helpers.grid_cells(tmp_path / 'cgan' / 'sefa_i0.png', rows=1,
                               cols=3, size=32)
    helpers.assert_close_uint8(cells[0, 1], plain[0])


def test_errors(tiny_ckpts, app, tmp_path, cli_error):
    sefa, out = app('modified_sefa'), ['-o', str(tmp_path)]
    cache = ['--eigen-vector', str(tmp_path / 'eigen.pt')]
    err = cli_error(sefa, [tiny_ckpts['stylegan2'], '-i', '128', *out,
                           *cache])
    assert 'direction index 128 is out of range: there are 128 directions' \
        in err
    err = cli_error(sefa, [tiny_ckpts['dcgan'], '--truncation', '0.7', *out,
                           *cache])
    assert '--truncation needs a generator with a learned W space' in err
    err = cli_error(sefa, [tiny_ckpts['dcgan'], '-l', '3', *out, *cache])
    assert 'layers=[3]' in err
    err = cli_error(sefa, [tiny_ckpts['dcgan'], '-d', '2', '1', *out])
    assert 'is empty' in err
    assert not list(tmp_path.glob('*.png'))


def test_help_documents_options_and_files(app, capsys):
    sefa = app('modified_sefa')
    with pytest.raises(SystemExit):
        sefa.parse_args(['--help'])
    text = capsys.readouterr().out
    for option in ('--index', '--degree', '--degree-step', '--layer',
                   '--eigen-vector', '--normalize', '--num-samples',
                   '--truncation', '--latent', '--batch-size', '--seed',
                   '--device', '--out-dir', '--sample-model', '--label',
                   '--con', '--config'):
        assert option in text
    for name, _ in sefa.FILES:
        assert name in text


def test_codes_are_mapped_once_and_rendered_in_batches(tiny_ckpts, app,
                                                       tmp_path,
                                                       monkeypatch):
    """Three directions of 4 samples x 3 degrees: one mapping (the sampled
    codes), ceil(12 / 5) = 3 near-equal synthesis batches per direction,
    no gradients anywhere."""
    sefa = app('modified_sefa')
    calls, load = [], sefa.load_app_generator

    def counted(args):
        loaded = load(args)
        G = loaded.G
        for name in ('mapping', 'synthesis'):
            def wrap(*a, _f=getattr(G, name), _name=name, **k):
                calls.append((_name, a[0].shape[0],
                              torch.is_grad_enabled()))
                return _f(*a, **k)
            monkeypatch.setattr(G, name, wrap)
        return loaded
    monkeypatch.setattr(sefa, 'load_app_generator', counted)
    sefa.main([tiny_ckpts['stylegan2'], '-i', '0', '1', '2', '-d', '1',
               '--num-samples', '4', '--batch-size', '5', '-o',
               str(tmp_path / 'out'), '--eigen-vector',
               str(tmp_path / 'eigen.pt')])
    assert calls == [('mapping', 4, False)] + \
        [('synthesis', n, False) for n in (4, 4, 4)] * 3
