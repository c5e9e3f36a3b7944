"""InfoGAN traversals, class grids and interpolation hold z fixed; the
Hungarian-matched accuracy of a categorical code."""
import numpy as np
import pytest
import torch

from mmlatent.control import (categorical_code_accuracy,
                              class_interpolation, code_sweep,
                              conditional_accuracy,
                              hungarian_accuracy, infogan_traversals)
from mmlatent.models.generators import DCGANGenerator
from mmlatent.models.generators.base import VectorInputGenerator
from mmlatent.utils.errors import ConfigError


def info_G(cat_dims=(3, ), con_dim=2):
    torch.manual_seed(0)
    return DCGANGenerator(resolution=8, z_dim=4, base_channels=4,
                          init_std=0.2, cat_dims=list(cat_dims),
                          con_dim=con_dim).eval()


def test_hungarian_accuracy_undoes_a_permutation():
    classes = np.array([0, 1, 2, 2, 1, 0, 0])
    codes = np.array([2, 0, 1, 1, 0, 2, 1])        # code k -> class p[k]
    acc, assignment, conf = hungarian_accuracy(codes, classes)
    assert assignment == {0: 1, 1: 2, 2: 0}
    assert acc == pytest.approx(6 / 7) and conf.sum() == 7


def test_infogan_traversals_fix_z_and_sweep_codes():
    G = info_G()
    z, c = G.sample_z(2), G.sample_c(2)
    grids = infogan_traversals(G, z, c, num_values=5)
    assert sorted(grids) == sorted(['cat0'] + [f'cat0_{k}_con{j}' for k in
                                               range(3) for j in range(2)])
    assert grids['cat0'].shape == (2, 3, 3, 8, 8)
    assert grids['cat0_1_con0'].shape == (2, 5, 3, 8, 8)
    with torch.no_grad():
        c1 = G.codes.sweep(c, 'cat', 0, [1])[0]
        assert torch.allclose(grids['cat0'][:, 1], G(z, c1), atol=1e-6)
        c1[:, 3] = 1.0                               # con0 = +1
        assert torch.allclose(grids['cat0_1_con0'][:, -1], G(z, c1),
                              atol=1e-6)
    only_con = info_G(cat_dims=(), con_dim=2)
    assert sorted(infogan_traversals(only_con, z, only_con.sample_c(2))) \
        == ['con0', 'con1']


def test_class_interpolation_ends_at_the_classes():
    G = info_G(con_dim=0)
    z, c = G.sample_z(3), G.sample_c(3)
    grid = code_sweep(G, z, c, code='cat', index=0)
    path = class_interpolation(G, z, c, source=2, target=0, steps=4)
    assert path.shape == (3, 4, 3, 8, 8)
    assert torch.allclose(path[:, 0], grid[:, 2], atol=1e-6)
    assert torch.allclose(path[:, -1], grid[:, 0], atol=1e-6)
    with pytest.raises(ConfigError, match="code 'con' 0 does not exist"):
        code_sweep(G, z, c, code='con', index=0)


def test_generators_without_codes_are_refused():
    G = info_G(cat_dims=(), con_dim=0)
    with pytest.raises(ConfigError, match='takes no condition codes'):
        infogan_traversals(G, G.sample_z(1), None)
    G = info_G(cat_dims=(), con_dim=2)
    with pytest.raises(ConfigError, match='has no categorical code'):
        class_interpolation(G, G.sample_z(1), G.sample_c(1), source=0,
                            target=1)


class CodeImage(VectorInputGenerator):
    """Channel k of the image lights up for category k."""

    def __init__(self):
        super().__init__(2, resolution=4, cat_dims=[3])
        self.unused = torch.nn.Parameter(torch.zeros(1))   # G.device

    def synthesis(self, ws, **kwargs):
        onehot = self.to_w(ws)[:, 2:]
        return (onehot * 2 - 1)[:, :, None, None].expand(-1, -1, 4, 4)


def test_categorical_code_accuracy_with_a_known_classifier():
    G = CodeImage()
    perm = torch.tensor([2, 0, 1])               # class of each channel

    def classify(img):
        label = perm[img.mean((2, 3)).argmax(1)]
        label[:5] = -1                            # 5 invalid images
        return label

    out = categorical_code_accuracy(G, num_samples=60, batch_size=30,
                                    classify=classify,
                                    generator=torch.Generator())
    assert out['accuracy'] == 1.0 and out['num_valid'] == 50
    assert out['assignment'] == {0: 2, 1: 0, 2: 1}


def test_conditional_accuracy_needs_the_requested_class_itself():
    G = CodeImage()
    gen = torch.Generator().manual_seed(0)

    def same(img):
        return img.mean((2, 3)).argmax(1)

    out = conditional_accuracy(G, num_samples=60, batch_size=25,
                               classify=same, generator=gen)
    assert out['accuracy'] == 1.0 and out['num_valid'] == 60
    assert np.trace(out['confusion']) == 60
    # a permutation of the classes is 0% (no Hungarian matching) ...
    perm = torch.tensor([2, 0, 1])
    out = conditional_accuracy(G, num_samples=60, classify=lambda img: perm[
        same(img)], generator=gen)
    assert out['accuracy'] == 0.0 and np.trace(out['confusion']) == 0
    # ... a classifier right on class 0 only gives its share; -1 skips
    out = conditional_accuracy(
        G, num_samples=90, generator=torch.Generator().manual_seed(1),
        classify=lambda img: torch.where(same(img) == 0, 0, -1))
    assert out['accuracy'] == 1.0 and 0 < out['num_valid'] < 90
    assert out['confusion'][1:].sum() == 0


class DigitImage(VectorInputGenerator):
    """Draws, for categorical value k, the mean bundled image of digit
    (k + 3) % 10: a code whose Hungarian-matched digit accuracy is 1."""

    def __init__(self):
        from mmlatent.datasets.digits import DigitsDataset
        super().__init__(2, resolution=32, cat_dims=[10])
        ds = DigitsDataset(resolution=32)
        means = [ds.images[ds.targets == (k + 3) % 10].mean(0)
                 for k in range(10)]
        self.register_buffer('digits', torch.stack(means))
        self.unused = torch.nn.Parameter(torch.zeros(1))   # G.device

    def synthesis(self, ws, **kwargs):
        return self.digits[self.to_w(ws)[:, 2:].argmax(1)]


def test_digit_classifier_scores_an_infogan_code_on_digits():
    from mmlatent.control.digits import digit_classifier
    classify, heldout = digit_classifier(32)
    assert heldout >= 0.95
    out = categorical_code_accuracy(DigitImage(), num_samples=200,
                                    classify=classify,
                                    generator=torch.Generator())
    assert out['accuracy'] == 1.0
    assert out['assignment'] == {k: (k + 3) % 10 for k in range(10)}
