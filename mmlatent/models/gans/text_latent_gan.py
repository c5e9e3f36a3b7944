"""A text-conditioned l-GAN: the mapping of an l-GAN draws the autoencoder
code of an image for a caption's text embedding, against a matching-aware
code discriminator (GAN-INT-CLS, Reed et al. 2016, in the code space of
Achlioptas et al. 2018).

Why: the image-space text GAN (:class:`TextConditionalGAN`) inherits the
blobs of the image-space DCGAN and draws the asked shape about half the
time; the l-GAN's decoder draws crisp shapes, and a class-conditional
l-GAN follows its class 96% of the time (configs/lgan/README.md).
"""
from typing import Optional

import torch
from torch import Tensor

from ...datasets.captions import ATTRIBUTES
from ...registry import MODELS
from ...utils.errors import ConfigError
from ..base_gan import Losses
from ..losses.text_matching import mismatched_pairs, mode_seeking_loss
from .latent_gan import LatentGAN
from .text_side import TextSide


@MODELS.register_module()
class TextLatentGAN(TextSide, LatentGAN):
    """:class:`LatentGAN` whose condition ``c`` is the text embedding ``t``
    of a caption, by the text tower of a frozen text-image encoder
    (:class:`TextSide`).

    Training data: captioned items (``img``, ``caption``, ``values``,
    ``named``; :class:`~mmlatent.datasets.CaptionedShapesDataset`). The
    autoencoder phase is :class:`LatentGAN`'s (captions unused, but every
    banked code keeps its caption's ``t``, its image's attribute values
    and the values the caption names). In the code phase:

    * D phase: the adversarial loss on (real code, its caption's ``t``)
      against (mapped code, the same ``t``) weighted ``1 -
      mismatch_weight`` (term ``adv``), plus (real code, its ``t``)
      against (real code, the ``t`` of another banked caption that names
      a value its image does not have) weighted ``mismatch_weight``
      (``mismatch``): a matching-aware D. R1 or the gradient penalty as
      in :class:`LatentGAN`.
    * mapping phase: the adversarial loss for banked captions, plus
      ``matching_weight`` times the cross-entropy of the frozen encoder's
      attribute heads (trained on real images only) on the decoded images
      of the first ``matching_batch`` codes against the values their
      captions name (``match``), every ``matching_interval`` mapping
      steps (scaled by it, as lazy regularisation), ``diversity_weight``
      times MSGAN's mode-seeking term on the codes of two ``z`` per
      caption for half the batch (``diversity``: a mapping that ignores
      ``z`` for a given caption draws one code per caption), and the
      continuity term. The mapping gets ``t`` plus Gaussian noise of std
      ``text_noise`` (:meth:`TextSide.g_condition`; D sees ``t`` itself).

    Sampling and prompts as :class:`TextConditionalGAN`: ``G.sample_c``
    draws training captions' embeddings (the generator's ``c_bank``),
    :meth:`condition` and :meth:`prompt_condition` turn prompts into
    ``c`` (completed first with ``complete_prompts``).

    Args:
        generator: a :class:`LatentCodeGenerator` with ``con_dim`` = the
            encoder's ``embed_dim`` and a ``c_bank``.
        discriminator: a :class:`CodeDiscriminator` with ``c_dim`` = that
            size (``conditioning='projection'`` recommended).
        encoder: the autoencoder's encoder, as :class:`LatentGAN`.
        text_image, text_image_checkpoint, complete_prompts, value_bank:
            as :class:`TextConditionalGAN`.
        mismatch_weight, matching_weight, matching_batch,
        matching_interval, diversity_weight, text_noise: see above.
        Other arguments as :class:`LatentGAN`.
    """

    def __init__(self, generator: dict, discriminator: dict, encoder: dict,
                 text_image: dict = dict(type='TextImageEncoder'),
                 text_image_checkpoint: Optional[str] = None,
                 mismatch_weight: float = 0.5, matching_weight: float = 0.0,
                 matching_batch: int = 64, matching_interval: int = 1,
                 diversity_weight: float = 0.0, text_noise: float = 0.0,
                 complete_prompts: bool = False, value_bank: int = 4096,
                 **kwargs):
        super().__init__(generator, discriminator, encoder, **kwargs)
        self.init_text_side(text_image, text_image_checkpoint,
                            complete_prompts, value_bank, text_noise)
        if not 0.0 <= mismatch_weight < 1.0 or min(matching_weight,
                                                   diversity_weight) < 0:
            raise ConfigError(
                f'mismatch_weight={mismatch_weight} must be in [0, 1), '
                f'matching_weight={matching_weight} and diversity_weight='
                f'{diversity_weight} >= 0')
        for name, v in (('matching_batch', matching_batch),
                        ('matching_interval', matching_interval)):
            if not isinstance(v, int) or v < 1:
                raise ConfigError(f'{name}={v!r} must be an int >= 1')
        self.mismatch_weight = float(mismatch_weight)
        self.matching_weight = float(matching_weight)
        self.matching_batch = matching_batch
        self.matching_interval = matching_interval
        self.diversity_weight = float(diversity_weight)
        # per banked code: its image's values and its caption's named ones
        self.register_buffer('attr_bank', torch.full(
            (self.code_bank.shape[0], 2 * len(ATTRIBUTES)), -1,
            dtype=torch.long))

    # -- the bank --------------------------------------------------------
    @torch.no_grad()
    def push_codes(self, w: Tensor, c: Optional[Tensor] = None) -> Tensor:
        """:meth:`LatentGAN.push_codes`, keeping the attribute values and
        the named values of the batch being trained on with each code."""
        rows = super().push_codes(w, c)
        if self._batch is not None:
            attrs = torch.cat([self._batch.values, self._batch.named], 1)
            self.attr_bank[rows] = attrs[-len(rows):].to(self.attr_bank)
        return rows

    def bank_attributes(self, rows: Tensor):
        """``(values, named)`` [n, 5] each of the banked codes at
        ``rows``."""
        return self.attr_bank[rows].split(len(ATTRIBUTES), 1)

    # -- the code GAN -----------------------------------------------------
    def train_discriminator(self, real_w: Tensor, c_real: Optional[Tensor],
                            it: int, rows: Optional[Tensor] = None
                            ) -> Losses:
        losses = super().train_discriminator(real_w, c_real, it)
        m = self.mismatch_weight
        losses['adv'] = (1 - m) * losses['adv']
        if not m or rows is None:
            return losses
        i, j = mismatched_pairs(*self.bank_attributes(rows))
        if len(i):
            D = self.discriminator
            losses['mismatch'] = m * self.gan_loss.d_loss(
                D(real_w[i], c_real[i]), D(real_w[i], c_real[j]))
        return losses

    def train_generator(self, n: int, it: int) -> Losses:
        rows = self.bank_rows(n)
        t, named = self.c_bank[rows], self.bank_attributes(rows)[1]
        z, tg = self.G.sample_z(n), self.g_condition(t)
        w = self.G.mapping(z, tg)[:, 0]
        losses = dict(adv=self.gan_loss.g_loss(self.discriminator(w, t)))
        if self.matching_weight and it % self.matching_interval == 0:
            k = self.matching_batch
            losses['match'] = self.matching_weight * self.matching_interval \
                * self.matching_loss(self.G.synthesis(w[:k]), named[:k])
        if self.diversity_weight:
            h = max(1, n // 2)
            z2 = self.G.sample_z(h)
            losses['diversity'] = self.diversity_weight * mode_seeking_loss(
                w[:h], self.G.mapping(z2, tg[:h])[:, 0], z[:h], z2)
        losses.update(self.g_regularizers(z, t, None, None, it))
        return losses
