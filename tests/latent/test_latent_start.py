"""The start codes of every app (latent.start) and the one latent batch
type: latent files, projection results and codes share :class:`Codes`."""
import pytest
import torch

from mmlatent.latent import (Codes, LatentFile, load_codes, load_latents,
                             sample_condition, save_codes, start_codes)
from mmlatent.latent.projection import ProjectionResult
from mmlatent.utils.errors import ConfigError


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_drawn_codes_take_z_then_c_from_the_generator(make_dcgan_G):
    G = make_dcgan_G(cat_dims=[3], con_dim=2)
    codes = start_codes(G, 5, label=[2], con=[0.5, -0.5], generator=gen(1))
    g = gen(1)
    z = G.sample_z(5, g)
    c = G.sample_c(5, g)
    assert codes.space == 'z' and torch.equal(codes.latent, z)
    # the drawn c with the categorical code set to class 2 and con given
    assert codes.c[:, :3].argmax(1).tolist() == [2] * 5
    assert torch.equal(codes.c[:, 3:], torch.tensor([[0.5, -0.5]] * 5))
    assert codes.c.shape == c.shape
    with pytest.raises(ConfigError, match=r'--label takes 1 value'):
        start_codes(G, 2, label=[1, 2])


def test_drawn_codes_in_w_are_the_mapping_of_the_drawn_z(style_G):
    w = start_codes(style_G, 3, space='w', generator=gen(2))
    z = style_G.sample_z(3, gen(2))
    assert w.space == 'w'
    torch.testing.assert_close(w.latent, style_G.mapping(z)[:, 0])
    wp = start_codes(style_G, 3, space='w+', generator=gen(2))
    assert wp.latent.shape == (3, style_G.num_ws, style_G.w_dim)
    torch.testing.assert_close(wp.latent[:, 0], w.latent)
    with pytest.raises(ConfigError, match='num=0'):
        start_codes(style_G, 0)


def test_file_codes_come_first_and_fill_tops_them_up(style_G, tmp_path):
    z = style_G.sample_z(2, gen(3))
    path = save_codes(str(tmp_path / 'a.pt'), Codes(z, 'z'))
    files = load_codes([path], style_G)
    assert torch.equal(start_codes(style_G, files=files).latent, z)
    assert torch.equal(start_codes(style_G, 1, files=files).latent, z[:1])
    # no drawing without fill, even when more are asked for
    assert len(start_codes(style_G, 4, files=files)) == 2
    filled = start_codes(style_G, 4, files=files, fill=True,
                         generator=gen(4))
    assert torch.equal(filled.latent[:2], z)
    assert torch.equal(filled.latent[2:], style_G.sample_z(2, gen(4)))
    ws = start_codes(style_G, files=files, space='w+')
    torch.testing.assert_close(ws.latent, style_G.mapping(z))


def test_unconditional_generators_refuse_a_condition(dcgan_G):
    assert sample_condition(dcgan_G, 3) is None
    with pytest.raises(ConfigError, match='unconditional'):
        start_codes(dcgan_G, 3, label=[1])


def test_latent_files_and_projections_hold_codes(style_G, tmp_path):
    codes = start_codes(style_G, 2, space='w', generator=gen(5))
    path = save_codes(str(tmp_path / 'b.pt'), codes)
    lf = load_latents(path)
    assert isinstance(lf, LatentFile) and isinstance(lf, Codes)
    assert type(lf.codes) is Codes
    assert torch.equal(lf.codes.latent, codes.latent) and len(lf) == 2
    result = ProjectionResult(codes, {'total': torch.zeros(2)},
                              torch.zeros(1, 2))
    assert result.latent is codes.latent and result.space == 'w'
    assert result.c is None and result.noise is None
    saved = load_latents(result.save(str(tmp_path / 'p.pt')))
    assert torch.equal(saved.latent, codes.latent)


def test_seeds_draw_one_z_each_as_the_inference_api(style_G, tmp_path):
    from mmlatent.apis import seed_z
    codes = start_codes(style_G, seeds=[3, 1, 3])
    assert len(codes) == 3 and torch.equal(codes.latent, seed_z(style_G,
                                                                [3, 1, 3]))
    assert torch.equal(codes.latent[0], codes.latent[2])
    files = load_codes([save_codes(str(tmp_path / 's.pt'), codes)], style_G)
    with pytest.raises(ConfigError, match='either latent files or seeds'):
        start_codes(style_G, files=files, seeds=[0])
