"""StyleGAN2's synthesis network as the l-GAN's decoder, and the l-GAN's
bfloat16 autoencoder phase."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError

K = 4
SMALL = dict(w_dim=8, hidden=16, channel_base=64, channel_max=8)


def decoder(resolution=16, **kw):
    return MODELS.build(dict(type='StyleGAN2Decoder', resolution=resolution,
                             code_dim=K, **{**SMALL, **kw}))


def lgan_generator(**kw):
    return MODELS.build(dict(
        type='LatentCodeGenerator', resolution=16, z_dim=6, code_dim=K,
        mapping_width=8, mapping_depth=2,
        decoder=dict(type='StyleGAN2Decoder', **SMALL), **kw))


@pytest.mark.parametrize('resolution, num_ws', [(8, 4), (16, 6), (32, 8)])
def test_decoder_draws_images_with_a_style_per_layer(resolution, num_ws):
    torch.manual_seed(0)
    dec = decoder(resolution)
    # StyleGAN2's layer count: 2 log2(res) - 2 styles, one per conv + 1
    assert dec.num_ws == num_ws
    assert dec.to_ws[-1].out_features == num_ws * SMALL['w_dim']
    img = dec(torch.randn(3, K))
    assert img.shape == (3, 3, resolution, resolution)
    assert torch.isfinite(img).all()


def test_decoder_has_no_noise():
    # a decoder is a function of its code: no per-layer noise, even in
    # training mode
    torch.manual_seed(0)
    dec = decoder().train()
    code = torch.randn(2, K)
    assert torch.equal(dec(code), dec(code))


def test_decoder_direction_weights_are_the_map_from_code_to_features():
    torch.manual_seed(0)
    dec = decoder()
    first = dec.to_ws[0]
    code = torch.randn(5, K)
    with torch.no_grad():
        feats = first(code) - first(torch.zeros(5, K))
    A = dec.direction_weights()
    assert A.shape == (SMALL['hidden'], K)
    assert torch.allclose(feats, code @ A.t(), atol=1e-6)
    assert torch.equal(dec.direction_weights([0]), A)
    with pytest.raises(ConfigError, match=r'layers=\[1\]: StyleGAN2Decoder '
                       'has one input layer'):
        dec.direction_weights([1])


def test_decoder_learns_to_reconstruct_a_few_images():
    torch.manual_seed(0)
    dec = decoder(8)
    codes = torch.randn(4, K)
    target = torch.rand(4, 3, 8, 8) * 2 - 1
    opt = torch.optim.Adam(dec.parameters(), lr=1e-2)
    first = None
    for _ in range(60):
        loss = (dec(codes) - target).abs().mean()
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first


def test_latent_code_generator_decodes_standardised_codes():
    torch.manual_seed(0)
    G = lgan_generator().eval()
    G.w_mean.copy_(torch.tensor([1.0, -2.0, 0.5, 3.0]))
    G.w_std.copy_(torch.tensor([2.0, 0.5, 1.0, 4.0]))
    code = torch.randn(3, K)
    with torch.no_grad():
        assert torch.allclose(G.synthesis(G.standardise(code)[:, None]),
                              G.decoder(code), atol=1e-5)
        z = G.sample_z(3)
        assert torch.equal(G(z), G.synthesis(G.mapping(z)))
    assert torch.equal(G.direction_weights(),
                       G.decoder.direction_weights() * G.w_std)


@pytest.mark.parametrize('decoder_cfg, message', [
    (dict(type='StyleGANDecoder'), "decoder.type='StyleGANDecoder' is not "
     r"one of \('DCGANGenerator', 'StyleGAN2Decoder'\)"),
    (dict(type='StyleGAN2Decoder', code_dim=3),
     "decoder.code_dim is set by LatentCodeGenerator"),
    (dict(type='StyleGAN2Decoder', resolution=8),
     "decoder.resolution is set by LatentCodeGenerator"),
])
def test_bad_decoder_options_are_one_line_errors(decoder_cfg, message):
    with pytest.raises(ConfigError, match=message):
        MODELS.build(dict(type='LatentCodeGenerator', resolution=16,
                          code_dim=K, decoder=decoder_cfg))


def lgan(autocast):
    return MODELS.build(dict(
        type='LatentGAN', autocast=autocast,
        generator=dict(type='LatentCodeGenerator', resolution=16, z_dim=6,
                       code_dim=K, mapping_width=8, mapping_depth=2,
                       decoder=dict(type='StyleGAN2Decoder', **SMALL)),
        discriminator=dict(type='CodeDiscriminator', code_dim=K, width=8,
                           depth=2),
        encoder=dict(type='DCGANEncoder', resolution=16, code_dim=K,
                     base_channels=4),
        ae_iters=2, code_batch=5, bank_size=6, r1=dict(gamma=1.0,
                                                       interval=1)))


def dtypes_seen(module, store):
    return module.register_forward_hook(
        lambda m, args, out: store.append(out.dtype))


@pytest.mark.parametrize('autocast, ae_dtype', [
    ('bfloat16', torch.bfloat16), (None, torch.float32)])
def test_autocast_runs_the_autoencoder_phase_only(autocast, ae_dtype):
    torch.manual_seed(0)
    model = lgan(autocast)
    optim = OptimWrapperDict(**{n: OptimWrapper(torch.optim.Adam(
        getattr(model, n).parameters(), lr=1e-3)) for n in (
            'encoder', 'decoder', 'mapping', 'discriminator')})
    seen = dict(dec=[], enc=[], D=[], mapping=[])
    hooks = [dtypes_seen(model.decoder.to_ws, seen['dec']),
             dtypes_seen(model.encoder, seen['enc']),
             dtypes_seen(model.discriminator, seen['D']),
             dtypes_seen(model.mapping, seen['mapping'])]
    img = torch.rand(4, 3, 16, 16) * 2 - 1
    for it in range(3):
        MessageHub.get_current_instance().update_info('iter', it)
        log = model.train_step(dict(img=img), optim)
        assert all(torch.isfinite(v) and v.dtype == torch.float32
                   for v in log.values())
        if it < 2:
            assert log['ae_loss_recon'] > 0
    for h in hooks:
        h.remove()
    # autoencoder phase (iterations 0, 1) in the option's precision ...
    assert seen['dec'] == [ae_dtype] * 2 and seen['enc'][:2] == [ae_dtype] * 2
    # ... the code GAN (iteration 2) and the real codes in float32
    assert set(seen['D'] + seen['mapping']) == {torch.float32}
    assert seen['enc'][2:] == [torch.float32]
    # statistics, bank and weights stay float32
    assert model.G.w_mean.dtype == model.code_bank.dtype == torch.float32
    assert all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.parametrize('res', [32, 64])
def test_config_trains_end_to_end(tmp_path, res):
    """configs/stylegan2/stylegan2_lgan_shapes-{res}x{res}.py through both
    phases, and the saved generator draws images of that size from
    StyleGAN2's synthesis network."""
    from helpers import make_cfg, train
    from mmlatent.models.loading import load_generator
    cfg = make_cfg(f'stylegan2/stylegan2_lgan_shapes-{res}x{res}.py',
                   tmp_path,
                   model__ae_iters=2, model__code_batch=8,
                   model__bank_size=32, model__code_steps=1,
                   custom_hooks=[], val_evaluator=None,
                   train_cfg__max_iters=3,
                   default_hooks__checkpoint__interval=3)
    runner = train(cfg)
    scalars = runner.message_hub.log_scalars
    assert 'train/ae_loss_recon' in scalars and 'train/d_loss_r1' in scalars
    G = load_generator(str(tmp_path / 'iter_3.pth'), sample_model='orig')
    G = getattr(G, 'G', G)
    assert type(G.decoder).__name__ == 'StyleGAN2Decoder'
    with torch.no_grad():
        img = G(G.sample_z(2))
    assert img.shape == (2, 3, res, res) and torch.isfinite(img).all()
