"""The l-GAN: an autoencoder phase, then a GAN on its codes."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError

RES, K = 16, 4


def lgan(**kw):
    cfg = dict(
        type='LatentGAN',
        generator=dict(type='LatentCodeGenerator', resolution=RES, z_dim=6,
                       code_dim=K, mapping_width=8, mapping_depth=2,
                       decoder=dict(base_channels=4)),
        discriminator=dict(type='CodeDiscriminator', code_dim=K, width=8,
                           depth=2),
        encoder=dict(type='DCGANEncoder', resolution=RES, code_dim=K,
                     base_channels=4),
        ae_iters=2, code_batch=5, bank_size=6,
        r1=dict(gamma=1.0, interval=1),
        continuity=dict(loss_weight=1.0, batch_size=3))
    cfg.update(kw)
    return MODELS.build(cfg)


def optims(model):
    make = lambda m: OptimWrapper(torch.optim.Adam(m.parameters(), lr=1e-2))
    return OptimWrapperDict(**{n: make(getattr(model, n)) for n in (
        'encoder', 'decoder', 'mapping', 'discriminator')})


def step(model, optim, it, img):
    MessageHub.get_current_instance().update_info('iter', it)
    return model.train_step(dict(img=img), optim)


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module):
    return any(not torch.equal(a, b)
               for a, b in zip(before, module.parameters()))


def images(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, RES, RES, generator=g) * 2 - 1


def test_generator_decodes_standardised_codes():
    torch.manual_seed(0)
    G = lgan().generator.eval()
    G.w_mean.copy_(torch.tensor([1.0, -2.0, 0.5, 3.0]))
    G.w_std.copy_(torch.tensor([2.0, 0.5, 1.0, 4.0]))
    code = torch.randn(3, K)
    w = G.standardise(code)
    assert torch.allclose(G.w_mean + G.w_std * w, code)
    with torch.no_grad():
        assert torch.allclose(G.synthesis(w[:, None]), G.decoder(code),
                              atol=1e-6)
        z = G.sample_z(3)
        ws = G.mapping(z)
        assert ws.shape == (3, 1, K)
        assert torch.equal(G(z), G.synthesis(ws))


def test_direction_weights_are_the_map_from_w_to_first_features():
    torch.manual_seed(0)
    G = lgan().generator.eval()
    G.w_std.copy_(torch.tensor([2.0, 0.5, 1.0, 4.0]))
    first = G.decoder.net[0]   # ConvTranspose2d on the 1x1 code
    w = torch.randn(2, K)
    with torch.no_grad():
        feats = first((G.w_mean + G.w_std * w)[:, :, None, None]) - \
            first(G.w_mean.expand(2, K)[:, :, None, None])
    A = G.direction_weights()
    assert A.shape == (feats[0].numel(), K)
    assert torch.allclose(feats.flatten(1), w @ A.t(), atol=1e-5)


def test_autoencoder_phase_trains_encoder_and_decoder_only():
    torch.manual_seed(0)
    model = lgan(stats_momentum=0.25)
    optim = optims(model)
    nets = dict(encoder=model.encoder, decoder=model.decoder,
                mapping=model.mapping, discriminator=model.discriminator)
    before = {n: snapshot(m) for n, m in nets.items()}
    img = images()
    with torch.no_grad():
        code = model.encoder(img)
    log = step(model, optim, 0, img)
    assert set(log) == {'ae_loss_recon', 'ae_loss'}
    assert {n for n, m in nets.items() if changed(before[n], m)} == {
        'encoder', 'decoder'}
    # the running statistics moved a quarter of the way from (0, 1)
    assert torch.allclose(model.G.w_mean, 0.25 * code.mean(0), atol=1e-6)
    assert torch.allclose(model.G.w_std, 0.75 + 0.25 * code.std(0),
                          atol=1e-6)
    # the batch's codes, standardised by the updated statistics, are
    # banked: the code GAN starts on a full bank
    assert int(model.bank_count) == 4
    assert torch.allclose(model.code_bank[:4], model.G.standardise(code),
                          atol=1e-5)


def test_code_phase_trains_mapping_and_discriminator_on_banked_codes():
    torch.manual_seed(0)
    model = lgan()
    optim = optims(model)
    for it in range(2):
        step(model, optim, it, images(seed=it))
    nets = dict(encoder=model.encoder, decoder=model.decoder,
                mapping=model.mapping, discriminator=model.discriminator)
    before = {n: snapshot(m) for n, m in nets.items()}
    stats = model.G.w_mean.clone(), model.G.w_std.clone()
    img = images(seed=5)
    log = step(model, optim, 2, img)
    assert set(log) == {'d_loss_adv', 'd_loss_r1', 'd_loss', 'g_loss_adv',
                        'g_loss_continuity', 'g_loss'}
    assert all(torch.isfinite(v) for v in log.values())
    assert {n for n, m in nets.items() if changed(before[n], m)} == {
        'mapping', 'discriminator'}
    assert torch.equal(model.G.w_mean, stats[0])
    assert torch.equal(model.G.w_std, stats[1])
    assert not model.encoder.training and not model.decoder.training
    # the continuity term backpropagated through the frozen decoder to the
    # mapping only; the decoder's flags are back for the next phase-1 run
    assert all(p.grad is None and p.requires_grad
               for p in model.decoder.parameters())
    with torch.no_grad():
        w = model.G.standardise(model.encoder(img))
    # 4 codes from each of the two autoencoder batches (slots 0-3, then
    # 4, 5, 0, 1 of a bank of 6), then these 4 in slots 2-5
    assert int(model.bank_count) == 12
    assert torch.allclose(model.code_bank[2:], w, atol=1e-6)


def test_code_steps_share_an_image_batch_and_count_the_intervals():
    torch.manual_seed(0)
    model = lgan(code_steps=3, r1=dict(gamma=1.0, interval=2),
                 continuity=dict(loss_weight=1.0, batch_size=3, interval=2))
    optim = optims(model)
    for it in range(2):
        step(model, optim, it, images(seed=it))
    d_opt = optim['discriminator'].optimizer
    # phase-2 iteration 0: code steps 0, 1, 2; the log is step 2's, when
    # R1 and the continuity term (every 2nd code step) are due
    log = step(model, optim, 2, images(seed=2))
    assert {'d_loss_r1', 'g_loss_continuity'} <= set(log)
    assert all(s['step'] == 3 for s in d_opt.state.values())
    assert all(s['step'] == 3
               for s in optim['mapping'].optimizer.state.values())
    assert int(model.bank_count) == 12   # one image batch per iteration
    # iteration 1: code steps 3, 4, 5; step 5 takes neither term
    log = step(model, optim, 3, images(seed=3))
    assert not {'d_loss_r1', 'g_loss_continuity'} & set(log)
    assert all(s['step'] == 6 for s in d_opt.state.values())


def test_discriminator_steps_take_a_mapping_step_every_nth_code_step():
    """n_critic = 2 with 4 code steps per iteration: 4 D steps and 2
    mapping steps (after code steps 1 and 3), the continuity interval
    counting mapping steps."""
    torch.manual_seed(0)
    model = lgan(code_steps=4, discriminator_steps=2,
                 continuity=dict(loss_weight=1.0, batch_size=3, interval=2))
    optim = optims(model)
    for it in range(2):
        step(model, optim, it, images(seed=it))
    log = step(model, optim, 2, images(seed=2))
    # the log is code step 3's: a mapping step, the second (g_step 1)
    assert 'g_loss_adv' in log and 'g_loss_continuity' not in log
    assert all(s['step'] == 4 for s in
               optim['discriminator'].optimizer.state.values())
    assert all(s['step'] == 2
               for s in optim['mapping'].optimizer.state.values())
    log = step(model, optim, 3, images(seed=3))   # g_steps 2, 3
    assert all(s['step'] == 4
               for s in optim['mapping'].optimizer.state.values())


def test_code_bank_is_a_fifo_of_the_last_codes():
    model = lgan(bank_size=5)
    codes = torch.arange(8 * K, dtype=torch.float32).view(8, K)
    model.push_codes(codes[:3])
    model.push_codes(codes[3:7])
    # 7 codes pushed into 5 slots: slots 0 and 1 hold codes 5 and 6
    assert torch.equal(model.code_bank,
                       torch.cat([codes[5:7], codes[2:5]]))
    model.push_codes(codes)     # more than the bank holds: the last 5
    assert set(map(tuple, model.code_bank.tolist())) == set(
        map(tuple, codes[3:].tolist()))
    drawn, c = model.bank_sample(50)
    assert c is None
    assert drawn.shape == (50, K)
    assert set(map(tuple, drawn.tolist())) <= set(
        map(tuple, codes[3:].tolist()))


def test_empty_bank_cannot_be_sampled():
    with pytest.raises(RuntimeError, match='code bank is empty'):
        lgan().bank_sample(2)


@pytest.mark.parametrize('kw, message', [
    (dict(ae_iters=0), 'ae_iters=0 must be an int >= 1'),
    (dict(code_batch=0), 'code_batch=0 must be an int >= 1'),
    (dict(code_steps=0), 'code_steps=0 must be an int >= 1'),
    (dict(stats_momentum=0.0), r'stats_momentum=0.0 must be in \(0, 1\]'),
    (dict(encoder=dict(type='DCGANEncoder', resolution=RES, code_dim=3,
                       base_channels=4)),
     "encoder.code_dim=3 differs from the generator's code_dim=4"),
])
def test_bad_options_are_one_line_errors(kw, message):
    with pytest.raises(ConfigError, match=message):
        lgan(**kw)


def test_decoder_input_size_is_the_generators():
    with pytest.raises(ConfigError, match="decoder.z_dim is set by "
                       "LatentCodeGenerator"):
        MODELS.build(dict(type='LatentCodeGenerator', resolution=RES,
                          decoder=dict(z_dim=3)))


def conditional(**kw):
    gen = dict(type='LatentCodeGenerator', resolution=RES, z_dim=6,
               code_dim=K, mapping_width=8, mapping_depth=2,
               decoder=dict(base_channels=4), cat_dims=[3])
    kw.setdefault('discriminator', dict(
        type='CodeDiscriminator', code_dim=K, width=8, depth=2, c_dim=3))
    return lgan(generator=gen, **kw)


def test_conditional_codes_are_banked_with_their_labels():
    torch.manual_seed(0)
    model = conditional()
    optim = optims(model)
    labels = torch.tensor([2, 0, 1, 2])
    for it in range(3):
        MessageHub.get_current_instance().update_info('iter', it)
        log = model.train_step(dict(img=images(seed=it), label=labels),
                               optim)
    assert 'd_loss_adv' in log and all(torch.isfinite(v)
                                       for v in log.values())
    # 12 codes through a bank of 6 slots (also in the autoencoder phase):
    # slots 0, 1 hold the second batch's last two, slots 2-5 the third's
    banked = torch.eye(3)[labels[[2, 3, 0, 1, 2, 3]]]
    assert torch.equal(model.c_bank, banked)
    w, c = model.bank_sample(20)
    # every drawn code comes with the label it was banked with
    for code, cond in zip(w, c):
        slot = (model.code_bank == code).all(1).nonzero()[0, 0]
        assert torch.equal(cond, banked[slot])
    G = model.generator.eval()
    z = G.sample_z(2)
    with torch.no_grad():
        a = G.mapping(z, G.make_c(torch.tensor([0, 0])))
        b = G.mapping(z, G.make_c(torch.tensor([1, 1])))
    assert not torch.allclose(a, b)   # the class reaches the mapping


def test_projection_discriminator_learns_the_class_embedding():
    """A conditional l-GAN whose code discriminator projects the class:
    the code phase trains its class embedding."""
    torch.manual_seed(0)
    model = conditional(discriminator=dict(
        type='CodeDiscriminator', code_dim=K, width=8, depth=2, c_dim=3,
        conditioning='projection'))
    optim = optims(model)
    labels = torch.tensor([2, 0, 1, 2])
    embed = model.discriminator.embed.weight.detach().clone()
    for it in range(4):
        MessageHub.get_current_instance().update_info('iter', it)
        log = model.train_step(dict(img=images(seed=it), label=labels),
                               optim)
        if it < model.ae_iters:   # the autoencoder phase leaves D alone
            assert torch.equal(embed, model.discriminator.embed.weight)
    assert 'd_loss_adv' in log and all(torch.isfinite(v)
                                       for v in log.values())
    assert not torch.equal(embed, model.discriminator.embed.weight)


def test_wgan_gp_on_codes_penalises_the_critics_gradient_norm():
    """l-WGAN-GP: with a linear critic ``a . w + b`` the gradient at every
    code is ``a``, so the logged penalty is lambda (|a| - 1)^2, added to
    the adversarial term in the critic's loss; R1 is off."""
    torch.manual_seed(0)
    model = lgan(discriminator=dict(type='CodeDiscriminator', code_dim=K,
                                    width=8, depth=1),
                 gan_loss=dict(type='WassersteinGANLoss'), r1=None,
                 gradient_penalty=dict(loss_weight=10.0))
    optim = optims(model)
    for it in range(2):                       # the autoencoder phase
        step(model, optim, it, images(seed=it))
    a = model.discriminator.net[0].weight.detach().clone()
    log = step(model, optim, 2, images(seed=2))
    assert 'd_loss_r1' not in log
    want = 10.0 * (a.norm() - 1) ** 2
    assert torch.allclose(log['d_loss_gp'], want, rtol=1e-5)
    assert torch.allclose(log['d_loss'], log['d_loss_adv'] + want,
                          rtol=1e-5)


