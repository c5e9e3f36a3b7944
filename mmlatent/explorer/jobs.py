"""Projection of an uploaded image as a background job with visible
progress: it runs :func:`mmlatent.latent.projection.project` on a private
copy of G (so rendering goes on meanwhile) and hands the code over when
done."""
import copy
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import torch
from torch import Tensor, nn

from ..latent.codes import Codes
from ..latent.projection import project
from ..utils.cli import user_message


@dataclass
class ProjectionJob:
    """State of one projection, as the page polls it."""
    id: str
    steps: int
    step: int = 0
    loss: Optional[float] = None
    code: Optional[str] = None
    error: Optional[str] = None

    @property
    def done(self) -> bool:
        return self.code is not None or self.error is not None

    def info(self) -> Dict:
        return {'id': self.id, 'step': self.step, 'steps': self.steps,
                'loss': self.loss, 'done': self.done, 'code': self.code,
                'error': self.error}


def projection_c(G: nn.Module) -> Optional[Tensor]:
    """The fixed condition of a z projection: class 0 and continuous codes
    0 for conditional / InfoGAN generators, None otherwise."""
    return G.make_c(n=1) if G.c_dim else None


def run_projection(job: ProjectionJob, G: nn.Module, target: Tensor, *,
                   mse_weight: float, w_avg_samples: int,
                   done: Callable[[ProjectionJob, Codes], None]) -> None:
    """Project ``target`` [1, C, H, W] with ``G`` (a private copy: the
    projection sets its gradient flags; MSE loss, seed 0);
    ``done(job, codes)`` receives the code. Errors end up in
    ``job.error`` as one line."""
    def step(i: int, steps: int, loss: float) -> None:
        job.step, job.loss = i, loss

    try:
        c = projection_c(G)
        result = project(G, target, steps=job.steps, c=c,
                         mse_weight=mse_weight, perceptual=None,
                         w_avg_samples=w_avg_samples,
                         generator=torch.Generator().manual_seed(0),
                         callback=step)
        done(job, Codes(result.latent, result.space, result.c,
                        result.noise))
    except Exception as e:  # noqa: BLE001 - reported to the page
        job.error = f'projection failed: {user_message(e)}'


def start_projection(job: ProjectionJob, G: nn.Module, target: Tensor,
                     **kwargs) -> threading.Thread:
    """Run :func:`run_projection` on a copy of ``G`` in a daemon thread
    (call it while no other thread uses ``G``)."""
    thread = threading.Thread(target=run_projection,
                              args=(job, copy.deepcopy(G), target),
                              kwargs=kwargs,
                              name=f'projection-{job.id}', daemon=True)
    thread.start()
    return thread
