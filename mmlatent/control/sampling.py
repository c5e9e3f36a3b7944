"""Scored samples and scored edit paths: the data of InterFaceGAN."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from ..latent.codes import Codes
from ..latent.spaces import default_synthesis_kwargs, frozen
from ..utils.errors import ConfigError
from .scorers import Scorer, score_images


@dataclass
class ScoredSamples:
    """``z`` [N, z_dim], ``c`` [N, c_dim] or None, ``w`` [N, w_dim] (the
    first layer of ``mapping(z, c)``) and ``scores`` {name: [N]} (CPU)."""
    z: Tensor
    c: Optional[Tensor]
    w: Tensor
    scores: Dict[str, Tensor]


def sample_scored(G: nn.Module, scorers: Sequence[Scorer], codes: Codes, *,
                  batch_size: int = 100, progress=None) -> ScoredSamples:
    """Render z ``codes`` (e.g. :func:`~mmlatent.latent.start.start_codes`;
    fixed noise for style generators) and score the images with every
    scorer (see :func:`score_images`)."""
    if codes.space != 'z':
        raise ConfigError(f"sample_scored takes z codes, got '{codes.space}'"
                          ' codes; draw them with start_codes(G, n)')
    z, c, num = codes.latent, codes.c, len(codes)
    kwargs = default_synthesis_kwargs(G)
    ws, parts = [], []
    starts = range(0, num, batch_size)
    with torch.no_grad(), frozen(G):
        for s in (starts if progress is None else progress(starts)):
            cb = None if c is None else c[s:s + batch_size]
            w = G.mapping(z[s:s + batch_size], cb)
            ws.append(w[:, 0].cpu())
            parts.append(score_images(scorers, G.synthesis(w, **kwargs)))
    scores = {k: torch.cat([p[k] for p in parts]) for k in parts[0]} \
        if parts else {}
    return ScoredSamples(z.cpu(), None if c is None else c.cpu(),
                         torch.cat(ws), scores)


def path_summary(scores: Dict[str, Tensor], distances: Sequence[float]
                 ) -> List[dict]:
    """How each attribute changes along edit paths.

    ``scores``: {name: [N, D]} (N paths, D steps at ``distances``). For
    each attribute, over the paths whose scores are finite at every step:
    the mean score per step, ``change`` = mean(last - first),
    ``abs_change`` = mean |last - first|, ``monotonic`` = share of the
    mean path's steps that move in the direction of ``change``, and
    ``valid`` = the number of such paths.
    """
    rows = []
    for name, s in scores.items():
        ok = torch.isfinite(s).all(1)
        s = s[ok].double()
        if len(s) == 0:
            rows.append(dict(attribute=name, valid=0, mean=[float('nan')] *
                             len(distances), change=float('nan'),
                             abs_change=float('nan'),
                             monotonic=float('nan')))
            continue
        mean = s.mean(0)
        change = float(mean[-1] - mean[0])
        diffs = mean[1:] - mean[:-1]
        sign = 1.0 if change >= 0 else -1.0
        mono = float((diffs * sign >= 0).double().mean()) if len(diffs) \
            else 1.0
        rows.append(dict(attribute=name, valid=int(ok.sum()),
                         mean=mean.tolist(), change=change,
                         abs_change=float((s[:, -1] - s[:, 0]).abs().mean()),
                         monotonic=mono))
    return rows


def format_summary(rows: List[dict], distances: Sequence[float],
                   target: Optional[str] = None) -> str:
    """A text table: attribute, mean per step, change, |change| relative
    to the target attribute's, monotonic share."""
    ref = next((r for r in rows if r['attribute'] == target), None)
    ref_change = abs(ref['change']) if ref else float('nan')
    head = ['attribute'] + [f'{d:+.2f}' for d in distances] + [
        'change', 'vs target', 'monotonic', 'paths']
    width = max([len(r['attribute']) + 1 for r in rows] + [10])
    lines = [' '.join(f'{h:>{width if i == 0 else 10}}'
                      for i, h in enumerate(head))]
    for r in rows:
        rel = abs(r['change']) / ref_change if ref_change else float('nan')
        mark = '*' if r['attribute'] == target else ' '
        cells = [f"{mark}{r['attribute']}".rjust(width)] + [
            f'{v:.4f}' for v in r['mean']] + [
            f"{r['change']:+.4f}", f'{rel:.1%}', f"{r['monotonic']:.0%}",
            str(r['valid'])]
        lines.append(' '.join(f'{c:>10}' for c in cells))
    return '\n'.join(lines)


def score_summary(scores: Dict[str, Tensor],
                  kinds: Dict[str, str]) -> List[str]:
    """One line per attribute: its kind, the mean of its finite scores and
    how many are NaN (images the scorer could not judge)."""
    lines = []
    for name, s in scores.items():
        ok = s.isfinite()
        mean = float(s[ok].mean()) if ok.any() else float('nan')
        lines.append(f'  {name:<14} {kinds[name]:<10} mean {mean:.4f}  '
                     f'NaN {int((~ok).sum())}')
    return lines