def test_conditional_needs_labels_and_matching_sizes():
    model = conditional()
    MessageHub.get_current_instance().update_info('iter', 5)
    with pytest.raises(ConfigError, match='needs labelled data'):
        model.train_step(dict(img=images()), optims(model))
    with pytest.raises(ConfigError, match="the code discriminator's "
                       "c_dim=0 differs from the generator's c_dim=3"):
        conditional(discriminator=dict(type='CodeDiscriminator',
                                       code_dim=K, width=8, depth=2))


def test_resume_across_the_phases_is_exact(tmp_path):
    """A run cut at iteration 3 (in the code-GAN phase, two code steps per
    iteration, with codes in the bank, the autoencoder's learning rates
    decaying over the autoencoder phase (iterations 0-2, PhaseLinearLR as
    the main job's) and the code GAN's from 2) and resumed ends with the
    state of an uninterrupted 5-iteration run: weights, code statistics and
    the bank (a checkpoint without the scheduler's state resumed the decay
    3 iterations late). The code GAN's schedule has literal iterations
    here: the cut run ends through ``max_iters=3``, which would move a
    schedule placed in the code phase (a killed run keeps its
    ``max_iters``)."""
    from helpers import assert_resume_exact
    rel = 'lgan/lgan_continuity_shapes-32x32.py'   # the main job
    ae_lr = [dict(type='PhaseLinearLR', phase='autoencoder',
                  end_factor=0.1)]
    code_lr = [dict(type='LinearLR', start_factor=1.0, end_factor=0.1,
                    begin=2, end=5, by_epoch=False)]
    opts = dict(model__ae_iters=2, model__code_batch=8, model__bank_size=12,
                model__code_steps=2,
                model__generator__mapping_width=16,
                model__discriminator__width=16,
                model__continuity__batch_size=4,
                custom_hooks=[dict(type='IterationSeedHook')],
                param_scheduler=dict(encoder=ae_lr, decoder=ae_lr,
                                     mapping=code_lr, discriminator=code_lr),
                val_evaluator=None, train_cfg__max_iters=5,
                default_hooks__checkpoint__interval=1)
    a = assert_resume_exact(rel, tmp_path, 3, **opts)
    assert len(a['param_schedulers']) == 4    # one per optimizer
    # every iteration, both phases, banks its batch of 8 images' codes
    assert int(a['state_dict']['bank_count']) == 5 * 8


