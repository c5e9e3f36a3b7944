"""Training steps of the GAN algorithms, outside a runner."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError, NonFiniteLossError

RES = 16


def gen(**kw):
    return dict(type='DCGANGenerator', resolution=RES, z_dim=8,
                base_channels=4, **kw)


def disc(**kw):
    return dict(type='DCGANDiscriminator', resolution=RES, base_channels=4,
                **kw)


def optims(model, lr=1e-3):
    make = lambda m: OptimWrapper(torch.optim.Adam(m.parameters(), lr=lr))
    return OptimWrapperDict(generator=make(model.generator),
                            discriminator=make(model.discriminator))


def batch(n=4, labels=True):
    data = dict(img=torch.rand(n, 3, RES, RES) * 2 - 1)
    if labels:
        data['label'] = torch.randint(3, (n, ))
    return data


def step(model, optim, it, data=None):
    MessageHub.get_current_instance().update_info('iter', it)
    return model.train_step(data or batch(), optim)


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module):
    return any(not torch.equal(a, b) for a, b in zip(before,
                                                     module.parameters()))


def test_unconditional_gan_step_updates_both_networks_and_ema():
    model = MODELS.build(dict(type='UnconditionalGAN', generator=gen(),
                              discriminator=disc(),
                              ema=dict(momentum=0.5, start_iter=1),
                              continuity=dict(loss_weight=1.0)))
    optim = optims(model)
    g0, d0 = snapshot(model.generator), snapshot(model.discriminator)
    log = step(model, optim, 0)
    assert set(log) == {'d_loss_adv', 'd_loss', 'g_loss_adv',
                        'g_loss_continuity', 'g_loss'}
    assert log['g_loss'] == pytest.approx(
        (log['g_loss_adv'] + log['g_loss_continuity']).item())
    assert changed(g0, model.generator) and changed(d0, model.discriminator)
    # before start_iter the EMA is a copy of G
    ema = model.generator_ema
    for a, b in zip(ema.module.parameters(), model.generator.parameters()):
        assert torch.equal(a, b)
    assert not ema.is_averaged and model.sample_model is model.generator
    step(model, optim, 1)
    step(model, optim, 2)
    assert ema.is_averaged and model.sample_model is ema.module
    assert any(not torch.equal(a, b) for a, b in zip(
        ema.module.parameters(), model.generator.parameters()))


def test_wgangp_takes_n_critic_steps_per_generator_step():
    model = MODELS.build(dict(
        type='WGANGP', generator=gen(),
        discriminator=dict(type='WGANGPCritic', resolution=RES,
                           base_channels=4)))
    assert model.discriminator_steps == 5
    optim = optims(model)
    g_steps = []
    for it in range(10):
        g0 = snapshot(model.generator)
        log = step(model, optim, it)
        assert 'd_loss_gp' in log and log['d_loss_gp'] >= 0
        g_steps.append('g_loss' in log)
        assert changed(g0, model.generator) == g_steps[-1]
    assert g_steps == [False] * 4 + [True] + [False] * 4 + [True]


def test_discriminator_is_frozen_in_generator_phase():
    model = MODELS.build(dict(type='UnconditionalGAN', generator=gen(),
                              discriminator=disc()))
    optim = optims(model)
    step(model, optim, 0)
    assert all(p.requires_grad for p in model.discriminator.parameters())
    assert all(p.grad is None or p.grad.abs().sum() == 0
               for p in model.discriminator.parameters())


def test_conditional_gan_conditions_d_on_labels():
    model = MODELS.build(dict(type='ConditionalGAN',
                              generator=gen(cat_dims=[3]),
                              discriminator=disc(c_dim=3)))
    seen = []
    orig = model.discriminator.forward
    model.discriminator.forward = lambda img, c=None: seen.append(c) or \
        orig(img, c)
    data = batch()
    step(model, optims(model), 0, data)
    assert torch.equal(seen[0].argmax(1), data['label'])
    assert all(c is not None and c.shape == (4, 3) for c in seen)
    with pytest.raises(ConfigError, match='labelled data'):
        step(model, optims(model), 0, batch(labels=False))


def test_conditional_gan_checks_networks():
    with pytest.raises(ConfigError, match='discriminator c_dim=3'):
        MODELS.build(dict(type='ConditionalGAN', generator=gen(cat_dims=[3]),
                          discriminator=disc()))
    with pytest.raises(ConfigError, match='one categorical code'):
        MODELS.build(dict(type='ConditionalGAN', generator=gen(),
                          discriminator=disc()))


def ac_disc(**kw):
    return dict(type='ACGANDiscriminator', num_classes=3, resolution=RES,
                base_channels=4, **kw)


def test_acgan_classifier_learns_real_labels_only_and_steers_g():
    model = MODELS.build(dict(type='ConditionalGAN',
                              generator=gen(cat_dims=[3]),
                              discriminator=ac_disc(),
                              classifier_weight=2.0))
    score, logits = model.discriminator(batch()['img'])
    assert score.shape == (4, ) and logits.shape == (4, 3)
    seen = []
    orig = model.discriminator.forward

    def spy(img, c=None):
        out = orig(img, c)
        seen.append((img, out[1]))
        return out

    model.discriminator.forward = spy
    data = batch()
    log = step(model, optims(model), 0, data)
    assert {'d_loss_cls', 'g_loss_cls'} <= set(log)
    # D's term: the cross entropy of the real batch (the first D call)
    real_img, real_logits = seen[0]
    assert torch.equal(real_img, data['img'])
    want = 2.0 * torch.nn.functional.cross_entropy(real_logits,
                                                   data['label'])
    assert log['d_loss_cls'].item() == pytest.approx(want.item(), rel=1e-6)
    assert log['d_loss'].item() == pytest.approx(
        (log['d_loss_adv'] + log['d_loss_cls']).item(), rel=1e-6)
    assert log['g_loss'].item() == pytest.approx(
        (log['g_loss_adv'] + log['g_loss_cls']).item(), rel=1e-6)


def test_acgan_options_are_checked():
    with pytest.raises(ConfigError, match='needs a discriminator with a '
                       'classifier'):
        MODELS.build(dict(type='ConditionalGAN', generator=gen(cat_dims=[3]),
                          discriminator=disc(c_dim=3), classifier_weight=1))
    with pytest.raises(ConfigError, match='num_classes=3, the generator 4'):
        MODELS.build(dict(type='ConditionalGAN', generator=gen(cat_dims=[4]),
                          discriminator=ac_disc(), classifier_weight=1))
    with pytest.raises(ConfigError, match='num_classes=1 must be'):
        MODELS.build(ac_disc() | dict(num_classes=1))


def test_infogan_trains_g_and_q_with_the_info_loss():
    model = MODELS.build(dict(
        type='InfoGAN', generator=gen(cat_dims=[3], con_dim=2),
        discriminator=dict(type='InfoGANDiscriminator', resolution=RES,
                           base_channels=4, cat_dims=[3], con_dim=2)))
    q0 = snapshot(model.discriminator.q_head)
    log = step(model, optims(model), 0)
    assert log['d_loss_info'] > 0 and log['g_loss_info'] > 0
    assert changed(q0, model.discriminator.q_head)


def test_infogan_keeps_the_r1_option():
    model = MODELS.build(dict(
        type='InfoGAN', generator=gen(cat_dims=[3], con_dim=2),
        discriminator=dict(type='InfoGANDiscriminator', resolution=RES,
                           base_channels=4, cat_dims=[3], con_dim=2,
                           norm='none'),
        r1=dict(gamma=2.0, interval=2)))
    optim = optims(model)
    data = batch()
    log = step(model, optim, 0, data)
    assert {'d_loss_r1', 'd_loss_info'} <= set(log)
    assert log['d_loss'].item() == pytest.approx(
        (log['d_loss_adv'] + log['d_loss_r1'] + log['d_loss_info']).item(),
        rel=1e-6)
    assert log['d_loss_r1'] > 0
    assert 'd_loss_r1' not in step(model, optim, 1)   # lazy: every 2nd


def test_infogan_info_loss_falls_when_q_can_learn():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='InfoGAN', generator=gen(cat_dims=[3], con_dim=1),
        discriminator=dict(type='InfoGANDiscriminator', resolution=RES,
                           base_channels=8, cat_dims=[3], con_dim=1)))
    optim = optims(model, lr=2e-3)
    losses = [step(model, optim, it)['d_loss_info'].item()
              for it in range(40)]
    assert sum(losses[-5:]) / 5 < 0.6 * sum(losses[:5]) / 5


def infogan(lambda_sup, cat_dims=(3, ), con_dim=1, **info):
    return MODELS.build(dict(
        type='InfoGAN', generator=gen(cat_dims=list(cat_dims),
                                      con_dim=con_dim),
        discriminator=dict(type='InfoGANDiscriminator', resolution=RES,
                           base_channels=8, cat_dims=list(cat_dims),
                           con_dim=con_dim),
        info_loss=dict(lambda_sup=lambda_sup, **info)))


def coloured_batch(n=12):
    """Real images whose class is the one bright channel; the labels of
    one image of each class unknown (-1)."""
    labels = torch.arange(n) % 3
    img = -torch.ones(n, 3, RES, RES)
    img[torch.arange(n), labels] = 1.0
    known = labels.clone()
    known[[0, 4, 8]] = -1
    return dict(img=img, label=known), labels


def test_semi_supervised_infogan_teaches_q_the_labelled_classes():
    torch.manual_seed(0)
    model = infogan(lambda_sup=1.0)
    optim = optims(model, lr=2e-3)
    data, labels = coloured_batch()
    logs = [step(model, optim, it, data) for it in range(30)]
    assert logs[-1]['d_loss_sup'] < 0.2 * logs[0]['d_loss_sup']
    model.discriminator.eval()
    _, q = model.discriminator(data['img'])
    # the unlabelled images are classified too: Q learnt the classes
    assert torch.equal(q['cat_logits'][0].argmax(1), labels)


@pytest.mark.parametrize('real_only', [False, True])
def test_sup_real_only_keeps_generated_images_from_the_labelled_head(
        real_only):
    torch.manual_seed(0)
    model = infogan(lambda_sup=1.0, cat_dims=(3, 2), con_dim=1,
                    sup_real_only=real_only)
    out = model.discriminator.q_head[-1]  # rows: cat0 (3), cat1 (2), con
    w0 = out.weight.detach().clone()
    data = batch()
    data['label'][:] = -1  # no labelled image: only generated ones teach Q
    step(model, optims(model), 0, data)
    moved = (out.weight.detach() != w0).any(1)
    assert moved[3:].all()
    assert moved[:3].any() != real_only


def test_unsupervised_infogan_ignores_labels():
    model = infogan(lambda_sup=0.0)
    data, _ = coloured_batch()
    assert 'd_loss_sup' not in step(model, optims(model), 0, data)


def test_semi_supervised_infogan_rejects_bad_labels():
    model = infogan(lambda_sup=1.0)
    with pytest.raises(ConfigError, match='needs labelled data'):
        step(model, optims(model), 0, batch(labels=False))
    data = batch()
    data['label'][0] = 3
    with pytest.raises(ConfigError, match=r'label 3 is out of range.*'
                       r'cat_dims\[0\]=3'):
        step(model, optims(model), 0, data)
    with pytest.raises(ConfigError, match='needs a categorical code'):
        infogan(lambda_sup=1.0, cat_dims=(), con_dim=2)


def test_infogan_checks_codes_match():
    with pytest.raises(ConfigError, match='differ from the discriminator'):
        MODELS.build(dict(
            type='InfoGAN', generator=gen(cat_dims=[3], con_dim=2),
            discriminator=dict(type='InfoGANDiscriminator', resolution=RES,
                               base_channels=4, cat_dims=[4], con_dim=2)))


def test_non_finite_loss_names_the_loss_and_iteration():
    model = MODELS.build(dict(type='UnconditionalGAN', generator=gen(),
                              discriminator=disc(),
                              continuity=dict(loss_weight=1.0)))
    model.continuity.loss_weight = float('nan')
    with pytest.raises(NonFiniteLossError,
                       match="'g_loss_continuity' became nan at iteration 8"):
        step(model, optims(model), 7)


def test_forward_samples_from_sample_model():
    model = MODELS.build(dict(type='UnconditionalGAN', generator=gen(),
                              discriminator=disc()))
    z = torch.randn(3, 8)
    model.eval()
    assert torch.allclose(model(dict(z=z)), model.generator(z))
    assert model(dict(num_samples=5)).shape == (5, 3, RES, RES)


def test_ema_half_life_and_momentum_options():
    G = MODELS.build(gen())
    ema = MODELS.build(dict(type='GeneratorEMA', model=G,
                            half_life_images=64))
    p = next(G.parameters())
    ema.update(G, 0, 8)  # first update copies
    with torch.no_grad():
        p.add_(1.0)
    before = next(ema.module.parameters()).clone()
    ema.update(G, 1, 8)
    m = 1 - 0.5**(8 / 64)
    after = next(ema.module.parameters())
    assert torch.allclose(after, before + m * (p.detach() - before),
                          atol=1e-6)
    with pytest.raises(ConfigError, match='either momentum'):
        MODELS.build(dict(type='GeneratorEMA', model=G, momentum=0.1,
                          half_life_images=10))


def test_ema_keeps_its_own_batch_norm_statistics():
    G = MODELS.build(gen())
    ema = MODELS.build(dict(type='GeneratorEMA', model=G, momentum=0.5))
    G.register_buffer('marker', torch.zeros(1))
    ema.module.register_buffer('marker', torch.zeros(1))
    G.train()
    for it in range(3):
        with torch.no_grad():
            G(G.sample_z(8))  # G's statistics move
            G.marker += 1
            for p in G.parameters():
                p.mul_(1.5)
        ema.update(G, it, 8)
    bn_g = G.net[1].running_mean
    bn_e = ema.module.net[1].running_mean
    assert not torch.allclose(bn_g, bn_e)
    assert ema.module.marker.item() == 3  # other buffers are copied


def test_channels_last_steps_match_contiguous_ones():
    cfg = dict(type='WGANGP', generator=dict(
        type='WGANGPGenerator', resolution=RES, z_dim=8, base_channels=4),
        discriminator=dict(type='WGANGPCritic', resolution=RES,
                           base_channels=4),
        discriminator_steps=1, ema=dict(momentum=0.5, start_iter=0))
    torch.manual_seed(0)
    plain = MODELS.build(cfg)
    fast = MODELS.build({**cfg, 'channels_last': True})
    fast.load_state_dict(plain.state_dict())
    conv = next(m for m in fast.generator.modules()
                if isinstance(m, torch.nn.ConvTranspose2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    data = batch(labels=False)
    logs = []
    for model in (plain, fast):
        torch.manual_seed(1)
        logs.append(step(model, optims(model), 0, data))
    for k in logs[0]:  # same losses, incl. the gradient penalty
        assert float(logs[1][k]) == pytest.approx(float(logs[0][k]),
                                                  rel=1e-4, abs=1e-5)
    for a, b in zip(plain.parameters(), fast.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def _stylegan2_r1():
    return dict(
        type='StyleGAN2', r1_gamma=3.0, r1_interval=1, pl_weight=0.0,
        generator=dict(type='StyleGAN2Generator', resolution=RES, z_dim=8,
                       w_dim=8, mapping_layers=1, channel_base=64,
                       channel_max=8),
        discriminator=dict(type='StyleGAN2Discriminator', resolution=RES,
                           channel_base=64, channel_max=8))


@pytest.mark.parametrize('cfg', [
    dict(type='UnconditionalGAN', generator=gen(),
         discriminator=disc(norm='none'), r1=dict(gamma=3.0, interval=1)),
    _stylegan2_r1(),
], ids=['dcgan', 'stylegan2'])
def test_r1_reuses_the_real_pass_of_the_adversarial_loss(cfg):
    """On an R1 step D sees the reals once (and the fakes once): the
    adversarial loss, R1 and D's gradient equal those of separate passes
    (D(real), D(fake), and R1's own D(real))."""
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    D = model.discriminator
    calls = []
    D.register_forward_hook(lambda m, i, o: calls.append(i[0].shape[0]))
    real = batch(labels=False)['img']
    torch.manual_seed(1)
    losses = model.train_discriminator(real, None, 0)
    assert list(losses) == ['adv', 'r1'] and len(calls) == 2
    grads = torch.autograd.grad(sum(losses.values()), list(D.parameters()))

    torch.manual_seed(1)
    fake = model.generator(model.G.sample_z(real.shape[0]), None,
                           **model.train_forward_kwargs())
    want = dict(adv=model.gan_loss.d_loss(D(real), D(fake.detach())),
                r1=model.r1(D, real))
    for k in want:
        torch.testing.assert_close(losses[k], want[k])
    want_grads = torch.autograd.grad(sum(want.values()),
                                     list(D.parameters()))
    for a, b in zip(grads, want_grads):
        torch.testing.assert_close(a, b)


def test_unconditional_gan_r1_option_adds_the_lazy_penalty():
    model = MODELS.build(dict(type='UnconditionalGAN', generator=gen(),
                              discriminator=disc(norm='none'),
                              r1=dict(gamma=2.0, interval=2)))
    optim = optims(model)
    data = batch()
    log = step(model, optim, 0, data)
    assert set(log) == {'d_loss_adv', 'd_loss_r1', 'd_loss', 'g_loss_adv',
                        'g_loss'}
    # before the step's update D was the same: recompute with the new D
    real = data['img'].clone().requires_grad_(True)
    grad, = torch.autograd.grad(model.discriminator(real).sum(), real)
    want = 2.0 / 2 * 2 * grad.square().sum((1, 2, 3)).mean()
    assert model.r1(model.discriminator, data['img']).item() == \
        pytest.approx(want.item(), rel=1e-5)
    assert 'd_loss_r1' not in step(model, optim, 1)   # lazy: every 2nd
    with pytest.raises(ConfigError, match='r1_interval'):
        MODELS.build(dict(type='UnconditionalGAN', generator=gen(),
                          discriminator=disc(), r1=dict(interval=0)))
