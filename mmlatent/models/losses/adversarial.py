"""Adversarial losses as pure functions of the discriminator's raw scores,
with thin registered wrappers that a config names by ``type``.

``real_pred`` and ``fake_pred`` are raw scores (logits for the BCE losses,
critic values for WGAN), shape [n].
"""
import torch.nn.functional as F
from torch import Tensor, nn

from ...registry import MODELS


def d_bce_loss(real_pred: Tensor, fake_pred: Tensor) -> Tensor:
    """-log D(x) - log(1 - D(G(z))) with D = sigmoid(score)."""
    return F.softplus(-real_pred).mean() + F.softplus(fake_pred).mean()


def g_nonsaturating_loss(fake_pred: Tensor) -> Tensor:
    """-log D(G(z)) (Goodfellow et al.'s non-saturating generator loss)."""
    return F.softplus(-fake_pred).mean()


def g_saturating_loss(fake_pred: Tensor) -> Tensor:
    """log(1 - D(G(z))): the minimax (vanilla) generator loss."""
    return -F.softplus(fake_pred).mean()


def d_hinge_loss(real_pred: Tensor, fake_pred: Tensor) -> Tensor:
    """mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))."""
    return F.relu(1 - real_pred).mean() + F.relu(1 + fake_pred).mean()


def g_hinge_loss(fake_pred: Tensor) -> Tensor:
    """-mean(D(G(z)))."""
    return -fake_pred.mean()


def d_lsgan_loss(real_pred: Tensor, fake_pred: Tensor) -> Tensor:
    """0.5 mean((D(x) - 1)^2) + 0.5 mean(D(G(z))^2) (Mao et al.)."""
    return 0.5 * ((real_pred - 1)**2).mean() + 0.5 * (fake_pred**2).mean()


def g_lsgan_loss(fake_pred: Tensor) -> Tensor:
    """0.5 mean((D(G(z)) - 1)^2)."""
    return 0.5 * ((fake_pred - 1)**2).mean()


def d_wasserstein_loss(real_pred: Tensor, fake_pred: Tensor) -> Tensor:
    """mean(C(G(z))) - mean(C(x)): the critic loss without penalty."""
    return fake_pred.mean() - real_pred.mean()


def g_wasserstein_loss(fake_pred: Tensor) -> Tensor:
    """-mean(C(G(z)))."""
    return -fake_pred.mean()


class AdversarialLoss(nn.Module):
    """Pairs a discriminator loss with a generator loss."""
    d_fn = staticmethod(d_bce_loss)
    g_fn = staticmethod(g_nonsaturating_loss)

    def d_loss(self, real_pred: Tensor, fake_pred: Tensor) -> Tensor:
        return self.d_fn(real_pred, fake_pred)

    def g_loss(self, fake_pred: Tensor) -> Tensor:
        return self.g_fn(fake_pred)


@MODELS.register_module()
class NonSaturatingGANLoss(AdversarialLoss):
    """BCE discriminator loss, non-saturating generator loss."""


@MODELS.register_module()
class VanillaGANLoss(AdversarialLoss):
    """BCE discriminator loss, saturating (minimax) generator loss."""
    g_fn = staticmethod(g_saturating_loss)


@MODELS.register_module()
class HingeGANLoss(AdversarialLoss):
    d_fn = staticmethod(d_hinge_loss)
    g_fn = staticmethod(g_hinge_loss)


@MODELS.register_module()
class LSGANLoss(AdversarialLoss):
    d_fn = staticmethod(d_lsgan_loss)
    g_fn = staticmethod(g_lsgan_loss)


@MODELS.register_module()
class WassersteinGANLoss(AdversarialLoss):
    d_fn = staticmethod(d_wasserstein_loss)
    g_fn = staticmethod(g_wasserstein_loss)