def test_resume_inside_the_autoencoder_cool_down_is_exact(tmp_path):
    """A run cut at iteration 2, half-way through the autoencoder's
    falling rate (PhaseLinearLR over the 4-iteration autoencoder phase;
    its checkpoint keeps the step, the config the span), resumes to the
    state of an uninterrupted run."""
    from helpers import assert_resume_exact
    ae_lr = [dict(type='PhaseLinearLR', phase='autoencoder',
                  end_factor=0.1)]
    opts = dict(model__ae_iters=4, model__code_batch=8, model__bank_size=12,
                model__generator__mapping_width=16,
                model__discriminator__width=16,
                model__continuity__batch_size=4,
                custom_hooks=[dict(type='IterationSeedHook')],
                param_scheduler=dict(encoder=ae_lr, decoder=ae_lr,
                                     mapping=[], discriminator=[]),
                val_evaluator=None, train_cfg__max_iters=5,
                default_hooks__checkpoint__interval=1)
    a = assert_resume_exact('lgan/lgan_continuity_shapes-32x32.py',
                            tmp_path, 2, **opts)
    state = a['param_schedulers']['encoder'][0]
    assert state['_global_step'] == 5 and 'begin' not in state


def test_optimizers_average_gradients_over_processes(monkeypatch):
    # LatentGAN runs its networks past any DDP wrapper, so each network's
    # optimizer averages the gradients (SyncedOptimWrapper): chosen by the
    # constructor; another wrapper type is refused in a multi-process run
    from mmlatent.engine import GANOptimWrapperConstructor, SyncedOptimWrapper
    import mmlatent.engine.optim as optim
    model = lgan()
    assert model.syncs_own_gradients
    cfg = {name: dict(optimizer=dict(type='Adam', lr=1e-3))
           for name in ('encoder', 'decoder', 'mapping', 'discriminator')}
    wrappers = GANOptimWrapperConstructor(cfg)(model)
    assert all(type(w) is SyncedOptimWrapper for w in wrappers.values())
    cfg['mapping']['type'] = 'OptimWrapper'
    GANOptimWrapperConstructor(cfg)(model)       # one process: allowed
    monkeypatch.setattr(optim, 'get_world_size', lambda: 2)
    with pytest.raises(ConfigError, match=r"optim_wrapper.mapping.type="
                       r"'OptimWrapper' does not average gradients over the "
                       r'2 processes; drop the type'):
        GANOptimWrapperConstructor(cfg)(model)


