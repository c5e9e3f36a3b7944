"""The text-conditioned l-GAN: codes banked with their captions, the
matching-aware code discriminator, the matching loss on decoded images."""
import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmlatent.datasets.captions import parse_prompt, to_indices
from mmlatent.models.losses.text_matching import (attribute_loss,
                                                  mismatched_pairs)
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError

RES, K, T = 16, 4, 8
TEXT_IMAGE = dict(type='TextImageEncoder', resolution=RES, embed_dim=T,
                  base_channels=4, max_channels=8, hidden=16,
                  text_encoder=dict(type='bow', dim=8))
# captions and the values of their images (shape, colour, size, x, y)
CAPTIONS = ['a red square', 'blue triangle', 'a small green ellipse',
            'a large square on the left']
VALUES = torch.tensor([[0, 0, 0, 1, 1], [2, 4, 1, 0, 2], [1, 2, 0, 2, 0],
                       [0, 1, 1, 0, 1]])


def text_lgan(**kw):
    cfg = dict(
        type='TextLatentGAN',
        generator=dict(type='LatentCodeGenerator', resolution=RES, z_dim=6,
                       code_dim=K, mapping_width=8, mapping_depth=2,
                       decoder=dict(base_channels=4), con_dim=T, c_bank=16),
        discriminator=dict(type='CodeDiscriminator', code_dim=K, width=8,
                           depth=2, c_dim=T, conditioning='projection'),
        encoder=dict(type='DCGANEncoder', resolution=RES, code_dim=K,
                     base_channels=4),
        text_image=TEXT_IMAGE, ae_iters=1, code_batch=6, bank_size=8,
        r1=dict(gamma=1.0, interval=1), matching_weight=2.0,
        matching_batch=3, matching_interval=2)
    cfg.update(kw)
    return MODELS.build(cfg)


def batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    named = torch.as_tensor(
        np.stack([to_indices(parse_prompt(c)) for c in CAPTIONS])).long()
    return dict(img=torch.rand(4, 3, RES, RES, generator=g) * 2 - 1,
                caption=list(CAPTIONS), values=VALUES, named=named)


def optims(model):
    make = lambda m: OptimWrapper(torch.optim.Adam(m.parameters(), lr=1e-2))
    return OptimWrapperDict(**{n: make(getattr(model, n)) for n in (
        'encoder', 'decoder', 'mapping', 'discriminator')})


def step(model, optim, it, data):
    MessageHub.get_current_instance().update_info('iter', it)
    return model.train_step(data, optim)


def test_codes_are_banked_with_their_captions_and_values():
    torch.manual_seed(0)
    model = text_lgan()
    data = batch()
    step(model, optims(model), 0, data)         # the autoencoder phase
    t = model.encode_text(CAPTIONS)
    assert torch.allclose(model.c_bank[:4], t)
    values, named = model.bank_attributes(torch.arange(4))
    assert torch.equal(values, VALUES)
    assert torch.equal(named, data['named'])
    # 'a red square' names shape 0 and colour 0 only
    assert named[0].tolist() == [0, 0, -1, -1, -1]
    # G's own bank of training conditions (what sample_c draws)
    assert torch.allclose(model.G.c_bank.codes[:4], t)


def test_mismatch_term_scores_real_codes_with_other_captions():
    """The D loss: (1 - m) adv(real, mapped) + m adv(real with its caption,
    real with the caption of the next banked code where it names a value
    the code's image does not have)."""
    torch.manual_seed(0)
    model = text_lgan(mismatch_weight=0.25, r1=None)
    step(model, optims(model), 0, batch())
    rows = torch.arange(4)
    w, t = model.bank_at(rows)
    losses = model.train_discriminator(w, t, 0, rows)
    i, j = mismatched_pairs(VALUES, model.bank_attributes(rows)[1])
    assert len(i) > 0
    D, loss = model.discriminator, model.gan_loss
    want = 0.25 * loss.d_loss(D(w[i], t[i]), D(w[i], t[j]))
    assert torch.allclose(losses['mismatch'], want)
    assert set(losses) == {'adv', 'mismatch'}
    # without the rows (the plain LatentGAN call) no mismatch term
    assert 'mismatch' not in model.train_discriminator(w, t, 0)
    # m = 0: the plain conditional l-GAN's D loss
    plain = text_lgan(mismatch_weight=0.0, r1=None)
    plain.load_state_dict(model.state_dict())
    torch.manual_seed(1)
    a = plain.train_discriminator(w, t, 0, rows)
    torch.manual_seed(1)
    b = model.train_discriminator(w, t, 0, rows)
    assert set(a) == {'adv'}
    assert torch.allclose(b['adv'], 0.75 * a['adv'])


