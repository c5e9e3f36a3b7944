"""GAN inversion: find the code whose image matches a target image.

Follows the projector of StyleGAN2 (Karras et al. 2020, appendix D):
start from the mean code, optimise w (or W+, or z for generators without a
W space) and the per-layer noise maps with Adam; learning rate ramped up
linearly over the first ``lr_rampup`` of the run and down by a cosine over
the last ``lr_rampdown``; Gaussian noise of std
``w_std * initial_noise_factor * max(0, 1 - t / noise_ramp_length)^2``
added to the code (``t`` = fraction of the run done) to explore early;
noise maps kept free of structure by penalising their autocorrelation
(one-pixel shifted products at every scale, halving down to 8 px) and
renormalised to zero mean and unit variance after every step.

Several targets are projected at once, each independently.
"""
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..utils.errors import ConfigError, ShapeError
from .codes import Codes
from .io import save_latents
from .spaces import check_space, contiguous_while, \
    default_synthesis_kwargs, frozen, model_device, noise_shapes, ws_of

Distance = Callable[[Tensor, Tensor], Tensor]
#: ``callback(step, steps, mean_total_loss)`` after every projection step.
StepCallback = Callable[[int, int, float], None]


@dataclass
class ProjectionResult:
    """Result of :func:`project`.

    codes: the projected :class:`~mmlatent.latent.codes.Codes`: ``latent``
        [N, z_dim] (z), [N, w_dim] (w) or [N, num_ws, w_dim] (w+), the
        fixed condition ``c`` of z codes (or None) and the ``noise`` maps
        [N, 1, H, W] in ``noise_shapes(G)`` order (or None); also readable
        as ``result.latent``, ``.space``, ``.c`` and ``.noise``.
    losses: name -> [N] at the final code (``total``, ``mse`` and, when
        used, ``perceptual`` and ``noise_reg``).
    history: [steps, N] total loss at each step.
    latent_history: [steps, N, ...] code after each step if asked.
    stats: the mean code and spread the run started from (pass them as
        ``stats=`` to the next projection with the same G and space to
        skip their estimate).
    """
    codes: Codes
    losses: Dict[str, Tensor]
    history: Tensor
    latent_history: Optional[Tensor] = None
    meta: Dict = field(default_factory=dict)
    stats: Optional[Tuple[Tensor, Tensor]] = None

    latent = property(lambda self: self.codes.latent)
    space = property(lambda self: self.codes.space)
    c = property(lambda self: self.codes.c)
    noise = property(lambda self: self.codes.noise)

    def save(self, path: str, *, meta: Optional[Dict] = None) -> str:
        """Write a latent file (see :mod:`mmlatent.latent.io`)."""
        return save_latents(path, self.latent, space=self.space,
                            c=self.c if self.space == 'z' else None,
                            noise=self.noise, losses=self.losses,
                            meta={**self.meta, **(meta or {})})


def learning_rate(t: float, *, initial_lr: float, lr_rampdown: float,
                  lr_rampup: float) -> float:
    """Learning rate at run fraction ``t`` in [0, 1): linear warm-up over
    ``lr_rampup``, cosine decay over the last ``lr_rampdown``."""
    ramp = min(1.0, (1.0 - t) / lr_rampdown) if lr_rampdown > 0 else 1.0
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    ramp *= min(1.0, t / lr_rampup) if lr_rampup > 0 else 1.0
    return initial_lr * ramp


def noise_regularization(noise: List[Tensor]) -> Tensor:
    """Sum over maps and scales of squared one-pixel autocorrelations
    (x and y), halving each map down to 8 px: [N]."""
    reg = noise[0].new_zeros(noise[0].shape[0])
    for v in noise:
        while True:
            reg = reg + (v * v.roll(1, 3)).mean((1, 2, 3)).square() + \
                (v * v.roll(1, 2)).mean((1, 2, 3)).square()
            if v.shape[2] <= 8:
                break
            v = F.avg_pool2d(v, 2)
    return reg


@torch.no_grad()
def normalize_noise(noise: List[Tensor]) -> None:
    """In place: each map of each image to zero mean and unit variance."""
    for v in noise:
        v -= v.mean((1, 2, 3), keepdim=True)
        v *= v.square().mean((1, 2, 3), keepdim=True).clamp_min(1e-12) \
            .rsqrt()


@torch.no_grad()
def latent_stats(G: nn.Module, space: str, num_samples: int,
                 generator: torch.Generator) -> Tuple[Tensor, Tensor]:
    """Mean code [dim] and scalar spread ``sqrt(E|x - mean|^2)`` of the
    codes of ``space`` (z: the prior; w: mapped prior samples). The mean
    is ``G.w_avg`` when G has that buffer."""
    z = G.sample_z(num_samples, generator)
    if space == 'z':
        samples = z
    else:
        samples = G.mapping(z, G.sample_c(num_samples, generator))[:, 0]
    mean = samples.mean(0)
    std = (samples - mean).square().sum(1).mean().sqrt()
    w_avg = getattr(G, 'w_avg', None)
    if space != 'z' and torch.is_tensor(w_avg):
        mean = w_avg.detach().reshape(-1).to(mean)
    return mean, std


