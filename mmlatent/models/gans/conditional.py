"""Conditional GAN: a class one-hot goes to G (with z) and to D."""
from typing import Optional, Tuple

from torch import Tensor

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..base_gan import UnconditionalGAN


@MODELS.register_module()
class ConditionalGAN(UnconditionalGAN):
    """Real images are conditioned on their dataset label, generated ones on
    a class drawn uniformly. The generator needs ``cat_dims=[num_classes]``
    and the discriminator ``c_dim=num_classes``; other arguments as
    :class:`UnconditionalGAN`."""

    def __init__(self, generator: dict, discriminator: dict, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        codes = self.G.codes
        if len(codes.cat_dims) != 1 or codes.con_dim:
            raise ConfigError(
                'ConditionalGAN needs a generator with one categorical code '
                f'(cat_dims=[num_classes]), got cat_dims={codes.cat_dims}, '
                f'con_dim={codes.con_dim}')
        if getattr(self.D, 'c_dim', None) != codes.c_dim:
            raise ConfigError(
                f'ConditionalGAN needs discriminator c_dim={codes.c_dim} '
                f"(the generator's classes), got "
                f"{getattr(self.D, 'c_dim', None)}")

    @property
    def num_classes(self) -> int:
        return self.G.codes.num_classes

    def real_c(self, labels: Optional[Tensor]) -> Tensor:
        if labels is None:
            raise ConfigError('ConditionalGAN needs labelled data: use a '
                              'dataset that returns a label for each image')
        return self.G.make_c(labels.long())

    def d_forward(self, img: Tensor, c: Optional[Tensor]
                  ) -> Tuple[Tensor, None]:
        return self.discriminator(img, c), None
