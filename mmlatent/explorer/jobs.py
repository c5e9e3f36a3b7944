"""Projection of an uploaded image as a background job with visible
progress: it runs :func:`mmlatent.latent.projection.project` on a private
copy of G (so rendering goes on meanwhile) and hands the code over when
done. The mean code the projections start from is estimated once per
session (:class:`StartCache`)."""
import copy
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from ..latent.codes import Codes
from ..latent.projection import latent_stats, project
from ..latent.spaces import frozen, model_device
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


class StartCache:
    """The mean code and spread a projection starts from, per (space,
    samples), with the state of the seed-0 generator after drawing them:
    the first job maps the ``w_avg_samples`` prior samples, later jobs of
    the session reuse the estimate and continue from that state, so each
    job still gives what a fresh seed-0 projection gives."""

    def __init__(self):
        self._lock = threading.Lock()
        self._starts: Dict[tuple, tuple] = {}

    def get(self, G: nn.Module, space: str, num_samples: int
            ) -> Tuple[Tuple[Tensor, Tensor], torch.Generator]:
        """``(stats, generator)`` for a projection of ``G`` in ``space``."""
        with self._lock:
            key = (space, num_samples)
            if key not in self._starts:
                gen = torch.Generator(model_device(G)).manual_seed(0)
                with frozen(G):
                    stats = latent_stats(G, space, num_samples, gen)
                self._starts[key] = (stats, gen.get_state())
            stats, state = self._starts[key]
        gen = torch.Generator(model_device(G))
        gen.set_state(state)
        return stats, gen


def projection_c(G: nn.Module) -> Optional[Tensor]:
    """The fixed condition of a z projection: class 0 and continuous codes
    0 for conditional / InfoGAN generators, None otherwise."""
    return G.make_c(n=1) if G.c_dim else None


def run_projection(job: ProjectionJob, G: nn.Module, target: Tensor, *,
                   mse_weight: float, w_avg_samples: int,
                   done: Callable[[ProjectionJob, Codes], None],
                   starts: Optional[StartCache] = None) -> None:
    """Project ``target`` [1, C, H, W] with ``G`` (a private copy: the
    projection sets its gradient flags; MSE loss, seed 0);
    ``done(job, codes)`` receives the code. Errors end up in
    ``job.error`` as one line. ``starts`` keeps the mean-code estimate
    between the jobs of a session (the result is the same)."""
    def step(i: int, steps: int, loss: float) -> None:
        job.step, job.loss = i, loss

    try:
        c = projection_c(G)
        space = 'w' if G.has_w_space else 'z'
        stats, gen = (starts or StartCache()).get(G, space, w_avg_samples)
        result = project(G, target, steps=job.steps, c=c, space=space,
                         mse_weight=mse_weight, perceptual=None,
                         w_avg_samples=w_avg_samples, generator=gen,
                         callback=step, stats=stats)
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
