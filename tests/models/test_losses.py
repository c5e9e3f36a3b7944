"""GAN losses and regularisers against hand-computed values."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmlatent.models.losses import (continuity_penalty, d_bce_loss,
                                    d_hinge_loss, d_lsgan_loss,
                                    d_wasserstein_loss, g_hinge_loss,
                                    g_lsgan_loss, g_nonsaturating_loss,
                                    g_saturating_loss, g_wasserstein_loss,
                                    gradient_penalty, info_loss, r1_penalty)
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError

REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_bce_losses_match_hand_values():
    d = -(math.log(sig(2)) + math.log(sig(-1))) / 2 \
        - (math.log(1 - sig(0.5)) + math.log(1 - sig(-3))) / 2
    assert d_bce_loss(REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    g_ns = -(math.log(sig(0.5)) + math.log(sig(-3))) / 2
    assert g_nonsaturating_loss(FAKE).item() == pytest.approx(g_ns, rel=1e-6)
    g_sat = (math.log(1 - sig(0.5)) + math.log(1 - sig(-3))) / 2
    assert g_saturating_loss(FAKE).item() == pytest.approx(g_sat, rel=1e-6)


def test_hinge_lsgan_wasserstein_hand_values():
    # hinge: relu(1-2)=0, relu(1+1)=2 -> 1; relu(1.5)=1.5, relu(-2)=0 -> .75
    assert d_hinge_loss(REAL, FAKE).item() == pytest.approx(1.75)
    assert g_hinge_loss(FAKE).item() == pytest.approx(1.25)
    # lsgan: .5*mean((1, 4)) + .5*mean((.25, 9)) = 1.25 + 2.3125
    assert d_lsgan_loss(REAL, FAKE).item() == pytest.approx(3.5625)
    assert g_lsgan_loss(FAKE).item() == pytest.approx(0.5 * (0.25 + 16) / 2)
    assert d_wasserstein_loss(REAL, FAKE).item() == pytest.approx(-1.25 - .5)
    assert g_wasserstein_loss(FAKE).item() == pytest.approx(1.25)


@pytest.mark.parametrize('name', ['NonSaturatingGANLoss', 'VanillaGANLoss',
                                  'HingeGANLoss', 'LSGANLoss',
                                  'WassersteinGANLoss'])
def test_registered_wrappers_call_the_pure_functions(name):
    loss = MODELS.build(dict(type=name))
    assert torch.isfinite(loss.d_loss(REAL, FAKE))
    assert torch.isfinite(loss.g_loss(FAKE))


def test_gradient_penalty_of_linear_critic_is_closed_form():
    a = torch.randn(3, 4, 4)
    critic = lambda x: (x * a).flatten(1).sum(1)  # noqa: E731
    real, fake = torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4)
    expected = (a.norm() - 1)**2
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(
        expected.item(), rel=1e-5)
    gp = MODELS.build(dict(type='GradientPenalty', loss_weight=10.0))
    assert gp(critic, real, fake).item() == pytest.approx(
        10 * expected.item(), rel=1e-5)


def test_gradient_penalty_has_gradient_for_critic_parameters():
    w = torch.randn(12, requires_grad=True)
    critic = lambda x: x.flatten(1) @ w  # noqa: E731
    gradient_penalty(critic, torch.randn(4, 3, 2, 2),
                     torch.randn(4, 3, 2, 2)).backward()
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    expected = 2 * (w.norm() - 1) * w / w.norm()
    assert torch.allclose(w.grad, expected.detach(), atol=1e-5)


def test_r1_of_linear_discriminator_is_squared_norm():
    a = torch.randn(2, 3, 3)
    real = torch.randn(4, 2, 3, 3, requires_grad=True)
    pred = (real * a).flatten(1).sum(1)
    assert r1_penalty(pred, real).item() == pytest.approx(
        (a**2).sum().item(), rel=1e-5)


def test_continuity_penalty_of_affine_generator_is_zero():
    A, b = torch.randn(6, 3), torch.randn(6)
    G = lambda z: z @ A.t() + b  # noqa: E731
    z1, z2, gamma = torch.randn(8, 3), torch.randn(8, 3), torch.rand(8)
    assert continuity_penalty(G, z1, z2, gamma).item() == pytest.approx(
        0.0, abs=1e-10)


def test_continuity_penalty_of_square_generator_is_closed_form():
    # G(z) = z^2: gamma*z2^2 - lerp^2 + (1-gamma)*z1^2 = g(1-g)(z2-z1)^2
    z1, z2, gamma = torch.randn(8, 3), torch.randn(8, 3), torch.rand(8)
    g = gamma[:, None]
    expected = ((g * (1 - g) * (z2 - z1)**2)**2).mean()
    got = continuity_penalty(lambda z: z**2, z1, z2, gamma)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_continuity_regulariser_weight_is_scaled_by_interval():
    reg = MODELS.build(dict(type='ContinuityRegularizer', loss_weight=3.0,
                            interval=4))
    assert [reg.active(i) for i in range(5)] == [True, False, False, False,
                                                 True]
    z1, z2, gamma = torch.randn(4, 2), torch.randn(4, 2), torch.rand(4)
    # lazy: weight * interval, so the average dose per step is the weight
    assert reg(lambda z: z**2, z1, z2, gamma).item() == pytest.approx(
        3 * 4 * continuity_penalty(lambda z: z**2, z1, z2, gamma).item())
    with pytest.raises(ConfigError, match='interval=0'):
        MODELS.build(dict(type='ContinuityRegularizer', interval=0))


def test_gcert_form_is_the_sources_expression():
    # GCert: gamma*G(z2) - G(mid) - (1-gamma)*G(z1); for G(z) = z^2
    z1, z2 = torch.tensor([[1.0, -2.0]]), torch.tensor([[3.0, 0.0]])
    gamma = torch.tensor([0.25])
    mid = torch.lerp(z1, z2, 0.25)                      # [1.5, -1.5]
    by_hand = (0.25 * z2**2 - mid**2 - 0.75 * z1**2)    # [-0.75, -5.25]
    assert by_hand.tolist() == [[-0.75, -5.25]]
    got = continuity_penalty(lambda z: z**2, z1, z2, gamma, form='gcert')
    assert got.item() == pytest.approx((0.75**2 + 5.25**2) / 2)
    resid = continuity_penalty(lambda z: z**2, z1, z2, gamma)
    # residual: 0.25*9 - 2.25 + 0.75*1 = 0.75; 0 - 2.25 + 0.75*4 = 0.75
    assert resid.item() == pytest.approx(0.75**2)


def test_only_the_residual_form_is_zero_for_an_affine_generator():
    A, b = torch.randn(6, 3), torch.randn(6)
    G = lambda z: z @ A.t() + b  # noqa: E731
    z1, z2, gamma = torch.randn(8, 3), torch.randn(8, 3), torch.rand(8)
    assert continuity_penalty(G, z1, z2, gamma).item() == pytest.approx(
        0.0, abs=1e-10)
    # gcert form of an affine G: (2 (1 - gamma) G(z1))^2
    expected = ((2 * (1 - gamma)[:, None] * G(z1))**2).mean()
    assert continuity_penalty(G, z1, z2, gamma, form='gcert').item() == \
        pytest.approx(expected.item(), rel=1e-5)
    reg = MODELS.build(dict(type='ContinuityRegularizer', form='gcert'))
    assert reg(G, z1, z2, gamma).item() == pytest.approx(expected.item(),
                                                         rel=1e-5)
    with pytest.raises(ConfigError, match="form='linear'.*'residual'"):
        MODELS.build(dict(type='ContinuityRegularizer', form='linear'))


def test_info_loss_is_weighted_ce_plus_mse():
    logits = [torch.randn(5, 3), torch.randn(5, 4)]
    labels = torch.stack([torch.randint(3, (5, )), torch.randint(4, (5, ))],
                         1)
    mean, target = torch.randn(5, 2), torch.rand(5, 2) * 2 - 1
    expected = 2.0 * (F.cross_entropy(logits[0], labels[:, 0])
                      + F.cross_entropy(logits[1], labels[:, 1])) \
        + 0.5 * ((mean - target)**2).mean()
    got = info_loss(logits, labels, mean, target, lambda_cat=2.0,
                    lambda_con=0.5)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)


def test_info_loss_gaussian_nll():
    mean, target = torch.zeros(4, 1), torch.ones(4, 1)
    logvar = torch.zeros(4, 1)  # var 1: nll = 0.5*log(2pi) + 0.5
    got = info_loss([], None, mean, target, logvar, lambda_con=1.0)
    assert got.item() == pytest.approx(0.5 * math.log(2 * math.pi) + 0.5,
                                       rel=1e-6)
    reg = MODELS.build(dict(type='InfoLoss', con_loss='gaussian_nll'))
    with pytest.raises(ConfigError, match='con_logvar=True'):
        reg(dict(cat_logits=[], con_mean=mean, con_logvar=None), None,
            target)
    with pytest.raises(ConfigError, match="con_loss='l1'"):
        MODELS.build(dict(type='InfoLoss', con_loss='l1'))


def test_supervised_info_term_is_ce_over_labelled_images_only():
    reg = MODELS.build(dict(type='InfoLoss', lambda_sup=3.0))
    logits = torch.randn(5, 3, requires_grad=True)
    labels = torch.tensor([2, -1, 0, -1, 1])
    known = labels >= 0
    expected = 3.0 * F.cross_entropy(logits[known], labels[known])
    got = reg.supervised(dict(cat_logits=[logits, torch.randn(5, 4)]),
                         labels)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    got.backward()
    assert torch.all(logits.grad[~known] == 0)
    assert torch.all(logits.grad[known].abs().sum(1) > 0)


def test_supervised_info_term_without_labels_is_zero_with_a_graph():
    reg = MODELS.build(dict(type='InfoLoss', lambda_sup=1.0))
    logits = torch.randn(4, 3, requires_grad=True)
    got = reg.supervised(dict(cat_logits=[logits]), torch.full((4, ), -1))
    assert got.item() == 0.0 and got.requires_grad
    with pytest.raises(ConfigError, match='lambda_sup=-1'):
        MODELS.build(dict(type='InfoLoss', lambda_sup=-1))
