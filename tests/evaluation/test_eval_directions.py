"""Direction-set metrics: orthogonality and outside energy; validity."""
import pytest
import torch

from mmlatent.evaluation import (DirectionOrthogonality, OutsideEnergy,
                                 ShapesValidity, evaluate_generator,
                                 direction_matrix, orthogonality,
                                 shape_box_masks)
from mmlatent.utils.errors import ConfigError


def test_orthogonality_of_orthonormal_and_skewed_sets(tmp_path, block_G):
    q = torch.linalg.qr(torch.randn(6, 6))[0]
    assert orthogonality(q)['max_abs_cos'] < 1e-6
    skew = torch.tensor([[1., 0.], [1., 1.]])
    out = orthogonality(skew)
    assert out['max_abs_cos'] == pytest.approx(2 ** -0.5)
    path = str(tmp_path / 'dirs.pt')
    torch.save({'directions': 3 * skew}, path)      # SeFa cache layout
    m = DirectionOrthogonality(directions=path)
    assert evaluate_generator(block_G, [m]) == {
        'orthogonality_max_cos': pytest.approx(2 ** -0.5),
        'orthogonality_mean_cos': pytest.approx(2 ** -0.5)}
    assert direction_matrix(path).norm(dim=1).allclose(torch.ones(2))
    with pytest.raises(ConfigError, match='does not exist'):
        direction_matrix(str(tmp_path / 'none.pt'))


def test_local_directions_leave_the_outside_unchanged(block_G):
    """Block region: local directions move only z0, z1 (no change
    outside); the unprojected principal directions of the region also
    move z2, z3, which change the background."""
    metrics = [OutsideEnergy(region='2,2,4,4', relax=0.0, num_directions=2),
               OutsideEnergy(region='2,2,4,4', directions='unprojected',
                             num_directions=2),
               OutsideEnergy(region='2,2,4,4', directions=torch.eye(6)[4:],
                             prefix='outside_bg')]
    out = evaluate_generator(block_G, metrics, num_samples=4)
    assert out['outside_energy_local'] < 1e-8
    assert out['outside_energy_unprojected'] > 0.05
    assert out['outside_bg'] == pytest.approx(1.0)


def test_shape_box_masks_cover_the_object():
    img = -torch.ones(2, 3, 16, 16)
    img[0, 1, 4:8, 5:10] = 1.0
    masks = shape_box_masks(img, margin=1)
    assert masks[0].sum() == 6 * 7 and masks[0, 3:9, 4:11].all()
    assert not masks[1].any()         # no object: empty


def test_validity_of_rendered_shapes(shapes_G, affine_G):
    out = evaluate_generator(shapes_G, [ShapesValidity()], num_samples=50)
    assert out == {'validity': 1.0}
    out = evaluate_generator(affine_G, [ShapesValidity()], num_samples=10)
    assert out == {'validity': 0.0}
    with pytest.raises(ConfigError, match="unknown measure option 'foo'"):
        ShapesValidity(measure=dict(foo=1))
