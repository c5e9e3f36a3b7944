"""StyleGAN2's synthesis network as the decoder of an autoencoder: a
code -> an MLP -> W+ -> the synthesis network, without noise.

Trained as the l-GAN's decoder (a per-sample L1 target), StyleGAN2's
generator draws the crisp shapes of the Shapes data on a CPU, which the
adversarial StyleGAN2 recipe does not reach in its schedule
(docs/fidelity.md, session 29).
"""
from typing import Optional, Sequence

from torch import Tensor, nn

from ...registry import MODELS
from ..layers import code_mlp
from ..winograd import set_winograd
from .base import one_input_layer
from .stylegan2 import SynthesisNetwork


@MODELS.register_module()
class StyleGAN2Decoder(nn.Module):
    """``code`` [n, code_dim] -> ``to_ws`` (an MLP: code_dim -> ``hidden``
    -> num_ws * w_dim) -> ``ws`` [n, num_ws, w_dim] -> StyleGAN2's
    synthesis network (skip architecture, no per-layer noise) -> image.

    Each layer gets its own style (W+) from the code: the mapping that
    matters for the image is learned by the autoencoder, so there is no
    ``z`` mapping here (the l-GAN's :class:`LatentCodeGenerator` maps
    ``z`` to the code).

    Args:
        resolution: output size, a power of two from 8 to 1024.
        code_dim: size of the input code.
        out_channels: image channels.
        w_dim: size of each layer's style vector.
        hidden: width of the MLP's hidden layer.
        channel_base, channel_max: the synthesis network's channels
            ``min(channel_base // res, channel_max)`` at feature size ``res``.
        winograd: the synthesis network's Winograd 3x3 convolutions on a
            CPU in float32 (:mod:`mmlatent.models.winograd`).
    """

    def __init__(self, resolution: int = 32, code_dim: int = 16,
                 out_channels: int = 3, w_dim: int = 128, hidden: int = 256,
                 channel_base: int = 2048, channel_max: int = 128,
                 winograd: bool = True):
        super().__init__()
        self.synthesis_net = SynthesisNetwork(
            w_dim, resolution, out_channels, channel_base, channel_max)
        self.num_ws = len(self.synthesis_net.convs) + 1
        self.w_dim = w_dim
        self.to_ws = code_mlp(code_dim, self.num_ws * w_dim, hidden, 2)
        set_winograd(self, winograd)

    def forward(self, code: Tensor) -> Tensor:
        """``img`` [n, C, res, res] (about [-1, 1]) of ``code``
        [n, code_dim]."""
        ws = self.to_ws(code).view(-1, self.num_ws, self.w_dim)
        noise = [None] * (self.num_ws - 1)
        return self.synthesis_net(ws, 'none', noise)

    def direction_weights(self, layers: Optional[Sequence[int]] = None
                          ) -> Tensor:
        """The MLP's first weight [hidden, code_dim]: the linear map from
        the code to the first features, which SeFa factorises."""
        one_input_layer(layers, type(self).__name__)
        return self.to_ws[0].weight
