"""The InfoGAN discriminator: DCGAN's trunk shared with the Q head."""
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from ...registry import MODELS
from ...utils.build import check_cfg_keys
from ...utils.errors import ConfigError
from ..layers import dcgan_init
from . import q_heads  # noqa: F401 (registers the categorical heads)
from .dcgan import DCGANDiscriminator

Q_INPUTS = ('image', 'value', 'silhouette')


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
    - ``cat_head`` is the part that reads the categorical code
      (:mod:`~mmlatent.models.discriminators.q_heads`):
      ``dict(type='ImageCatHead')`` (the default: the paper),
      ``'PoseJitterCatHead'`` (a randomly posed copy of Q's input, in
      training) or ``'HarmonicsCatHead'`` (an MLP on the outline
      harmonics, blind to everything but the outline's shape). It gets
      ``cat_dims`` and ``hidden=q_hidden`` from here.
    - ``spectral_norm`` (as :class:`DCGANDiscriminator`'s, best with
      ``norm='none'``) normalises the trunk and D's score head (not the Q
      head, a classifier that needs no Lipschitz bound); D then judges
      each sample on its own, not by batch statistics.
    """

    def __init__(self, resolution: int = 32, in_channels: int = 3,
                 base_channels: int = 64, max_channels: int = 512,
                 norm: str = 'bn', cat_dims: Sequence[int] = (10, ),
                 con_dim: int = 2, con_logvar: bool = False,
                 q_hidden: int = 128, q_input: str = 'image',
                 q_noise: float = 0.0, cat_head: Optional[dict] = None,
                 init_std: float = 0.02, spectral_norm: bool = False):
        super().__init__(resolution, in_channels, base_channels,
                         max_channels, norm, 0, init_std, spectral_norm)
        if q_input not in Q_INPUTS:
            raise ConfigError(f"q_input='{q_input}' is not one of "
                              f'{Q_INPUTS}')
        self.q_input, self.q_noise = q_input, q_noise
        self.cat_dims, self.con_dim = list(cat_dims), con_dim
        self.con_logvar = con_logvar
        head_cfg = dict(cat_head or dict(type='ImageCatHead'),
                        cat_dims=self.cat_dims, hidden=q_hidden)
        check_cfg_keys(head_cfg, MODELS)
        # the categorical logits the shared head gives (none when the
        # categorical head has its own layers)
        self.shared_cat_dims = self.cat_dims if MODELS.get(
            head_cfg['type']).shared else []
        q_out = sum(self.shared_cat_dims) + con_dim * (2 if con_logvar
                                                       else 1)
        self.q_head = nn.Sequential(
            nn.Flatten(), nn.Linear(self.feature_channels * 16, q_hidden),
            nn.LeakyReLU(0.2, True), nn.Linear(q_hidden, q_out))
        dcgan_init(self.q_head, init_std)
        self.cat_head = MODELS.build(head_cfg)

    def forward(self, img: Tensor, c: Optional[Tensor] = None):
        feats = self.features(img)
        score = self.head(feats).flatten()
        view = self.q_view(img)  # ``img`` itself for the paper's Q
        if view is not img:
            feats = self.features(view)
        q = self.split_q(self.q_head(feats))
        q['cat_logits'] = self.cat_head(self, img, q['cat_logits'])
        return score, q

    def shared_q(self, view: Tensor) -> Dict[str, object]:
        """The shared Q head's prediction from Q's view ``view`` (see
        :meth:`split_q`)."""
        return self.split_q(self.q_head(self.features(view)))

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
        categorical head has its own layers) and ``con_mean`` /
        ``con_logvar``."""
        cat_dims: List[int] = self.shared_cat_dims
        sizes = cat_dims + [self.con_dim] * (2 if self.con_logvar else 1)
        parts = list(q.split(sizes, 1))
        cat = parts[:len(cat_dims)]
        con = parts[len(cat_dims):]
        return dict(cat_logits=cat,
                    con_mean=con[0] if self.con_dim else None,
                    con_logvar=con[1] if self.con_logvar and self.con_dim
                    else None)
