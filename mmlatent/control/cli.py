"""What the control apps share beyond :mod:`mmlatent.utils.app`: scorer
options, the codes to edit and grids of [rows, cols] images."""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from ..latent.io import check_compatible, load_latents
from ..latent.spaces import frozen
from ..utils.args import SCORER_HELP, add_scorer_arg  # noqa: F401
from ..utils.errors import ConfigError
from ..utils.image import save_grid
from .boundary import Boundary
from .scorers import Scorer, build_scorers

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


def codes_from_file(G: nn.Module, path: str, boundary: Boundary,
                    w_plus: bool) -> Tuple[Tensor, str, Optional[Tensor],
                                           Optional[List[Tensor]]]:
    """(codes, space, c, noise maps) of a latent file in the boundary's
    space: z codes map to w for a 'w' boundary; w codes cannot go back to
    z. The file's noise maps (projections) travel along."""
    lf = load_latents(path)
    check_compatible(lf, G)
    if boundary.space == 'z':
        if lf.space != 'z':
            raise ConfigError(
                f"the boundary of '{boundary.attribute}' lives in 'z' but "
                f"'{path}' holds '{lf.space}' codes; use z codes or a 'w' "
                'boundary')
        return lf.latent, 'z', lf.c, lf.noise
    if lf.space == 'z':
        with torch.no_grad(), frozen(G):
            c = None if lf.c is None else lf.c.to(G.device)
            ws = G.mapping(lf.latent.to(G.device), c).cpu()
        return (ws if w_plus else ws[:, 0]), ('w+' if w_plus else 'w'), \
            None, lf.noise
    if lf.space == 'w' and w_plus:
        return lf.latent[:, None].repeat(1, G.num_ws, 1), 'w+', None, \
            lf.noise
    return lf.latent, lf.space, None, lf.noise


def sampled_codes(G: nn.Module, n: int, boundary: Boundary, w_plus: bool,
                  c: Optional[Tensor], generator: torch.Generator
                  ) -> Tuple[Tensor, str, Optional[Tensor], None]:
    """(codes, space, c, no noise maps) of ``n`` prior samples in the
    boundary's space."""
    z = G.sample_z(n, generator)
    if boundary.space == 'z':
        return z.cpu(), 'z', None if c is None else c.cpu(), None
    with torch.no_grad(), frozen(G):
        ws = G.mapping(z, c).cpu()
    return (ws, 'w+', None, None) if w_plus else (ws[:, 0], 'w', None, None)
