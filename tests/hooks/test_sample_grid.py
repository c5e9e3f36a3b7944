"""Sample grids from fixed latents."""
import cv2
import pytest
import torch

from mmlatent.hooks import SampleGridHook, code_grids
from mmlatent.models.ema import pick_generator
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError


def generator(**kw):
    return MODELS.build(dict(type='DCGANGenerator', resolution=8, z_dim=4,
                             base_channels=4, **kw)).eval()


def test_conditional_grid_has_one_row_per_class():
    G = generator(cat_dims=[3])
    z, c = G.sample_z(5), G.sample_c(5)
    grids = code_grids(G, z, c, num_values=4)
    imgs, cols = grids['_cat0']
    assert imgs.shape == (3 * 4, 3, 8, 8) and cols == 4
    # row r is class r for the same 4 latents
    for r in range(3):
        expected = G(z[:4], G.make_c(torch.full((4, ), r)))
        assert torch.allclose(imgs[r * 4:(r + 1) * 4], expected, atol=1e-6)


def test_infogan_continuous_grid_sweeps_one_code_per_row():
    G = generator(cat_dims=[2], con_dim=2)
    z, c = G.sample_z(3), G.sample_c(3)
    grids = code_grids(G, z, c, num_values=5)
    assert set(grids) == {'', '_cat0', '_con0', '_con1'}
    imgs, cols = grids['_con1']
    assert cols == 5 and imgs.shape[0] == 15
    row = 2  # latent 2 with code 1 going from -1 to 1
    cs = c[row:row + 1].repeat(5, 1)
    cs[:, 2 + 1] = torch.linspace(-1, 1, 5)
    expected = G(z[row:row + 1].repeat(5, 1), cs)
    assert torch.allclose(imgs[row * 5:(row + 1) * 5], expected, atol=1e-6)


def test_pick_generator_prefers_averaged_ema():
    """The one policy (issue 12): 'ema' is the EMA generator once it holds
    averaged weights, the original before; hooks take 'ema' by default."""
    model = MODELS.build(dict(
        type='UnconditionalGAN',
        generator=dict(type='DCGANGenerator', resolution=8, z_dim=4,
                       base_channels=4),
        discriminator=dict(type='DCGANDiscriminator', resolution=8,
                           base_channels=4),
        ema=dict(momentum=0.5)))
    assert pick_generator(model, 'ema')[1] == 'orig'
    model.generator_ema.steps.fill_(5)
    assert pick_generator(model, 'ema') == (model.generator_ema.module,
                                            'ema')
    with pytest.raises(ConfigError, match="sample_model='best'"):
        pick_generator(model, 'best')
    with pytest.raises(ConfigError, match="sample_model='auto'"):
        SampleGridHook(sample_model='auto')  # checked at construction


def test_hook_writes_grids(tmp_path):
    from helpers import make_cfg, train
    train(make_cfg('cgan/cgan_dcgan_digits-32x32.py', tmp_path,
                   custom_hooks=[dict(type='SampleGridHook', interval=2,
                                      num_samples=16)]))
    grid = cv2.imread(str(tmp_path / 'samples' / 'iter_2_cat0.png'))
    # 10 rows (digits) of 8 latents, 32 px + 2 px padding
    assert grid.shape[:2] == (10 * 34 + 2, 8 * 34 + 2)
    assert (tmp_path / 'samples' / 'iter_4.png').exists()
    assert (tmp_path / 'samples' / 'final.png').exists()
