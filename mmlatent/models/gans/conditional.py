"""Conditional GAN: a class one-hot goes to G (with z) and to D, or, with
an auxiliary classifier (AC-GAN), D also learns to classify real images
and G is trained to draw images that it classifies as the requested
class."""
from typing import Optional, Tuple

import torch.nn.functional as F
from torch import Tensor

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..base_gan import Losses, UnconditionalGAN


@MODELS.register_module()
class ConditionalGAN(UnconditionalGAN):
    """Real images are conditioned on their dataset label, generated ones on
    a class drawn uniformly. The generator needs ``cat_dims=[num_classes]``
    and the discriminator ``c_dim=num_classes`` (the condition as input),
    or an auxiliary classifier (``ACGANDiscriminator`` with
    ``num_classes``, ``c_dim`` 0 or ``num_classes``).

    Args:
        classifier_weight: weight of the auxiliary classification terms
            (0: none). D's term is the cross entropy of its class logits
            on *real* images and their labels only (so it stays a
            classifier of real images and cannot learn to read a hidden
            code from generated ones); G's term is the cross entropy of
            D's logits on generated images and the requested class.
        Other arguments as :class:`UnconditionalGAN`.
    """

    def __init__(self, generator: dict, discriminator: dict,
                 classifier_weight: float = 0.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        codes = self.G.codes
        if len(codes.cat_dims) != 1 or codes.con_dim:
            raise ConfigError(
                'ConditionalGAN needs a generator with one categorical code '
                f'(cat_dims=[num_classes]), got cat_dims={codes.cat_dims}, '
                f'con_dim={codes.con_dim}')
        self.classifier_weight = float(classifier_weight)
        self._check_discriminator(codes)

    def _check_discriminator(self, codes) -> None:
        c_dim = getattr(self.D, 'c_dim', None)
        classes = getattr(self.D, 'num_classes', None)
        if classes is not None and classes != codes.num_classes:
            raise ConfigError(
                f"ConditionalGAN: the discriminator's classifier has "
                f'num_classes={classes}, the generator {codes.num_classes};'
                ' make them equal')
        if self.classifier_weight < 0:
            raise ConfigError(f'classifier_weight={self.classifier_weight}'
                              ' must be >= 0')
        if self.classifier_weight and classes is None:
            raise ConfigError(
                f'classifier_weight={self.classifier_weight} needs a '
                "discriminator with a classifier, e.g. type='"
                "ACGANDiscriminator', num_classes="
                f'{codes.num_classes}')
        allowed = (0, codes.c_dim) if self.classifier_weight else \
            (codes.c_dim, )
        if c_dim not in allowed:
            raise ConfigError(
                f'ConditionalGAN needs discriminator c_dim={codes.c_dim} '
                f"(the generator's classes"
                f"{'' if len(allowed) == 1 else ', or 0 with a classifier'}"
                f'), got {c_dim}')

    @property
    def num_classes(self) -> int:
        return self.G.codes.num_classes

    def real_c(self, labels: Optional[Tensor]) -> Tensor:
        if labels is None:
            raise ConfigError('ConditionalGAN needs labelled data: use a '
                              'dataset that returns a label for each image')
        return self.G.make_c(labels.long())

    def d_forward(self, img: Tensor, c: Optional[Tensor]
                  ) -> Tuple[Tensor, Optional[Tensor]]:
        """D's score [n] and its class logits [n, k] (None without a
        classifier)."""
        out = self.discriminator(img, c)
        return out if isinstance(out, tuple) else (out, None)

    def _class_loss(self, logits: Optional[Tensor], c: Tensor) -> Losses:
        if not self.classifier_weight:
            return {}
        labels = self.G.codes.labels(c)[:, 0]
        return dict(cls=self.classifier_weight * F.cross_entropy(
            logits, labels.to(logits.device)))

    def d_real_terms(self, real_aux: Optional[Tensor],
                     c_real: Optional[Tensor]) -> Losses:
        return self._class_loss(real_aux, c_real)

    def g_regularizers(self, z: Tensor, c: Optional[Tensor], fake: Tensor,
                       aux: Optional[Tensor], it: int) -> Losses:
        losses = super().g_regularizers(z, c, fake, aux, it)
        losses.update(self._class_loss(aux, c))
        return losses
