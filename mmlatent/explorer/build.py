"""Setting up an explorer session from what the app's command line names:
SeFa directions (computed or read from the cache), directions files,
InterFaceGAN boundaries and latent files."""
import os
import os.path as osp
from typing import Optional, Sequence

from torch import nn

from ..control.boundary import check_boundary, load_boundary
from ..latent.io import load_codes
from ..latent.directions import load_directions
from ..latent.sefa import cached_directions
from .session import ExplorerSession
from .sliders import boundary_slider, file_sliders, sefa_sliders


def is_shapes_config(cfg) -> bool:
    """Whether a training config's dataset draws Shapes images (then the
    page shows the measured factors)."""
    try:
        dataset = cfg.train_dataloader.dataset
    except AttributeError:
        return False
    return 'ShapesDataset' in repr(dataset)


def build_session(G: nn.Module, *, out_dir: str, num_sefa: int = 8,
                  sefa_cache: Optional[str] = None,
                  directions: Sequence[str] = (),
                  boundaries: Sequence[str] = (),
                  latents: Sequence[str] = (), **kwargs) -> ExplorerSession:
    """An :class:`ExplorerSession` with the sliders and codes of the given
    files; ``kwargs`` go to the session. SeFa directions come from
    ``sefa_cache`` when it matches G's weights, else they are computed
    (and cached there)."""
    os.makedirs(out_dir, exist_ok=True)
    session = ExplorerSession(G, out_dir=out_dir, **kwargs)
    if num_sefa > 0:
        V, eig, status = cached_directions(G, None, sefa_cache)
        session.sefa_status = status
        session.add_sliders(sefa_sliders(V, eig, num_sefa))
    for i, path in enumerate(directions):
        session.add_sliders(file_sliders(G, load_directions(path), path, i))
    for i, path in enumerate(boundaries):
        b = check_boundary(load_boundary(path), G)
        session.add_sliders([boundary_slider(G, b, path, i)])
    for path in latents:
        name = osp.splitext(osp.basename(path))[0]
        session.add_code(name, load_codes([path], G))
    return session
