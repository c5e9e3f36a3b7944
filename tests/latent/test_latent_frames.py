"""Interpolation frames and their outputs (mmlatent.latent.frames, the
library half of apps/interpolate_sample.py): the frames at t = 0 and 1 are
the endpoints, group rows run between their pair, options are checked."""
import numpy as np
import pytest
import torch

from mmlatent.latent.annotate import _cell_origin
from mmlatent.latent.codes import Codes, render_codes, require_w_space
from mmlatent.latent.frames import (interpolation_endpoints,
                                    interpolation_frames, layout_frames,
                                    sampling_kwargs)
from mmlatent.utils.errors import ConfigError
from mmlatent.utils.image import to_uint8


def endpoint_images(G, ends, **kwargs):
    return to_uint8(render_codes(G, ends.codes, **kwargs))


@pytest.mark.parametrize('space', ['z', 'w'])
def test_sequence_frames_hit_the_endpoints(style_G, space):
    ends = interpolation_endpoints(
        style_G, num=3, space=space,
        generator=torch.Generator().manual_seed(0))
    assert ends.space == space and len(ends.codes) == 3
    assert ends.codes.space == ('z' if space == 'z' else 'w+')
    out = interpolation_frames(style_G, ends, interval=4, batch_size=3)
    assert out.mode == ('slerp' if space == 'z' else 'lerp')
    assert list(out.images) == [f'frame_{k:05d}.png' for k in range(7)]
    assert out.video.shape == (7, 8, 8, 3) and out.rows == 0
    want = endpoint_images(style_G, ends)
    for k in range(3):  # frame k * (interval - 1) is endpoint k
        got = out.images[f'frame_{3 * k:05d}.png']
        assert np.abs(got.astype(int) - want[k].astype(int)).max() <= 1
    assert not np.array_equal(out.images['frame_00001.png'], want[0])


def test_group_rows_run_between_their_pair(dcgan_G):
    ends = interpolation_endpoints(
        dcgan_G, num=4, show_mode='group',
        generator=torch.Generator().manual_seed(0))
    out = interpolation_frames(dcgan_G, ends, interval=3, show_mode='group')
    assert list(out.images) == ['interpolation_group.png'] and out.rows == 2
    grid = out.images['interpolation_group.png']
    want = endpoint_images(dcgan_G, ends)
    for r in range(2):
        for col, k in ((0, 2 * r), (2, 2 * r + 1)):
            y, x = _cell_origin(r, col, 8, 8, 2)
            cell = grid[y:y + 8, x:x + 8].astype(int)
            assert np.abs(cell - want[k].astype(int)).max() <= 1
    # video frame t shows every pair at step t: t = 0 the first endpoints
    assert out.video.shape[0] == 3
    y, x = _cell_origin(1, 0, 8, 8, 2)
    assert np.abs(out.video[0][y:y + 8, x:x + 8].astype(int) -
                  want[2].astype(int)).max() <= 1


def test_layout_keeps_the_frames():
    frames = np.random.RandomState(0).randint(0, 256, (6, 8, 8, 3),
                                              dtype=np.uint8)
    images, video, rows = layout_frames(frames, show_mode='sequence',
                                        interval=3)
    assert rows == 0 and video is frames
    assert all(np.array_equal(images[f'frame_{k:05d}.png'], frames[k])
               for k in range(6))
    images, video, rows = layout_frames(frames, show_mode='group',
                                        interval=3)
    assert rows == 2 and video.shape[0] == 3
    y, x = _cell_origin(1, 2, 8, 8, 2)
    assert np.array_equal(images['interpolation_group.png'][y:y + 8,
                                                          x:x + 8], frames[5])


def test_endpoints_take_files_first_and_say_so(style_G):
    g = torch.Generator().manual_seed(3)
    files = Codes(style_G.mapping(torch.randn(3, 8, generator=g)), 'w+')
    ends = interpolation_endpoints(style_G, files=files,
                                   generator=torch.Generator())
    assert ends.space == 'w' and len(ends.codes) == 3 and ends.notes == []
    assert torch.equal(ends.codes.latent, files.latent)
    ends = interpolation_endpoints(style_G, files=files, num=2,
                                   generator=torch.Generator())
    assert ends.notes == ['using the first 2 of the 3 codes of '
                          '--proj-latent (--endpoint)']
    assert torch.equal(ends.codes.latent, files.latent[:2])
    ends = interpolation_endpoints(style_G, files=files[:1],
                                   generator=torch.Generator())
    assert len(ends.codes) == 2  # at least 2: one drawn after the file's
    assert torch.equal(ends.codes.latent[:1], files.latent[:1])


def test_w_space_note_for_generators_without_one(dcgan_G):
    said = []
    ends = interpolation_endpoints(dcgan_G, num=2, space='w',
                                   generator=torch.Generator(),
                                   note=said.append)
    assert ends.notes == said == [
        'DCGANGenerator has no learned W space; --space w interpolates its '
        'input w = [z | c]']
    from mmlatent.registry import MODELS
    lgan_G = MODELS.build(dict(type='LatentCodeGenerator', resolution=16,
                               z_dim=4, code_dim=3, mapping_width=8,
                               mapping_depth=2,
                               decoder=dict(base_channels=4)))
    assert interpolation_endpoints(
        lgan_G, num=2, space='w', generator=torch.Generator()).notes == [
        'LatentCodeGenerator has no learned W space; --space w interpolates '
        "the autoencoder's code w = mapping(z, c)"]
    for G, meaning in ((dcgan_G, 'its input w = [z | c]'),
                       (lgan_G, "the autoencoder's code w = mapping(z, c)")):
        with pytest.raises(ConfigError) as err:
            require_w_space(G, '--space w+')
        assert str(err.value).endswith(f'{type(G).__name__} has none '
                                       f'({meaning})')
    said.clear()
    with pytest.raises(ConfigError, match='odd'):  # said before the error
        interpolation_endpoints(dcgan_G, num=3, space='w',
                                show_mode='group',
                                generator=torch.Generator(),
                                note=said.append)
    assert len(said) == 1


def test_sampling_kwargs(style_G, dcgan_G):
    assert sampling_kwargs(style_G, {}) == ({}, None)
    mapping, synthesis = sampling_kwargs(
        style_G, {'truncation_psi': 0.7, 'truncation_cutoff': 2})
    assert mapping == {'truncation_psi': 0.7, 'truncation_cutoff': 2}
    assert synthesis is None
    assert sampling_kwargs(style_G, {'noise_mode': 'random'}) == (
        {}, {'noise_mode': 'random'})
    with pytest.raises(ConfigError, match="--sample-cfg key 'psi' is not "
                       'one of'):
        sampling_kwargs(style_G, {'psi': 0.7})
    with pytest.raises(ConfigError, match='truncation_psi'):
        sampling_kwargs(dcgan_G, {'truncation_psi': 0.7})
