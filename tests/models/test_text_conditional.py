"""The text-conditioned GAN's parts: mismatched pairs, the attribute loss,
the matching-aware discriminator and the D phase's mismatch term."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmlatent.models.gans.text_side import TextBatch
from mmlatent.models.losses.text_matching import (attribute_loss,
                                                  mismatched_pairs,
                                                  mode_seeking_loss,
                                                  unnamed_information_loss)
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError, ShapeError

SIZES = (3, 6, 2, 3, 3)
TEXT_IMAGE = dict(type='TextImageEncoder', resolution=16, embed_dim=8,
                  base_channels=4, max_channels=8, hidden=16,
                  text_encoder=dict(type='bow', dim=8))


def tiny_gan(**kwargs):
    cfg = dict(type='TextConditionalGAN',
               generator=dict(type='DCGANGenerator', resolution=16, z_dim=4,
                              con_dim=8, base_channels=8),
               discriminator=dict(type='TextMatchingDiscriminator',
                                  text_dim=8, resolution=16,
                                  base_channels=8),
               text_image=TEXT_IMAGE)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_mismatched_pairs_hand_made():
    # image values: 0 and 1 are red squares (left), 2 a blue triangle
    values = torch.tensor([[0, 0, 0, 0, 0], [0, 0, 1, 0, 0],
                           [2, 4, 1, 2, 2]])
    # captions: 0 'red', 1 'square', 2 'blue triangle'
    named = torch.tensor([[-1, 0, -1, -1, -1], [0, -1, -1, -1, -1],
                          [2, 4, -1, -1, -1]])
    rows, cols = mismatched_pairs(values, named)
    # image 0 + caption 1 ('square') matches; image 1 + caption 2 does not;
    # image 2 + caption 0 ('red') does not
    assert rows.tolist() == [1, 2] and cols.tolist() == [2, 0]
    rows, cols = mismatched_pairs(values, named, shift=2)
    # image 0 + 'blue triangle': no; 1 + 'red': yes; 2 + 'square': no
    assert rows.tolist() == [0, 2] and cols.tolist() == [2, 1]


def test_attribute_loss_closed_form():
    logits = torch.zeros(2, sum(SIZES))
    named = torch.tensor([[0, 5, -1, -1, -1], [-1, -1, -1, -1, 2]])
    # uniform logits: log K per named attribute, summed, divided by N
    want = (math.log(3) + math.log(6) + math.log(3)) / 2
    assert float(attribute_loss(logits, named, SIZES)) == pytest.approx(
        want)
    logits[0, 0] = 10.0   # confident and right on the first shape
    got = float(attribute_loss(logits, named, SIZES))
    right = -F.log_softmax(torch.tensor([10.0, 0, 0]), 0)[0]
    assert got == pytest.approx((float(right) + math.log(6) +
                                 math.log(3)) / 2)
    nothing = torch.full((2, 5), -1)
    assert float(attribute_loss(logits, nothing, SIZES)) == 0.0


def test_mode_seeking_loss_closed_form():
    z1, z2 = torch.zeros(2, 4), torch.full((2, 4), 2.0)
    img1, img2 = torch.zeros(2, 3, 2, 2), torch.full((2, 3, 2, 2), 0.5)
    # mean |img| difference 0.5, mean |z| difference 2: 1 / 0.25
    assert float(mode_seeking_loss(img1, img2, z1, z2)) == pytest.approx(
        4.0, rel=1e-4)
    # a generator that ignores z gets a huge loss
    assert float(mode_seeking_loss(img1, img1, z1, z2)) > 1e4


def test_unnamed_information_loss_closed_form():
    big = 20.0
    named = torch.full((6, 5), -1)
    named[:, 1:] = 0                 # only the shape is left out
    # uniform readings: log 3 - log 3 + log 3
    assert float(unnamed_information_loss(torch.zeros(6, 17), named, SIZES)
                 ) == pytest.approx(math.log(3))
    # every image confidently the same shape: log 3 - 0 + 0
    same = torch.zeros(6, 17)
    same[:, 0] = big
    assert float(unnamed_information_loss(same, named, SIZES)) == \
        pytest.approx(math.log(3), abs=1e-4)
    # confident and balanced (two of each shape): 0
    balanced = torch.zeros(6, 17)
    balanced[torch.arange(6), torch.arange(6) % 3] = big
    assert float(unnamed_information_loss(balanced, named, SIZES)) == \
        pytest.approx(0.0, abs=1e-4)
    # attributes a caption names do not count
    assert float(unnamed_information_loss(
        same, torch.zeros(6, 5, dtype=torch.long), SIZES)) == 0.0
    # groups of one caption each: a G that ignores z and draws the shape
    # from the caption (each caption's two images alike) is balanced over
    # the batch (0) but not within any group (log 3)
    by_caption = torch.arange(6) // 2
    alike = torch.zeros(6, 17)
    alike[torch.arange(6), by_caption] = big
    assert float(unnamed_information_loss(alike, named, SIZES)) == \
        pytest.approx(0.0, abs=1e-4)
    assert float(unnamed_information_loss(alike, named, SIZES, by_caption)
                 ) == pytest.approx(math.log(3), abs=1e-4)
    # varied within each group (shapes 0, 1 / 2, 0 / 1, 2): log 3 - log 2
    varied = torch.zeros(6, 17)
    varied[torch.arange(6), torch.arange(6) % 3] = big
    assert float(unnamed_information_loss(varied, named, SIZES, by_caption)
                 ) == pytest.approx(math.log(3) - math.log(2), abs=1e-4)
    # the group ids need not be contiguous, nor the groups equal
    assert float(unnamed_information_loss(
        varied, named, SIZES, torch.tensor([7, 7, 7, 7, 7, 7]))) == \
        pytest.approx(0.0, abs=1e-4)
    uneven = torch.tensor([5, 5, 5, 9, 9, 2])   # three shapes, two, one
    assert float(unnamed_information_loss(varied, named, SIZES, uneven)) \
        == pytest.approx(math.log(3) - (math.log(3) + math.log(2)) / 3,
                         abs=1e-4)


def test_generator_phase_terms_and_text_noise():
    torch.manual_seed(0)
    model = tiny_gan(diversity_weight=1.0, text_noise=0.1,
                     unnamed_weight=1.0)
    t = torch.nn.functional.normalize(torch.randn(4, 8), dim=1)
    values = torch.zeros(4, 5, dtype=torch.long)
    named = values.clone()
    named[:2, 1] = -1
    model._batch = TextBatch(t, values, named)
    losses = model.train_generator(4, 0)
    assert set(losses) == {'adv', 'attr', 'match', 'diversity', 'unnamed'}
    assert all(v.requires_grad and v.isfinite() for v in losses.values())
    noisy = model.g_condition(t)
    assert 0.0 < float((noisy - t).std()) < 0.2
    model.text_noise = 0.0
    assert model.g_condition(t) is t


def test_generator_phase_repeats_each_caption_for_unnamed_groups():
    torch.manual_seed(0)
    model = tiny_gan(unnamed_weight=1.0, unnamed_repeats=2)
    t = torch.nn.functional.normalize(torch.randn(4, 8), dim=1)
    values = torch.zeros(4, 5, dtype=torch.long)
    named = values.clone()
    named[:, 1] = -1
    model._batch = TextBatch(t, values, named)
    seen = []
    hook = model.generator.register_forward_hook(
        lambda mod, args, out: seen.append(args[1]))
    losses = model.train_generator(4, 0)
    hook.remove()
    # images 0, 1 draw caption 0 and images 2, 3 caption 1, with their own z
    assert torch.equal(seen[0], t[[0, 0, 1, 1]])
    assert losses['unnamed'].requires_grad
    with pytest.raises(ConfigError, match='unnamed_repeats=0 must be'):
        tiny_gan(unnamed_weight=1.0, unnamed_repeats=0)


def test_matching_discriminator_shapes_and_text_dependence():
    D = MODELS.build(dict(type='TextMatchingDiscriminator', text_dim=8,
                          resolution=16, base_channels=8))
    img, t = torch.randn(4, 3, 16, 16), torch.randn(4, 8)
    score, logits = D(img, t)
    assert score.shape == (4, ) and logits.shape == (4, sum(SIZES))
    D.eval()
    assert not torch.allclose(D(img, t)[0], D(img, t + 1)[0])
    with pytest.raises(ShapeError, match=r'text embeddings of shape \(4, '
                                         r'8\)'):
        D(img, torch.randn(4, 3))
    mb = MODELS.build(dict(type='TextMatchingDiscriminator', text_dim=8,
                           resolution=16, base_channels=8, norm='none',
                           mbstd_group_size=2, attribute_sizes=()))
    score, logits = mb(img, t)
    assert score.shape == (4, ) and logits is None
    sn = MODELS.build(dict(type='TextMatchingDiscriminator', text_dim=8,
                           resolution=16, base_channels=8, norm='none',
                           spectral_norm=True))
    for name in ('head', 'text_proj', 'attr_head', 'trunk.0'):
        layer = sn.get_submodule(name)
        assert hasattr(layer, 'parametrizations'), name
    score, logits = sn(img, t)
    assert score.shape == (4, ) and logits.shape == (4, sum(SIZES))


def test_sizes_are_checked():
    with pytest.raises(ConfigError, match='con_dim=8'):
        tiny_gan(generator=dict(type='DCGANGenerator', resolution=16,
                                z_dim=4, con_dim=5, base_channels=8))
    with pytest.raises(ConfigError, match='text_dim=8'):
        tiny_gan(discriminator=dict(type='TextMatchingDiscriminator',
                                    text_dim=5, resolution=16,
                                    base_channels=8))
    with pytest.raises(ConfigError, match='continuity'):
        tiny_gan(continuity=dict(loss_weight=1.0))
    with pytest.raises(ConfigError, match='needs matching_weight'):
        tiny_gan(unnamed_weight=1.0, matching_weight=0.0)


def test_d_phase_counts_a_mismatched_caption_as_fake():
    """With a hand-made D (score = first text coordinate + image mean) the
    D phase's terms have their closed-form values."""
    torch.manual_seed(0)
    model = tiny_gan(attribute_weight=0.0, mismatch_weight=0.5)
    t = torch.tensor([[1.0] + [0.0] * 7, [2.0] + [0.0] * 7,
                      [-1.0] + [0.0] * 7])
    values = torch.tensor([[0, 0, 0, 0, 0], [0, 0, 1, 0, 0],
                           [2, 4, 1, 2, 2]])
    named = torch.tensor([[-1, 0, -1, -1, -1], [0, -1, -1, -1, -1],
                          [2, 4, -1, -1, -1]])
    model._batch = TextBatch(t, values, named)
    model.d_forward = lambda img, c: (c[:, 0] + img.mean((1, 2, 3)), None)
    real = torch.zeros(3, 3, 16, 16)
    losses = model.train_discriminator(real, t, 0)
    # mismatched rows 1 and 2 get the captions of images 2 and 0
    real_pred = t[:, 0]
    mis_pred = torch.tensor([-1.0, 1.0])
    want = 0.5 * (F.softplus(-real_pred[[1, 2]]).mean()
                  + F.softplus(mis_pred).mean())
    assert float(losses['mismatch']) == pytest.approx(float(want))
    assert set(losses) == {'adv', 'mismatch'}
    model.mismatch_weight = 0.0
    assert 'mismatch' not in model.train_discriminator(real, t, 0)


