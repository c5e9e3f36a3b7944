"""Training and held-out figures of the text-image dual encoder on
Shapes image-caption pairs.

Images are rendered once into a pool (:func:`shapes_pool`); every step
draws a batch and fresh random captions of its images
(:func:`~mmlatent.datasets.captions.random_caption`: sentences and keyword
lists, synonyms, dropped attributes). A caption that leaves attributes out
matches every image of the batch that has the ones it names, so the
contrastive targets spread over all of them.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from ..datasets.captions import (ATTRIBUTES, HELD_OUT_TEMPLATES, VALUES,
                                 attribute_values, matches, random_caption,
                                 sentence, to_names)
from ..datasets.shapes import ShapesDataset, render_shapes
from ..utils.errors import ConfigError
from ..utils.image import from_uint8
from .dual_encoder import TextImageEncoder, contrastive_loss, head_loss
from .encoders import default_words


@dataclass
class ShapesPool:
    """``img`` float32 [N, 3, H, W] in [-1, 1] and attribute ``values``
    int64 [N, 5] of N Shapes images."""
    img: Tensor
    values: Tensor

    def __len__(self) -> int:
        return len(self.img)


def shapes_pool(num: int, *, resolution: int = 32, seed: int = 0,
                offset: int = 0) -> ShapesPool:
    """Items ``offset .. offset + num`` of ``ShapesDataset(resolution,
    seed=seed)`` rendered at once, with their attribute values."""
    ds = ShapesDataset(resolution=resolution, num_samples=offset + num,
                       seed=seed)
    drawn = [ds.factors_of(i) for i in range(offset, offset + num)]
    labels = np.array([d[0] for d in drawn])
    factors = np.stack([d[1] for d in drawn])
    img = from_uint8(render_shapes(labels, factors, resolution, ds.shapes))
    values = attribute_values(labels, factors, classes=ds.shapes,
                              scale_threshold=sum(ds.scale_range) / 2)
    return ShapesPool(img, torch.from_numpy(values))


def caption_batch(values: Tensor, rng: np.random.Generator,
                  **options) -> tuple:
    """(captions [N], named values int64 [N, 5]) for images ``values``."""
    drawn = [random_caption(v, rng, **options) for v in values.numpy()]
    return ([c for c, _ in drawn],
            torch.from_numpy(np.stack([n for _, n in drawn])))


def step_loss(model: TextImageEncoder, img: Tensor, values: Tensor,
              captions: Sequence[str], named: Tensor,
              head_weight: float = 1.0) -> Dict[str, Tensor]:
    """``{'contrastive', 'heads', 'loss'}`` of one batch."""
    h = model.features(img)
    pos = torch.from_numpy(matches(values.numpy(), named.numpy()))
    con = contrastive_loss(model.embed_features(h),
                           model.encode_text(captions), model.scale(),
                           pos.to(img.device))
    heads = head_loss(model.head_logits(h), values.to(img.device))
    return dict(contrastive=con, heads=heads, loss=con + head_weight * heads)


def train_text_image(model: TextImageEncoder, pool: ShapesPool, *,
                     iters: int = 3000, batch_size: int = 128,
                     lr: float = 2e-3, head_weight: float = 1.0,
                     seed: int = 0, caption_options: Optional[dict] = None,
                     progress=None) -> Dict[str, float]:
    """Adam with a cosine-decayed learning rate on random batches of the
    pool; returns the mean losses of the last 50 iterations."""
    if batch_size < 2 or iters < 1:
        raise ConfigError(f'batch_size={batch_size} and iters={iters} must '
                          'be >= 2 and >= 1')
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iters)
    model.train()
    recent = []
    steps = range(iters) if progress is None else progress(range(iters))
    for _ in steps:
        idx = torch.randint(len(pool), (min(batch_size, len(pool)),),
                            generator=g)
        values = pool.values[idx]
        captions, named = caption_batch(values, rng,
                                        **(caption_options or {}))
        out = step_loss(model, pool.img[idx].to(model.device), values,
                        captions, named, head_weight)
        opt.zero_grad(set_to_none=True)
        out['loss'].backward()
        opt.step()
        sched.step()
        recent.append({k: float(v.detach()) for k, v in out.items()})
        recent = recent[-50:]
    model.eval()
    return {k: float(np.mean([r[k] for r in recent])) for k in recent[0]}


# -- held-out figures ---------------------------------------------------------
@torch.no_grad()
def prompt_embeddings(model: TextImageEncoder, attrs: Sequence[dict],
                      templates: Sequence[str] = HELD_OUT_TEMPLATES
                      ) -> Tensor:
    """Unit embeddings [K, E] of prompts naming ``attrs[k]``, averaged
    over ``templates`` (prompt ensembling)."""
    emb = torch.stack([model.encode_text([sentence(a, t) for a in attrs])
                       for t in templates]).mean(0)
    return emb / emb.norm(dim=1, keepdim=True)


@torch.no_grad()
def image_embeddings(model: TextImageEncoder, img: Tensor,
                     batch_size: int = 500) -> Tensor:
    return torch.cat([model.encode_image(img[s:s + batch_size].to(
        model.device)) for s in range(0, len(img), batch_size)])


@torch.no_grad()
def zero_shot_accuracy(model: TextImageEncoder, pool: ShapesPool,
                       templates: Sequence[str] = HELD_OUT_TEMPLATES
                       ) -> Dict[str, float]:
    """Per attribute: the fraction of images whose most similar prompt
    among ``a {value} shape``-style prompts of that attribute (held-out
    templates) names its true value."""
    emb = image_embeddings(model, pool.img)
    out = {}
    for i, a in enumerate(ATTRIBUTES):
        prompts = prompt_embeddings(model, [{a: v} for v in VALUES[a]],
                                    templates)
        pred = (emb @ prompts.T).argmax(1).cpu()
        out[a] = float((pred == pool.values[:, i]).float().mean())
    return out


@torch.no_grad()
def retrieval_r1(model: TextImageEncoder, pool: ShapesPool, *,
                 group: int = 100,
                 template: str = HELD_OUT_TEMPLATES[0]) -> float:
    """Image-to-text retrieval R@1 among ``group`` full captions: the
    fraction of images whose most similar caption of their group (the
    groups' own images' captions) names all five of its attributes."""
    emb = image_embeddings(model, pool.img)
    hits, total = 0, 0
    for s in range(0, len(pool) - group + 1, group):
        values = pool.values[s:s + group]
        txt = model.encode_text([sentence(to_names(v), template)
                                 for v in values.numpy()])
        pred = (emb[s:s + group] @ txt.T).argmax(1).cpu()
        hits += int((values[pred] == values).all(1).sum())
        total += group
    if not total:
        raise ConfigError(f'retrieval needs at least {group} images')
    return hits / total


@torch.no_grad()
def head_accuracy(model: TextImageEncoder, pool: ShapesPool
                  ) -> Dict[str, float]:
    """Per attribute: accuracy of the image heads."""
    correct = torch.zeros(len(ATTRIBUTES))
    for s in range(0, len(pool), 500):
        h = model.features(pool.img[s:s + 500].to(model.device))
        logits = model.head_logits(h)
        for i, a in enumerate(ATTRIBUTES):
            correct[i] += float((logits[a].argmax(1).cpu()
                                 == pool.values[s:s + 500, i]).sum())
    return {a: float(c) / len(pool) for a, c in zip(ATTRIBUTES, correct)}


def text_image_config(text_encoder: str = 'bow', *, text_dim: int = 64,
                      resolution: int = 32, embed_dim: int = 64,
                      base_channels: int = 16, max_channels: int = 64,
                      hidden: int = 128) -> dict:
    """``dict(model=...)`` of a :class:`TextImageEncoder`; a vocabulary
    encoder (``bow``, ``sequence``) stores its word list, so the file does
    not depend on this version's caption vocabulary."""
    enc = dict(type=text_encoder, dim=text_dim)
    if text_encoder in ('bow', 'sequence', 'BagOfWordsEncoder',
                        'SequenceEncoder'):
        enc['words'] = default_words()
    elif text_encoder in ('openclip', 'OpenCLIPEncoder'):
        enc.pop('dim')
    return dict(model=dict(
        type='TextImageEncoder', text_encoder=enc, resolution=resolution,
        embed_dim=embed_dim, base_channels=base_channels,
        max_channels=max_channels, hidden=hidden))
