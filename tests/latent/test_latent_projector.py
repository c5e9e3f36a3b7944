"""The projector of many images (mmlatent.latent.projector, the library
half of apps/stylegan_projector.py): targets, batches that match one
projection per batch, each batch handed over before the next starts, the
mean code estimated once."""
import numpy as np
import pytest
import torch

from mmlatent.latent.annotate import side_by_side
from mmlatent.latent.codes import render_codes
from mmlatent.latent.projection import latent_stats, project
from mmlatent.latent.projector import project_in_batches, projection_targets
from mmlatent.utils.errors import ConfigError
from mmlatent.utils.outputs import unique_stems

KW = dict(steps=3, mse_weight=1.0, w_avg_samples=100)


def test_targets_are_cropped_to_the_generator(style_G, make_dcgan_G):
    wide = np.zeros((10, 20, 3), np.uint8)
    wide[:, 5:15] = 255  # the centre square is white
    t = projection_targets([wide, np.full((8, 8, 3), 0, np.uint8)], style_G)
    assert t.shape == (2, 3, 8, 8)
    assert torch.equal(t[0], torch.ones(3, 8, 8))
    assert torch.equal(t[1], -torch.ones(3, 8, 8))
    gray = projection_targets([wide], make_dcgan_G(out_channels=1))
    assert gray.shape == (1, 1, 8, 8)


def test_batches_match_one_projection_per_batch(style_G):
    target = style_G(torch.randn(3, 8, generator=torch.Generator()
                                 .manual_seed(5))).detach()
    calls = []
    batches = project_in_batches(
        style_G, target, batch_size=2, generator=torch.Generator()
        .manual_seed(0), callback=lambda step, steps, loss: calls.append(
            step), **KW)
    first = next(batches)
    assert first.part == slice(0, 2) and calls == [1, 2, 3]  # one batch
    rest = list(batches)
    assert [b.part for b in rest] == [slice(2, 3)] and len(calls) == 6
    g, stats = torch.Generator().manual_seed(0), None
    for batch in [first] + rest:  # the first batch's stats are reused
        ref = project(style_G, target[batch.part], generator=g, stats=stats,
                      **KW)
        stats = ref.stats
        assert torch.equal(batch.codes.latent, ref.latent)
        assert set(batch.losses) == set(ref.losses)
        assert torch.equal(batch.losses_of(0)['total'],
                           ref.losses['total'][:1])
        images = render_codes(style_G, ref.codes)
        for i, picture in enumerate(batch.pictures):
            assert np.array_equal(picture, side_by_side(
                target[batch.part][i], images[i]))


def counting_mapping(G, monkeypatch):
    """Wrap ``G.mapping``; returns the list of batch sizes it mapped."""
    sizes, mapping = [], G.mapping

    def counted(z, *args, **kwargs):
        sizes.append(z.shape[0])
        return mapping(z, *args, **kwargs)
    monkeypatch.setattr(G, 'mapping', counted)
    return sizes


def test_mean_code_is_mapped_once_for_all_batches(style_G, monkeypatch):
    target = torch.zeros(3, 3, 8, 8)
    sizes = counting_mapping(style_G, monkeypatch)
    batches = list(project_in_batches(style_G, target, batch_size=1,
                                      generator=torch.Generator(), **KW))
    assert len(batches) == 3
    # w space: the 100 prior samples are mapped once, never again (the
    # optimised codes are w already)
    assert sizes == [KW['w_avg_samples']]


def test_given_stats_replace_the_estimate(style_G, monkeypatch):
    target = torch.zeros(1, 3, 8, 8)
    g = torch.Generator().manual_seed(3)
    stats = latent_stats(style_G, 'w', 100, g)
    want = project(style_G, target, generator=g, stats=stats, **KW)
    sizes = counting_mapping(style_G, monkeypatch)
    g = torch.Generator().manual_seed(3)
    got = project(style_G, target, generator=g, **KW)  # draws them itself
    assert sizes == [100] and torch.equal(got.latent, want.latent)
    assert torch.equal(got.stats[0], stats[0])
    with pytest.raises(ConfigError, match=r"shape \(5,\).*w codes need "
                       r"\(8,\)"):
        project(style_G, target, generator=g, stats=(stats[0][:5],
                                                     stats[1]), **KW)


def test_batches_keep_the_condition(make_style_G):
    G = make_style_G(cat_dims=[3])
    c = G.make_c(torch.tensor([0, 2, 1]))
    target = torch.zeros(3, 3, 8, 8)
    batches = list(project_in_batches(G, target, batch_size=2, c=c,
                                      space='z', generator=torch.Generator(),
                                      **KW))
    assert torch.equal(torch.cat([b.codes.c for b in batches]), c)


def test_unique_stems():
    assert unique_stems(['a/x.png', 'b/x.png', 'y.jpg', 'c/x.bmp']) == \
        ['x', 'x_1', 'y', 'x_2']
