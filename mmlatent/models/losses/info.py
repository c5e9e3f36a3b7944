"""InfoGAN's mutual-information loss (Chen et al. 2016)."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError

CON_LOSSES = ('mse', 'gaussian_nll')


def info_loss(cat_logits: List[Tensor], cat_labels: Tensor,
              con_mean: Optional[Tensor], con_target: Optional[Tensor],
              con_logvar: Optional[Tensor] = None, *,
              lambda_cat: float = 1.0, lambda_con: float = 0.1
              ) -> Tensor:
    """``lambda_cat * sum_i CE(cat_logits[i], cat_labels[:, i])
    + lambda_con * (MSE, or Gaussian NLL when con_logvar is given)``."""
    loss = lambda_cat * sum(F.cross_entropy(logits, cat_labels[:, i])
                            for i, logits in enumerate(cat_logits))
    if con_mean is not None and con_mean.shape[1]:
        if con_logvar is None:
            con = F.mse_loss(con_mean, con_target)
        else:
            con = F.gaussian_nll_loss(con_mean, con_target,
                                      con_logvar.exp(), full=True)
        loss = loss + lambda_con * con
    if not torch.is_tensor(loss):
        raise ConfigError('InfoGAN needs at least one categorical or '
                          'continuous code')
    return loss


@MODELS.register_module()
class InfoLoss(nn.Module):
    """Weights of the categorical and continuous terms; ``con_loss`` is
    ``mse`` or ``gaussian_nll`` (needs a Q head with ``con_logvar=True``).

    ``lambda_sup > 0`` turns on semi-supervised InfoGAN (Spurr et al.
    2017): :meth:`supervised` trains the first categorical head of Q to
    predict the known class of real images, so that code takes the
    meaning of the labels. With ``sup_real_only`` the D phase does not
    train that head on generated images: it stays a classifier of real
    images, and G can satisfy it only by drawing the class, not by hiding
    the code in patterns that a head trained on its own images would learn
    to read.
    """

    def __init__(self, lambda_cat: float = 1.0, lambda_con: float = 0.1,
                 con_loss: str = 'mse', lambda_sup: float = 0.0,
                 sup_real_only: bool = False):
        super().__init__()
        if con_loss not in CON_LOSSES:
            raise ConfigError(f"con_loss='{con_loss}' is not one of "
                              f'{CON_LOSSES}')
        if not lambda_sup >= 0:
            raise ConfigError(f'lambda_sup={lambda_sup!r} must be >= 0 '
                              '(0 turns the labelled term off)')
        self.lambda_cat, self.lambda_con = lambda_cat, lambda_con
        self.con_loss, self.lambda_sup = con_loss, float(lambda_sup)
        self.sup_real_only = bool(sup_real_only)

    def supervised(self, q: dict, labels: Tensor) -> Tensor:
        """``lambda_sup`` x the cross-entropy of the first categorical
        logits against ``labels`` [n] over the labelled images (label >= 0;
        -1 is unknown); zero, with the graph kept, when none is labelled."""
        logits = q['cat_logits'][0]
        known = labels >= 0
        if not known.any():
            return logits.sum() * 0.0
        return self.lambda_sup * F.cross_entropy(logits[known],
                                                 labels[known])

    def forward(self, q: dict, cat_labels: Tensor,
                con_target: Optional[Tensor]) -> Tensor:
        logvar = q['con_logvar'] if self.con_loss == 'gaussian_nll' else None
        if self.con_loss == 'gaussian_nll' and logvar is None \
                and q['con_mean'] is not None:
            raise ConfigError("con_loss='gaussian_nll' needs the "
                              'discriminator built with con_logvar=True')
        return info_loss(q['cat_logits'], cat_labels, q['con_mean'],
                         con_target, logvar, lambda_cat=self.lambda_cat,
                         lambda_con=self.lambda_con)
