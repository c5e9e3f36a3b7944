"""A prompt mapper: a small network trained once for a prompt that moves
any code ``w`` of a trained generator to one whose image shows what the
prompt names and keeps what it leaves out (the latent mapper of StyleCLIP,
Patashnik et al. 2021, with this project's text-image heads as the
prompt's judge). After training, an edit costs one generator pass.

``M(w) = w + Δ(w)``, Δ an MLP whose last layer starts at zero (M starts as
the identity). Adam lowers, on fresh prior codes each step, the mean of

* ``Σ −log p_a(v_a)`` over the attributes ``a`` the prompt names, ``v_a``
  the value it names, ``p_a`` the guiding scorer's heads on ``G(M(w))``;
* ``keep · Σ −log p_a(v_a⁰)`` over the attributes it leaves out, ``v_a⁰``
  the value the heads read on ``G(w)``;
* ``realism · softplus(−D(M(w)))``: the checkpoint's own discriminator
  (``model.realism_logits``; the code discriminator of an l-GAN) asks that
  ``M(w)`` look like a code of a real image. Without it the mapper found
  codes whose images the text encoder read as the prompt and the analytic
  measurer did not (docs/text.md);
* ``pull · |M(w) − w|²``.

With a code judge (:mod:`.code_judge`, for a generator with an encoder)
the heads are the judge's, read on ``M(w)`` itself, and
``manifold · d²(M(w))`` (``d``: the distance to the nearest real code)
joins the loss: the mapper then trains without any generator pass.
"""
from typing import Callable, List, Optional, Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..datasets.captions import ATTRIBUTES, VALUES, parse_prompt
from ..latent.spaces import frozen
from ..models.layers import code_mlp
from ..utils.checkpoint import atomic_save, load_format_file
from ..utils.errors import ConfigError
from .code_judge import CodeJudge
from .prompt import (PromptResult, _prompt_attribute, attribute_heads,
                     head_probs, keep_loss, prompt_images)
from .scorers import Scorer

#: ``realism(w, img, c)`` -> D's raw score [n] (``model.realism_logits``)
Realism = Callable[[Tensor, Tensor, Optional[Tensor]], Tensor]
#: tag of a saved mapper file (:func:`save_prompt_mapper`)
FORMAT = 'mmlatent.prompt_mapper/1'
#: training batches and realism weight by judge: on images (two generator
#: passes a code and step) or against a code judge (none; the distance
#: term keeps the codes near real ones, and more batches cost seconds)
MAPPER_DEFAULTS = {'image': dict(steps=600, realism_weight=20.0),
                   'code': dict(steps=1500, realism_weight=5.0)}


class PromptMapper(nn.Module):
    """``M(w) = w + Δ(w)`` on codes ``w`` [N, w_dim]; Δ is an MLP of two
    hidden layers of ``width`` whose output layer starts at zero."""

    def __init__(self, w_dim: int, width: int = 256):
        super().__init__()
        self.w_dim, self.width = w_dim, width
        self.delta = code_mlp(w_dim, w_dim, width, 3)
        nn.init.zeros_(self.delta[-1].weight)
        nn.init.zeros_(self.delta[-1].bias)

    def forward(self, w: Tensor) -> Tensor:
        return w + self.delta(w)


def new_mapper(w_dim: int, generator: Optional[torch.Generator] = None
               ) -> PromptMapper:
    """A :class:`PromptMapper` whose initial weights come from
    ``generator`` (from torch's global stream when None), so that a seeded
    run trains the same mapper."""
    if generator is None:
        return PromptMapper(w_dim)
    seed = int(torch.randint(2 ** 62, (1, ), generator=generator,
                             device=generator.device))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return PromptMapper(w_dim)


