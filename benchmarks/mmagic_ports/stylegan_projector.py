"""The optimisation loop of MMGeneration 0.x's ``apps/stylegan_projector.py``
(after rosinality's projector), on MMagic 1.2's StyleGAN2 generator: the
comparison point for mmlatent's projector step in
``benchmarks/mmagic_apps.py``.

Each step: the code plus decaying Gaussian noise, ``G([w],
input_is_latent=True, injected_noise=noises)``, LPIPS (VGG) against the
targets summed, the multi-scale noise autocorrelation times 1e5, one Adam
step on the code and the noise maps (learning rate ramped up and down),
then the noise maps renormalised. The LPIPS backbone is built without
downloading (``pnet_rand=True``): the same network, random weights.
"""
import math
from typing import Callable, List, Optional

import torch
from torch import Tensor


def lr_at(t: float, initial: float = 0.1, rampdown: float = 0.25,
          rampup: float = 0.05) -> float:
    """Cosine ramp-down over the last ``rampdown`` and a linear ramp-up
    over the first ``rampup`` of the run."""
    ramp = min(1.0, (1.0 - t) / rampdown)
    return initial * (0.5 - 0.5 * math.cos(ramp * math.pi)) * \
        min(1.0, t / rampup)


def autocorrelation(noises: List[Tensor]) -> Tensor:
    """Squared mean products of each noise map with its one-pixel shifts,
    summed over the map halved down to 8 px."""
    total = 0
    for noise in noises:
        size = noise.shape[2]
        while True:
            total = total + \
                (noise * torch.roll(noise, 1, dims=3)).mean().pow(2) + \
                (noise * torch.roll(noise, 1, dims=2)).mean().pow(2)
            if size <= 8:
                break
            noise = noise.reshape(-1, 1, size // 2, 2, size // 2, 2)
            noise = noise.mean([3, 5])
            size //= 2
    return total


def project_steps(G, targets: Tensor, percept, *, steps: int,
                  w_mean: Tensor, w_std: float, on_step: Optional[
                      Callable[[int], None]] = None) -> Tensor:
    """Run the projector's loop for ``steps`` steps from ``w_mean``;
    ``on_step(i)`` after each. Returns the code [N, w_dim]."""
    n = targets.shape[0]
    latent = w_mean.detach().clone().unsqueeze(0).repeat(n, 1)
    latent.requires_grad = True
    noises = [m.repeat(n, 1, 1, 1).normal_()
              for m in G.make_injected_noise()]
    for noise in noises:
        noise.requires_grad = True
    opt = torch.optim.Adam([latent] + noises, lr=0.1)
    for i in range(steps):
        t = i / steps
        opt.param_groups[0]['lr'] = lr_at(t)
        strength = w_std * 0.05 * max(0.0, 1 - t / 0.75) ** 2
        moved = latent + torch.randn_like(latent) * strength
        img = G([moved], input_is_latent=True, injected_noise=noises)
        loss = percept(img, targets).sum() + 1e5 * autocorrelation(noises)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            for noise in noises:
                noise.sub_(noise.mean()).div_(noise.std())
        if on_step is not None:
            on_step(i)
    return latent.detach()