def test_synced_optimizer_averages_before_the_step(monkeypatch):
    import mmlatent.engine.self_sync as self_sync
    from mmlatent.engine import SyncedOptimWrapper
    seen = []

    def fake_mean(tensors, op):     # stands in for the all-reduce
        seen.append(op)
        for t in tensors:
            t.mul_(0.5)             # as if the other process sent zeros
    monkeypatch.setattr(self_sync, 'all_reduce_params', fake_mean)
    w = torch.nn.Parameter(torch.ones(3))
    opt = SyncedOptimWrapper(torch.optim.SGD([w], lr=1.0))
    opt.update_params((2 * w).sum())
    assert seen == ['mean']
    assert torch.equal(w.detach(), torch.zeros(3))   # 1 - 1.0 * (2 * 0.5)


@pytest.mark.parametrize('rel, term', [
    ('lgan/lgan_continuity-conditional_shapes-32x32.py', 'd_loss_adv'),
    ('lgan/lgan_continuity-wgangp_shapes-32x32.py', 'd_loss_gp'),
])
def test_variants_of_the_main_job_train_end_to_end(tmp_path, rel, term):
    """The conditional (projection) and WGAN-GP variants of the main job
    train through both phases and save a generator that draws."""
    from helpers import make_cfg, train
    cfg = make_cfg(rel, tmp_path, model__ae_iters=1, model__code_batch=8,
                   model__bank_size=32, model__code_steps=4,
                   model__continuity__batch_size=4,
                   custom_hooks=[], val_evaluator=None,
                   train_cfg__max_iters=3,
                   default_hooks__checkpoint__interval=3)
    runner = train(cfg)
    scalars = runner.message_hub.log_scalars
    assert f'train/{term}' in scalars and 'train/g_loss_adv' in scalars
    D = runner.model.discriminator
    assert D.projects == (runner.model.G.c_dim > 0)
    from mmlatent.models.loading import load_generator
    G = load_generator(str(tmp_path / 'iter_3.pth'), sample_model='orig')
    G = getattr(G, 'G', G)
    with torch.no_grad():
        img = G(G.sample_z(2), G.sample_c(2))
    assert img.shape == (2, 3, 32, 32) and torch.isfinite(img).all()


