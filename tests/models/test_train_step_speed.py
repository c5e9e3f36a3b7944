"""The optimised training step (fused Adam, channels-last networks, one
finiteness sync, the frozen D in the G phase) computes what the textbook
step computes; ``reuse_fakes`` saves a G forward and keeps resume exact."""
import copy

import pytest
import torch
import torch.nn.functional as F
from helpers import assert_resume_exact
from mmengine.logging import MessageHub

from mmlatent.engine.optim import GANOptimWrapperConstructor
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError

RES = 16
DCGAN = dict(type='UnconditionalGAN',
             generator=dict(type='DCGANGenerator', resolution=RES, z_dim=8,
                            base_channels=4),
             discriminator=dict(type='DCGANDiscriminator', resolution=RES,
                                base_channels=4))
STYLEGAN2 = dict(type='StyleGAN2',
                 generator=dict(type='StyleGAN2Generator', resolution=8,
                                z_dim=16, w_dim=16, mapping_layers=2,
                                channel_base=64, channel_max=16),
                 discriminator=dict(type='StyleGAN2Discriminator',
                                    resolution=8, channel_base=64,
                                    channel_max=16, mbstd_group_size=2),
                 r1_interval=2, pl_interval=2,
                 ema=dict(half_life_images=100), channels_last=True)
WGANGP = dict(type='WGANGP',
              generator=dict(type='WGANGPGenerator', resolution=RES,
                             z_dim=8, base_channels=4),
              discriminator=dict(type='WGANGPCritic', resolution=RES,
                                 base_channels=4),
              discriminator_steps=2)
ADAM = dict(lr=1e-3, betas=(0.5, 0.999))


def optim_wrappers(model, **adam):
    """What training builds (GANOptimWrapperConstructor)."""
    return GANOptimWrapperConstructor({
        k: dict(optimizer=dict(type='Adam', **ADAM, **adam))
        for k in ('generator', 'discriminator')})(model)


def set_iter(it: int) -> None:
    MessageHub.get_current_instance().update_info('iter', it)


def test_adam_runs_fused_unless_the_config_chooses():
    model = MODELS.build(DCGAN)
    wrappers = GANOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(optimizer=dict(type='Adam', lr=1e-3,
                                          foreach=False))))(model)
    assert wrappers['generator'].optimizer.defaults['fused'] is True
    d = wrappers['discriminator'].optimizer.defaults
    assert not d['fused'] and d['foreach'] is False
    sgd = GANOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='SGD', lr=1e-3)),
        discriminator=dict(optimizer=dict(type='SGD', lr=1e-3))))(model)
    assert not sgd['generator'].optimizer.defaults.get('fused')


def plain_dcgan_step(G, D, opt_g, opt_d, real):
    """The textbook step: fresh fakes per phase, per-parameter Adam."""
    n = real.shape[0]
    with torch.no_grad():
        fake = G(torch.randn(n, G.z_dim))
    d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = F.softplus(-D(G(torch.randn(n, G.z_dim)))).mean()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    return float(d_loss.detach()), float(g_loss.detach())


def test_optimised_step_equals_the_textbook_step():
    """Fused Adam + channels_last + frozen D: same losses and weights as a
    contiguous per-parameter-Adam loop, over several iterations."""
    torch.manual_seed(0)
    model = MODELS.build(dict(DCGAN, channels_last=True))
    G, D = (copy.deepcopy(m).to(memory_format=torch.contiguous_format)
            for m in (model.G, model.D))
    opt_g = torch.optim.Adam(G.parameters(), foreach=False, **ADAM)
    opt_d = torch.optim.Adam(D.parameters(), foreach=False, **ADAM)
    wrappers = optim_wrappers(model)
    assert wrappers['generator'].optimizer.defaults['fused'] is True
    real = torch.rand(6, 3, RES, RES) * 2 - 1
    for it in range(4):
        set_iter(it)
        torch.manual_seed(100 + it)
        log = model.train_step(dict(img=real), wrappers)
        torch.manual_seed(100 + it)
        d_loss, g_loss = plain_dcgan_step(G, D, opt_g, opt_d, real)
        assert float(log['d_loss']) == pytest.approx(d_loss, rel=1e-5)
        assert float(log['g_loss']) == pytest.approx(g_loss, rel=1e-5)
    for mine, plain in ((model.G, G), (model.D, D)):
        for (k, a), b in zip(mine.state_dict().items(),
                             plain.state_dict().values()):
            assert torch.allclose(a.float(), b.float(), atol=1e-5), k


