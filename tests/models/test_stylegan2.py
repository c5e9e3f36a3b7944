"""StyleGAN2 generator, discriminator, losses and training algorithm."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmlatent.models.discriminators.stylegan2 import StyleGAN2Discriminator
from mmlatent.models.gans.stylegan2 import StyleGAN2
from mmlatent.models.generators.stylegan2 import StyleGAN2Generator
from mmlatent.models.losses.stylegan2 import (PathLengthRegularizer,
                                              R1Regularizer, d_logistic_loss,
                                              lazy_adam, path_lengths)
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError, ShapeError

TINY = dict(z_dim=8, w_dim=8, mapping_layers=2, channel_base=64,
            channel_max=8)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny convolutions run fastest (and steadily on a busy machine) on
    one thread."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def make_G(resolution=16, **kw):
    torch.manual_seed(0)
    return StyleGAN2Generator(resolution=resolution, **{**TINY, **kw})


# -- generator --------------------------------------------------------------
@pytest.mark.parametrize('res', [16, 32, 64])
def test_shapes(res):
    G = make_G(res)
    D = StyleGAN2Discriminator(res, channel_base=64, channel_max=8)
    img, ws = G(G.sample_z(2), return_ws=True)
    assert G.num_ws == 2 * res.bit_length() - 4
    assert img.shape == (2, 3, res, res)
    assert ws.shape == (2, G.num_ws, 8)
    assert D(img).shape == (2, )
    assert len(G.noise_buffers()) == G.num_ws - 1
    assert [tuple(n.shape[2:]) for n in G.make_noise(2)] == \
        [tuple(b.shape) for b in G.noise_buffers()] == G.noise_shapes()
    assert G.has_w_space and G.c_dim == 0


def test_channels_follow_nvidia_rule():
    G = make_G(64, channel_base=256, channel_max=32)
    widths = [b.conv1.weight.shape[0] for b in G.synthesis_net.blocks]
    assert widths == [32, 32, 16, 8, 4]  # min(256 // res, 32)


def test_truncation_to_w_avg():
    G = make_G().eval()
    G.w_avg.normal_()
    z = G.sample_z(3)
    with torch.no_grad():
        img = G(z, truncation_psi=0, noise_mode='const')
        ref = G.synthesis(G.w_avg.expand(3, -1), noise_mode='const')
        ws = G.mapping(z, truncation_psi=0.5, truncation_cutoff=2)
        ws1 = G.mapping(z)
    assert torch.allclose(img, ref, atol=1e-6)
    assert torch.allclose(ws[:, :2], G.w_avg.lerp(ws1[:, :2], 0.5))
    assert torch.equal(ws[:, 2:], ws1[:, 2:])


def test_w_avg_tracked_in_training_only():
    G = make_G()
    z = G.sample_z(4)
    G.eval()(z)
    assert G.w_avg.abs().sum() == 0
    w = G.mapping_net(z).mean(0)
    G.train()(z)
    assert torch.allclose(G.w_avg, w * (1 - 0.995), atol=1e-6)


def test_noise_modes():
    G = make_G().eval()
    ws = G.mapping(G.sample_z(2))
    with torch.no_grad():
        for blk in G.synthesis_net.blocks:  # make noise matter
            for conv in blk.convs:
                conv.noise_strength.fill_(0.5)
        const = [G.synthesis(ws, noise_mode='const') for _ in range(2)]
        rand = [G.synthesis(ws) for _ in range(2)]
        none = G.synthesis(ws, noise_mode='none')
        given = G.synthesis(ws, noise=[b[None, None]
                                       for b in G.noise_buffers()])
    assert torch.equal(const[0], const[1])
    assert not torch.allclose(rand[0], rand[1])
    assert not torch.allclose(none, const[0])
    assert torch.allclose(given, const[0])
    with pytest.raises(ConfigError, match="noise_mode='fixed'"):
        G.synthesis(ws, noise_mode='fixed')
    with pytest.raises(ShapeError, match=r'noise\[0\] has shape'):
        G.synthesis(ws, noise=[torch.zeros(1, 1, 5, 5)] * (G.num_ws - 1))


def test_w_and_w_plus_agree():
    G = make_G().eval()
    w = G.mapping(G.sample_z(2))[:, 0]
    with torch.no_grad():
        out = [G.synthesis(x, noise_mode='const') for x in
               (w, w[:, None], w[:, None].repeat(1, G.num_ws, 1))]
    assert torch.allclose(out[0], out[1]) and torch.allclose(out[0], out[2])


@pytest.mark.parametrize('shape', [(2, 3, 8), (2, 9), (2, 6, 8, 1), (8, )])
def test_bad_ws_shape(shape):
    G = make_G()
    with pytest.raises(ShapeError) as e:
        G.synthesis(torch.zeros(shape))
    assert str(tuple(shape)) in str(e.value) and '\n' not in str(e.value)


def test_direction_weights():
    G = make_G(32)  # channels 8, 8, 4, 2 at 4, 8, 16, 32 px
    assert G.direction_weights().shape == (8 + 8 + 8 + 8 + 4 + 4 + 2, 8)
    assert G.direction_weights([0]).shape == (8, 8)
    assert G.direction_weights([1, 2]).shape == (16, 8)
    assert G.direction_weights([1], include_torgb=True).shape == (16, 8)
    assert G.direction_weights(include_torgb=True).shape[0] == 42 + 22
    affine = G.synthesis_net.blocks[0].conv1.affine
    assert torch.allclose(G.direction_weights([0]),
                          affine.weight / 8**0.5)
    with pytest.raises(ConfigError, match='out of range'):
        G.direction_weights([8])
    with pytest.raises(ConfigError, match='toRGB only'):
        G.direction_weights([7])


def test_style_mixing():
    G = make_G()
    torch.manual_seed(1)
    ws = G.mapping(G.sample_z(3))
    mixed = G.mix_styles(ws, 1.0)
    differ = (mixed != ws).any(2).any(0)  # layers taken from the 2nd z
    k = int(differ.float().argmax())
    assert 1 <= k and differ[k:].all() and not differ[:k].any()
    assert torch.equal(G.mix_styles(ws, 0.0), ws)
    _, ws = G(G.sample_z(3), return_ws=True, style_mixing_prob=1.0)
    assert not torch.equal(ws[:, 0], ws[:, -1])
    _, ws = G(G.sample_z(3), return_ws=True)
    assert torch.equal(ws[:, 0], ws[:, -1])


def test_fused_modconv_matches():
    G = make_G(32).eval()
    F = make_G(32, fused_modconv=True).eval()
    F.load_state_dict(G.state_dict())
    ws = torch.randn(2, G.num_ws, 8)
    with torch.no_grad():
        a = G.synthesis(ws, noise_mode='const')
        b = F.synthesis(ws, noise_mode='const')
    assert (a - b).abs().max() < 1e-5


def test_registry_names_bad_keys():
    with pytest.raises(ConfigError, match="unknown key 'wdim'"):
        MODELS.build(dict(type='StyleGAN2Generator', wdim=8))
    with pytest.raises(ConfigError, match='power of two'):
        make_G(48)


def test_minibatch_std_groups():
    D = StyleGAN2Discriminator(16, channel_base=64, channel_max=8,
                               mbstd_num_channels=2)
    for n in (1, 3, 6, 8):
        assert D(torch.randn(n, 3, 16, 16)).shape == (n, )
    with pytest.raises(ConfigError, match='32 px'):
        D(torch.randn(2, 3, 32, 32))


# -- losses -----------------------------------------------------------------
def test_r1_and_path_length_have_gradients():
    G = make_G()
    D = StyleGAN2Discriminator(16, channel_base=64, channel_max=8)
    real = torch.randn(4, 3, 16, 16)
    r1 = R1Regularizer(gamma=10, interval=16)(D, real)
    r1.backward()
    assert torch.isfinite(r1) and r1 > 0
    assert D.from_rgb.weight.grad.abs().sum() > 0
    pl = PathLengthRegularizer(loss_weight=2, interval=4, decay=0.5)
    img, ws = G(G.sample_z(2), return_ws=True)
    loss = pl(img, ws)
    loss.backward()
    assert torch.isfinite(loss)
    assert G.mapping_net.fcs[0].weight.grad.abs().sum() > 0
    assert pl.pl_mean > 0 and not pl.pl_mean.requires_grad
    assert path_lengths(*G(G.sample_z(2), return_ws=True)).shape == (2, )
    assert d_logistic_loss(torch.zeros(3), torch.zeros(3)).item() == \
        pytest.approx(2 * torch.log(torch.tensor(2.)).item())


def test_lazy_adam():
    cfg = lazy_adam(0.0025, (0, 0.99), 16)
    assert cfg['lr'] == pytest.approx(0.0025 * 16 / 17)
    assert cfg['betas'] == pytest.approx((0, 0.99**(16 / 17)))


# -- the algorithm ----------------------------------------------------------
def build_gan(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='StyleGAN2',
        generator=dict(type='StyleGAN2Generator', resolution=16, **TINY),
        discriminator=dict(type='StyleGAN2Discriminator', resolution=16,
                           channel_base=64, channel_max=8),
        ema=dict(half_life_images=10), **kw))


def optim_wrappers(model):
    return OptimWrapperDict(**{
        name: OptimWrapper(torch.optim.Adam(
            getattr(model, name).parameters(),
            **lazy_adam(2e-3, (0, 0.99), 4)))
        for name in ('generator', 'discriminator')})


def test_train_step_runs_regularizers_at_intervals():
    model = build_gan(r1_gamma=1.0, r1_interval=2, pl_interval=3)
    assert isinstance(model, StyleGAN2)
    optim = optim_wrappers(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    hub = MessageHub.get_current_instance()
    data = dict(img=torch.randn(4, 3, 16, 16))
    fired = []
    for it in range(4):
        hub.update_info('iter', it)
        log = model.train_step(data, optim)
        assert all(torch.isfinite(v) for v in log.values())
        fired.append(sorted(k.rsplit('_', 1)[1] for k in log
                            if k.endswith(('r1', 'pl'))))
    assert fired == [['pl', 'r1'], [], ['r1'], ['pl']]
    after = model.state_dict()
    for name in ('generator.mapping_net.fcs.0.weight',
                 'discriminator.from_rgb.weight',
                 'generator_ema.module.synthesis_net.const'):
        assert not torch.equal(before[name], after[name]), name
    assert after['path_length.pl_mean'] > 0
    assert after['generator.w_avg'].abs().sum() > 0
    hub.update_info('iter', 0)


def test_train_step_passes_style_mixing_to_every_generator_call(
        monkeypatch):
    model = build_gan(r1_gamma=1.0, style_mixing_prob=0.7, pl_interval=1)
    probs = []
    forward = model.generator.forward

    def spy(*args, **kwargs):
        probs.append(kwargs.get('style_mixing_prob', 0.0))
        return forward(*args, **kwargs)

    monkeypatch.setattr(model.generator, 'forward', spy)
    MessageHub.get_current_instance().update_info('iter', 0)
    model.train_step(dict(img=torch.randn(2, 3, 16, 16)),
                     optim_wrappers(model))
    # D phase, G phase and the path-length pass, all mixing; no state left
    assert probs == [0.7, 0.7, 0.7]
    assert not hasattr(model.G, 'train_mixing_prob')


def test_train_step_without_regularizers():
    model = build_gan(r1_gamma=0, pl_weight=0, style_mixing_prob=0)
    log = model.train_step(dict(img=torch.randn(2, 3, 16, 16)),
                           optim_wrappers(model))
    assert not any(k.endswith(('r1', 'pl')) for k in log)
    with pytest.raises(ConfigError, match='r1_interval=0'):
        build_gan(r1_interval=0)
    with pytest.raises(ConfigError, match="unknown key 'pl_wieght'"):
        build_gan(pl_wieght=1)
