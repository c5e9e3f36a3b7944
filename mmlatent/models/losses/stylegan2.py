"""StyleGAN2 losses: the logistic loss, lazy R1 and path-length
regularisation (Karras et al. 2020), as pure functions plus registered
modules that hold the weights, intervals and the running ``pl_mean``.

Lazy regularisation evaluates a regulariser every ``interval`` steps and
multiplies it by ``interval``, so its average strength is unchanged. The
optimizer's Adam hyper-parameters are then scaled by
``ratio = interval / (interval + 1)`` (:func:`lazy_adam`; the optimizer
constructor applies it from the model's intervals).
"""
import math
from typing import Callable, Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError
from .gradient_penalty import r1_penalty


def d_logistic_loss(real_pred: Tensor, fake_pred: Tensor) -> Tensor:
    """``softplus(-D(x)) + softplus(D(G(z)))``, batch means (the logistic
    discriminator loss; equal to ``d_bce_loss``)."""
    return F.softplus(-real_pred).mean() + F.softplus(fake_pred).mean()


def path_lengths(img: Tensor, ws: Tensor,
                 pl_noise: Optional[Tensor] = None) -> Tensor:
    """``|J_w^T y|_2`` per sample [N] for ``img`` [N, C, H, W] made from
    ``ws`` [N, num_ws, w_dim] and ``y ~ N(0, I) / sqrt(H W)``; the squared
    norm is summed over ``w_dim`` and averaged over layers."""
    if pl_noise is None:
        pl_noise = torch.randn_like(img) / math.sqrt(img.shape[2] *
                                                      img.shape[3])
    grad, = torch.autograd.grad((img * pl_noise).sum(), ws,
                                create_graph=True)
    return grad.square().sum(2).mean(1).sqrt()


def path_length_penalty(img: Tensor, ws: Tensor, pl_mean: Tensor,
                        decay: float = 0.01,
                        pl_noise: Optional[Tensor] = None
                        ) -> Tuple[Tensor, Tensor]:
    """``mean((|J_w^T y| - a)^2)`` with ``a = lerp(pl_mean, mean length,
    decay)``; returns the penalty and the new (detached) ``a``."""
    lengths = path_lengths(img, ws, pl_noise)
    a = pl_mean.lerp(lengths.mean(), decay)
    return (lengths - a).square().mean(), a.detach()


def lazy_ratio(interval: int) -> float:
    """``interval / (interval + 1)``; 1 when the regulariser is off."""
    return interval / (interval + 1) if interval > 0 else 1.0


def lazy_adam(lr: float, betas: Sequence[float], interval: int) -> Dict:
    """Adam ``lr`` and ``betas`` for a network regularised lazily every
    ``interval`` steps: ``lr * r`` and ``beta ** r``, ``r =
    interval / (interval + 1)``, e.g. ``optimizer=dict(type='Adam',
    **lazy_adam(0.0025, (0, 0.99), 16))`` in code. Configs write the plain
    values: ``GANOptimWrapperConstructor`` applies this from the model's
    ``lazy_intervals()``."""
    r = lazy_ratio(interval)
    return dict(lr=lr * r, betas=tuple(b**r for b in betas))


def _check_interval(name: str, interval: int) -> None:
    if interval < 1:
        raise ConfigError(f'{name}={interval} must be >= 1')


@MODELS.register_module()
class R1Regularizer(nn.Module):
    """Lazy R1: ``gamma / 2 * mean(|grad_x D(x)|^2) * interval`` on real
    images every ``interval`` discriminator steps."""

    def __init__(self, gamma: float = 10.0, interval: int = 16):
        super().__init__()
        _check_interval('r1_interval', interval)
        self.gamma, self.interval = gamma, interval

    def active(self, d_step: int) -> bool:
        return self.gamma != 0 and d_step % self.interval == 0

    def forward(self, D: Callable[[Tensor], Tensor], real: Tensor) -> Tensor:
        """The weighted penalty for ``real`` [N, C, H, W]."""
        real = real.detach().requires_grad_(True)
        return self.weighted(D(real), real)

    def weighted(self, real_pred: Tensor, real: Tensor) -> Tensor:
        """The weighted penalty from ``real_pred = D(real)`` already
        computed, ``real`` requiring grad (one D pass for the adversarial
        loss and R1)."""
        return r1_penalty(real_pred, real) * (self.gamma / 2 * self.interval)


@MODELS.register_module()
class PathLengthRegularizer(nn.Module):
    """Lazy path-length regularisation: ``loss_weight * interval *
    path_length_penalty`` on ``N // batch_shrink`` samples every
    ``interval`` generator steps; keeps the running mean ``pl_mean``."""

    def __init__(self, loss_weight: float = 2.0, interval: int = 4,
                 decay: float = 0.01, batch_shrink: int = 2):
        super().__init__()
        _check_interval('pl_interval', interval)
        _check_interval('pl_batch_shrink', batch_shrink)
        self.loss_weight, self.interval = loss_weight, interval
        self.decay, self.batch_shrink = decay, batch_shrink
        self.register_buffer('pl_mean', torch.zeros([]))

    def active(self, g_step: int) -> bool:
        return self.loss_weight != 0 and g_step % self.interval == 0

    def batch_size(self, n: int) -> int:
        return max(1, n // self.batch_shrink)

    def forward(self, img: Tensor, ws: Tensor) -> Tensor:
        """The weighted penalty of ``img`` made from ``ws`` (which must be
        in its autograd graph); updates ``pl_mean``."""
        penalty, a = path_length_penalty(img, ws, self.pl_mean, self.decay)
        self.pl_mean.copy_(a)
        return penalty * (self.loss_weight * self.interval)
