"""A code judge: a text-image scorer's attribute heads carried into the
code space of a generator that has an encoder (an l-GAN), so that a prompt
mapper can train without a generator pass.

Real images are encoded to their codes ``w`` (``model.real_codes``) and
read by the scorer's heads; a small MLP learns to give, from ``w`` alone,
the heads' probabilities of every attribute value (soft cross-entropy; the
codes are jittered by Gaussian noise of std ``noise`` so that the judge
answers near the real codes too, not only on them). The judge keeps the
real codes: :meth:`CodeJudge.manifold_distance` is the squared distance of
a code to the nearest of them. A mapper trained against the judge alone
found codes the judge read as the prompt and the images did not (30.9% of
'a red triangle on the left' right, docs/text.md); the distance term keeps
the mapped codes where the judge was taught. The judge depends on the
checkpoint and the scorer, not on a prompt: :func:`save_code_judge` keeps
it for the next prompt.
"""
from typing import Dict, Iterable, List, Optional, Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..datasets.captions import ATTRIBUTES, VALUES
from ..models.layers import code_mlp
from ..utils.checkpoint import atomic_save, load_format_file
from ..utils.errors import ConfigError
from .prompt import attribute_heads, head_probs
from .scorers import Scorer

#: the number of values of each attribute, in :data:`ATTRIBUTES` order
SIZES = [len(VALUES[a]) for a in ATTRIBUTES]
#: tag of a saved judge file (:func:`save_code_judge`)
FORMAT = 'mmlatent.code_judge/1'


class CodeJudge(nn.Module):
    """``forward(w) -> {'is_<value>': probability [N]}`` for every value of
    every caption attribute, from codes ``w`` [N, w_dim] (an MLP of two
    hidden layers of ``width``); ``codes`` [M, w_dim] the real codes it
    was taught on and ``agreement`` [5] its held-out agreement with the
    scorer, per attribute."""

    def __init__(self, w_dim: int, codes: Tensor, width: int = 256):
        super().__init__()
        self.w_dim, self.width = w_dim, width
        self.net = code_mlp(w_dim, sum(SIZES), width, 3)
        self.register_buffer('codes', codes.detach().clone())
        self.register_buffer('agreement', torch.zeros(len(ATTRIBUTES)))

    def logits(self, w: Tensor) -> List[Tensor]:
        """Per attribute, the logits [N, values] of its values."""
        return list(self.net(w).split(SIZES, 1))

    def forward(self, w: Tensor) -> Dict[str, Tensor]:
        return {f'is_{v}': p[:, k]
                for a, lg in zip(ATTRIBUTES, self.logits(w))
                for p in [lg.softmax(1)] for k, v in enumerate(VALUES[a])}

    def manifold_distance(self, w: Tensor, chunk: int = 4096) -> Tensor:
        """[N] squared distance of each code to the nearest real code."""
        return torch.stack([torch.cdist(w, part).min(1).values for part in
                            self.codes.split(chunk)], 1).min(1).values.pow(2)


@torch.no_grad()
def read_real(model: nn.Module, scorer: Scorer, batches: Iterable[Tensor]
              ) -> Tuple[Tensor, Tensor]:
    """The codes ``w`` [M, w_dim] of the real images in ``batches`` and the
    scorer's probabilities [M, sum of values] of every attribute value;
    a one-line error for a model without an encoder."""
    if not hasattr(model, 'real_codes'):
        raise ConfigError(
            f'a code judge needs a generator with an encoder (an l-GAN, '
            f'configs/lgan/); {type(model).__name__} has none: use '
            '--judge image')
    heads = attribute_heads(scorer, list(ATTRIBUTES), 'a code judge',
                            'use text:PATH, made by tools/train_text_image.py')
    device = next(model.parameters()).device
    ws, probs = [], []
    for img in batches:
        img = img.to(device)
        ws.append(model.real_codes(img))
        probs.append(torch.cat(head_probs(scorer(img), heads), 1))
    if not ws:
        raise ConfigError('a code judge needs real images; none were given')
    return torch.cat(ws), torch.cat(probs)