def prompt_heads(scorer: Scorer, prompt: str
                 ) -> Tuple[List[List[str]], List[int], List[List[str]]]:
    """The scorer's heads of the attributes ``prompt`` names, the index of
    each named value among its attribute's values, and the heads of the
    attributes it leaves out; a one-line error for a scorer without
    heads."""
    named = parse_prompt(prompt)
    fix = 'use text:PATH, made by tools/train_text_image.py'
    names = [a for a in ATTRIBUTES if a in named]
    heads = attribute_heads(scorer, names, 'the prompt mapper', fix)
    left = attribute_heads(scorer, [a for a in ATTRIBUTES
                                    if a not in named],
                           'the prompt mapper', fix)
    return heads, [VALUES[a].index(named[a]) for a in names], left


def _images(G: nn.Module, w: Tensor) -> Tensor:
    return prompt_images(G, w, None, 'w')


def train_prompt_mapper(G: nn.Module, realism: Realism, scorer: Scorer,
                        prompt: str, *, steps: Optional[int] = None,
                        batch_size: int = 64, lr: float = 2e-3,
                        realism_weight: Optional[float] = None,
                        keep: float = 2.0,
                        pull: float = 0.01,
                        judge: Optional[CodeJudge] = None,
                        manifold: float = 0.5,
                        generator: Optional[torch.Generator] = None,
                        progress=None) -> Tuple[PromptMapper, int]:
    """Train a :class:`PromptMapper` toward ``prompt`` (module docstring)
    on ``steps`` batches of ``batch_size`` prior codes drawn with
    ``generator``; G, D and the scorer (or ``judge``) stay frozen.
    ``steps`` and ``realism_weight`` default to :data:`MAPPER_DEFAULTS`
    of the judge (images, or a code judge). Returns the mapper and the
    generator passes used: two per code and step (the start image, read
    without gradient, and the mapped one), none with a ``judge``."""
    if not scorer.differentiable:
        raise ConfigError(f"scorer '{scorer.name}' is not differentiable; "
                          'train the mapper with text:PATH')
    _prompt_attribute(scorer, prompt)
    named, targets, left = prompt_heads(scorer, prompt)
    defaults = MAPPER_DEFAULTS['image' if judge is None else 'code']
    steps = defaults['steps'] if steps is None else steps
    realism_weight = defaults['realism_weight'] if realism_weight is None \
        else realism_weight
    if steps < 1 or batch_size < 1 or lr <= 0 or min(
            realism_weight, keep, pull, manifold) < 0:
        raise ConfigError(
            f'steps={steps} and batch_size={batch_size} must be >= 1, '
            f'lr={lr} > 0, realism={realism_weight}, keep={keep}, '
            f'pull={pull} and manifold={manifold} >= 0')
    mapper = new_mapper(G.w_dim, generator).to(G.device)
    opt = torch.optim.Adam(mapper.parameters(), lr=lr)
    goal = [torch.full((batch_size, ), t, device=G.device) for t in targets]
    loop = range(steps) if progress is None else progress(range(steps))
    read = _reader(G, scorer, judge)
    with frozen(G), frozen(scorer):
        for _ in loop:
            with torch.no_grad():
                c = G.sample_c(batch_size, generator) \
                    if G.c_dim else None
                w = G.mapping(G.sample_z(batch_size, generator), c)[:, 0]
                start = [p.argmax(1) for p in head_probs(read(w)[0], left)]
            moved = mapper(w)
            out, img = read(moved)
            loss = keep_loss(out, named, goal) \
                + keep * keep_loss(out, left, start) \
                + realism_weight * F.softplus(-realism(moved, img, c)) \
                + pull * (moved - w).pow(2).sum(1)
            if judge is not None:
                loss = loss + manifold * judge.manifold_distance(moved)
            opt.zero_grad(set_to_none=True)
            loss.mean().backward()
            opt.step()
    passes = 0 if judge is not None else 2 * steps * batch_size
    return mapper.eval().requires_grad_(False), passes


def _reader(G: nn.Module, scorer: Scorer, judge: Optional[CodeJudge]):
    """``read(w) -> (heads' outputs, image or None)``: the scorer on
    ``G(w)``, or the code judge on ``w`` (no image)."""
    if judge is not None:
        return lambda w: (judge(w), None)

    def read(w: Tensor):
        img = _images(G, w)
        return scorer(img), img
    return read


