"""What the control apps share beyond :mod:`mmlatent.utils.app`: scorer
options, the codes to edit and grids of [rows, cols] images."""
import argparse
from typing import List, Optional, Sequence

import torch
from torch import Tensor, nn

from ..latent.codes import Codes
from ..latent.start import start_codes
from ..utils.errors import ConfigError
from ..utils.image import save_grid
from .boundary import Boundary
from .scorers import Scorer, build_scorers

SCORER_HELP = ("attribute scorer: 'shapes' (the analytic Shapes measurer), "
               "'classifier:PATH' or the PATH of a classifier file "
               '(tools/train_classifier.py), NAME:key=value,... for options')


def add_scorer_arg(p: argparse.ArgumentParser) -> None:
    """``--scorer SPEC ...`` (any number)."""
    p.add_argument('--scorer', nargs='+', metavar='NAME', help=SCORER_HELP)


def scorers_of(specs: Optional[Sequence[str]], device: str) -> List[Scorer]:
    return build_scorers(list(specs or []), device)


def save_rows(path: str, img: Tensor) -> str:
    """Write ``img`` [rows, cols, C, H, W] as one grid; returns ``path``."""
    save_grid(path, img.flatten(0, 1), img.shape[1])
    return path


def safe_name(text: str) -> str:
    """``text`` usable in a file name."""
    return ''.join(ch if ch.isalnum() or ch in '-_.' else '_' for ch in text)


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