def fit_code_judge(w: Tensor, probs: Tensor, *, steps: int = 3000,
                   batch_size: int = 256, lr: float = 1e-3,
                   noise: float = 0.25, held_out: int = 1024,
                   generator: Optional[torch.Generator] = None
                   ) -> CodeJudge:
    """A :class:`CodeJudge` taught the scorer's ``probs`` [M, values] of the
    real codes ``w`` [M, w_dim] (the last ``held_out`` rows measure its
    agreement, the others teach it; all are its real codes)."""
    if steps < 1 or batch_size < 1 or lr <= 0 or noise < 0:
        raise ConfigError(f'steps={steps} and batch_size={batch_size} must '
                          f'be >= 1, lr={lr} > 0 and noise={noise} >= 0')
    held_out = min(held_out, len(w) // 2)
    n = len(w) - held_out
    gen = generator or torch.Generator(w.device).manual_seed(0)
    seed = int(torch.randint(2 ** 62, (1, ), generator=gen,
                             device=gen.device))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        judge = CodeJudge(w.shape[1], w).to(w.device)
    opt = torch.optim.Adam(judge.net.parameters(), lr=lr)
    targets = probs.split(SIZES, 1)
    for _ in range(steps):
        idx = torch.randint(0, n, (batch_size, ), generator=gen,
                            device=gen.device).to(w.device)
        x = w[idx] + noise * torch.randn(batch_size, w.shape[1],
                                         generator=gen,
                                         device=gen.device).to(w)
        loss = sum(-(t[idx] * F.log_softmax(lg, 1)).sum(1).mean()
                   for t, lg in zip(targets, judge.logits(x)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    judge.eval().requires_grad_(False)
    if held_out:
        with torch.no_grad():
            judge.agreement.copy_(torch.stack([
                (lg.argmax(1) == t[n:].argmax(1)).float().mean()
                for t, lg in zip(targets, judge.logits(w[n:]))]))
    return judge


def code_judge_for(model: nn.Module, scorer: Scorer,
                   batches: Iterable[Tensor], **fit_options) -> CodeJudge:
    """:func:`fit_code_judge` on the real images of ``batches``, read by
    :func:`read_real`."""
    return fit_code_judge(*read_real(model, scorer, batches), **fit_options)


def code_fingerprint(G: nn.Module) -> List[float]:
    """Numbers that tell one checkpoint's code space from another's: the
    sums of G's code statistics ``w_mean`` and ``w_std`` (empty for a
    generator without them)."""
    return [float(getattr(G, k).sum()) for k in ('w_mean', 'w_std')
            if hasattr(G, k)]


def save_code_judge(path: str, judge: CodeJudge, G: nn.Module,
                    scorer: str, meta: Optional[dict] = None) -> str:
    """Write ``judge``, taught for G's codes from the scorer named
    ``scorer``, atomically to ``path``; returns ``path``."""
    atomic_save(dict(format=FORMAT, w_dim=judge.w_dim, width=judge.width,
                     scorer=scorer, fingerprint=code_fingerprint(G),
                     state_dict=judge.state_dict(), meta=dict(meta or {})),
                path)
    return path


def load_code_judge(path: str, G: nn.Module, scorer: str) -> CodeJudge:
    """The judge saved at ``path``, on G's device; one-line errors when it
    was taught for another checkpoint's codes or from another scorer."""
    data = load_format_file(
        path, FORMAT, kind='code judge', saver='save_code_judge',
        missing='give the text_code_judge.pt of an apps/text_to_image.py '
        '--method mapper --judge code run, or leave --code-judge out',
        writer='apps/text_to_image.py --method mapper --judge code',
        error=ConfigError)
    again = 'teach a new one (leave --code-judge out)'
    saved, now = (torch.tensor(f, dtype=torch.float64) for f in
                  (data['fingerprint'], code_fingerprint(G)))
    if data['w_dim'] != G.w_dim or saved.shape != now.shape or \
            not torch.allclose(saved, now, rtol=1e-5, atol=1e-6):
        raise ConfigError(f"code judge '{path}' was taught on another "
                          f"checkpoint's codes; {again}")
    if data['scorer'] != scorer:
        raise ConfigError(f"code judge '{path}' was taught from scorer "
                          f"'{data['scorer']}', not '{scorer}'; {again}")
    state = data['state_dict']
    judge = CodeJudge(data['w_dim'], state['codes'], data['width'])
    judge.load_state_dict(state)
    return judge.to(G.device).eval().requires_grad_(False)
