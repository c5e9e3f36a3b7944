"""The text-image encoder as a differentiable scorer of prompts.

``--scorer text:PATH`` (a file of ``tools/train_text_image.py``) gives

* ``is_<value>`` for every caption value (``is_red``, ``is_triangle``,
  ``is_large``, ``is_left``, ``is_top``, ...): the softmax probability of
  the value by the image head of its attribute;
* one binary attribute per prompt, named by the prompt itself: the
  probability, by the contrastive embeddings, that the image matches the
  prompt rather than any other combination of the attributes it names
  (``'red triangle'`` competes with the other 17 colour-shape pairs).

Prompts come from ``prompt='a;b'`` in the spec or config, or are added
when a tool asks for an attribute that parses as a prompt
(:meth:`TextScorer.check_attribute`), so
``apps/classifier_guidance.py --scorer text:PATH --attribute 'a red
triangle on the left' --target 1 --verify shapes`` steers toward a prompt
and the analytic measurer judges it (``shapes`` understands prompts too).
"""
import itertools
import os.path as osp
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ..datasets.captions import (ATTRIBUTES, TRAIN_TEMPLATES, VALUES,
                                 parse_prompt, split_prompts)
from ..registry import SCORERS
from ..text.dual_encoder import load_text_image
from ..text.training import prompt_embeddings
from ..utils.errors import ConfigError
from .scorers import BINARY, Scorer


def prompt_candidates(text: str) -> Tuple[list, int]:
    """(every combination of the values of the attributes ``text`` names,
    as ``{attribute: value}`` dicts; the index of ``text``'s own)."""
    attrs = parse_prompt(text)
    names = list(attrs)
    combos = [dict(zip(names, c)) for c in
              itertools.product(*(VALUES[a] for a in names))]
    return combos, combos.index(attrs)


@SCORERS.register_module(name=['TextScorer', 'text'])
class TextScorer(Scorer):
    """A text-image file as a differentiable scorer (module docstring).

    Args:
        checkpoint: the text-image file.
        prompt: prompts to score, separated by ``;``.
        logit_scale: the softmax sharpness of prompt scores; default the
            model's learned one.
    """

    differentiable = True

    def __init__(self, checkpoint: str, prompt: Optional[str] = None,
                 logit_scale: Optional[float] = None) -> None:
        super().__init__()
        self.model, self.metrics = load_text_image(checkpoint)
        self.model.requires_grad_(False)
        self.checkpoint = checkpoint
        self.logit_scale = logit_scale
        self.attributes = {f'is_{v}': BINARY for a in ATTRIBUTES
                           for v in VALUES[a]}
        self.prompts: Dict[str, Tuple[Tensor, int]] = {}
        for text in split_prompts(prompt):
            self.add_prompt(text)

    @property
    def name(self) -> str:
        return f'text:{osp.basename(self.checkpoint)}'

    def add_prompt(self, text: str) -> str:
        """Score ``text`` from now on (an attribute named ``text``)."""
        if text not in self.prompts:
            combos, target = prompt_candidates(text)
            with torch.no_grad():
                emb = prompt_embeddings(self.model, combos, TRAIN_TEMPLATES)
            self.prompts[text] = (emb, target)
            self.attributes[text] = BINARY
        return text

    def check_attribute(self, attribute: str) -> str:
        """An ``is_<value>`` attribute, or a prompt (added on the fly);
        one-line error naming the unknown word otherwise."""
        if attribute in self.attributes:
            return attribute
        try:
            return self.add_prompt(attribute)
        except ConfigError as e:
            raise ConfigError(
                f"scorer {self.name}: '{attribute}' is not an is_<value> "
                f'attribute (e.g. is_red) nor a prompt it understands: {e}'
            ) from e

    def forward(self, img: Tensor) -> Dict[str, Tensor]:
        r = self.model.resolution
        if tuple(img.shape[-2:]) != (r, r):
            img = F.interpolate(img, size=(r, r), mode='bilinear',
                                align_corners=False, antialias=True)
        h = self.model.features(img)
        logits = self.model.head_logits(h)
        out = {f'is_{v}': logits[a].softmax(1)[:, k]
               for a in ATTRIBUTES for k, v in enumerate(VALUES[a])}
        if self.prompts:
            emb = self.model.embed_features(h)
            scale = self.model.scale().exp() if self.logit_scale is None \
                else self.logit_scale
            for text, (cand, target) in self.prompts.items():
                sim = emb @ cand.to(emb).T
                out[text] = (scale * sim).softmax(1)[:, target]
        return out
