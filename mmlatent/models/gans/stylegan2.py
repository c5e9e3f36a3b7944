"""StyleGAN2 training (Karras et al. 2020): logistic loss, lazy R1, lazy
path-length regularisation and style mixing.

The lazily regularised networks get Adam's ``lr`` and ``betas`` scaled by
``r = interval / (interval + 1)`` (``lr * r``, ``beta ** r``) from
:meth:`StyleGAN2.lazy_intervals` by the optimizer constructor
(:class:`~mmlatent.engine.GANOptimWrapperConstructor`); configs write the
plain values (``lr=0.002, betas=(0, 0.99)``). The regularisers are added to
the main loss of their phase (no separate optimizer step); see
docs/lazy_regularization.md.
"""
from typing import Dict, Optional

from torch import Tensor

from ...registry import MODELS
from ..base_gan import Losses, UnconditionalGAN
from ..discriminators import stylegan2 as _d  # noqa: F401 (registers)
from ..generators import stylegan2 as _g  # noqa: F401 (registers)
from ..losses import stylegan2 as _l  # noqa: F401 (registers)
from ..losses.stylegan2 import PathLengthRegularizer, R1Regularizer


@MODELS.register_module()
class StyleGAN2(UnconditionalGAN):
    """StyleGAN2 with lazy regularisation.

    Args:
        generator, discriminator: network configs (StyleGAN2Generator /
            StyleGAN2Discriminator).
        gan_loss: adversarial loss (default NonSaturatingGANLoss: the
            logistic D loss and non-saturating G loss).
        r1_gamma: R1 weight gamma (0 disables), ``r1_interval``: R1 every
            that many D steps, scaled by the interval.
        pl_weight: path-length weight (0 disables), ``pl_interval``: every
            that many G steps, ``pl_decay``: decay of ``pl_mean``,
            ``pl_batch_shrink``: batch divisor of the path-length pass.
        style_mixing_prob: probability of style mixing for the generated
            images of both phases.
        Other arguments as :class:`UnconditionalGAN`.
    """

    def __init__(self, generator: dict, discriminator: dict,
                 gan_loss: Optional[dict] = None, r1_gamma: float = 10.0,
                 r1_interval: int = 16, pl_weight: float = 2.0,
                 pl_interval: int = 4, pl_decay: float = 0.01,
                 pl_batch_shrink: int = 2, style_mixing_prob: float = 0.9,
                 discriminator_steps: int = 1, generator_steps: int = 1,
                 ema: Optional[dict] = None,
                 continuity: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 channels_last: bool = False, reuse_fakes: bool = False,
                 autocast: Optional[str] = None):
        super().__init__(generator, discriminator, gan_loss,
                         discriminator_steps, generator_steps, ema,
                         continuity, data_preprocessor, init_cfg,
                         channels_last, reuse_fakes=reuse_fakes,
                         autocast=autocast)
        self.r1 = R1Regularizer(r1_gamma, r1_interval)
        self.path_length = PathLengthRegularizer(
            pl_weight, pl_interval, pl_decay, pl_batch_shrink)
        self.style_mixing_prob = style_mixing_prob

    def lazy_intervals(self) -> Dict[str, int]:
        """R1's interval for D and path length's for G (each only while its
        weight is non-zero)."""
        return dict(discriminator=self.r1.interval if self.r1.gamma else 0,
                    generator=self.path_length.interval
                    if self.path_length.loss_weight else 0)

    def g_regularizers(self, z: Tensor, c: Optional[Tensor], fake: Tensor,
                       aux: Optional[dict], it: int) -> Losses:
        """``pl`` every ``pl_interval`` G steps (plus the base terms)."""
        losses = super().g_regularizers(z, c, fake, aux, it)
        if self.path_length.active(it // self.discriminator_steps):
            losses['pl'] = self.path_length_loss(z.shape[0])
        return losses

    def path_length_loss(self, n: int) -> Tensor:
        """The path-length term on a fresh batch of ``n // shrink``."""
        n = self.path_length.batch_size(n)
        z, c = self.G.sample_z(n), self.fake_c(n)
        img, ws = self.generator(z, c, return_ws=True,
                                 **self.train_forward_kwargs())
        return self.path_length(img, ws)

    def continuity_forward_kwargs(self) -> dict:
        """Constant noise and no style mixing along a continuity pair."""
        return dict(noise_mode='const', style_mixing_prob=0.0)

    def train_forward_kwargs(self) -> dict:
        """Style mixing for the generated images of both phases and of the
        path-length pass."""
        return dict(style_mixing_prob=self.style_mixing_prob)
