"""Text-conditioned GAN (GAN-INT-CLS, Reed et al. 2016, with AC-GAN heads):
G draws an image for a caption's text embedding, a matching-aware D scores
(image, text) pairs, and a frozen text-image encoder trained on real images
only tells G whether its image shows what the caption names."""
from typing import Optional

import torch
from torch import Tensor

from ...registry import MODELS
from ...utils.errors import ConfigError
from ..base_gan import Losses, UnconditionalGAN
from ..losses.text_matching import (attribute_loss, mismatched_pairs,
                                    mode_seeking_loss,
                                    unnamed_information_loss)
from .text_side import TextSide


@MODELS.register_module()
class TextConditionalGAN(TextSide, UnconditionalGAN):
    """G(z, c) with ``c`` the text embedding of a caption (the text tower of
    a frozen :class:`~mmlatent.text.dual_encoder.TextImageEncoder`: a
    registered text encoder, bag of words by default, and a projection).

    Training data: items with ``img``, ``caption``, ``values`` and
    ``named`` (:class:`~mmlatent.datasets.CaptionedShapesDataset`).
    Generated images are conditioned on the captions of the real batch.

    * D phase: the adversarial loss on (real, its caption) against (G's
      image, the caption) weighted ``1 - mismatch_weight`` (term ``adv``),
      plus (real, its caption) against (real, a caption that names a value
      it does not have) weighted ``mismatch_weight`` (term ``mismatch``);
      ``attribute_weight`` times the cross-entropy of D's attribute heads
      on real images and their values (``attr``).
    * G phase: the adversarial loss, ``attribute_weight`` times the
      cross-entropy of D's heads on G's images against the named values
      (``attr``), ``matching_weight`` times that of the frozen encoder's
      heads (``match``), and ``diversity_weight`` times MSGAN's
      mode-seeking term on two codes per caption for half the batch
      (``diversity``: without it G tends to ignore z, so the attributes a
      caption leaves out do not vary), and ``unnamed_weight`` times minus
      the mutual information between G's images and each attribute the
      caption leaves out, as the frozen encoder's heads read it
      (``unnamed``: the unnamed attributes should take every value). With
      ``unnamed_repeats`` r > 1, the G phase draws r images (r codes ``z``)
      for each of its first ``n / r`` captions and measures that
      information within each caption's r images, which is what a user
      sees (one prompt's samples); over the whole batch of different
      captions it would also be satisfied by a G that ignores ``z`` and
      draws the unnamed values from the named ones.

    Sampling: each training batch's text embeddings are recorded in the
    generator's condition bank (``c_bank`` in its config), which is saved
    with G, so ``G.sample_c`` (evaluation, sample apps, the explorer)
    draws the embeddings of training captions, not the layout's uniform
    noise. A generator without a bank samples that noise.

    Prompts: :meth:`condition` turns prompts into G's condition. With
    ``complete_prompts`` it first completes each prompt's unnamed
    attributes with those of a random training item that shows what the
    prompt names (:mod:`mmlatent.text.completion`; the last
    ``value_bank`` training items' attribute values are recorded and saved
    with the model), so that one prompt's samples vary what it leaves out
    as the data does, instead of relying on ``z`` alone for that.

    Args:
        generator: a generator with ``con_dim`` = the encoder's
            ``embed_dim`` and a ``c_bank`` (e.g. DCGANGenerator).
        discriminator: a matching-aware discriminator ``D(img, t) ->
            (score, attribute logits or None)`` (TextMatchingDiscriminator).
        text_image: the TextImageEncoder architecture (as in its file).
        text_image_checkpoint: its trained file
            (tools/train_text_image.py), loaded by ``init_weights`` when
            training starts; the weights are saved in every checkpoint, so
            apps need only the GAN checkpoint.
        mismatch_weight, attribute_weight, matching_weight,
        diversity_weight, unnamed_weight, unnamed_repeats: see above.
        text_noise: std of Gaussian noise added to G's text condition in
            training (conditioning augmentation, as StackGAN's), so G also
            draws well for prompts whose embedding lies a little off the
            training captions' (held-out templates).
        complete_prompts: complete prompts before encoding them (above).
        value_bank: training items whose attribute values are kept for
            the completion.
        Other arguments as :class:`UnconditionalGAN` (no ``continuity``,
        no ``reuse_fakes``).
    """

    def __init__(self, generator: dict, discriminator: dict,
                 text_image: dict = dict(type='TextImageEncoder'),
                 text_image_checkpoint: Optional[str] = None,
                 mismatch_weight: float = 0.5, attribute_weight: float = 1.0,
                 matching_weight: float = 1.0, diversity_weight: float = 0.0,
                 text_noise: float = 0.0, unnamed_weight: float = 0.0,
                 unnamed_repeats: int = 1, complete_prompts: bool = False,
                 value_bank: int = 4096, **kwargs):
        for key in ('continuity', 'reuse_fakes'):
            if kwargs.get(key):
                raise ConfigError(f'TextConditionalGAN does not support '
                                  f'{key}; remove it from the model config')
        super().__init__(generator, discriminator, **kwargs)
        self.init_text_side(text_image, text_image_checkpoint,
                            complete_prompts, value_bank, text_noise)
        if not 0.0 <= mismatch_weight < 1.0 or min(
                attribute_weight, matching_weight, diversity_weight) < 0:
            raise ConfigError(
                f'mismatch_weight={mismatch_weight} must be in [0, 1), '
                f'attribute_weight={attribute_weight}, matching_weight='
                f'{matching_weight} and diversity_weight={diversity_weight}'
                ' >= 0')
        self.diversity_weight = float(diversity_weight)
        if unnamed_weight < 0 or (unnamed_weight and not matching_weight):
            raise ConfigError(f'unnamed_weight={unnamed_weight} must be >= '
                              '0 and needs matching_weight > 0 (it reads '
                              "the frozen encoder's heads)")
        self.unnamed_weight = float(unnamed_weight)
        if not isinstance(unnamed_repeats, int) or unnamed_repeats < 1:
            raise ConfigError(f'unnamed_repeats={unnamed_repeats!r} must be '
                              'an int >= 1 (images drawn per caption in the '
                              'G phase)')
        self.unnamed_repeats = unnamed_repeats
        self.mismatch_weight = float(mismatch_weight)
        self.attribute_weight = float(attribute_weight)
        self.matching_weight = float(matching_weight)
        self._check_sizes()

    def _check_sizes(self) -> None:
        dim = self.text_dim
        if getattr(self.D, 'text_dim', None) != dim:
            raise ConfigError(
                f"TextConditionalGAN needs discriminator text_dim={dim}, got "
                f"{getattr(self.D, 'text_dim', None)}; use type='"
                f"TextMatchingDiscriminator', text_dim={dim}")

    # -- hooks of the base training step -----------------------------------
    def fake_c(self, n: int) -> Tensor:
        return self._batch.t[:n]

    def d_forward(self, img: Tensor, c: Optional[Tensor]):
        return self.discriminator(img, c)

    # -- phases -------------------------------------------------------------
    def train_discriminator(self, real: Tensor, c_real: Optional[Tensor],
                            it: int) -> Losses:
        b, n = self._batch, real.shape[0]
        with torch.no_grad():
            fake = self.generator(self.G.sample_z(n), self.g_condition(b.t))
        real_pred, real_logits, r1 = self.d_real(real, b.t, it)
        fake_pred, _ = self.d_forward(fake, b.t)
        w = self.mismatch_weight
        losses = dict(adv=(1 - w) * self.gan_loss.d_loss(real_pred,
                                                         fake_pred), **r1)
        rows, cols = mismatched_pairs(b.values, b.named)
        if w and len(rows):
            mis_pred, _ = self.d_forward(real[rows], b.t[cols])
            losses['mismatch'] = w * self.gan_loss.d_loss(real_pred[rows],
                                                          mis_pred)
        if self.attribute_weight and real_logits is not None:
            losses['attr'] = self.attribute_weight * attribute_loss(
                real_logits, b.values, self.attribute_sizes)
        losses.update(self.d_regularizers(real, fake, b.t, b.t, None, it))
        return losses

    def train_generator(self, n: int, it: int) -> Losses:
        # caption of each of the n images: r in a row share one
        rows = torch.arange(n, device=self._batch.t.device) \
            // self.unnamed_repeats
        t, named = self._batch.t[rows], self._batch.named[rows]
        z, c = self.G.sample_z(n), self.g_condition(t)
        fake = self.generator(z, c)
        fake_pred, logits = self.d_forward(fake, t)
        losses = dict(adv=self.gan_loss.g_loss(fake_pred))
        if self.attribute_weight and logits is not None:
            losses['attr'] = self.attribute_weight * attribute_loss(
                logits, named, self.attribute_sizes)
        if self.matching_weight:
            heads = self.head_logits(fake)
            losses['match'] = self.matching_weight * attribute_loss(
                heads, named, self.attribute_sizes)
            if self.unnamed_weight:
                groups = rows if self.unnamed_repeats > 1 else None
                losses['unnamed'] = self.unnamed_weight * \
                    unnamed_information_loss(heads, named,
                                             self.attribute_sizes, groups)
        if self.diversity_weight:
            h = max(1, n // 2)
            z2 = self.G.sample_z(h)
            losses['diversity'] = self.diversity_weight * mode_seeking_loss(
                fake[:h], self.generator(z2, c[:h]), z[:h], z2)
        return losses

