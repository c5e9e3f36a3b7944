"""apps/mutate.py end to end on checkpoints of 2-iteration runs, and the
many-point directions behind it (mmlatent.latent.directions)."""
import json

import pytest
import torch

from mmlatent.latent.codes import Codes
from mmlatent.latent.directions import (jacobian_directions,
                                        load_directions)
from mmlatent.latent.independence import mutate
from mmlatent.latent.io import load_latents
from mmlatent.models.generators import BaseGenerator


class BlockGenerator(BaseGenerator):
    """``img = reshape(M z)`` [2, 8, 8]: z coords 0-1 drive only the
    top-left 4x4 block, 2-3 the block and the background, 4-5 only the
    background (the background rows have a 2-d null space)."""

    def __init__(self):
        super().__init__(6, 6, 1, resolution=8, out_channels=2)
        g = torch.Generator().manual_seed(0)
        region = self.region().flatten().repeat(2)
        M = torch.randn(2 * 64, 6, generator=g)
        M[region, 4:] = 0
        M[~region, :2] = 0
        self.register_buffer('M', M)
        self.scale = torch.nn.Parameter(torch.ones(()))

    @staticmethod
    def region():
        mask = torch.zeros(8, 8, dtype=torch.bool)
        mask[:4, :4] = True
        return mask

    def mapping(self, z, c=None):
        return z[:, None]

    def synthesis(self, ws, **kwargs):
        return torch.tanh(self.scale * ws[:, 0] @ self.M.t() / 4).view(
            -1, 2, 8, 8)


@pytest.mark.parametrize('mode', ['point', 'mean'])
def test_local_directions_keep_the_background(mode):
    G = BlockGenerator()
    codes = Codes(torch.randn(3, 6, generator=torch.Generator()
                              .manual_seed(1)), 'z')
    ds = jacobian_directions(G, codes, region=G.region(), mode=mode,
                             chunk_size=4)
    assert len(ds.directions) == (3 if mode == 'point' else 1)
    for i in range(3):
        V = ds.of_point(i)
        assert V.shape == (2, 6)
        assert V[:, 2:].abs().max() < 1e-5  # only the region's coordinates
        assert torch.allclose(V @ V.t(), torch.eye(2), atol=1e-5)
    assert all((o < 1e-8).all() for o in ds.outside)
    images = mutate(G, codes.latent[:1], ds.of_point(0), [-1.0, 2.0])
    with torch.no_grad():
        base = G(codes.latent[:1])
    outside = ~G.region()
    assert torch.allclose(images[0, :, :, :, outside],
                          base[0, :, outside].expand(2, 2, 2, -1),
                          atol=1e-6)
    assert (images[0, :, :, :, G.region()] - base[0, :, G.region()]
            ).abs().max() > 0.05


def test_global_directions_mean_orthonormal():
    G = BlockGenerator()
    codes = Codes(torch.randn(4, 6), 'z')
    ds = jacobian_directions(G, codes, mode='mean', num=4, chunk_size=6)
    V, s = ds.directions[0], ds.values[0]
    assert V.shape == (4, 6) and (s[:-1] >= s[1:]).all()
    assert torch.allclose(V @ V.t(), torch.eye(4), atol=1e-5)


def test_global_every_family_reproducible(tiny_ckpts, app, tmp_path,
                                          helpers):
    for family, extra in [('dcgan', []), ('wgangp', []),
                          ('cgan', ['--label', '1']),
                          ('infogan', ['--label', '1', '--con', '0', '0',
                                       '0', '0.5'])]:
        out = tmp_path / family
        app('mutate').main([
            tiny_ckpts[family], '--num-samples', '2', '--num-directions',
            '2', '--deltas', '-2', '0', '2', '-o', str(out), '--chunk-size',
            '32', *extra])
        assert sorted(p.name for p in out.iterdir()) == [
            'directions.pt', 'mutate_d0.png', 'mutate_d1.png', 'points.pt',
            'report.json']
        helpers.grid_cells(out / 'mutate_d1.png', rows=2, cols=3, size=32)
        ds = load_directions(str(out / 'directions.pt'))
        assert ds.kind == 'global' and len(ds.directions) == 2
        for V, s in zip(ds.directions, ds.values):
            assert torch.allclose(V @ V.t(), torch.eye(V.shape[0]),
                                  atol=1e-4)
            assert (s[:-1] >= s[1:]).all()
    again = tmp_path / 'again'
    app('mutate').main([
        tiny_ckpts['infogan'], '--num-samples', '2', '--num-directions', '2',
        '--deltas', '-2', '0', '2', '-o', str(again), '--chunk-size', '32',
        *extra])
    for name in ('mutate_d0.png', 'mutate_d1.png'):
        assert (again / name).read_bytes() == \
            (tmp_path / 'infogan' / name).read_bytes()
    assert torch.equal(load_latents(str(again / 'points.pt')).latent,
                       load_latents(str(tmp_path / 'infogan' / 'points.pt'))
                       .latent)


