import pytest
import torch

from mmlatent.latent import (FORMAT, LatentFileError, check_compatible,
                             load_latents, save_latents, to_ws)
from mmlatent.latent.io import LatentFile
from mmlatent.utils.errors import ConfigError, MMLatentError, ShapeError


def test_round_trip_weights_only(tmp_path, style_G):
    path = str(tmp_path / 'sub' / 'codes.pt')
    ws = torch.randn(3, 4, 8)
    noise = [torch.randn(3, 1, 4, 4), torch.randn(3, 1, 8, 8)]
    save_latents(path, ws, space='w+', noise=noise,
                 losses={'lpips': torch.rand(3)},
                 scores={'smile': torch.rand(3)},
                 meta={'seed': 3, 'checkpoint': 'g.pth', 'lr': 0.1})
    raw = torch.load(path, weights_only=True)
    assert raw['format'] == FORMAT and raw['space'] == 'w+'
    assert 'c' not in raw
    lf = load_latents(path)
    assert torch.equal(lf.latent, ws) and len(lf) == 3
    assert all(torch.equal(a, b) for a, b in zip(lf.noise, noise))
    assert lf.meta == {'seed': 3, 'checkpoint': 'g.pth', 'lr': 0.1}
    assert set(lf.losses) == {'lpips'} and lf.scores['smile'].shape == (3, )
    leftovers = [p.name for p in (tmp_path / 'sub').iterdir()]
    assert leftovers == ['codes.pt']


def test_z_file_with_c_maps_through_G(tmp_path, make_dcgan_G):
    G = make_dcgan_G(cat_dims=[3])
    z, c = G.sample_z(2), G.make_c(torch.tensor([0, 2]))
    path = save_latents(str(tmp_path / 'z.pt'), z, space='z', c=c)
    ws = to_ws(load_latents(path), G)
    assert torch.allclose(ws, G.mapping(z, c))


def test_w_file_broadcasts(tmp_path, style_G):
    w = torch.randn(2, 8)
    lf = load_latents(save_latents(str(tmp_path / 'w.pt'), w, space='w'))
    ws = to_ws(lf, style_G)
    assert ws.shape == (2, 4, 8) and torch.equal(ws[:, 3], w)


@pytest.mark.parametrize('latent, space, word', [
    (torch.randn(2, 4, 8), 'w', '2 dims'),
    (torch.randn(2, 8), 'w+', '3 dims'),
    (torch.randn(2, 8), 'x', "'x'"),
])
def test_save_rejects_bad_shapes(tmp_path, latent, space, word):
    with pytest.raises(MMLatentError, match=word):
        save_latents(str(tmp_path / 'bad.pt'), latent, space=space)


def test_save_rejects_bad_extras(tmp_path):
    with pytest.raises(LatentFileError, match=r"losses\['a'\]"):
        save_latents(str(tmp_path / 'b.pt'), torch.randn(2, 8), space='w',
                     losses={'a': torch.rand(3)})
    with pytest.raises(LatentFileError, match='noise'):
        save_latents(str(tmp_path / 'b.pt'), torch.randn(2, 8), space='w',
                     noise=[torch.randn(2, 4, 4)])
    with pytest.raises(LatentFileError, match='meta'):
        save_latents(str(tmp_path / 'b.pt'), torch.randn(2, 8), space='w',
                     meta={'x': [1, 2]})


def test_incompatible_files(style_G, dcgan_G):
    wplus = LatentFile(torch.randn(1, 4, 8), 'w+')
    with pytest.raises(ConfigError, match="w\\+.*DCGANGenerator has no W"):
        check_compatible(wplus, dcgan_G)
    with pytest.raises(ShapeError, match=r"expects 'z' codes of shape "
                       r'\(N, 6\)'):
        check_compatible(LatentFile(torch.randn(1, 9), 'z'), dcgan_G)
    with pytest.raises(ConfigError, match=r'noise maps of sizes \[\(2, 2\)\]'):
        check_compatible(LatentFile(torch.randn(1, 8), 'w',
                                    noise=[torch.randn(1, 1, 2, 2)]), style_G)
    with pytest.raises(ConfigError, match='condition c of size 2'):
        check_compatible(LatentFile(torch.randn(1, 6), 'z',
                                    c=torch.zeros(1, 2)), dcgan_G)
    check_compatible(wplus, style_G)


def test_load_errors(tmp_path):
    with pytest.raises(LatentFileError, match='does not exist'):
        load_latents(str(tmp_path / 'missing.pt'))
    torch.save({'format': 'other/1'}, tmp_path / 'other.pt')
    with pytest.raises(LatentFileError, match="'other/1'"):
        load_latents(str(tmp_path / 'other.pt'))
    (tmp_path / 'junk.pt').write_bytes(b'not a pickle')
    with pytest.raises(LatentFileError, match='cannot read'):
        load_latents(str(tmp_path / 'junk.pt'))
