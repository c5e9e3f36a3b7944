"""A matching-aware discriminator for text-conditioned GANs: a DCGAN trunk,
an unconditional score plus a projection of the text embedding (Miyato &
Koyama 2018), and per-attribute auxiliary heads (AC-GAN style)."""
from typing import Optional, Sequence, Tuple

from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError, ShapeError
from ..layers import apply_spectral_norm, dcgan_init
from ..stylegan2_layers import MinibatchStd
from .dcgan import DCGANDiscriminator

#: logits per caption attribute: shape, colour, size, x, y
CAPTION_SIZES = (3, 6, 2, 3, 3)


@MODELS.register_module()
class TextMatchingDiscriminator(DCGANDiscriminator):
    """``forward(img, t) -> (score [n], attribute logits [n, sum(sizes)])``.

    ``score = head(f) + <W t, f>`` with ``f`` the trunk's 4x4 features
    flattened and ``t`` [n, text_dim] the text embedding, so D judges
    whether the image is real *and* matches the text. The attribute heads
    (one linear block per caption attribute, ``attribute_sizes``) read the
    same features; the GAN trains them on real images only.

    Args:
        text_dim: size of the text embedding.
        attribute_sizes: values per attribute (default: the five caption
            attributes); empty for no heads (logits then None).
        mbstd_group_size: >0 appends StyleGAN's minibatch-std channel
            before the heads (0: none).
        spectral_norm: spectral normalisation of every convolution and
            linear layer, heads and text projection included (with
            ``norm='none'``: D judges each sample on its own).
        Other arguments as :class:`DCGANDiscriminator` (``c_dim`` is 0:
        the text enters through the projection).
    """

    def __init__(self, text_dim: int, resolution: int = 32,
                 in_channels: int = 3, base_channels: int = 64,
                 max_channels: int = 512, norm: str = 'bn',
                 attribute_sizes: Sequence[int] = CAPTION_SIZES,
                 mbstd_group_size: int = 0, init_std: float = 0.02,
                 spectral_norm: bool = False):
        super().__init__(resolution, in_channels, base_channels,
                         max_channels, norm, 0, init_std,
                         spectral_norm=spectral_norm)
        if not isinstance(text_dim, int) or text_dim < 1:
            raise ConfigError(f'text_dim={text_dim!r} must be a positive '
                              'int (the text embedding size)')
        self.text_dim = text_dim
        self.attribute_sizes = tuple(int(k) for k in attribute_sizes)
        self.mbstd = MinibatchStd(mbstd_group_size, 1) \
            if mbstd_group_size > 0 else None
        ch = self.feature_channels + (1 if self.mbstd else 0)
        self.head = nn.Conv2d(ch, 1, 4, 1, 0)
        self.text_proj = nn.Linear(text_dim, ch * 16, bias=False)
        self.attr_head = nn.Linear(ch * 16, sum(self.attribute_sizes)) \
            if self.attribute_sizes else None
        if not spectral_norm:
            dcgan_init(self, init_std)
            return
        for m in (self.head, self.text_proj, self.attr_head):
            if m is not None:  # the trunk is initialised and normalised
                dcgan_init(m, init_std)
                apply_spectral_norm(m)

    def forward(self, img: Tensor, t: Optional[Tensor] = None
                ) -> Tuple[Tensor, Optional[Tensor]]:
        if t is None or t.shape != (img.shape[0], self.text_dim):
            raise ShapeError(
                f'the discriminator needs text embeddings of shape '
                f'({img.shape[0]}, {self.text_dim}), got '
                f'{None if t is None else tuple(t.shape)}')
        f = self.features(img)
        if self.mbstd is not None:
            f = self.mbstd(f)
        flat = f.flatten(1)
        score = self.head(f).flatten() + (self.text_proj(t.to(f)) * flat
                                          ).sum(1)
        logits = None if self.attr_head is None else self.attr_head(flat)
        return score, logits
