import pytest
import torch
import torch.nn.functional as F

from mmlatent.utils.errors import ConfigError
from mmlatent.utils.pose_jitter import (random_pose, random_pose_matrices,
                                        random_warp_field)


def test_no_warp_is_the_pose_alone_and_draws_nothing_more():
    img = torch.rand(5, 1, 16, 16) * 2 - 1
    g = torch.Generator().manual_seed(0)
    posed = random_pose(img, (0.8, 1.25), 0.2, g, rotation=20.0)
    after = torch.rand(1, generator=g)
    g = torch.Generator().manual_seed(0)
    theta = random_pose_matrices(5, (0.8, 1.25), 0.2, g, rotation=20.0)
    grid = F.affine_grid(theta, [5, 1, 16, 16], align_corners=False)
    expected = F.grid_sample(img, grid, mode='bilinear',
                             padding_mode='border', align_corners=False)
    assert torch.equal(posed, expected)
    # the same random stream afterwards: warp=0 draws no field
    assert torch.equal(after, torch.rand(1, generator=g))


def test_warp_field_passes_through_its_control_nodes():
    g = torch.Generator().manual_seed(1)
    field = random_warp_field(3, (17, 17), warp=0.1, nodes=5, generator=g)
    g = torch.Generator().manual_seed(1)
    node = torch.randn(3, 2, 5, 5, generator=g) * 0.1
    assert field.shape == (3, 17, 17, 2)
    # nodes every 4 pixels on a 17-px grid whose corners are the nodes'
    torch.testing.assert_close(field[:, ::4, ::4].permute(0, 3, 1, 2), node)


def test_warp_field_has_the_asked_spread_and_is_smooth():
    field = random_warp_field(2000, (32, 32), warp=0.05, nodes=4,
                              generator=torch.Generator().manual_seed(2))
    corners = field[:, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert abs(corners.std().item() - 0.05) < 0.002
    # neighbouring pixels move together: a step of one pixel changes the
    # displacement by under a quarter of its typical size (control nodes
    # 10 px apart: about a sixth; independent pixels: more than the size)
    step = (field[:, 1:] - field[:, :-1]).abs().mean()
    assert step < 0.25 * field.abs().mean()


def test_warp_bends_an_image_that_an_identity_pose_keeps():
    img = torch.zeros(4, 1, 32, 32)
    img[:, :, 8:24, 15:17] = 1  # a vertical bar
    g = torch.Generator().manual_seed(3)
    same = random_pose(img, (1.0, 1.0), 0.0, g, rotation=0.0)
    bent = random_pose(img, (1.0, 1.0), 0.0, g, rotation=0.0, warp=0.05)
    torch.testing.assert_close(same, img)
    assert (bent - img).abs().amax() > 0.5
    # a small warp moves the bar, it does not erase it
    assert (bent.sum((1, 2, 3)) / img.sum((1, 2, 3)) - 1).abs().max() < 0.3


@pytest.mark.parametrize('kwargs, message', [
    (dict(warp=-0.1), 'warp=-0.1 must be >= 0'),
    (dict(warp=float('nan')), 'warp=nan must be >= 0'),
    (dict(warp=0.05, warp_nodes=1), 'warp_nodes=1 must be an integer >= 2'),
])
def test_bad_warp_gives_one_line_naming_the_value(kwargs, message):
    with pytest.raises(ConfigError, match=message) as info:
        random_pose(torch.zeros(1, 1, 8, 8), **kwargs)
    assert '\n' not in str(info.value)
