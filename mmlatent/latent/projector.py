"""The projector of many images (the library half of
``apps/stylegan_projector.py``): images made into targets of the
generator's size, projection batch by batch (each batch's results handed
over as soon as they are done), and the target | projection pictures."""
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence

import cv2
import numpy as np
import torch
from torch import Tensor, nn

from ..utils.image import resize_center_crop, to_tensor
from .annotate import side_by_side
from .codes import Codes, render_codes
from .interpolation import batch_ranges
from .projection import project


def projection_targets(images: Sequence[np.ndarray],
                       G: nn.Module) -> Tensor:
    """uint8 RGB images [H, W, 3] as targets [N, C, res, res] in [-1, 1]:
    resized (shorter side) and centre-cropped to G's resolution, grey for
    a one-channel G."""
    out = []
    for img in images:
        img = resize_center_crop(img, G.resolution)
        if G.out_channels == 1:
            img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[:, :, None]
        out.append(to_tensor(img))
    return torch.stack(out)


@dataclass
class ProjectedBatch:
    """The projections of the targets ``part`` of one batch: their codes,
    final losses {name: [n]} and pictures (uint8 target | projection)."""
    part: slice
    codes: Codes
    losses: Dict[str, Tensor]
    pictures: List[np.ndarray]

    def losses_of(self, i: int) -> Dict[str, Tensor]:
        """The losses of the ``i``-th projection of the batch ({name: [1]})."""
        return {k: v[i:i + 1] for k, v in self.losses.items()}


def project_in_batches(G: nn.Module, target: Tensor, *, batch_size: int = 1,
                       c: Optional[Tensor] = None,
                       render_batch_size: int = 8,
                       **project_kwargs) -> Iterator[ProjectedBatch]:
    """Project ``target`` [N, C, H, W] ``batch_size`` images at a time
    (each independently; :func:`~mmlatent.latent.projection.project` with
    ``project_kwargs``), yielding each batch as soon as it is done, so a
    caller can save it before the next one starts. ``c`` [N, c_dim]: the
    fixed condition of conditional generators. The mean code and spread
    are estimated once, in the first batch (``w_avg_samples`` mapped
    samples), and reused by the others."""
    stats = project_kwargs.pop('stats', None)
    for part in batch_ranges(target.shape[0], batch_size):
        result = project(G, target[part], c=None if c is None else c[part],
                         stats=stats, **project_kwargs)
        stats = result.stats
        images = render_codes(G, result.codes,
                              batch_size=max(batch_size, render_batch_size))
        pictures = [side_by_side(t, img)
                    for t, img in zip(target[part].cpu(), images)]
        yield ProjectedBatch(part, result.codes, result.losses, pictures)
