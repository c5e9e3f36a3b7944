"""Classifier-gradient control: move latents so that a differentiable
scorer's attribute reaches a target value.

Each step lowers, per sample, the loss ``0.5 (s - T)^2`` (continuous
attribute) or the binary cross-entropy of ``s`` against ``T`` (binary
attribute, ``s`` a probability), by a step of length exactly
``step_size`` along the normalised gradient with respect to the code.
A sample stops moving once ``|s - T| <= tolerance / 2``. The constraint
keeps codes near the prior:

===========  ===============================================================
``sphere``   z is rescaled to its starting norm after each step (the shell
             where a normal prior puts its mass)
``clamp``    z is clamped to [-1, 1] (the uniform prior's support)
``penalty``  ``prior_weight * 0.5 |v - centre|^2`` joins the loss (centre:
             0 for z, ``w_avg`` — or the starting w — for w)
``none``     no constraint
``auto``     z: ``sphere`` (normal prior) or ``clamp`` (uniform);
             w: ``penalty``
===========  ===============================================================
"""
from dataclasses import dataclass
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..latent.spaces import default_synthesis_kwargs, frozen, ws_of
from ..utils.choices import CONSTRAINTS
from ..utils.errors import ConfigError
from .scorers import BINARY, Scorer

GUIDE_SPACES = ('z', 'w')


@dataclass
class GuidanceResult:
    """``latents`` [steps + 1, N, dim] (the path, start first) and the
    guiding ``scores`` [steps + 1, N] of the attribute along it (CPU)."""
    latents: Tensor
    scores: Tensor
    space: str
    attribute: str
    target: float
    tolerance: float

    def reached(self, scores: Optional[Tensor] = None) -> Tensor:
        """bool [N]: the last score is within the tolerance of the target
        (``scores`` [N]: another scorer's view of the last step)."""
        last = self.scores[-1] if scores is None else scores
        return (last - self.target).abs() <= self.tolerance


def check_guidance_scorer(scorer: Scorer, attribute: str) -> None:
    """One-line errors for a non-differentiable scorer or an unknown
    attribute."""
    if not scorer.differentiable:
        raise ConfigError(
            f"scorer '{scorer.name}' is not differentiable (an analytic "
            'measurer); guide with a torch classifier (tools/'
            f"train_classifier.py) and use '{scorer.name}' to verify")
    scorer.check_attribute(attribute)


def default_tolerance(kind: str) -> float:
    """0.5 for a binary attribute (the decision threshold around a 0/1
    target), 0.05 for a continuous one."""
    return 0.5 if kind == BINARY else 0.05


def resolve_constraint(G: nn.Module, space: str, constraint: str) -> str:
    if constraint not in CONSTRAINTS:
        raise ConfigError(f"constraint='{constraint}' is not one of "
                          f'{CONSTRAINTS}')
    if constraint in ('sphere', 'clamp') and space != 'z':
        raise ConfigError(f"constraint '{constraint}' bounds z; in w space "
                          "use 'penalty' or 'none'")
    if constraint != 'auto':
        return constraint
    if space == 'w':
        return 'penalty'
    return 'clamp' if getattr(G, 'prior', 'normal') == 'uniform' \
        else 'sphere'


def _attribute_loss(s: Tensor, target: float, kind: str) -> Tensor:
    """Per-sample loss [N] of scores ``s`` [N] against ``target``."""
    if kind == BINARY:
        t = torch.full_like(s, float(target))
        return F.binary_cross_entropy(s.clamp(1e-6, 1 - 1e-6), t,
                                      reduction='none')
    return 0.5 * (s - target) ** 2


def _centre(G: nn.Module, space: str, start: Tensor) -> Tensor:
    if space == 'z':
        return torch.zeros_like(start)
    w_avg = getattr(G, 'w_avg', None)
    return start.clone() if w_avg is None else \
        w_avg.to(start).expand_as(start)


def guide(G: nn.Module, scorer: Scorer, latent: Tensor, *, attribute: str,
          target: float, space: str = 'z', c: Optional[Tensor] = None,
          steps: int = 50, step_size: float = 0.1,
          constraint: str = 'auto', prior_weight: float = 0.1,
          tolerance: Optional[float] = None,
          synthesis_kwargs: Optional[Dict] = None,
          progress=None) -> GuidanceResult:
    """Gradient steps on codes ``latent`` [N, dim] of ``space`` (``z``
    with condition ``c``, or ``w``) towards ``scorer``'s ``attribute`` =
    ``target``; see the module docstring. G and the scorer are frozen."""
    check_guidance_scorer(scorer, attribute)
    if space not in GUIDE_SPACES:
        raise ConfigError(f"space='{space}' is not one of {GUIDE_SPACES}")
    if steps < 0 or step_size <= 0:
        raise ConfigError(f'steps={steps} and step_size={step_size} must be '
                          '>= 0 and > 0')
    kind = scorer.attributes[attribute]
    tol = default_tolerance(kind) if tolerance is None else float(tolerance)
    constraint = resolve_constraint(G, space, constraint)
    kwargs = default_synthesis_kwargs(G, synthesis_kwargs)
    v = latent.detach().clone()
    norm0 = v.norm(dim=1, keepdim=True)
    centre = _centre(G, space, v)
    path, scores = [], []
    loop = range(steps + 1) if progress is None else progress(
        range(steps + 1))
    with frozen(G), frozen(scorer):
        for i in loop:
            v.requires_grad_(True)
            img = G.synthesis(ws_of(G, v, space=space, c=c), **kwargs)
            s = scorer(img)[attribute].reshape(-1)
            path.append(v.detach().cpu())
            scores.append(s.detach().float().cpu())
            if i == steps:
                break
            loss = _attribute_loss(s, target, kind)
            if constraint == 'penalty':
                loss = loss + prior_weight * 0.5 * (v - centre).pow(2).sum(1)
            grad, = torch.autograd.grad(loss.sum(), v)
            v = _step(v.detach(), grad, step_size,
                      (s.detach() - target).abs() > tol / 2)
            v = _constrain(v, constraint, norm0)
    return GuidanceResult(torch.stack(path), torch.stack(scores), space,
                          attribute, float(target), tol)


def _step(v: Tensor, grad: Tensor, step_size: float, moving: Tensor
          ) -> Tensor:
    """``v - step_size * grad / |grad|`` for the ``moving`` samples."""
    unit = grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return v - step_size * unit * moving[:, None].to(v)


def _constrain(v: Tensor, constraint: str, norm0: Tensor) -> Tensor:
    if constraint == 'sphere':
        return v * (norm0 / v.norm(dim=1, keepdim=True).clamp_min(1e-12))
    if constraint == 'clamp':
        return v.clamp(-1, 1)
    return v