def test_matching_loss_is_the_frozen_heads_cross_entropy():
    torch.manual_seed(0)
    model = text_lgan()
    img = torch.rand(4, 3, RES, RES) * 2 - 1
    named = batch()['named']
    heads = model.text_image.head_logits(model.text_image.features(img))
    logits = torch.cat([heads[a] for a in ('shape', 'colour', 'size', 'x',
                                           'y')], 1)
    want = attribute_loss(logits, named, model.attribute_sizes)
    assert torch.allclose(model.matching_loss(img, named), want)


def test_code_phase_trains_the_mapping_through_the_frozen_parts():
    """Code steps train D and the mapping only; the matching term (every
    2nd mapping step, times 2 x the weight) reaches the mapping through
    the frozen decoder; the text-image encoder never changes."""
    torch.manual_seed(0)
    model = text_lgan(code_steps=2)
    optim = optims(model)
    step(model, optim, 0, batch(0))
    frozen = [p.clone() for p in model.text_image.parameters()]
    dec = [p.clone() for p in model.decoder.parameters()]
    mapping = [p.clone() for p in model.mapping.parameters()]
    log = step(model, optim, 1, batch(1))   # code steps 0 and 1
    assert 'd_loss_mismatch' in log and 'g_loss_adv' in log
    assert 'g_loss_match' not in log        # step 1: no matching term
    assert all(torch.equal(a, b) for a, b in zip(
        frozen, model.text_image.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(
        dec, model.decoder.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(
        mapping, model.mapping.parameters()))
    log = step(model, optim, 2, batch(2))   # steps 2 and 3
    assert 'g_loss_match' not in log
    # the matching term acts at every 2nd code step
    torch.manual_seed(0)
    g = model.train_generator(6, 4)
    assert set(g) >= {'adv', 'match'} and torch.isfinite(g['match'])
    assert 'match' not in model.train_generator(6, 5)
    g['match'].backward()
    assert all(p.grad is None for p in model.text_image.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.mapping.parameters())


@pytest.mark.parametrize('kw, message', [
    (dict(mismatch_weight=1.0), r'mismatch_weight=1.0 must be in \[0, 1\)'),
    (dict(matching_weight=-1.0), 'matching_weight=-1.0 and'),
    (dict(diversity_weight=-1.0), 'diversity_weight=-1.0 >= 0'),
    (dict(text_noise=-0.1), 'text_noise=-0.1 must be >= 0'),
    (dict(matching_batch=0), 'matching_batch=0 must be an int >= 1'),
    (dict(matching_interval=1.5), 'matching_interval=1.5 must be an int'),
])
def test_bad_options_are_one_line_errors(kw, message):
    with pytest.raises(ConfigError, match=message):
        text_lgan(**kw)


def test_sizes_and_captions_are_checked():
    with pytest.raises(ConfigError, match='TextLatentGAN needs a generator '
                       'with con_dim=8'):
        text_lgan(generator=dict(
            type='LatentCodeGenerator', resolution=RES, z_dim=6, code_dim=K,
            mapping_width=8, mapping_depth=2, decoder=dict(base_channels=4),
            cat_dims=[3]),
            discriminator=dict(type='CodeDiscriminator', code_dim=K,
                               width=8, depth=2, c_dim=3))
    model = text_lgan()
    data = batch()
    del data['caption']
    with pytest.raises(ConfigError, match=r"TextLatentGAN needs captioned "
                       r"data .* missing \['caption'\]"):
        step(model, optims(model), 0, data)


def test_diversity_term_is_msgan_on_two_codes_per_caption():
    """diversity_weight: the mode-seeking ratio of the codes of two z for
    the first half of the batch's captions, with the model's own draws."""
    from mmlatent.models.losses.text_matching import mode_seeking_loss
    torch.manual_seed(0)
    model = text_lgan(diversity_weight=0.5, matching_weight=0.0)
    step(model, optims(model), 0, batch())
    torch.manual_seed(3)
    got = model.train_generator(6, 1)['diversity']
    torch.manual_seed(3)
    rows = model.bank_rows(6)
    t = model.c_bank[rows]
    z = model.G.sample_z(6)
    w = model.G.mapping(z, t)[:, 0]
    z2 = model.G.sample_z(3)
    w2 = model.G.mapping(z2, t[:3])[:, 0]
    want = 0.5 * mode_seeking_loss(w[:3], w2, z[:3], z2)
    assert torch.allclose(got, want)
