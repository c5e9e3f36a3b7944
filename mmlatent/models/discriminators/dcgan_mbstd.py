"""DCGAN discriminator with a minibatch-std channel before its head."""
from typing import Optional

from torch import Tensor, nn

from ...registry import MODELS
from ..layers import dcgan_init
from ..stylegan2_layers import MinibatchStd
from .dcgan import DCGANDiscriminator


@MODELS.register_module()
class DCGANMbstdDiscriminator(DCGANDiscriminator):
    """The DCGAN discriminator, no normalisation by default, whose 4x4 head
    also sees the standard deviation of the trunk features over groups of
    samples (StyleGAN's MinibatchStd).

    Batch norm lets a discriminator judge a batch by its statistics, which
    a generator can match without drawing the right outline; without any
    batch information it lets the generator collapse to one image. This
    discriminator scores each sample on its own and still sees how varied
    its group is.

    Args:
        mbstd_group_size: samples per std group (largest divisor of the
            batch up to it).
        mbstd_num_channels: std maps appended (channel groups).
        Other arguments as :class:`DCGANDiscriminator` (``norm`` defaults
        to ``'none'``).
    """

    def __init__(self, resolution: int = 32, in_channels: int = 3,
                 base_channels: int = 64, max_channels: int = 512,
                 norm: str = 'none', c_dim: int = 0, init_std: float = 0.02,
                 mbstd_group_size: int = 4, mbstd_num_channels: int = 1):
        super().__init__(resolution, in_channels, base_channels,
                         max_channels, norm, c_dim, init_std)
        self.mbstd = MinibatchStd(mbstd_group_size, mbstd_num_channels)
        self.head = nn.Conv2d(self.feature_channels + mbstd_num_channels, 1,
                              4, 1, 0)
        dcgan_init(self.head, init_std)

    def forward(self, img: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Raw score [n]."""
        return self.head(self.mbstd(self.features(img, c))).flatten()
