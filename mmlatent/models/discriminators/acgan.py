"""DCGAN discriminator with an auxiliary classifier (AC-GAN, Odena et al.
2017)."""
from typing import Optional, Tuple

from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..layers import dcgan_init
from .dcgan import DCGANDiscriminator


@MODELS.register_module()
class ACGANDiscriminator(DCGANDiscriminator):
    """The DCGAN discriminator's trunk with two heads on its 4x4 features:
    the real/fake score and ``num_classes`` class logits.

    ``forward(img, c=None)`` returns ``(score [n], logits [n, num_classes])``.
    ``c`` is read only when ``c_dim > 0`` (the condition as extra input
    channels, as :class:`DCGANDiscriminator`); an AC-GAN usually leaves
    ``c_dim=0`` and lets the classifier carry the class.

    Args:
        num_classes: classes of the auxiliary classifier.
        Other arguments as :class:`DCGANDiscriminator` (``spectral_norm``
        normalises the trunk and the real/fake head, not the classifier,
        whose logits must be free to grow).
    """

    def __init__(self, num_classes: int, resolution: int = 32,
                 in_channels: int = 3, base_channels: int = 64,
                 max_channels: int = 512, norm: str = 'bn', c_dim: int = 0,
                 init_std: float = 0.02, spectral_norm: bool = False):
        super().__init__(resolution, in_channels, base_channels,
                         max_channels, norm, c_dim, init_std, spectral_norm)
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ConfigError(f'num_classes={num_classes!r} must be an int '
                              '>= 2 (the classes of the labelled data)')
        self.num_classes = num_classes
        self.cls_head = nn.Conv2d(self.feature_channels, num_classes, 4, 1,
                                  0)
        dcgan_init(self.cls_head, init_std)

    def forward(self, img: Tensor, c: Optional[Tensor] = None
                ) -> Tuple[Tensor, Tensor]:
        f = self.features(img, c)
        return self.head(f).flatten(), self.cls_head(f).flatten(1)