def test_local_reports_outside_energy(tiny_ckpts, app, tmp_path, capsys,
                                      helpers):
    out = tmp_path / 'local'
    app('mutate').main([
        tiny_ckpts['dcgan'], '--region', '8,8,10,10', '--relax', '0.99',
        '--num-samples', '2', '--num-directions', '2', '--deltas', '-3', '0',
        '3', '-o', str(out)])
    text = capsys.readouterr().out
    assert text.count('change energy outside the region') == 4
    report = json.loads((out / 'report.json').read_text())
    assert report['kind'] == 'local' and len(report['directions']) == 4
    for row in report['directions']:
        assert 0 <= row['outside_predicted'] <= 1
        assert 0 <= row['outside_measured'] <= 1
    grid = helpers.read_rgb(out / 'mutate_d0.png')
    assert tuple(grid[2 + 3, 2 + 3]) == (255, 0, 64)  # region outline
    # relax 0: the background has full rank; a message, no NaN, no grid
    out = tmp_path / 'full_rank'
    app('mutate').main([
        tiny_ckpts['dcgan'], '--region', 'mouth', '--relax', '0', '--mode',
        'mean', '--num-samples', '2', '-o', str(out)])
    assert 'background has full rank' in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [
        'directions.pt', 'points.pt', 'report.json']
    ds = load_directions(str(out / 'directions.pt'))
    assert ds.directions[0].shape == (0, 64)
    assert ds.region.shape == (32, 32) and ds.region.any()


def test_stylegan2_from_projection(tiny_ckpts, projected, app, tmp_path,
                                   helpers, cli_error):
    ckpt, latent = tiny_ckpts['stylegan2'], projected('stylegan2')
    app('mutate').main([
        ckpt, '--latent', latent, '--num-directions', '1', '--deltas', '0',
        '4', '-o', str(tmp_path), '--sample-model', 'orig', '--chunk-size',
        '64'])
    cells = helpers.grid_cells(tmp_path / 'mutate_d0.png', rows=1, cols=2,
                               size=32)
    result = helpers.read_rgb(latent.replace('.pt', '.png'))[2:34, 36:68]
    helpers.assert_close_uint8(cells[0, 0], result)
    assert (cells[0, 1] != cells[0, 0]).any()
    ds = load_directions(str(tmp_path / 'directions.pt'))
    assert ds.space == 'w' and ds.directions[0].shape == (1, 128)
    points = load_latents(str(tmp_path / 'points.pt'))
    assert torch.equal(points.latent, load_latents(latent).latent)
    err = cli_error(app('mutate'), [tiny_ckpts['dcgan'], '--space', 'w+',
                                    '-o', str(tmp_path)])
    assert '--space w+ needs a generator with a learned W space' in err
    err = cli_error(app('mutate'), [ckpt, '--region', 'forehead', '-o',
                                    str(tmp_path)])
    assert "region 'forehead' is neither" in err


def test_help_documents_options_and_files(app, capsys):
    module = app('mutate')
    with pytest.raises(SystemExit):
        module.parse_args(['--help'])
    text = capsys.readouterr().out
    for option in ('--latent', '--num-samples', '--space', '--region',
                   '--relax', '--mode', '--num-directions', '--deltas',
                   '--chunk-size', '--batch-size', '--seed', '--device',
                   '--out-dir', '--sample-model', '--label', '--con',
                   '--config', 'left_eye', 'mouth', 'eyebrow'):
        assert option in text
    for name, _ in module.FILES:
        assert name in text


def test_load_directions_rejects_missing_and_foreign_files(tmp_path):
    from mmlatent.latent.io import LatentFileError
    with pytest.raises(LatentFileError, match=r"directions file '.*none\.pt' "
                       'does not exist; give a directions.pt'):
        load_directions(str(tmp_path / 'none.pt'))
    other = tmp_path / 'other.pt'
    torch.save({'format': 'mmlatent.latent/1'}, other)
    with pytest.raises(LatentFileError, match="has format 'mmlatent.latent/1'"
                       r", expected 'mmlatent.directions/1'; write it with "
                       'apps/mutate.py'):
        load_directions(str(other))
    junk = tmp_path / 'junk.pt'
    junk.write_bytes(b'not a pickle')
    with pytest.raises(LatentFileError, match='cannot read directions file'):
        load_directions(str(junk))