def test_realism_logits_are_the_code_discriminators():
    # the prompt mapper's realism term: an l-GAN judges codes, not images
    model = lgan().eval()
    w = torch.randn(4, K)
    img = torch.zeros(4, 3, RES, RES)
    assert torch.equal(model.realism_logits(w, img),
                       model.D(w, None).reshape(-1))
    assert not torch.equal(model.realism_logits(w, img),
                           model.realism_logits(w + 1, img))


@pytest.mark.parametrize('is_conditional', [False, True])
def test_one_discriminator_pass_gives_the_separate_passes_losses(
        is_conditional):
    """Real and mapped codes go through D as one batch that R1 reuses: the
    adversarial loss, R1 and D's gradient equal those of separate passes
    (D(real), D(fake), and R1's own D(real))."""
    torch.manual_seed(0)
    r1_cfg = dict(gamma=3.0, interval=1)
    model = conditional(r1=r1_cfg) if is_conditional else lgan(r1=r1_cfg)
    D = model.discriminator
    real_w = torch.randn(5, K)
    c_real = model.G.make_c(torch.tensor([0, 1, 2, 0, 1])) \
        if is_conditional else None
    torch.manual_seed(1)
    losses = model.train_discriminator(real_w, c_real, 0)
    grads = torch.autograd.grad(sum(losses.values()), list(D.parameters()))

    torch.manual_seed(1)
    c_fake = model.fake_c(5)
    with torch.no_grad():
        fake_w = model.G.mapping(model.G.sample_z(5), c_fake)[:, 0]
    adv = model.gan_loss.d_loss(D(real_w, c_real), D(fake_w, c_fake))
    r1 = model.r1(lambda w: D(w, c_real), real_w)
    expected = torch.autograd.grad(adv + r1, list(D.parameters()))
    assert set(losses) == {'adv', 'r1'}
    torch.testing.assert_close(losses['adv'], adv)
    torch.testing.assert_close(losses['r1'], r1)
    for g, e in zip(grads, expected):
        torch.testing.assert_close(g, e)
    assert not real_w.requires_grad  # the caller's codes are untouched


