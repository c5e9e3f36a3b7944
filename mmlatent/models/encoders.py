"""Image encoders: the encoder half of an autoencoder whose decoder is a
generator (:class:`~mmlatent.models.gans.LatentGAN`)."""
from torch import Tensor, nn

from ..registry import MODELS
from .discriminators.dcgan import DCGANDiscriminator


@MODELS.register_module()
class DCGANEncoder(nn.Module):
    """The DCGAN discriminator's trunk (stride-2 convs with ``norm``) and a
    linear map of its 4x4 features to a code [n, code_dim].

    Args:
        resolution, in_channels: image size and channels.
        code_dim: size of the code.
        base_channels, max_channels, norm: as :class:`DCGANDiscriminator`.
    """

    def __init__(self, resolution: int = 32, code_dim: int = 16,
                 in_channels: int = 3, base_channels: int = 32,
                 max_channels: int = 512, norm: str = 'bn'):
        super().__init__()
        trunk = DCGANDiscriminator(resolution, in_channels, base_channels,
                                   max_channels, norm)
        self.trunk = trunk.trunk
        self.head = nn.Linear(trunk.feature_channels * 16, code_dim)
        self.code_dim = code_dim

    def forward(self, img: Tensor) -> Tensor:
        """The code [n, code_dim] of ``img`` [n, C, H, W]."""
        return self.head(self.trunk(img).flatten(1))
