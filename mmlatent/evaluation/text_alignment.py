"""Text alignment of a text-conditioned generator, judged by the analytic
Shapes measurer (never by a text-image encoder the model may have been
trained against).

Each generated image comes with the prompt it was drawn for; the measurer
reads its five caption attributes (:mod:`mmlatent.datasets.captions`).
Outputs (``<prefix>/...``):

* ``validity``: share of images the measurer finds valid;
* ``acc_<attribute>``: among images whose prompt names the attribute, the
  share whose measured value is the named one (invalid images are wrong);
* ``acc_all``: the share with every named attribute right;
* ``entropy_unnamed``: for each (prompt, attribute it leaves out) the
  entropy of the measured values over the prompt's valid images, divided
  by ``log K`` (K values; 1 = uniform), averaged;
  ``entropy_unnamed_<attribute>`` the same over that attribute's pairs
  (nan when no prompt leaves it out);
* ``retrieval_precision``: for each prompt q, the images (of any prompt)
  the measurer retrieves for q (they show every attribute q names); the
  share of them that were drawn for a prompt that names at least what q
  names, with the same values; averaged over prompts.
"""
import math
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ..datasets.captions import (ATTRIBUTES, HELD_OUT_TEMPLATES, VALUES,
                                 attribute_values, parse_prompt,
                                 random_caption, to_indices)
from ..datasets.measure import measure_factors
from ..latent.spaces import default_synthesis_kwargs
from ..registry import METRICS
from ..utils.errors import ConfigError
from .metric import GenerativeMetric
from .validity import check_measure, measure_options

FACTOR_KEYS = ('x', 'y', 'scale', 'rotation', 'hue')


def held_out_prompts(num: int, *, drop_prob: float = 0.0, seed: int = 0
                     ) -> List[str]:
    """``num`` prompts of random attribute values in held-out templates
    (sentences only, synonyms half of the time), each attribute dropped
    with ``drop_prob``."""
    rng = np.random.default_rng([seed, 17])
    sizes = [len(VALUES[a]) for a in ATTRIBUTES]
    out = []
    for _ in range(num):
        values = [int(rng.integers(k)) for k in sizes]
        caption, _ = random_caption(values, rng, drop_prob=drop_prob,
                                    keyword_prob=0.0, synonym_prob=0.5,
                                    templates=HELD_OUT_TEMPLATES)
        out.append(caption)
    return out


def measured_values(img: Tensor, options: dict) -> Tensor:
    """int64 [N, 5] caption values the measurer reads in ``img``; -1 rows
    for invalid images."""
    m = measure_factors(img.detach().float().cpu(), **options)
    factors = torch.stack([m[k] for k in FACTOR_KEYS], 1).nan_to_num()
    scale_range = options.get('scale_range', (0.25, 0.5))
    values = torch.from_numpy(attribute_values(
        m['label'].clamp_min(0).numpy(), factors.numpy(),
        classes=options.get('classes', VALUES['shape']),
        scale_threshold=sum(scale_range) / 2))
    return torch.where(m['valid'][:, None], values, -1)


def alignment_figures(measured: Tensor, named: Tensor, prompt_ids: Tensor
                      ) -> Dict[str, float]:
    """The outputs of the module docstring from measured values [N, 5]
    (-1 rows: invalid), the prompts' named values [N, 5] (-1: not named)
    and each image's prompt index [N]."""
    valid = measured[:, 0] >= 0
    ok = (named < 0) | (measured == named)
    out = dict(validity=float(valid.float().mean()))
    for i, a in enumerate(ATTRIBUTES):
        rows = named[:, i] >= 0
        out[f'acc_{a}'] = float(ok[rows, i].float().mean()) if rows.any() \
            else math.nan
    out['acc_all'] = float((ok.all(1) & valid).float().mean())
    entropies = unnamed_entropies(measured, named, prompt_ids)
    out['entropy_unnamed'] = _pooled_mean(entropies)
    for a, hs in entropies.items():
        out[f'entropy_unnamed_{a}'] = _mean(hs)
    out['retrieval_precision'] = retrieval_precision(measured, named,
                                                     prompt_ids)
    return out


def unnamed_entropy(measured: Tensor, named: Tensor, prompt_ids: Tensor
                    ) -> float:
    """Mean normalised entropy of the measured values of each attribute a
    prompt leaves out, over the prompt's valid images (nan if none)."""
    return _pooled_mean(unnamed_entropies(measured, named, prompt_ids))


def _mean(values: List[float]) -> float:
    """Mean of ``values``; nan for none."""
    return float(np.mean(values)) if values else math.nan


def _pooled_mean(per_attribute: Dict[str, List[float]]) -> float:
    """Mean over every attribute's values together; nan for none."""
    return _mean([v for values in per_attribute.values() for v in values])