def _lr_per_iteration(schedules: list, iters: int, phases: dict) -> list:
    """The learning rate (as a fraction of the base) each iteration trains
    with under ``schedules`` placed in ``phases`` as the runner places
    them, mmengine's schedulers stepped per iteration."""
    from mmlatent.engine.phase_scheduler import with_phases
    from mmlatent.registry import PARAM_SCHEDULERS
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1.0)
    scheds = [PARAM_SCHEDULERS.build(dict(s, optimizer=opt))
              for s in with_phases(schedules, phases)]
    lrs = []
    for _ in range(iters):
        lrs.append(opt.param_groups[0]['lr'])
        for s in scheds:
            s.step()
    return lrs


@pytest.mark.parametrize('rel, cool', [
    ('lgan/lgan_continuity_shapes-32x32.py', 1050),
    ('stylegan2/stylegan2_lgan_shapes-64x64.py', 3000)])
def test_config_cools_the_autoencoder_before_the_code_gan(rel, cool):
    """The encoder's and decoder's learning rates fall linearly to a tenth
    over the last ``cool`` autoencoder iterations; the mapping's and the
    discriminator's stay full until the autoencoder phase ends, then fall
    to a tenth by the end of training."""
    from helpers import config_path
    from mmengine import Config
    cfg = Config.fromfile(config_path(rel))
    ae_iters, max_iters = cfg.model.ae_iters, cfg.train_cfg.max_iters
    assert set(cfg.param_scheduler) == {'encoder', 'decoder', 'mapping',
                                        'discriminator'}
    from mmlatent.models.gans.latent_gan import LatentGAN
    # the model's phases from its config (ae_iters), without its networks
    phases = LatentGAN.training_phases(cfg.model, max_iters)
    lrs = {name: _lr_per_iteration(schedules, max_iters, phases)
           for name, schedules in cfg.param_scheduler.items()}
    for name in ('encoder', 'decoder'):
        lr = lrs[name]
        assert set(lr[:ae_iters - cool + 1]) == {1.0}
        assert lr[ae_iters - cool // 2] == pytest.approx(0.55, abs=2e-3)
        assert lr[ae_iters - 1] == pytest.approx(0.1, abs=1e-3)
    for name in ('mapping', 'discriminator'):
        lr = lrs[name]
        assert set(lr[:ae_iters + 1]) == {1.0}
        assert lr[-1] == pytest.approx(0.1, abs=1e-3)