def test_prompt_condition_errors_are_one_line():
    model = tiny_gan()
    c = model.prompt_condition('a red triangle', 3)
    assert c.shape == (3, 8) and torch.equal(c[0], c[2])
    for prompt, msg in (('  ', 'the prompt is empty'),
                        ('a mauve square', "unknown word 'mauve'")):
        with pytest.raises(ConfigError, match=msg) as e:
            model.prompt_condition(prompt, 1)
        assert '\n' not in str(e.value)


def test_prompt_completion_draws_recorded_values():
    """With ``complete_prompts`` a prompt's samples get the unnamed
    attributes of recorded training items that show what it names."""
    model = tiny_gan(complete_prompts=True, value_bank=8)
    with pytest.raises(ConfigError, match='value bank for prompt '
                       'completion is empty'):
        model.prompt_condition('a red square', 2)
    # two red squares (large top left, small bottom right), a blue ellipse
    model.value_bank.record(torch.tensor(
        [[0, 0, 1, 0, 0], [0, 0, 0, 2, 2], [1, 4, 0, 1, 1]]).float())
    c = model.prompt_condition('a red square', 200,
                               generator=torch.Generator().manual_seed(0))
    options = model.encode_text(['a red square, large, left, top',
                                 'a red square, small, right, bottom'])
    which = (c[:, None] - options[None]).abs().amax(2) < 1e-6   # [200, 2]
    assert which.sum(1).eq(1).all()        # each row is one completion
    assert 60 < int(which[:, 0].sum()) < 140                  # both drawn
    full = 'a small blue ellipse in the middle centre'
    assert torch.equal(model.prompt_condition(full, 2),
                       model.encode_text([full] * 2))
    with pytest.raises(ConfigError, match="unknown word 'mauve'"):
        model.condition(['a red square', 'a mauve square'])


def test_missing_text_image_file_is_one_line(tmp_path):
    from mmlatent.utils.errors import CheckpointError
    model = tiny_gan(text_image_checkpoint=str(tmp_path / 'none.pth'))
    with pytest.raises(CheckpointError, match='train one with tools/'
                                              'train_text_image.py') as e:
        model.init_weights()
    assert '\n' not in str(e.value)