@torch.no_grad()
def map_to_prompt(G: nn.Module, mapper: PromptMapper, scorer: Scorer,
                  prompt: str, z: Tensor, *, c: Optional[Tensor] = None,
                  passes: int = 0, trained: str = 'saved'
                  ) -> PromptResult:
    """The mapper's edits of the codes ``z`` [N, z_dim]: a
    :class:`PromptResult` in ``w`` space whose path is the start and the
    mapped codes, with the scorer's prompt score of both; ``passes``
    (the training's) plus the two of each code are counted; ``trained``:
    how the mapper was made (:attr:`PromptResult.mapper`)."""
    attr = _prompt_attribute(scorer, prompt)
    w0 = G.mapping(z, c)[:, 0]
    path = torch.stack([w0, mapper(w0)])
    with frozen(G):
        scores = torch.stack([scorer(_images(G, w))[attr].reshape(-1)
                              for w in path])
    return PromptResult(path[-1].cpu(), None if c is None else c.cpu(),
                        path.cpu(), scores.float().cpu(),
                        passes + 2 * len(z), space='w', mapper=trained)


def save_prompt_mapper(path: str, mapper: PromptMapper, prompt: str,
                       meta: Optional[dict] = None) -> str:
    """Write ``mapper``, trained toward ``prompt``, atomically to ``path``
    (``meta``: e.g. the checkpoint and training options); returns
    ``path``."""
    atomic_save(dict(format=FORMAT, prompt=prompt, w_dim=mapper.w_dim,
                     width=mapper.width, state_dict=mapper.state_dict(),
                     meta=dict(meta or {})), path)
    return path


def load_prompt_mapper(path: str, G: nn.Module, prompt: str
                       ) -> PromptMapper:
    """The mapper saved at ``path``, on G's device; one-line errors when
    it was trained toward another prompt or for codes of another size."""
    data = load_format_file(
        path, FORMAT, kind='prompt mapper', saver='save_prompt_mapper',
        missing='give the text_<prompt>_mapper.pt of an apps/'
        'text_to_image.py --method mapper run',
        writer='apps/text_to_image.py --method mapper',
        error=ConfigError)
    if data['prompt'] != prompt:
        raise ConfigError(f"mapper '{path}' was trained toward "
                          f"'{data['prompt']}', not '{prompt}'; give that "
                          'prompt or train a mapper for this one')
    if data['w_dim'] != G.w_dim:
        raise ConfigError(f"mapper '{path}' edits codes of {data['w_dim']} "
                          f"numbers; this generator's w has {G.w_dim}")
    mapper = PromptMapper(data['w_dim'], data['width'])
    mapper.load_state_dict(data['state_dict'])
    return mapper.to(G.device).eval().requires_grad_(False)


def images_by_mapper(G: nn.Module, realism: Realism, scorer: Scorer,
                     prompt: str, num: int, *, c: Optional[Tensor] = None,
                     mapper: Optional[PromptMapper] = None,
                     generator: Optional[torch.Generator] = None,
                     progress=None, **train_options
                     ) -> Tuple[PromptMapper, PromptResult]:
    """Train a mapper toward ``prompt`` (:func:`train_prompt_mapper` with
    ``train_options``) unless ``mapper`` is given, then edit ``num`` prior
    codes drawn with ``generator`` (conditions ``c``, or None). Returns
    the mapper and the result."""
    if num < 1:
        raise ConfigError(f'num={num} must be positive')
    passes, trained = 0, 'saved'
    if mapper is None:
        mapper, passes = train_prompt_mapper(
            G, realism, scorer, prompt, generator=generator,
            progress=progress, **train_options)
        trained = 'image' if train_options.get('judge') is None else 'code'
    z = G.sample_z(num, generator)
    return mapper, map_to_prompt(G, mapper, scorer, prompt, z, c=c,
                                 passes=passes, trained=trained)
