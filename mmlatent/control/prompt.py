"""Images for a prompt from any generator: text-guided latent optimisation
and sampling with reranking, both verified by a second scorer.

* :func:`guide_to_prompt`: Adam steps on z that lower
  ``-log s(G(z)) + pull * 0.5 |z - z_0|^2`` where ``s`` is the guiding
  scorer's probability of the prompt (e.g. ``text:PATH``); the pull keeps
  each code near where it started, so the image changes no more than the
  prompt needs; with ``keep`` > 0, also ``keep`` times minus the
  log-probability (by the scorer's attribute heads) of the values that
  the attributes the prompt leaves out had at the start.
* :func:`rerank_for_prompt`: ``factor * num`` prior samples, the ``num``
  with the highest prompt score kept.

:func:`verify_prompt` judges the final images with a second scorer (the
analytic Shapes measurer understands prompts): codes the guide accepts but
the verifier rejects fooled the guide without changing the image enough.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from ..datasets.captions import ATTRIBUTES, VALUES, parse_prompt
from ..latent.interpolation import render
from ..latent.spaces import default_synthesis_kwargs, frozen, ws_of
from ..utils.errors import ConfigError
from .scorers import Scorer

PROMPT_METHODS = ('guide', 'rerank')


@dataclass
class PromptResult:
    """``z`` [N, ...] final codes of latent space ``space`` (``'z'``, or
    ``'w'`` for the prompt mapper), ``c`` their condition (or None),
    ``path`` [S, N, ...] recorded codes (start first; rerank: one step),
    ``scores`` [S, N] the guiding scorer's prompt score along it, and
    ``passes``: generator forward passes used. CPU tensors. ``mapper``:
    for the prompt mapper, how it was made: ``'image'`` (trained on
    images), ``'code'`` (trained on codes against a code judge, no
    generator pass) or ``'saved'`` (loaded)."""
    z: Tensor
    c: Optional[Tensor]
    path: Tensor
    scores: Tensor
    passes: int
    space: str = 'z'
    mapper: str = ''


def prompt_images(G: nn.Module, x: Tensor, c: Optional[Tensor],
                  space: str = 'z') -> Tensor:
    """Images of the codes ``x`` of latent ``space`` (differentiable)."""
    return G.synthesis(ws_of(G, x, space=space, c=c),
                       **default_synthesis_kwargs(G))


def _prompt_attribute(scorer: Scorer, prompt: str) -> str:
    if not prompt or not prompt.strip():
        raise ConfigError("the prompt is empty; give one, e.g. --prompt "
                          "'a red triangle on the left'")
    return scorer.check_attribute(prompt)


def attribute_heads(scorer: Scorer, attributes: List[str], need: str,
                    fix: str = 'use text:PATH') -> List[List[str]]:
    """The scorer's ``is_<value>`` outputs of each of ``attributes`` (one
    list of outputs per attribute); when the scorer lacks one, a one-line
    error that says what ``need`` s them and the ``fix``."""
    heads = [[f'is_{v}' for v in VALUES[a]] for a in attributes]
    missing = [h for group in heads for h in group
               if h not in scorer.attributes]
    if missing:
        raise ConfigError(f"{need} needs a scorer with is_<value> outputs; "
                          f"scorer '{scorer.name}' has no '{missing[0]}' "
                          f'({fix})')
    return heads


def unnamed_heads(scorer: Scorer, prompt: str) -> List[List[str]]:
    """The scorer's ``is_<value>`` outputs of each attribute ``prompt``
    leaves out (:func:`attribute_heads`)."""
    named = parse_prompt(prompt)
    return attribute_heads(
        scorer, [a for a in ATTRIBUTES if a not in named],
        'keep > 0 (for the attributes the prompt leaves out)',
        'use text:PATH or keep=0')


def head_probs(out: Dict[str, Tensor], heads: List[List[str]]
               ) -> List[Tensor]:
    """The scorer's probabilities [N, values] of each attribute of
    ``heads`` (:func:`attribute_heads`)."""
    return [torch.stack([out[h].reshape(-1) for h in group], 1)
            for group in heads]


def keep_loss(out: Dict[str, Tensor], heads: List[List[str]],
              values: List[Tensor]) -> Tensor:
    """Per code [N]: minus the log-probability, by the scorer's heads, of
    a given value of each attribute of ``heads`` (``values``: the value
    index [N] per attribute). The keep term passes the values the
    left-out attributes had at the start; the prompt mapper also passes
    the values the prompt names."""
    loss = 0.0
    for p, k in zip(head_probs(out, heads), values):
        loss = loss - p.gather(1, k[:, None]).squeeze(1).clamp_min(
            1e-12).log()
    return loss


def guide_to_prompt(G: nn.Module, scorer: Scorer, prompt: str, z: Tensor,
                    *, c: Optional[Tensor] = None, steps: int = 100,
                    lr: float = 0.05, pull: float = 0.05, keep: float = 0.0,
                    progress=None) -> PromptResult:
    """Optimise codes ``z`` [N, z_dim] toward ``prompt`` (module
    docstring); G and the scorer are frozen. ``keep`` > 0 adds ``keep``
    times :func:`keep_loss`: the attributes the prompt leaves out keep
    the values the guiding scorer read at the start."""
    if not scorer.differentiable:
        raise ConfigError(f"scorer '{scorer.name}' is not differentiable; "
                          'guide with text:PATH and verify with shapes')
    attr = _prompt_attribute(scorer, prompt)
    if steps < 0 or lr <= 0 or pull < 0 or keep < 0:
        raise ConfigError(f'steps={steps}, lr={lr}, pull={pull} and keep='
                          f'{keep} must be >= 0, > 0, >= 0 and >= 0')
    heads = unnamed_heads(scorer, prompt) if keep else []
    z0 = z.detach().clone()
    v = z0.clone().requires_grad_(True)
    opt = torch.optim.Adam([v], lr=lr)
    path, scores, start = [], [], None
    loop = range(steps + 1) if progress is None else progress(
        range(steps + 1))
    with frozen(G), frozen(scorer):
        for i in loop:
            out = scorer(prompt_images(G, v, c))
            s = out[attr].reshape(-1)
            path.append(v.detach().cpu().clone())
            scores.append(s.detach().float().cpu())
            if i == steps:
                break
            if start is None:
                start = [p.argmax(1).detach()
                         for p in head_probs(out, heads)]
            loss = -s.clamp_min(1e-12).log() \
                + pull * 0.5 * (v - z0).pow(2).sum(1)
            if keep:
                loss = loss + keep * keep_loss(out, heads, start)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
    return PromptResult(path[-1], None if c is None else c.cpu(),
                        torch.stack(path), torch.stack(scores),
                        (steps + 1) * len(z))


@torch.no_grad()
def rerank_for_prompt(G: nn.Module, scorer: Scorer, prompt: str, num: int,
                      *, factor: int = 64, c: Optional[Tensor] = None,
                      batch_size: int = 256,
                      generator: Optional[torch.Generator] = None
                      ) -> PromptResult:
    """The ``num`` best of ``factor * num`` prior samples by the prompt
    score (``c`` [1, c_dim] for every sample of a conditional G)."""
    attr = _prompt_attribute(scorer, prompt)
    if num < 1 or factor < 1:
        raise ConfigError(f'num={num} and factor={factor} must be positive')
    total = num * factor
    z = G.sample_z(total, generator)
    cs = None if c is None else c[:1].expand(total, -1)
    parts = []
    with frozen(G), frozen(scorer):
        for s in range(0, total, batch_size):
            cb = None if cs is None else cs[s:s + batch_size]
            img = prompt_images(G, z[s:s + batch_size], cb)
            parts.append(scorer(img)[attr].reshape(-1).float().cpu())
    score = torch.cat(parts)
    best = score.argsort(descending=True)[:num]
    zb = z[best].cpu()
    return PromptResult(zb, None if cs is None else cs[best].cpu(),
                        zb[None], score[best][None], total)


@torch.no_grad()
def verify_prompt(G: nn.Module, result: PromptResult, prompt: str,
                  verifier: Scorer, *, threshold: float = 0.5,
                  images: Optional[Tuple[Tensor, Tensor]] = None
                  ) -> Dict[str, Tensor]:
    """The verifier's view of the start and final codes: ``reached`` bool
    [N] (verifier's prompt score >= threshold at the end), ``fooled`` (the
    guide says yes, the verifier no), ``guide`` / ``verify`` final scores
    [N] and, when the verifier measures Shapes attributes, ``unnamed``:
    the share of attributes the prompt leaves out whose caption value
    changed from start to end [N] (and ``named``: the same for the
    attributes it names). ``images``: the start and final images [N, C,
    H, W] when already rendered (:func:`grid_ends`), else G renders
    them."""
    attr = verifier.check_attribute(prompt)
    if images is None:
        c = None if result.c is None else result.c.to(G.device)
        images = [prompt_images(G, x.to(G.device), c, result.space)
                  for x in (result.path[0], result.path[-1])]
    img = torch.cat([x.to(G.device) for x in images])
    out = verifier(img)
    n = len(result.path[-1])
    verify = out[attr].float().cpu()
    guide = result.scores[-1]
    res = dict(guide=guide, verify=verify[n:],
               reached=verify[n:].nan_to_num(0.0) >= threshold,
               fooled=(guide >= threshold)
               & ~(verify[n:].nan_to_num(0.0) >= threshold))
    if hasattr(verifier, 'measured_values'):
        res.update(_changes(verifier.measured_values(img), n, prompt))
    return res


def _changes(values: Tensor, n: int, prompt: str) -> Dict[str, Tensor]:
    """Share [N] of the named / unnamed attributes whose caption value
    differs between the start (rows :n) and the end (rows n:)."""
    named = parse_prompt(prompt)
    out = {}
    for key, cols in (('named', [i for i, a in enumerate(ATTRIBUTES)
                                 if a in named]),
                      ('unnamed', [i for i, a in enumerate(ATTRIBUTES)
                                   if a not in named])):
        if cols:
            out[key] = (values[:n, cols] != values[n:, cols]).float().mean(1)
    return out


def images_for_prompt(G: nn.Module, scorer: Scorer, prompt: str, num: int,
                      *, method: str = 'guide', c: Optional[Tensor] = None,
                      generator: Optional[torch.Generator] = None,
                      steps: int = 100, lr: float = 0.05, pull: float = 0.05,
                      keep: float = 0.0, factor: int = 64,
                      progress=None) -> PromptResult:
    """``num`` codes for ``prompt`` by ``method``: :func:`guide_to_prompt`
    from ``num`` prior samples drawn with ``generator``, or
    :func:`rerank_for_prompt`."""
    if method not in PROMPT_METHODS:
        raise ConfigError(f"method='{method}' is not one of "
                          f'{PROMPT_METHODS}')
    if method == 'rerank':
        return rerank_for_prompt(G, scorer, prompt, num, factor=factor, c=c,
                                 generator=generator)
    z = G.sample_z(num, generator)
    return guide_to_prompt(G, scorer, prompt, z, c=c, steps=steps, lr=lr,
                           pull=pull, keep=keep, progress=progress)


def prompt_grid(G: nn.Module, res: PromptResult, *, method: str = 'guide',
                save_every: int = 20) -> Tensor:
    """Images [rows, cols, C, H, W] of a result: ``guide``: one row per
    code with a column every ``save_every`` steps of its path and the
    last; ``rerank``: one row of the kept samples."""
    if method == 'rerank':
        return render(G, res.z, c=res.c)[None]
    last = res.path.shape[0] - 1
    steps = sorted(set(range(0, last + 1, save_every)) | {last})
    codes = res.path[steps].transpose(0, 1).flatten(0, 1)
    c = None if res.c is None else res.c.repeat_interleave(len(steps), 0)
    img = render(G, codes, space=res.space, c=c)
    return img.view(len(res.z), len(steps), *img.shape[1:])


def grid_ends(grid: Tensor, method: str = 'guide'
              ) -> Tuple[Tensor, Tensor]:
    """The start and final images [N, C, H, W] of a :func:`prompt_grid`
    of ``method`` (rerank: its one row is both), for
    :func:`verify_prompt`'s ``images``."""
    if method == 'rerank':
        return grid[0], grid[0]
    return grid[:, 0], grid[:, -1]


def prompt_report(prompt: str, method: str, res: PromptResult,
                  check: Optional[Dict[str, Tensor]] = None,
                  verifier: str = '') -> List[str]:
    """The generator passes and the guiding score's change, and (with the
    :func:`verify_prompt` result ``check``) what the verifier found."""
    n = len(res.z)
    how = '' if method != 'mapper' else ' ({}, then 2 a code: start and ' \
        'edit)'.format({
            'saved': 'a saved mapper: none to train it',
            'code': 'none to train the mapper: it trained on codes against '
                    'a code judge'}.get(
            res.mapper, f'{res.passes - 2 * n} to train the mapper'))
    lines = [f"prompt '{prompt}', {method}: {res.passes} generator "
             f'passes{how}; guiding score '
             f'{float(res.scores[0].mean()):.3f} -> '
             f'{float(res.scores[-1].mean()):.3f}']
    if check is None:
        return lines
    line = (f"verifier {verifier}: {int(check['reached'].sum())}/{n} "
            f"have every named attribute; {int(check['fooled'].sum())}/{n} "
            'fooled the guide only')
    if 'unnamed' in check:
        line += (f"; attributes not named changed in "
                 f"{float(check['unnamed'].mean()):.0%} of cases")
    return lines + [line]
