"""A boundary from a latent file (the library half of
``apps/train_boundary.py``): the scores to separate, the default output
path, and the report of the trained (and conditioned) boundary."""
import math
import os.path as osp
from typing import List, Sequence

from torch import Tensor

from ..latent.io import LatentFile
from ..utils.build import suggest
from ..utils.errors import ConfigError
from ..utils.outputs import safe_name
from .boundary import Boundary, accuracy_warning


def latent_scores(lf: LatentFile, path: str, attribute: str) -> Tensor:
    """The scores [N] of ``attribute`` in the latent file ``lf`` read from
    ``path``; one line when it has no scores or not that one."""
    if lf.space not in ('z', 'w'):
        raise ConfigError(f"'{path}' holds '{lf.space}' codes; "
                          "train boundaries on 'z' or 'w' codes "
                          '(latents_z.pt / latents_w.pt)')
    if not lf.scores:
        raise ConfigError(f"'{path}' holds no scores; write it with "
                          'apps/generate_latents.py --scorer NAME')
    if attribute not in lf.scores:
        raise ConfigError(
            f"unknown attribute '{attribute}'"
            f'{suggest(attribute, lf.scores)}; {path} has scores for '
            f"{', '.join(lf.scores)}")
    return lf.scores[attribute]


def default_boundary_path(latents: str, attribute: str, space: str,
                          conditions: Sequence[str] = ()) -> str:
    """``boundary_<attribute>_<space>[_cond_<a>_<b>...].pt`` next to the
    latent file ``latents``."""
    name = f'boundary_{safe_name(attribute)}_{space}'
    if conditions:
        name += '_cond_' + '_'.join(safe_name(c) for c in conditions)
    return osp.join(osp.dirname(osp.abspath(latents)), name + '.pt')


def boundary_report(b: Boundary) -> List[str]:
    """The samples used, the validation accuracy (and a warning when it
    rests on too few samples) and the accuracy on the rest."""
    lines = [f"boundary of '{b.attribute}' in {b.space} space from "
             f"{b.meta['num_samples']} samples ({b.meta['dropped_nan']} with "
             f"NaN scores and {b.meta['dropped_invalid']} with the invalid "
             f"value dropped), {b.meta['num_per_class']} per class",
             f"validation accuracy: {b.accuracy['validation']:.2%}"]
    warning = accuracy_warning(b)
    if warning:
        lines.append(warning)
    rem = b.accuracy['remaining']
    lines.append('accuracy on the remaining samples: ' +
                 ('n/a (none left)' if math.isnan(rem) else f'{rem:.2%}'))
    return lines


def conditioned_report(b: Boundary, primal: Tensor,
                       conditions: Sequence[Boundary]) -> str:
    """How the conditioned normal of ``b`` relates to the unconditioned
    one ``primal`` and to the normals of ``conditions`` (cosines)."""
    cos = ', '.join(f'{c.attribute} {float(b.normal @ c.normal):+.1e}'
                    for c in conditions)
    return (f"conditioned on {', '.join(c.attribute for c in conditions)}"
            f': cosine to the unconditioned normal '
            f'{float(b.normal @ primal):.4f}; to the conditions {cos}')


def provenance(lf: LatentFile, latents: str) -> dict:
    """The meta a boundary keeps from its latent file."""
    return dict(latents=osp.abspath(latents),
                **{k: v for k, v in lf.meta.items()
                   if k in ('checkpoint', 'generator')})
