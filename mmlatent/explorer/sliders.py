"""Slider directions of the explorer, from the latent toolkit's sources:
SeFa, Jacobian (global and local) direction sets, directions files and
InterFaceGAN boundaries; and their export as a directions file.

A :class:`Slider` is a unit direction in one space: ``z`` [z_dim],
``w`` [w_dim] (moves every chosen W+ layer) or ``w+`` [num_ws * w_dim].
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch
from torch import Tensor, nn

from ..control.boundary import Boundary
from ..latent.directions import DirectionSet, save_directions
from ..latent.spaces import latent_size
from ..utils.errors import ConfigError

GROUPS = ('sefa', 'jacobian', 'local', 'boundary', 'file', 'text')


@dataclass
class Slider:
    """One direction the page shows as a slider.

    vector: [d] in ``space``; ``limit``: the slider runs over
    [-limit, limit]; ``outside``: predicted fraction of the change outside
    the region (local directions); ``region``: [H, W] bool (local).
    """
    id: str
    name: str
    group: str
    space: str
    vector: Tensor
    limit: float = 3.0
    outside: Optional[float] = None
    region: Optional[Tensor] = None
    meta: Dict = field(default_factory=dict)

    def info(self) -> Dict:
        """What the page needs (no tensors)."""
        out = {'id': self.id, 'name': self.name, 'group': self.group,
               'space': self.space, 'limit': self.limit}
        if self.outside is not None:
            out['outside'] = round(self.outside, 4)
        return out


def slider_size(G: nn.Module, space: str) -> int:
    """Length of a direction vector in ``space`` for ``G``."""
    return int(torch.Size(latent_size(G, space)).numel())


def check_vector(G: nn.Module, vector: Tensor, space: str,
                 where: str) -> Tensor:
    """``vector`` flattened, as float32 on the CPU, if it fits ``space``."""
    want = slider_size(G, space)
    if vector.numel() != want:
        raise ConfigError(f'{where}: a {space} direction of size '
                          f'{vector.numel()}, but {type(G).__name__} has '
                          f'{space} codes of size {want}; use directions '
                          'made for this generator')
    return vector.detach().float().cpu().flatten()


def sefa_sliders(directions: Tensor, eigenvalues: Tensor, num: int,
                 limit: float = 5.0) -> List[Slider]:
    """The first ``num`` SeFa directions [D, w_dim] as w sliders."""
    return [Slider(f'sefa{i}', f'SeFa {i} (eig {float(e):.3g})', 'sefa', 'w',
                   v.detach().float().cpu(), limit)
            for i, (v, e) in enumerate(zip(directions[:num],
                                           eigenvalues[:num]))]


def set_sliders(ds: DirectionSet, prefix: str, group: str, label: str,
                limit: float = 3.0) -> List[Slider]:
    """The rows of the first set of ``ds`` (a directions file or a fresh
    Jacobian set) as sliders of ``group``."""
    V, values = ds.directions[0], ds.values[0]
    outside = ds.outside[0] if ds.outside is not None else None
    out = []
    for k, v in enumerate(V):
        name = f'{label} {k} ({float(values[k]):.3g})'
        out.append(Slider(f'{prefix}{k}', name, group, ds.space,
                          v.detach().float().cpu().flatten(), limit,
                          None if outside is None else float(outside[k]),
                          ds.region))
    return out


def file_sliders(G: nn.Module, ds: DirectionSet, path: str,
                 index: int) -> List[Slider]:
    """Sliders of a directions file (its first set; a per-point file
    gives the directions of its first point)."""
    name = osp.splitext(osp.basename(path))[0]
    sliders = set_sliders(ds, f'file{index}_', 'file', name)
    for s in sliders:
        s.vector = check_vector(G, s.vector, ds.space, f"'{path}'")
    return sliders


def boundary_slider(G: nn.Module, b: Boundary, path: str,
                    index: int) -> Slider:
    """The unit normal of an InterFaceGAN boundary as a z or w slider."""
    vector = check_vector(G, b.normal, b.space, f"boundary '{path}'")
    name = b.attribute or osp.splitext(osp.basename(path))[0]
    return Slider(f'boundary{index}', f'{name} ({b.space} boundary)',
                  'boundary', b.space, vector, 3.0,
                  meta={'attribute': b.attribute})


def export_slider(path: str, s: Slider, G: nn.Module) -> str:
    """Write ``s`` as a one-direction directions file (kind ``local`` for
    local directions, else ``global``; ``meta.source`` says where it came
    from), readable by ``--directions`` and apps/mutate.py."""
    V = s.vector.view(1, -1)
    local = s.region is not None
    ds = DirectionSet([V], [torch.ones(1)], 'local' if local else 'global',
                      'mean', s.space,
                      [torch.tensor([s.outside or 0.0])] if local else None,
                      s.region if local else None)
    meta = {'source': s.group, 'name': s.name,
            'generator': type(G).__name__}
    return save_directions(path, ds, meta=meta)
