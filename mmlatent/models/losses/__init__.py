from .adversarial import (HingeGANLoss, LSGANLoss, NonSaturatingGANLoss,
                          VanillaGANLoss, WassersteinGANLoss, d_bce_loss,
                          d_hinge_loss, d_lsgan_loss, d_wasserstein_loss,
                          g_hinge_loss, g_lsgan_loss, g_nonsaturating_loss,
                          g_saturating_loss, g_wasserstein_loss)
from .continuity import ContinuityRegularizer, continuity_penalty
from .gradient_penalty import GradientPenalty, gradient_penalty, r1_penalty
from .info import InfoLoss, info_loss

__all__ = [
    'HingeGANLoss', 'LSGANLoss', 'NonSaturatingGANLoss', 'VanillaGANLoss',
    'WassersteinGANLoss', 'd_bce_loss', 'd_hinge_loss', 'd_lsgan_loss',
    'd_wasserstein_loss', 'g_hinge_loss', 'g_lsgan_loss',
    'g_nonsaturating_loss', 'g_saturating_loss', 'g_wasserstein_loss',
    'ContinuityRegularizer', 'continuity_penalty', 'GradientPenalty',
    'gradient_penalty', 'r1_penalty', 'InfoLoss', 'info_loss'
]
from .stylegan2 import (PathLengthRegularizer, R1Regularizer,  # noqa: E402
                        d_logistic_loss, lazy_adam, lazy_ratio,
                        path_length_penalty, path_lengths)

__all__ += [
    'PathLengthRegularizer', 'R1Regularizer', 'd_logistic_loss', 'lazy_adam',
    'lazy_ratio', 'path_length_penalty', 'path_lengths'
]