def unnamed_entropies(measured: Tensor, named: Tensor, prompt_ids: Tensor
                      ) -> Dict[str, List[float]]:
    """``{attribute: [normalised entropy per prompt that leaves it out]}``
    of the measured values over the prompt's valid images (prompts with
    fewer than two valid images are skipped)."""
    out: Dict[str, List[float]] = {a: [] for a in ATTRIBUTES}
    for p in prompt_ids.unique():
        rows = (prompt_ids == p) & (measured[:, 0] >= 0)
        if rows.sum() < 2:
            continue
        first = int((prompt_ids == p).nonzero()[0])
        for i, a in enumerate(ATTRIBUTES):
            if named[first, i] >= 0:
                continue
            k = len(VALUES[a])
            freq = torch.bincount(measured[rows, i], minlength=k).double()
            prob = freq / freq.sum()
            h = -(prob[prob > 0] * prob[prob > 0].log()).sum()
            out[a].append(float(h) / math.log(k))
    return out


def retrieval_precision(measured: Tensor, named: Tensor,
                        prompt_ids: Tensor) -> float:
    """Module docstring: mean over prompts of the share of the images the
    measurer retrieves for the prompt that were drawn for it (or for a
    prompt naming the same values and more)."""
    ids = prompt_ids.unique()
    queries = torch.stack([named[(prompt_ids == p).nonzero()[0, 0]]
                           for p in ids])                     # [P, 5]
    shown = ((queries[:, None] < 0) | (queries[:, None] == measured[None])
             ).all(-1) & (measured[None, :, 0] >= 0)           # [P, N]
    asked = ((queries[:, None] < 0) | (queries[:, None] == named[None])
             ).all(-1)                                        # [P, N]
    got = shown.sum(1)
    keep = got > 0
    if not keep.any():
        return 0.0
    prec = (shown & asked).sum(1)[keep].double() / got[keep].double()
    return float(prec.mean())


@METRICS.register_module()
class TextAlignment(GenerativeMetric):
    """Per-attribute and all-attribute accuracy, diversity of the
    unnamed attributes and retrieval precision of a text-conditioned
    generator (module docstring). Sample ``k`` is drawn for prompt ``k mod
    len(prompts)``.

    Args:
        prompts: the prompts; default ``num_prompts`` held-out-template
            prompts (:func:`held_out_prompts` with ``drop_prob``, ``seed``).
        encode: ``texts -> c`` [N, c_dim], the generator's text condition
            (e.g. ``TextConditionalGAN.encode_text``); may be set later
            with :meth:`set_encoder`.
        measure: ``measure_factors`` options.
        num_samples, prefix: see GenerativeMetric.
    """
    needs_generator = True

    def __init__(self, prompts: Optional[Sequence[str]] = None,
                 num_prompts: int = 100, drop_prob: float = 0.0,
                 seed: int = 0, encode: Optional[Callable] = None,
                 measure: Optional[dict] = None,
                 num_samples: Optional[int] = None,
                 prefix: Optional[str] = None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        self.prompts = list(prompts) if prompts is not None else \
            held_out_prompts(num_prompts, drop_prob=drop_prob, seed=seed)
        if not self.prompts:
            raise ConfigError('TextAlignment needs at least one prompt')
        self.named = torch.from_numpy(np.stack(
            [to_indices(parse_prompt(p)) for p in self.prompts]))
        self.encode = encode
        self.measure = check_measure(measure)
        self.options = dict(self.measure or {})

    @property
    def default_prefix(self) -> str:
        return 'text'

    @property
    def rules(self) -> Dict[str, str]:
        keys = ['validity'] + [f'acc_{a}' for a in ATTRIBUTES] + [
            'acc_all', 'entropy_unnamed', 'retrieval_precision']
        return {f'{self.name}/{k}': 'greater' for k in keys}

    def set_encoder(self, encode: Callable) -> 'TextAlignment':
        self.encode = encode
        return self

    def prepare(self, G: nn.Module, dataset_meta=None) -> None:
        self.options = measure_options(self.measure, dataset_meta)
        if self.encode is None:
            raise ConfigError('TextAlignment needs the text encoder of the '
                              'generator: set_encoder(model.encode_text)')

    def reset_fake(self) -> None:
        super().reset_fake()
        self.parts: List[tuple] = []
        self.next_prompt = 0

    def feed_prompted(self, img: Tensor, prompt_ids: Tensor) -> None:
        """Images [n, C, H, W] drawn for prompts ``prompt_ids`` [n]."""
        prompt_ids = torch.as_tensor(prompt_ids).long().cpu()
        self.parts.append((measured_values(img, self.options), prompt_ids))

    @torch.no_grad()
    def process_generator(self, G: nn.Module, n: int,
                          generator: Optional[torch.Generator]) -> None:
        ids = (torch.arange(n) + self.next_prompt) % len(self.prompts)
        self.next_prompt += n
        c = self.encode([self.prompts[i] for i in ids]).to(G.device)
        z = G.sample_z(n, generator)
        img = G.synthesis(G.mapping(z, c), **default_synthesis_kwargs(G))
        self.feed_prompted(img, ids)

    def summary(self) -> Dict[str, float]:
        if not self.parts:
            raise ConfigError('the text alignment metric got no samples')
        measured = torch.cat([m for m, _ in self.parts])
        ids = torch.cat([i for _, i in self.parts])
        figures = alignment_figures(measured, self.named[ids], ids)
        return {f'{self.name}/{k}': v for k, v in figures.items()}
