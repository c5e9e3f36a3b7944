"""The continuity regulariser: interpolation in latent space should be
linear in image space (GCert, Yuan et al. 2023, ``implementation/
continuity.py``).

For z1, z2 from the prior and gamma ~ U(0, 1) per pair, with
``G_mid = G(lerp(z1, z2, gamma))``, two forms:

* ``residual`` (default): ``mean((gamma G(z2) - G_mid + (1-gamma) G(z1))^2)``,
  the squared distance of ``G_mid`` from the pixel chord. It is zero for
  every affine generator ``G(z) = Az + b``: it penalises exactly the
  departure from linearity.
* ``gcert``: ``mean((gamma G(z2) - G_mid - (1-gamma) G(z1))^2)``, the
  expression of GCert's code, for reproducing its runs. For an affine G it
  equals ``mean((2 (1-gamma) G(z1))^2)``, so besides linearity it pulls
  images towards 0 (mid-grey for images in [-1, 1]).

Dose: GCert adds the penalty with weight 1 at every generator step. Here the
term is added every ``interval`` steps and multiplied by ``loss_weight *
interval`` (as lazy R1 and path-length regularisation), so ``loss_weight``
is the average dose per step in GCert's units at every interval.
"""
from typing import Callable, Optional

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError

FORMS = ('residual', 'gcert')


def check_form(form: str) -> str:
    if form not in FORMS:
        raise ConfigError(f"continuity form='{form}' is not one of {FORMS}; "
                          "use 'residual' (zero for an affine G) or 'gcert' "
                          "(GCert's expression)")
    return form


def continuity_residual(img1: Tensor, img2: Tensor, img_mid: Tensor,
                        gamma: Tensor, form: str = 'residual') -> Tensor:
    """Per-element residual [n, ...] of the chosen ``form`` for images of
    pairs and their interpolates and ``gamma`` [n]."""
    g = gamma.view(-1, *[1] * (img1.dim() - 1)).to(img1)
    sign = 1.0 if check_form(form) == 'residual' else -1.0
    return g * img2 - img_mid + sign * (1 - g) * img1


def continuity_penalty(G: Callable[[Tensor], Tensor], z1: Tensor, z2: Tensor,
                       gamma: Tensor, form: str = 'residual') -> Tensor:
    """The penalty (mean square of :func:`continuity_residual`) for pairs
    ``z1, z2`` [n, d] and ``gamma`` [n].

    ``G`` maps a batch of latents to images; the three batches (z1, z2 and
    the interpolates) go through ``G`` as one batch of 3n.
    """
    n = z1.shape[0]
    z_mid = torch.lerp(z1, z2, gamma.view(n, 1).to(z1))
    img1, img2, img_mid = G(torch.cat([z1, z2, z_mid])).split(n)
    return continuity_residual(img1, img2, img_mid, gamma, form).square() \
        .mean()


@MODELS.register_module()
class ContinuityRegularizer(nn.Module):
    """``loss_weight * interval * continuity_penalty`` every ``interval``
    generator steps on ``batch_size`` pairs (default: the training batch
    size); ``form`` is ``residual`` or ``gcert`` (module doc)."""

    def __init__(self, loss_weight: float = 1.0, interval: int = 1,
                 batch_size: Optional[int] = None, form: str = 'residual'):
        super().__init__()
        if interval < 1:
            raise ConfigError(f'continuity interval={interval} must be >= 1')
        self.loss_weight, self.interval = loss_weight, interval
        self.batch_size, self.form = batch_size, check_form(form)

    def active(self, g_step: int) -> bool:
        return self.loss_weight != 0 and g_step % self.interval == 0

    def forward(self, G: Callable[[Tensor], Tensor], z1: Tensor, z2: Tensor,
                gamma: Tensor) -> Tensor:
        penalty = continuity_penalty(G, z1, z2, gamma, self.form)
        return penalty * (self.loss_weight * self.interval)
