"""WGAN-GP gradient penalty (Gulrajani et al. 2017) and R1 (Mescheder 2018)."""
from typing import Callable, Optional

import torch
from torch import Tensor, nn

from ...registry import MODELS


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor,
                     fake: Tensor, eps: Optional[Tensor] = None) -> Tensor:
    """mean((||grad_x C(x_hat)||_2 - 1)^2) on ``x_hat = eps*real +
    (1-eps)*fake``, ``eps`` ~ U(0, 1) per sample unless given ([n])."""
    n = real.shape[0]
    if eps is None:
        eps = torch.rand(n, device=real.device)
    eps = eps.view(n, *[1] * (real.dim() - 1)).to(real)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach())
    x_hat.requires_grad_(True)
    grad, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1)**2).mean()


def r1_penalty(real_pred: Tensor, real: Tensor) -> Tensor:
    """mean(||grad_x D(x)||^2) on real images; ``real`` must require grad
    and ``real_pred = D(real)``."""
    grad, = torch.autograd.grad(real_pred.sum(), real, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


@MODELS.register_module()
class GradientPenalty(nn.Module):
    """Weighted WGAN-GP penalty; ``loss_weight`` is the paper's lambda."""

    def __init__(self, loss_weight: float = 10.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, critic, real: Tensor, fake: Tensor) -> Tensor:
        return self.loss_weight * gradient_penalty(critic, real, fake)