def test_stylegan2_fused_step_equals_per_parameter_step():
    """StyleGAN2 with lazy R1, path length, mixing and EMA: the fused
    optimizers change nothing but float rounding."""
    def run(**adam):
        torch.manual_seed(0)
        model = MODELS.build(STYLEGAN2)
        wrappers = GANOptimWrapperConstructor({
            k: dict(optimizer=dict(type='Adam', lr=2e-3, betas=(0, 0.99),
                                   **adam))
            for k in ('generator', 'discriminator')})(model)
        real = torch.rand(4, 3, 8, 8) * 2 - 1
        logs = []
        for it in range(4):
            set_iter(it)
            torch.manual_seed(200 + it)
            logs.append(model.train_step(dict(img=real), wrappers))
        return model, logs
    fused, fused_logs = run()
    plain, plain_logs = run(foreach=False)
    for a, b in zip(fused_logs, plain_logs):
        assert a.keys() == b.keys()
        assert 'd_loss_r1' in a or 'g_loss_pl' in a or len(a) == 4
        for k in a:
            assert float(a[k]) == pytest.approx(float(b[k]), rel=1e-4,
                                                 abs=1e-6), k
    for (k, a), b in zip(fused.state_dict().items(),
                         plain.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5), k


def test_reuse_fakes_scores_the_d_phase_fakes_once():
    """One G forward per iteration; the G loss is the non-saturating loss
    of the D phase's fakes under the updated D."""
    torch.manual_seed(0)
    model = MODELS.build(dict(DCGAN, reuse_fakes=True))
    wrappers = optim_wrappers(model)
    fakes = []
    model.generator.register_forward_hook(
        lambda m, i, out: fakes.append(out.detach().clone()))
    real = torch.rand(6, 3, RES, RES) * 2 - 1
    set_iter(0)
    log = model.train_step(dict(img=real), wrappers)
    assert len(fakes) == 1
    with torch.no_grad():
        expected = F.softplus(-model.D(fakes[0])).mean()
    # D is updated in the D phase and frozen in the G phase: its weights
    # now are the ones that scored the fakes
    assert float(log['g_loss_adv']) == pytest.approx(float(expected),
                                                     rel=1e-5)
    assert model._fakes is None  # nothing held between iterations
    fresh = MODELS.build(DCGAN)
    calls = []
    fresh.generator.register_forward_hook(lambda *a: calls.append(1))
    fresh.train_step(dict(img=real), optim_wrappers(fresh))
    assert len(calls) == 2


def test_reuse_fakes_resume_is_exact(tmp_path):
    """A run resumed at iteration 2 ends with the weights of an
    uninterrupted 4-iteration run."""
    rel = 'dcgan/dcgan_vanilla_digits-32x32.py'
    opts = dict(model__reuse_fakes=True,
                custom_hooks=[dict(type='IterationSeedHook')],
                train_cfg__max_iters=4,
                default_hooks__checkpoint__interval=2)
    b = assert_resume_exact(rel, tmp_path, 2, **opts)
    assert b['optimizer']['generator']['param_groups'][0]['fused'] is True


@pytest.mark.parametrize('cfg', [DCGAN, STYLEGAN2, WGANGP],
                         ids=['dcgan', 'stylegan2', 'wgangp'])
def test_bfloat16_autocast_follows_float32(cfg):
    """autocast='bfloat16': the same loss terms, within bfloat16's
    precision, over iterations with R1 and path length (StyleGAN2) or the
    gradient penalty (WGAN-GP); weights and the logged losses stay
    float32."""
    def run(autocast):
        torch.manual_seed(0)
        model = MODELS.build(dict(cfg, autocast=autocast))
        wrappers = optim_wrappers(model)
        res = model.G.resolution
        real = torch.rand(4, 3, res, res) * 2 - 1
        logs = []
        for it in range(3):
            set_iter(it)
            torch.manual_seed(300 + it)
            logs.append(model.train_step(dict(img=real), wrappers))
        return model, logs
    model, low = run('bfloat16')
    _, full = run(None)
    for a, b in zip(low, full):
        assert a.keys() == b.keys()
        for k in a:
            assert a[k].dtype == torch.float32
            # the penalty lambda (|g| - 1)^2 multiplies the relative error
            # of |g| by 2 |g| / (|g| - 1), about 7 here
            rel = 5e-2 if k in ('d_loss_gp', 'd_loss') and \
                cfg is WGANGP else 2e-2
            assert float(a[k]) == pytest.approx(float(b[k]), rel=rel,
                                                 abs=1e-2), k
    assert low != full    # bfloat16 was used
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_bad_autocast_is_one_line():
    with pytest.raises(ConfigError, match="autocast='float16' is not one "
                       "of .*use 'auto', 'bfloat16' or None"):
        MODELS.build(dict(DCGAN, autocast='float16'))