def _check_stats(G: nn.Module, space: str,
                 stats: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
    """``stats`` if they fit codes of ``space``, else one line."""
    dim = G.z_dim if space == 'z' else G.w_dim
    mean, std = stats
    if tuple(mean.shape) != (dim, ) or std.numel() != 1:
        raise ConfigError(
            f'stats have a mean of shape {tuple(mean.shape)} and a spread of '
            f'{std.numel()} values; {space} codes need ({dim},) and one '
            'value: pass the stats of a projection in the same space')
    device = model_device(G)
    return mean.to(device), std.to(device)


def _check_args(G: nn.Module, target: Tensor, space: str, steps: int,
                perceptual: Optional[Distance], mse_weight: float,
                generator: torch.Generator) -> None:
    if space == 'w+' and not G.has_w_space:
        raise ConfigError(f"space='w+' needs a generator with a W space; "
                          f"{type(G).__name__} has none, use 'z' or 'w'")
    if not isinstance(steps, int) or steps < 1:
        raise ConfigError(f'steps={steps} must be a positive integer')
    if perceptual is None and mse_weight <= 0:
        raise ConfigError('nothing to minimise: perceptual is None and '
                          f'mse_weight={mse_weight}; give an LPIPS distance '
                          'or mse_weight > 0')
    if target.dim() != 4 or target.min() < -1.01 or target.max() > 1.01:
        raise ConfigError(
            f'target has shape {tuple(target.shape)} and values in '
            f'[{float(target.min()):.3g}, {float(target.max()):.3g}]; give '
            'images [N, C, H, W] in [-1, 1] (uint8 x: x / 127.5 - 1)')
    if generator.device.type != model_device(G).type:
        raise ConfigError(f'generator is on {generator.device} but G on '
                          f'{model_device(G)}; pass torch.Generator(device='
                          f"'{model_device(G).type}')")


def _initial_noise(G: nn.Module, n: int,
                   generator: torch.Generator) -> List[Tensor]:
    device = model_device(G)
    return [torch.randn(n, 1, h, w, generator=generator, device=device)
            .requires_grad_(True) for h, w in noise_shapes(G)]


def _initial_latent(G: nn.Module, mean: Tensor, n: int,
                    space: str) -> Tensor:
    shape = (n, G.num_ws, mean.shape[0]) if space == 'w+' else \
        (n, mean.shape[0])
    view = mean.view(1, 1, -1) if space == 'w+' else mean.view(1, -1)
    return view.expand(shape).clone().requires_grad_(True)


class _Objective:
    """Per-image loss terms of a synthesised batch against the targets."""

    def __init__(self, G: nn.Module, target: Tensor, space: str,
                 c: Optional[Tensor], perceptual: Optional[Distance],
                 mse_weight: float, noise_weight: float,
                 synthesis_kwargs: Dict):
        self.G, self.target, self.space, self.c = G, target, space, c
        self.perceptual, self.mse_weight = perceptual, mse_weight
        self.noise_weight, self.kwargs = noise_weight, synthesis_kwargs

    def images(self, latent: Tensor, noise: List[Tensor]) -> Tensor:
        kwargs = dict(self.kwargs, noise=noise) if noise else self.kwargs
        ws = ws_of(self.G, latent, space=self.space, c=self.c)
        img = self.G.synthesis(ws, **kwargs)
        if img.shape != self.target.shape:
            raise ShapeError(
                f'target has shape {tuple(self.target.shape)} but G makes '
                f'{tuple(img.shape)}; resize the targets to that size')
        return img

    def __call__(self, latent: Tensor, noise: List[Tensor]
                 ) -> Dict[str, Tensor]:
        img = self.images(latent, noise)
        terms = {'mse': (img - self.target).square().mean((1, 2, 3))}
        total = self.mse_weight * terms['mse']
        if self.perceptual is not None:
            terms['perceptual'] = self.perceptual(img, self.target)
            total = total + terms['perceptual']
        if noise:
            terms['noise_reg'] = noise_regularization(noise)
            total = total + self.noise_weight * terms['noise_reg']
        terms['total'] = total
        return terms


@dataclass
class _Schedule:
    """Learning-rate and latent-noise schedules over the run."""
    initial_lr: float
    lr_rampdown: float
    lr_rampup: float
    initial_noise_factor: float
    noise_ramp_length: float

    def lr(self, t: float) -> float:
        return learning_rate(t, initial_lr=self.initial_lr,
                             lr_rampdown=self.lr_rampdown,
                             lr_rampup=self.lr_rampup)

    def latent_noise(self, t: float, std: float) -> float:
        ramp = max(0.0, 1.0 - t / self.noise_ramp_length) \
            if self.noise_ramp_length > 0 else 0.0
        return std * self.initial_noise_factor * ramp ** 2


def _steps(steps: int, progress: bool):
    if not progress:
        return range(steps)
    from tqdm import tqdm
    return tqdm(range(steps), unit='step')


def _optimise(objective: _Objective, latent: Tensor, noise: List[Tensor],
              schedule: _Schedule, std: float, *, steps: int,
              generator: torch.Generator, progress: bool,
              keep_history: bool, callback: Optional[StepCallback] = None
              ) -> Tuple[Tensor, Optional[Tensor]]:
    """Adam on the code and noise maps, in place; returns the total loss
    per step [steps, N] and, if asked, the codes [steps, N, ...]."""
    opt = torch.optim.Adam([latent] + noise, lr=schedule.initial_lr,
                           betas=(0.9, 0.999))
    history, codes, bar = [], [], _steps(steps, progress)
    for step in bar:
        t = step / steps
        for group in opt.param_groups:
            group['lr'] = schedule.lr(t)
        jitter = torch.randn(latent.shape, generator=generator,
                             device=latent.device)
        terms = objective(latent + jitter * schedule.latent_noise(t, std),
                          noise)
        opt.zero_grad(set_to_none=True)
        terms['total'].sum().backward()
        opt.step()
        normalize_noise(noise)
        history.append(terms['total'].detach())
        if progress:
            bar.set_postfix(loss=f'{float(history[-1].mean()):.4g}')
        if keep_history:
            codes.append(latent.detach().clone())
        if callback is not None:
            callback(step + 1, steps, float(history[-1].mean()))
    return torch.stack(history), torch.stack(codes) if codes else None


def project(G: nn.Module, target: Tensor, *, steps: int = 1000,
            space: Optional[str] = None, c: Optional[Tensor] = None,
            perceptual: Optional[Distance] = None, mse_weight: float = 0.0,
            initial_lr: float = 0.1, lr_rampdown: float = 0.25,
            lr_rampup: float = 0.05, initial_noise_factor: float = 0.05,
            noise_ramp_length: float = 0.75,
            regularize_noise_weight: float = 1e5,
            w_avg_samples: int = 10000, generator: torch.Generator,
            progress: bool = False, keep_history: bool = False,
            callback: Optional[StepCallback] = None,
            stats: Optional[Tuple[Tensor, Tensor]] = None
            ) -> ProjectionResult:
    """Project target images [N, C, H, W] in [-1, 1] (G's size) to codes.

    Args:
        space: ``'w'`` (default for style generators), ``'w+'`` or ``'z'``
            (default otherwise; starts at the prior mean).
        c: condition [N, c_dim] held fixed in z space (conditional G).
        perceptual: ``distance(img, target) -> [N]``, e.g.
            :func:`mmlatent.utils.perceptual.build_perceptual`; None for
            none. ``mse_weight`` weights the pixel MSE term.
        generator: draws the mean estimate, initial noise maps and latent
            noise; on G's device.
        keep_history: also return the code after every step.
        callback: called after every step as ``callback(step, steps,
            mean_total_loss)`` (e.g. a progress display); step counts
            from 1.
        stats: the mean code [dim] and spread of ``space`` (e.g.
            ``result.stats`` of an earlier projection, or
            :func:`latent_stats`): reused instead of mapping
            ``w_avg_samples`` new samples (then ``generator`` draws only
            the noise). None: estimated here.

    G runs frozen in eval mode; only the codes and noise maps get
    gradients. Noise maps are optimised when G has noise inputs (see
    :func:`mmlatent.latent.spaces.noise_shapes`).
    """
    space = check_space(space or ('w' if G.has_w_space else 'z'))
    _check_args(G, target, space, steps, perceptual, mse_weight, generator)
    device, n = model_device(G), target.shape[0]
    target = target.to(device)
    c = None if c is None else c.to(device)
    schedule = _Schedule(initial_lr, lr_rampdown, lr_rampup,
                         initial_noise_factor, noise_ramp_length)
    with frozen(G), contiguous_while(G):
        mean, std = latent_stats(G, space, w_avg_samples, generator) \
            if stats is None else _check_stats(G, space, stats)
        latent = _initial_latent(G, mean, n, space)
        noise = _initial_noise(G, n, generator)
        objective = _Objective(G, target, space, c, perceptual, mse_weight,
                               regularize_noise_weight,
                               default_synthesis_kwargs(G))
        history, codes = _optimise(objective, latent, noise, schedule,
                                   float(std), steps=steps,
                                   generator=generator, progress=progress,
                                   keep_history=keep_history,
                                   callback=callback)
        with torch.no_grad():
            losses = {k: v.detach() for k, v in objective(latent,
                                                          noise).items()}
    return ProjectionResult(
        Codes(latent.detach(), space, None if c is None else c.detach(),
              [v.detach() for v in noise] or None),
        losses, history, codes, stats=(mean, std))
