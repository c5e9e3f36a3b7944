"""DCGAN discriminator, WGAN-GP critic and the InfoGAN discriminator."""
from typing import Dict, Optional, Sequence

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..layers import check_resolution, dcgan_init, norm_layer, \
    pyramid_channels
from ..pose_jitter import random_pose
from ..silhouette import outline_harmonics


@MODELS.register_module()
class DCGANDiscriminator(nn.Module):
    """Stride-2 Conv(4x4) blocks with ``norm`` (none on the first) and
    LeakyReLU(0.2) down to 4x4, then a 4x4 conv to one raw score.

    Args:
        resolution: input size, a power of two from 8 to 1024.
        in_channels: image channels.
        base_channels: width of the first layer, doubling per block up to
            ``max_channels``.
        norm: ``bn``, ``in`` or ``none``.
        c_dim: size of a condition ``c`` given as extra constant input
            channels (conditional GAN); 0 for none.
    """

    def __init__(self, resolution: int = 32, in_channels: int = 3,
                 base_channels: int = 64, max_channels: int = 512,
                 norm: str = 'bn', c_dim: int = 0, init_std: float = 0.02):
        super().__init__()
        num_down = check_resolution(resolution)
        ch = [pyramid_channels(base_channels, max_channels, resolution,
                               resolution >> (i + 1)) for i in range(num_down)]
        self.resolution, self.c_dim = resolution, c_dim
        layers = [nn.Conv2d(in_channels + c_dim, ch[0], 4, 2, 1),
                  nn.LeakyReLU(0.2, True)]
        for c_in, c_out in zip(ch[:-1], ch[1:]):
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=norm == 'none'),
                       norm_layer(norm, c_out), nn.LeakyReLU(0.2, True)]
        self.trunk = nn.Sequential(*layers)
        self.feature_channels = ch[-1]
        self.head = nn.Conv2d(ch[-1], 1, 4, 1, 0)
        dcgan_init(self, init_std)

    def features(self, img: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Trunk features [n, feature_channels, 4, 4]."""
        if self.c_dim:
            if c is None or c.shape != (img.shape[0], self.c_dim):
                raise ConfigError(
                    f'the discriminator needs c of shape ({img.shape[0]}, '
                    f'{self.c_dim}), got '
                    f'{None if c is None else tuple(c.shape)}')
            maps = c[:, :, None, None].expand(-1, -1, *img.shape[2:])
            img = torch.cat([img, maps.to(img)], 1)
        return self.trunk(img)

    def forward(self, img: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """Raw score [n] (a logit, or a critic value for WGAN)."""
        return self.head(self.features(img, c)).flatten()


@MODELS.register_module()
class WGANGPCritic(DCGANDiscriminator):
    """The WGAN-GP tutorial's critic: stride-2 4x4 convs with affine
    InstanceNorm (no batch norm, which would break the per-sample gradient
    penalty) and LeakyReLU(0.2), ending in one score."""

    def __init__(self, resolution: int = 128, in_channels: int = 3,
                 base_channels: int = 64, max_channels: int = 1024,
                 norm: str = 'in', c_dim: int = 0, init_std: float = 0.02):
        super().__init__(resolution, in_channels, base_channels,
                         max_channels, norm, c_dim, init_std)


Q_INPUTS = ('image', 'value', 'silhouette')
CAT_VIEWS = ('image', 'pose_jitter', 'harmonics')


@MODELS.register_module()
class InfoGANDiscriminator(DCGANDiscriminator):
    """DCGAN discriminator whose trunk is shared with the Q head that
    predicts InfoGAN's codes: the categorical logits and, per continuous
    code, a mean (and a log-variance when ``con_logvar`` is True).

    ``forward`` returns ``(score [n], q)`` with ``q`` a dict of
    ``cat_logits`` (list of [n, k]) and ``con_mean`` / ``con_logvar``
    ([n, con_dim] or None).

    Options that steer what the codes can capture (mmlatent's, not the
    paper's; all default to the paper):

    - ``q_input='value'`` shows Q the HSV value (max over RGB, repeated to
      every channel) through a second trunk pass, so Q is blind to hue and
      the codes cannot spend their information on colour.
      ``'silhouette'`` also divides each image's value by its maximum: Q
      is blind to brightness too. ``'image'`` is the paper's shared pass.
    - ``q_noise`` adds Gaussian noise of that std to Q's input in training
      mode, so that codes hidden in faint pixel patterns cannot be read
      back and G has to show them in the image.
    - ``cat_view`` is what the categorical logits are predicted from, so
      that the categorical code cannot be read back from (and G gains
      nothing by spending it on) the factors that view drops:

      - ``'image'``: Q's input, with the continuous codes (the paper);
      - ``'pose_jitter'`` (training mode only): a randomly rotated, zoomed
        and shifted copy of it (``models.pose_jitter.random_pose``);
        ``cat_pose_jitter=True`` is the same;
      - ``'harmonics'``: no trunk at all; a small MLP (``cat_head``) on
        ``models.silhouette.outline_harmonics`` of the image, the
        rotation-invariant Fourier magnitudes of its angular mass. Only
        the outline's shape is left, so on single-object data such as
        Shapes the code can only go to the shape class.
    """

    def __init__(self, resolution: int = 32, in_channels: int = 3,
                 base_channels: int = 64, max_channels: int = 512,
                 norm: str = 'bn', cat_dims: Sequence[int] = (10, ),
                 con_dim: int = 2, con_logvar: bool = False,
                 q_hidden: int = 128, q_input: str = 'image',
                 q_noise: float = 0.0, cat_pose_jitter: bool = False,
                 cat_view: str = 'image', num_harmonics: int = 8,
                 init_std: float = 0.02):
        super().__init__(resolution, in_channels, base_channels,
                         max_channels, norm, 0, init_std)
        if q_input not in Q_INPUTS:
            raise ConfigError(f"q_input='{q_input}' is not one of "
                              f'{Q_INPUTS}')
        if cat_view not in CAT_VIEWS:
            raise ConfigError(f"cat_view='{cat_view}' is not one of "
                              f'{CAT_VIEWS}')
        if cat_pose_jitter:
            if cat_view not in ('image', 'pose_jitter'):
                raise ConfigError(
                    f"cat_pose_jitter=True and cat_view='{cat_view}' ask "
                    'for two views of the categorical branch; set only '
                    'cat_view')
            cat_view = 'pose_jitter'
        self.q_input, self.q_noise = q_input, q_noise
        self.cat_view, self.num_harmonics = cat_view, num_harmonics
        self.cat_dims, self.con_dim = list(cat_dims), con_dim
        self.con_logvar = con_logvar
        # the categorical logits the shared head gives (none when
        # the categorical branch has its own head)
        self.shared_cat_dims = ([] if cat_view == 'harmonics'
                                else self.cat_dims)
        q_out = sum(self.shared_cat_dims) + con_dim * (2 if con_logvar
                                                       else 1)
        self.q_head = nn.Sequential(
            nn.Flatten(), nn.Linear(self.feature_channels * 16, q_hidden),
            nn.LeakyReLU(0.2, True), nn.Linear(q_hidden, q_out))
        dcgan_init(self.q_head, init_std)
        if cat_view == 'harmonics':
            self.cat_head = nn.Sequential(
                nn.Linear(num_harmonics, q_hidden), nn.LeakyReLU(0.2, True),
                nn.Linear(q_hidden, sum(self.cat_dims)))

    def forward(self, img: Tensor, c: Optional[Tensor] = None):
        feats = self.features(img)
        score = self.head(feats).flatten()
        view = self.q_view(img)  # ``img`` itself for the paper's Q
        if view is not img:
            feats = self.features(view)
        q = self.split_q(self.q_head(feats))
        if self.cat_view == 'harmonics' or (
                self.cat_view == 'pose_jitter' and self.training):
            q['cat_logits'] = self.cat_logits(img)
        return score, q

    def cat_logits(self, img: Tensor) -> list:
        """The categorical logits (list of [n, k]) alone, from the view of
        ``img`` that ``cat_view`` names (a fresh random pose per call for
        ``'pose_jitter'`` in training mode)."""
        if self.cat_view == 'harmonics':
            h = outline_harmonics(img, self.num_harmonics)
            return list(self.cat_head(h).split(self.cat_dims, 1))
        view = self.q_view(img)
        if self.cat_view == 'pose_jitter' and self.training:
            view = random_pose(view)
        return self.split_q(self.q_head(self.features(view)))['cat_logits']

    def q_view(self, img: Tensor) -> Tensor:
        """What Q sees: the image, its HSV value or its value divided by its
        maximum (``q_input``), plus training noise; ``img`` itself when
        none of these applies."""
        if self.q_input in ('value', 'silhouette'):
            v = img.amax(1, keepdim=True)
            if self.q_input == 'silhouette':
                v01 = (v + 1) / 2
                peak = v01.amax((2, 3), keepdim=True).clamp(min=1e-3)
                v = 2 * v01 / peak - 1
            img = v.expand_as(img)
        if self.q_noise and self.training:
            img = img + self.q_noise * torch.randn_like(img)
        return img

    def split_q(self, q: Tensor) -> Dict[str, object]:
        """The shared Q head's output as ``cat_logits`` (empty when the
        categorical branch has its own head) and ``con_mean`` /
        ``con_logvar``."""
        cat_dims = self.shared_cat_dims
        sizes = cat_dims + [self.con_dim] * (2 if self.con_logvar else 1)
        parts = list(q.split(sizes, 1))
        cat = parts[:len(cat_dims)]
        con = parts[len(cat_dims):]
        return dict(cat_logits=cat,
                    con_mean=con[0] if self.con_dim else None,
                    con_logvar=con[1] if self.con_logvar and self.con_dim
                    else None)
