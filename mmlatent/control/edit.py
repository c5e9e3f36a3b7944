"""Editing codes along an InterFaceGAN boundary (the library half of
``apps/edit_with_boundary.py``): the codes to edit, the edited codes and
their images, and how the scored attributes change along the edits."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from ..latent.codes import Codes
from ..latent.interpolation import render
from ..latent.spaces import repeat_c
from ..latent.start import start_codes
from ..utils.errors import ConfigError
from .boundary import Boundary, edit_latents
from .sampling import path_summary
from .scorers import Scorer, score_images


def check_layers(G: nn.Module, boundary: Boundary,
                 layers: Optional[Sequence[int]]) -> None:
    """--layers needs a style generator and a 'w' boundary."""
    if layers is None:
        return
    if not G.has_w_space:
        raise ConfigError(
            f'--layers edits single layers of W+ codes but '
            f'{type(G).__name__} has no W+ space (one w per image); drop '
            '--layers')
    if boundary.space != 'w':
        raise ConfigError(
            f"--layers edits W+ codes but the boundary of "
            f"'{boundary.attribute}' lives in '{boundary.space}'; train it "
            'on w codes (latents_w.pt of apps/generate_latents.py)')


def boundary_codes(G: nn.Module, boundary: Boundary, *, w_plus: bool,
                   files: Optional[Codes] = None, path: str = '',
                   num: int = 8, label: Optional[Sequence[int]] = None,
                   con: Optional[Sequence[float]] = None,
                   generator: Optional[torch.Generator] = None) -> Codes:
    """The codes to edit along ``boundary``, on the CPU, in its space (W+
    for per-layer edits, ``w_plus``, or W+ files): ``files`` (read from
    ``path``; z codes map to w for a 'w' boundary, w codes cannot go back
    to z; their noise maps travel along), else ``num`` prior samples (see
    :func:`~mmlatent.latent.start.start_codes`)."""
    if boundary.space == 'z':
        if files is not None and files.space != 'z':
            raise ConfigError(
                f"the boundary of '{boundary.attribute}' lives in 'z' but "
                f"'{path}' holds '{files.space}' codes; use z codes or a 'w' "
                'boundary')
        space = 'z'
    else:
        space = 'w+' if w_plus or (files is not None
                                   and files.space == 'w+') else 'w'
    codes = start_codes(G, None if files is not None else num, space=space,
                        files=files, label=label, con=con,
                        generator=generator)
    return codes.to('cpu')


@dataclass
class BoundaryEdit:
    """Codes edited along a boundary and their images, row by row (code
    ``i`` at distance ``j`` is entry ``i * D + j``)."""
    latent: Tensor          # [N * D, ...] edited codes, in ``space``
    space: str
    c: Optional[Tensor]     # [N * D, c_dim] or None
    noise: Optional[List[Tensor]]  # per-layer noise maps [N * D, ...]
    img: Tensor             # [N * D, C, H, W] in [-1, 1]
    distances: List[float]  # the D distances d

    @property
    def rows(self) -> Tensor:
        """The images as [N, D, C, H, W] (one row per code)."""
        return self.img.view(-1, len(self.distances), *self.img.shape[1:])


def edit_along_boundary(G: nn.Module, codes: Codes, boundary: Boundary,
                        distances: Sequence[float], *,
                        mode: str = 'relative',
                        layers: Optional[Sequence[int]] = None,
                        batch_size: int = 64) -> BoundaryEdit:
    """Move each of ``codes`` to every distance of ``distances`` along the
    normal of ``boundary`` (:func:`~mmlatent.control.boundary.
    edit_latents`) and render the results; the condition and noise maps
    of each code travel along with its edits."""
    distances = [float(d) for d in distances]
    steps = len(distances)
    edited = edit_latents(codes.latent, boundary, distances, mode=mode,
                          layers=layers).flatten(0, 1)
    c = repeat_c(codes.c, steps)
    noise = None if codes.noise is None else [repeat_c(v, steps)
                                              for v in codes.noise]
    img = render(G, edited, space=codes.space, c=c, batch_size=batch_size,
                 synthesis_kwargs=None if noise is None else dict(
                     noise=noise))
    return BoundaryEdit(edited, codes.space, c, noise, img, distances)


def edit_summary(scorers: Sequence[Scorer], edit: BoundaryEdit
                 ) -> Dict[str, object]:
    """The scores of the edited images ``{attribute: [N * D]}`` and, per
    attribute, how its mean changes along the edits
    (:func:`~mmlatent.control.sampling.path_summary` rows)."""
    scores = score_images(scorers, edit.img)
    steps = len(edit.distances)
    paths = {k: v.view(-1, steps) for k, v in scores.items()}
    return dict(scores=scores, rows=path_summary(paths, edit.distances))
