"""The text side of a text-conditioned GAN: the frozen text-image encoder
(its text tower turns captions and prompts into G's condition ``c``, its
image heads read the attributes of generated images), prompt completion
and the captioned training batch. Shared by :class:`TextConditionalGAN`
(images) and :class:`TextLatentGAN` (autoencoder codes)."""
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from ...datasets.captions import ATTRIBUTES, parse_prompt, to_indices
from ...registry import MODELS
from ...text.completion import complete_prompts
from ...text.dual_encoder import read_text_image
from ...utils.errors import CheckpointError, ConfigError
from ...utils.image import first_line
from ..generators.code_bank import CodeBank
from ..losses.text_matching import attribute_loss

@dataclass
class TextBatch:
    """One training batch's captions: ``t`` [N, text_dim] embeddings,
    ``values`` [N, 5] the images' attribute values, ``named`` [N, 5] the
    values the captions name (-1: not named)."""
    t: Tensor
    values: Tensor
    named: Tensor


class TextSide:
    """Mixin of a GAN (placed before it in the bases) whose condition is
    the text embedding of a caption.

    Call :meth:`init_text_side` after the GAN's ``__init__``. It builds
    the frozen ``text_image`` encoder (weights from
    ``text_image_checkpoint`` at ``init_weights``, then saved with every
    checkpoint) and, with ``complete_prompts``, a bank of the last
    ``value_bank`` training items' attribute values from which
    :meth:`condition` completes the attributes a prompt leaves out.
    ``text_noise``: std of the Gaussian noise :meth:`g_condition` adds to
    G's copy of ``t`` in training (conditioning augmentation, as
    StackGAN's), so G also draws well for prompts whose embedding lies a
    little off the training captions' (held-out templates).
    """

    def init_text_side(self, text_image: dict,
                       text_image_checkpoint: Optional[str],
                       complete_prompts: bool, value_bank: int,
                       text_noise: float = 0.0) -> None:
        if text_noise < 0:
            raise ConfigError(f'text_noise={text_noise} must be >= 0')
        self.text_noise = float(text_noise)
        self.text_image = MODELS.build(dict(text_image))
        self.text_image.requires_grad_(False).eval()
        self.text_image_checkpoint = text_image_checkpoint
        self.value_bank = CodeBank(value_bank, len(ATTRIBUTES)) \
            if complete_prompts else None
        self._batch: Optional[TextBatch] = None
        dim = self.text_dim
        codes = self.G.codes
        if codes.cat_dims or codes.con_dim != dim:
            raise ConfigError(
                f'{type(self).__name__} needs a generator with con_dim='
                f"{dim} (the text-image encoder's embed_dim) and no "
                f'cat_dims, got cat_dims={codes.cat_dims}, con_dim='
                f'{codes.con_dim}')

    @property
    def text_dim(self) -> int:
        """Size of the text embedding ``t`` (the encoder's embed_dim)."""
        return self.text_image.image_proj.out_features

    @property
    def attribute_sizes(self) -> Sequence[int]:
        return self.text_image.head_sizes

    def train(self, mode: bool = True):
        super().train(mode)
        self.text_image.eval()  # frozen, always in eval mode
        return self

    def init_weights(self) -> None:
        """The networks' own initialisation, then the frozen text-image
        encoder's weights from ``text_image_checkpoint``."""
        super().init_weights()
        if self.text_image_checkpoint is None:
            return
        _, data = read_text_image(self.text_image_checkpoint)
        try:
            self.text_image.load_state_dict(data['state_dict'])
        except RuntimeError as e:
            raise CheckpointError(
                f"text-image file '{self.text_image_checkpoint}' does not "
                "match the model's text_image architecture; copy the "
                f'model dict stored in that file into text_image: '
                f'{first_line(e)}') from e

    @torch.no_grad()
    def encode_text(self, texts: Sequence[str]) -> Tensor:
        """Text embeddings ``c`` [N, text_dim] of captions or prompts."""
        return self.text_image.encode_text(list(texts))

    @torch.no_grad()
    def condition(self, prompts: Sequence[str],
                  generator: Optional[torch.Generator] = None) -> Tensor:
        """G's condition ``c`` [N, text_dim] for N prompts: each prompt
        completed with a fresh draw of the attributes it leaves out when
        the model completes prompts (``generator``: the draws' stream),
        then encoded; a one-line error for a word the captions do not
        use."""
        # each distinct prompt parsed once, in order (a metric repeats its
        # prompts; the first unknown word is the one reported)
        parsed = {p: to_indices(parse_prompt(p))
                  for p in dict.fromkeys(prompts)}
        if self.value_bank is None:
            return self.encode_text(prompts)
        bank = self.value_bank
        if not bank.filled:
            raise ConfigError('the value bank for prompt completion is '
                              'empty: the model has not been trained yet')
        named = torch.as_tensor(np.stack([parsed[p] for p in prompts]))
        texts = complete_prompts(prompts, named,
                                 bank.codes[:bank.filled].long().cpu(),
                                 generator)
        return self.encode_text(texts)

    def prompt_condition(self, prompt: str, n: int,
                         generator: Optional[torch.Generator] = None
                         ) -> Tensor:
        """``c`` [n, text_dim] of n samples of one prompt
        (:meth:`condition`); a one-line error for an empty prompt or a
        word the captions do not use."""
        if not isinstance(prompt, str) or not prompt.strip():
            raise ConfigError("the prompt is empty; give one, e.g. "
                              "'a red triangle on the left'")
        if self.value_bank is None:    # one condition for every sample
            return self.condition([prompt]).expand(n, -1).clone()
        return self.condition([prompt] * n, generator)

    def text_batch(self, data: dict) -> TextBatch:
        """The captions of a training batch, embedded; recorded in G's
        condition bank (what ``G.sample_c`` draws) and, for prompt
        completion, their images' values in the value bank."""
        missing = [k for k in ('caption', 'values', 'named')
                   if k not in data]
        if missing:
            raise ConfigError(
                f"{type(self).__name__} needs captioned data (items with "
                f"'caption', 'values', 'named'), missing {missing}; use "
                "type='CaptionedShapesDataset'")
        t = self.encode_text(data['caption'])
        batch = TextBatch(t, data['values'].to(t.device).long(),
                          data['named'].to(t.device).long())
        if self.G.c_bank is not None:
            self.G.c_bank.record(batch.t)
        if self.value_bank is not None:
            self.value_bank.record(batch.values.float())
        return batch

    def g_condition(self, t: Tensor) -> Tensor:
        """G's condition in training: ``t`` plus Gaussian noise of std
        ``text_noise`` per coordinate (D sees ``t`` itself)."""
        if not self.text_noise:
            return t
        return t + self.text_noise * torch.randn_like(t)

    def train_step(self, data: dict, optim_wrapper):
        """The GAN's training step with the batch's captions at hand
        (``self._batch``, a :class:`TextBatch`) while it runs."""
        self._batch = self.text_batch(data)
        try:
            return super().train_step(data, optim_wrapper)
        finally:
            self._batch = None

    def real_c(self, labels: Optional[Tensor]) -> Tensor:
        """The real images' condition: their captions' embeddings."""
        return self._batch.t

    def head_logits(self, img: Tensor) -> Tensor:
        """The frozen encoder's attribute logits of ``img``, the five
        heads side by side [N, sum(attribute_sizes)]."""
        heads = self.text_image.head_logits(self.text_image.features(img))
        return torch.cat([heads[a] for a in ATTRIBUTES], 1)

    def matching_loss(self, img: Tensor, named: Tensor) -> Tensor:
        """Cross-entropy of the frozen encoder's heads on ``img`` against
        the ``named`` values [N, 5] (-1: not named)."""
        return attribute_loss(self.head_logits(img), named,
                              self.attribute_sizes)
