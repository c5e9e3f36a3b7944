"""WGAN-GP (Gulrajani et al. 2017)."""
from typing import Optional

from torch import Tensor

from ...registry import MODELS
from ..base_gan import Losses, UnconditionalGAN


@MODELS.register_module()
class WGANGP(UnconditionalGAN):
    """Critic loss ``mean(C(fake)) - mean(C(real)) + lambda * GP``,
    generator loss ``-mean(C(fake))``, ``discriminator_steps`` (n_critic)
    critic steps per generator step.

    Args:
        gradient_penalty: GradientPenalty options (``loss_weight`` = lambda).
        Other arguments as :class:`UnconditionalGAN` (``autocast``: the
        penalty's gradient is taken in the same precision as the critic's
        pass; R1 is not offered, the penalty takes its place).
    """

    def __init__(self, generator: dict, discriminator: dict,
                 gan_loss: Optional[dict] = None, discriminator_steps: int = 5,
                 generator_steps: int = 1,
                 gradient_penalty: Optional[dict] = None,
                 ema: Optional[dict] = None,
                 continuity: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 channels_last: bool = False, reuse_fakes: bool = False,
                 autocast: Optional[str] = None):
        super().__init__(generator, discriminator,
                         gan_loss or dict(type='WassersteinGANLoss'),
                         discriminator_steps, generator_steps, ema,
                         continuity, data_preprocessor, init_cfg,
                         channels_last, reuse_fakes=reuse_fakes,
                         autocast=autocast)
        self.gradient_penalty = MODELS.build(
            {'type': 'GradientPenalty', **(gradient_penalty or {})})

    def d_regularizers(self, real: Tensor, fake: Tensor,
                       c_real: Optional[Tensor], c_fake: Optional[Tensor],
                       aux: Optional[dict], it: int) -> Losses:
        critic = lambda x: self.d_forward(x, c_real)[0]  # noqa: E731
        return dict(gp=self.gradient_penalty(critic, real, fake))
