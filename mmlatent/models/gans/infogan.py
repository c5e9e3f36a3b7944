"""InfoGAN (Chen et al. 2016)."""
from typing import Optional, Tuple

from torch import Tensor

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..base_gan import Losses, UnconditionalGAN


@MODELS.register_module()
class InfoGAN(UnconditionalGAN):
    """G's input is ``z | one-hot categorical codes | continuous codes``
    (U(-1, 1)); D shares its trunk with a Q head that predicts the codes.

    The information loss (``info_loss``, an InfoLoss config) is added to
    both phases, as in the paper: in the D phase it trains the trunk and Q
    on generated images, in the G phase it trains G to make its codes
    recoverable. Other arguments as :class:`UnconditionalGAN`.

    With ``info_loss.lambda_sup > 0`` (semi-supervised InfoGAN) the D phase
    also trains Q's first categorical head on the labelled real images
    (dataset label >= 0, e.g. from a PartiallyLabelledDataset), so that
    code follows the labelled classes; ``c_real`` is then the label [n].
    """

    def __init__(self, generator: dict, discriminator: dict,
                 info_loss: Optional[dict] = None, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.info_loss = MODELS.build({'type': 'InfoLoss',
                                       **(info_loss or {})})
        codes, D = self.G.codes, self.D
        if (codes.cat_dims, codes.con_dim) != (getattr(D, 'cat_dims', None),
                                               getattr(D, 'con_dim', None)):
            raise ConfigError(
                f'InfoGAN: generator codes (cat_dims={codes.cat_dims}, '
                f'con_dim={codes.con_dim}) differ from the discriminator Q '
                f"head's (cat_dims={getattr(D, 'cat_dims', None)}, "
                f"con_dim={getattr(D, 'con_dim', None)}); use an "
                'InfoGANDiscriminator with the same codes')
        if self.info_loss.lambda_sup > 0 and not codes.cat_dims:
            raise ConfigError('info_loss.lambda_sup > 0 needs a categorical '
                              'code (cat_dims) to carry the labels')

    def real_c(self, labels: Optional[Tensor]) -> Optional[Tensor]:
        """The class label of real images [n] (-1 unknown) when the
        labelled term is on, else None (Q needs no condition)."""
        if self.info_loss.lambda_sup == 0:
            return None
        if labels is None:
            raise ConfigError('info_loss.lambda_sup > 0 needs labelled data: '
                              'use a dataset whose items have a label (-1 '
                              'for unknown), e.g. PartiallyLabelledDataset')
        labels = labels.long()
        k = self.G.codes.cat_dims[0]
        if labels.max() >= k:
            raise ConfigError(f'label {int(labels.max())} is out of range for '
                              f'the first categorical code (cat_dims[0]={k}); '
                              'give the code one value per class')
        return labels

    def d_forward(self, img: Tensor, c: Optional[Tensor]
                  ) -> Tuple[Tensor, dict]:
        return self.discriminator(img)

    def _info(self, aux: dict, c: Tensor, phase: str) -> Tensor:
        codes = self.G.codes
        _, con = codes.split(c)
        labels = codes.labels(c) if codes.cat_dims else None
        if phase == 'd' and self.info_loss.sup_real_only \
                and self.info_loss.lambda_sup > 0:
            # Q's first categorical head learns from labelled reals only
            if len(codes.cat_dims) == 1 and not codes.con_dim:
                return aux['cat_logits'][0].sum() * 0.0
            aux = dict(aux, cat_logits=aux['cat_logits'][1:])
            labels = labels[:, 1:]
        return self.info_loss(aux, labels, con)

    def d_regularizers(self, real, fake, c_real, c_fake, aux,
                       it: int) -> Losses:
        """Q's ``info`` (R1, when set and due, comes with D's real
        pass)."""
        losses = super().d_regularizers(real, fake, c_real, c_fake, aux, it)
        losses['info'] = self._info(aux, c_fake, 'd')
        return losses

    def d_real_terms(self, real_aux: Optional[dict],
                     c_real: Optional[Tensor]) -> Losses:
        if c_real is None:
            return {}
        return dict(sup=self.info_loss.supervised(real_aux, c_real))

    def g_regularizers(self, z, c, fake, aux, it: int) -> Losses:
        losses = super().g_regularizers(z, c, fake, aux, it)
        losses['info'] = self._info(aux, c, 'g')
        return losses
