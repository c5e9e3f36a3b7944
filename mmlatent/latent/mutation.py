"""Independent mutations of many points (the library half of
``apps/mutate.py``): the images ``G(x + delta * v)`` of every point ``x``
along its first Jacobian directions ``v``, the per-point report, and the
annotated grids, one per direction."""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from .annotate import annotated_grid
from .codes import Codes, render_codes
from .directions import DirectionSet, jacobian_directions
from .independence import mutate, outside_energy


@dataclass
class Mutations:
    """The mutations of N points along up to K directions each.

    ``ds`` the directions, ``images`` [N, K, D, C, H, W] (None when no
    point has a direction), ``missing`` [N, K] (True where a point has
    fewer than K directions; its images are zero there), ``rows`` the
    report (:func:`mutation_report`), ``deltas`` the D step sizes.
    """
    ds: DirectionSet
    images: Optional[Tensor]
    missing: Tensor
    rows: List[dict]
    deltas: List[float]


def mutate_points(G: nn.Module, codes: Codes, ds: DirectionSet,
                  deltas: Sequence[float], *, num_directions: int,
                  batch_size: int = 16, progress: bool = False
                  ) -> Tuple[Optional[Tensor], Tensor]:
    """Images [N, K, D, C, H, W] of each point of ``codes`` moved along its
    first ``K = num_directions`` directions of ``ds`` by each delta, and a
    mask [N, K] of the directions a point does not have; the images are
    None when no point has any."""
    K, n = num_directions, len(codes)
    out, missing = None, torch.ones(n, K, dtype=torch.bool)
    for i in _points(n, progress):
        V = ds.of_point(i)[:K]
        if V.shape[0] == 0:
            continue
        point = codes[i]
        imgs = mutate(G, point.latent, V, deltas, space=point.space,
                      c=point.c, synthesis_kwargs=point.synthesis_kwargs(G),
                      batch_size=batch_size)[0]
        if out is None:
            out = imgs.new_zeros(n, K, *imgs.shape[1:])
        out[i, :V.shape[0]] = imgs
        missing[i, :V.shape[0]] = False
    return out, missing


def _points(n: int, progress: bool):
    if not progress:
        return range(n)
    from tqdm import tqdm
    return tqdm(range(n), desc='mutating')


def mutation_report(ds: DirectionSet, base: Tensor,
                    images: Optional[Tensor], deltas: Sequence[float], *,
                    num_directions: int) -> List[dict]:
    """One row per point and direction: ``point``, ``direction``,
    ``value`` (singular value or region gain); local directions add
    ``outside_predicted`` (linear) and, for nonzero deltas,
    ``outside_measured``: the mean over them of the change energy outside
    the region between ``base`` [N, C, H, W] and ``images``."""
    rows, nonzero = [], torch.tensor(list(deltas)) != 0
    measured = None
    if ds.region is not None and images is not None:
        measured = outside_energy(base, images, ds.region)  # [N, K, D]
    for i in range(base.shape[0]):
        j = ds.index_of_point(i)
        for k in range(min(num_directions, len(ds.values[j]))):
            row = {'point': i, 'direction': k,
                   'value': float(ds.values[j][k])}
            if ds.region is not None:
                row['outside_predicted'] = float(ds.outside[j][k])
                if measured is not None and nonzero.any():
                    row['outside_measured'] = float(
                        measured[i, k][nonzero].mean())
            rows.append(row)
    return rows


def independent_mutations(G: nn.Module, codes: Codes, *,
                          region: Optional[Tensor] = None,
                          mode: str = 'point', relax: float = 0.1,
                          num_directions: int = 5,
                          deltas: Sequence[float] = (-3, -1.5, 0, 1.5, 3),
                          chunk_size: int = 16, batch_size: int = 16,
                          progress: bool = False,
                          note: Optional[Callable[[str], None]] = None
                          ) -> Mutations:
    """Jacobian directions at ``codes`` (global, or local to ``region``;
    :func:`~mmlatent.latent.directions.jacobian_directions`), the first
    ``num_directions`` of them per point, the images of every point moved
    along them by each of ``deltas`` (:func:`mutate_points`) and the report
    (:func:`mutation_report`). ``note(text)`` hears each distinct message
    of the directions (e.g. why a local set is empty) once they are found,
    before the mutations are rendered."""
    ds = jacobian_directions(G, codes, region=region, mode=mode,
                             relax=relax, num=num_directions,
                             chunk_size=chunk_size, progress=progress)
    for message in dict.fromkeys(ds.messages):
        if note is not None:
            note(f'{ds.kind} directions: {message}')
    images, missing = mutate_points(G, codes, ds, deltas,
                                    num_directions=num_directions,
                                    batch_size=batch_size,
                                    progress=progress)
    base = render_codes(G, codes, batch_size=batch_size)
    rows = mutation_report(ds, base, images, deltas,
                           num_directions=num_directions)
    return Mutations(ds, images, missing, rows, [float(d) for d in deltas])


def report_lines(rows: Sequence[dict], local: bool) -> List[str]:
    """The report as text, one line per row."""
    lines = []
    for row in rows:
        line = f"point {row['point']} direction {row['direction']}: "
        if not local:
            lines.append(line + f"singular value {row['value']:.4g}")
            continue
        line += (f"region gain {row['value']:.4g}, change energy outside "
                 f"the region {100 * row['outside_predicted']:.2f}% "
                 '(linear)')
        if 'outside_measured' in row:
            line += f", {100 * row['outside_measured']:.2f}% (measured)"
        lines.append(line)
    return lines


def mutation_grids(result: Mutations) -> Dict[str, np.ndarray]:
    """``{'mutate_d<k>.png': uint8 grid}`` for every direction k that some
    point has: one row per point, one column per delta, the delta-0
    column framed, the region of local directions outlined, missing cells
    grey."""
    if result.images is None:
        return {}
    zero = [j for j, d in enumerate(result.deltas) if d == 0]
    grids = {}
    for k in range(result.missing.shape[1]):
        if result.missing[:, k].all():
            continue
        empty = result.missing[:, k:k + 1].expand(-1, len(result.deltas))
        grids[f'mutate_d{k}.png'] = annotated_grid(
            result.images[:, k], mark_columns=zero,
            outline=result.ds.region, empty=empty)
    return grids


def mutation_record(result: Mutations) -> dict:
    """The JSON report (``report.json``)."""
    ds = result.ds
    return {'kind': ds.kind, 'mode': ds.mode, 'space': ds.space,
            'deltas': result.deltas, 'messages': ds.messages,
            'directions': result.rows}
