"""Rotation-invariant outline descriptors (utils.silhouette)."""
import math

import torch

from mmlatent.datasets.shapes import render_shapes
from mmlatent.utils.image import from_uint8
from mmlatent.utils.pose_jitter import random_pose
from mmlatent.utils.silhouette import angular_mass, outline_harmonics


def shapes(classes, factors, res=32):
    return from_uint8(render_shapes(classes, factors, res))


def test_angular_mass_of_a_disc_is_uniform_and_sums_to_one():
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0),
                            indexing='ij')
    disc = (((xx - 13.5)**2 + (yy - 18.5)**2 <= 36).float() * 2 - 1)
    m = angular_mass(disc[None, None].repeat(1, 3, 1, 1), num_angles=32)
    assert m.shape == (1, 32)
    assert abs(m.sum().item() - 1) < 1e-6
    assert (m - 1 / 32).abs().max() < 0.1 / 32


def test_harmonics_ignore_position_size_colour_and_turns():
    # (x, y, scale, rotation, hue): one triangle in five poses and colours
    tri = shapes([2] * 5, [[0.5, 0.5, 0.4, 0.0, 0.0],
                           [0.3, 0.6, 0.3, 0.0, 0.5],
                           [0.6, 0.4, 0.45, 0.3, 0.2],
                           [0.5, 0.5, 0.4, 0.7, 0.8],
                           [0.4, 0.5, 0.25, 0.5, 0.1]])
    turned = torch.rot90(tri[:1], 1, (2, 3))
    g = torch.Generator().manual_seed(0)
    posed = random_pose(tri[:1].repeat(4, 1, 1, 1), scale=(0.8, 1.2),
                        shift=0.1, generator=g)
    h = outline_harmonics(torch.cat([tri, turned, posed]), num_harmonics=6)
    # the strong harmonics, 3 and 6, agree to within 5% and 10% (the
    # smallest triangle has the blurriest outline); a weak one, 1, stays
    # weak: under 1/20 of the 3rd in every pose
    rel = h.exp() - 0.02  # |harmonic| / mean
    strong = rel[:, [2, 5]]
    change = (strong - strong[:1]).abs() / strong[:1]
    assert (change[:, 0] < 0.05).all() and (change[:, 1] < 0.1).all()
    assert (rel[:, 0] < strong[:, 0] / 20).all()


def random_shapes(n: int, seed: int):
    """``n`` Shapes images of classes 0, 1, 2, 0, ... in random poses
    (the dataset's ranges) and their classes."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(n, 5, generator=g).double()
    scale = 0.25 + 0.25 * u[:, 2]
    margin = 0.75 * scale + 0.02
    factors = torch.stack([margin + (1 - 2 * margin) * u[:, 0],
                           margin + (1 - 2 * margin) * u[:, 1], scale,
                           u[:, 3], u[:, 4]], 1)
    classes = torch.arange(n) % 3
    return shapes(classes.numpy(), factors.numpy()), classes


def test_the_strongest_low_harmonic_is_the_order_of_symmetry():
    # square: 4-fold, ellipse: 2-fold, triangle: 3-fold
    img, _ = random_shapes(30, seed=1)
    h = outline_harmonics(img)
    order = h[:, 1:4].argmax(1) + 2  # among harmonics 2, 3 and 4
    assert torch.equal(order, torch.tensor([4, 2, 3]).repeat(10))


def test_kmeans_on_the_harmonics_finds_the_shape_classes():
    from sklearn.cluster import KMeans

    from mmlatent.control import hungarian_accuracy
    img, classes = random_shapes(600, seed=0)
    found = KMeans(3, n_init=10, random_state=0).fit_predict(
        outline_harmonics(img).numpy())
    acc, _, _ = hungarian_accuracy(found, classes.numpy())
    assert acc == 1.0


def test_harmonics_pass_gradients_to_the_image():
    img = shapes([0], [[0.5, 0.5, 0.4, 0.1, 0.0]]).requires_grad_()
    outline_harmonics(img).sum().backward()
    assert img.grad.abs().sum() > 0 and not img.grad.isnan().any()
    assert math.isfinite(float(img.grad.abs().max()))
