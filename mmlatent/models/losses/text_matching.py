"""Losses of the text-conditioned GAN as pure functions.

* :func:`mismatched_pairs`: for each real image, the caption of another
  image of the batch that does *not* describe it (GAN-INT-CLS, Reed et al.
  2016: a real image with a mismatched caption counts as fake);
* :func:`attribute_loss`: cross-entropy of per-attribute logits against
  the caption attributes, ignoring the attributes a caption leaves out.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def mismatched_pairs(values: Tensor, named: Tensor, shift: int = 1
                     ) -> Tuple[Tensor, Tensor]:
    """(rows, cols) int64 [M]: image ``rows[k]`` (attribute values
    ``values`` [N, 5]) paired with the caption of image ``cols[k] = rows[k]
    + shift (mod N)`` (named values ``named`` [N, 5], -1 = not named), for
    every image whose shifted caption names a value it does not have."""
    n = values.shape[0]
    cols = (torch.arange(n, device=values.device) + shift) % n
    other = named[cols]
    wrong = ((other >= 0) & (other != values)).any(1)
    rows = wrong.nonzero().flatten()
    return rows, cols[rows]


def attribute_loss(logits: Tensor, named: Tensor,
                   sizes: Sequence[int]) -> Tensor:
    """Sum over attributes of the cross-entropy of ``logits`` [N, sum(sizes)]
    (one block per attribute) against ``named`` [N, len(sizes)] (-1: not
    named, ignored), divided by N (0 when nothing is named)."""
    assert logits.shape[1] == sum(sizes) and named.shape[1] == len(sizes), \
        (tuple(logits.shape), tuple(named.shape), list(sizes))
    named = named.to(logits.device).long()
    total = logits.new_zeros(())
    for i, part in enumerate(logits.split(list(sizes), dim=1)):
        total = total + F.cross_entropy(part, named[:, i], ignore_index=-1,
                                        reduction='sum')
    return total / logits.shape[0]


def mode_seeking_loss(img1: Tensor, img2: Tensor, z1: Tensor, z2: Tensor,
                      eps: float = 1e-5) -> Tensor:
    """MSGAN's mode-seeking term (Mao et al. 2019): ``1 / (mean|img1 -
    img2| / mean|z1 - z2| + eps)`` for two images of the same conditions
    from codes ``z1``, ``z2``; lowering it makes G's output depend on z
    (against a generator that ignores z for a given condition)."""
    ratio = (img1 - img2).abs().mean() / (z1 - z2).abs().mean()
    return 1.0 / (ratio + eps)


def unnamed_information_loss(logits: Tensor, named: Tensor,
                             sizes: Sequence[int],
                             groups: Optional[Tensor] = None) -> Tensor:
    """Minus the mutual information between the images and each attribute
    their captions leave out, as read by attribute ``logits`` [N,
    sum(sizes)]: for every attribute a and every group of rows (``groups``
    [N] ids, rows drawn for one caption with different ``z``; None: the
    whole batch is one group) whose ``named`` [N, len(sizes)] is -1,
    ``log K_a - H(mean_group p_i) + mean_group H(p_i)`` (``p_i`` the
    softmax of row i's block), averaged over those groups and summed over
    attributes (each term in [0, 2 log K_a]). Low when the unnamed
    attributes are read confidently and every value is drawn as often
    within a group. Only groups of one caption measure what a user sees
    (the variety of one prompt's samples): over a batch of different
    captions, a generator that draws each caption's unnamed value from its
    named ones, ignoring ``z``, scores as well as one that varies it."""
    n = logits.shape[0]
    if groups is None:
        groups = logits.new_zeros(n, dtype=torch.long)
    groups = groups.to(logits.device).long()
    ids, groups = torch.unique(groups, return_inverse=True)
    total = logits.new_zeros(())
    for i, part in enumerate(logits.split(list(sizes), dim=1)):
        rows = named[:, i].to(logits.device) < 0
        if not rows.any():
            continue
        p = part[rows].softmax(1)
        h = -(p * part[rows].log_softmax(1)).sum(1)
        g = groups[rows]
        count = p.new_zeros(len(ids)).index_add_(0, g, torch.ones_like(h))
        used = count > 0
        count = count[used, None]
        mean = p.new_zeros(len(ids), p.shape[1]).index_add_(0, g, p)
        mean = mean[used] / count
        h_each = h.new_zeros(len(ids), 1).index_add_(0, g, h[:, None])
        h_each = h_each[used] / count
        h_mean = -(mean * mean.clamp_min(1e-12).log()).sum(1)
        total = total + math.log(sizes[i]) - (h_mean - h_each[:, 0]).mean()
    return total
