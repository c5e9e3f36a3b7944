"""The latent file: one format shared by every latent tool and app.

A latent file is a ``.pt`` file holding one dict of tensors and plain
Python types, so that ``torch.load(path, weights_only=True)`` reads it::

    {
      'format': 'mmlatent.latent/1',
      'space':  'z' | 'w' | 'w+',
      'latent': Tensor [N, z_dim]          (space 'z')
                Tensor [N, w_dim]          (space 'w', same w for all layers)
                Tensor [N, num_ws, w_dim]  (space 'w+', one w per layer),
      'c':      Tensor [N, c_dim]           optional: condition of z codes
      'noise':  [Tensor [N, 1, H, W], ...]  optional: noise maps, in the
                                            order of spaces.noise_shapes(G)
      'losses': {name: Tensor [N]}          optional: e.g. projection losses
      'scores': {name: Tensor [N]}          optional: e.g. attribute scores
      'meta':   {name: str | int | float | bool}  free-form provenance
    }

Optional keys are absent (not None) when unused. Tensors are stored on the
CPU, detached and contiguous. Files are written atomically (a temporary
file in the same folder, then ``os.replace``), so a reader never sees a
half-written file. ``c`` belongs to z codes; w codes already contain it.

In memory a latent file is a :class:`LatentFile`: the
:class:`~mmlatent.latent.codes.Codes` it holds plus the per-code extras;
:func:`load_codes` and :func:`save_codes` read and write plain ``Codes``.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence

import torch
from torch import Tensor, nn

from ..utils.checkpoint import atomic_save, load_format_file
from ..utils.errors import ConfigError, MMLatentError, ShapeError
from .codes import Codes, cat_codes, compact, highest_space, to_space
from .spaces import SPACES, broadcast_w, latent_size, model_device, \
    noise_shapes

FORMAT = 'mmlatent.latent/1'
_META_TYPES = (str, int, float, bool)


class LatentFileError(MMLatentError, ValueError):
    """A latent file cannot be read or holds malformed content."""


@dataclass
class LatentFile(Codes):
    """The content of a latent file (see the module docstring): its codes
    (``latent``, ``space``, ``c``, ``noise``) and per-code extras."""
    losses: Optional[Dict[str, Tensor]] = None
    scores: Optional[Dict[str, Tensor]] = None
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def codes(self) -> Codes:
        """The codes alone."""
        return Codes(self.latent, self.space, self.c, self.noise)


def _fail(where: str, message: str) -> None:
    raise LatentFileError(f'{where}: {message}')


def _check_per_code(where: str, name: str, values: Optional[Dict],
                    n: int) -> None:
    if values is None:
        return
    if not isinstance(values, dict):
        _fail(where, f"'{name}' is a {type(values).__name__}, expected a "
              'dict of name -> Tensor [N]')
    for key, v in values.items():
        if not isinstance(key, str) or not torch.is_tensor(v) \
                or tuple(v.shape) != (n, ):
            shape = tuple(v.shape) if torch.is_tensor(v) else type(v)
            _fail(where, f"{name}['{key}'] is {shape}, expected a Tensor of "
                  f'shape ({n},), one value per latent')


def _check_noise(where: str, noise: Optional[Sequence[Tensor]],
                 n: int) -> None:
    if noise is None:
        return
    for i, v in enumerate(noise):
        if not torch.is_tensor(v) or v.dim() != 4 or v.shape[:2] != (n, 1):
            shape = tuple(v.shape) if torch.is_tensor(v) else type(v)
            _fail(where, f'noise[{i}] is {shape}, expected a Tensor of '
                  f'shape ({n}, 1, H, W)')


def _check_meta(where: str, meta: Dict) -> None:
    bad = {k: type(v).__name__ for k, v in meta.items()
           if not isinstance(k, str) or not isinstance(v, _META_TYPES)}
    if bad:
        _fail(where, f'meta entries {bad} are not str/int/float/bool; '
              'store them as strings')


def validate(lf: LatentFile, where: str = 'latent file') -> LatentFile:
    """Check the shapes of ``lf`` against its space (not against a G)."""
    if lf.space not in SPACES:
        _fail(where, f"space='{lf.space}' is not one of {SPACES}")
    rank = 3 if lf.space == 'w+' else 2
    if not torch.is_tensor(lf.latent) or lf.latent.dim() != rank:
        shape = tuple(lf.latent.shape) if torch.is_tensor(lf.latent) else \
            type(lf.latent).__name__
        _fail(where, f"a '{lf.space}' latent has shape {shape}, expected "
              f"{rank} dims ({'N, num_ws, w_dim' if rank == 3 else 'N, dim'})"
              "; save w per layer as space='w+'")
    n = lf.latent.shape[0]
    if lf.c is not None and (not torch.is_tensor(lf.c) or lf.c.dim() != 2
                             or lf.c.shape[0] != n):
        _fail(where, f'c has shape {tuple(lf.c.shape)}, expected ({n}, '
              'c_dim)')
    _check_noise(where, lf.noise, n)
    _check_per_code(where, 'losses', lf.losses, n)
    _check_per_code(where, 'scores', lf.scores, n)
    _check_meta(where, lf.meta)
    return lf


def _cpu(t: Tensor) -> Tensor:
    return t.detach().cpu().contiguous()


def _to_dict(lf: LatentFile) -> Dict[str, Any]:
    data = {'format': FORMAT, 'space': lf.space, 'latent': _cpu(lf.latent),
            'meta': dict(lf.meta)}
    if lf.c is not None:
        data['c'] = _cpu(lf.c)
    if lf.noise is not None:
        data['noise'] = [_cpu(v) for v in lf.noise]
    for key in ('losses', 'scores'):
        values = getattr(lf, key)
        if values is not None:
            data[key] = {k: _cpu(v) for k, v in values.items()}
    return data


def save_latents(path: str, latent: Tensor, *, space: str,
                 c: Optional[Tensor] = None,
                 noise: Optional[Sequence[Tensor]] = None,
                 losses: Optional[Dict[str, Tensor]] = None,
                 scores: Optional[Dict[str, Tensor]] = None,
                 meta: Optional[Dict[str, Any]] = None) -> str:
    """Write a latent file atomically; returns ``path``.

    Shapes are checked against ``space`` (see the module docstring);
    a bad one raises LatentFileError naming it.
    """
    lf = validate(LatentFile(latent, space, c,
                             None if noise is None else list(noise),
                             losses, scores, dict(meta or {})),
                  where=f"save_latents('{path}')")
    atomic_save(_to_dict(lf), path)
    return path


def load_latents(path: str) -> LatentFile:
    """Read a latent file with ``weights_only=True`` and validate it."""
    data = load_format_file(path, FORMAT, kind='latent', saver='save_latents',
                            missing='give a .pt file written by save_latents',
                            writer='save_latents', error=LatentFileError)
    lf = LatentFile(data.get('latent'), data.get('space'), data.get('c'),
                    data.get('noise'), data.get('losses'),
                    data.get('scores'), data.get('meta', {}))
    return validate(lf, where=f"latent file '{path}'")


def _describe(lf: LatentFile) -> str:
    return f"'{lf.space}' codes of shape {tuple(lf.latent.shape)}"


def _check_c(lf: LatentFile, G: nn.Module) -> None:
    if lf.space != 'z':
        return
    c_dim = lf.c.shape[1] if lf.c is not None else 0
    if c_dim != G.c_dim:
        raise ConfigError(
            f'the file holds z codes with a condition c of size {c_dim} but '
            f'{type(G).__name__} takes c of size {G.c_dim}; use the '
            'generator the codes were made with')


def _check_noise_fits(lf: LatentFile, G: nn.Module) -> None:
    if lf.noise is None:
        return
    have = [tuple(v.shape[2:]) for v in lf.noise]
    want = noise_shapes(G)
    if have != want:
        raise ConfigError(
            f'the file holds noise maps of sizes {have} but '
            f'{type(G).__name__} takes {want or "no noise"}; drop the '
            "file's noise or use the generator it was made with")


def check_compatible(lf: LatentFile, G: nn.Module) -> None:
    """Raise ConfigError (one line) if ``lf`` does not fit ``G``."""
    name = type(G).__name__
    if lf.space == 'w+' and not G.has_w_space:
        raise ConfigError(
            f'the file holds {_describe(lf)} but {name} has no W+ space '
            f'(one w of size {G.w_dim}); use a style generator or a z/w file')
    size = latent_size(G, lf.space)
    if tuple(lf.latent.shape[1:]) != size:
        raise ShapeError(
            f'the file holds {_describe(lf)} but {name} expects '
            f"'{lf.space}' codes of shape (N, {', '.join(map(str, size))});"
            ' use the generator the codes were made with')
    _check_c(lf, G)
    _check_noise_fits(lf, G)


def to_ws(lf: LatentFile, G: nn.Module) -> Tensor:
    """``ws`` [N, num_ws, w_dim] on G's device: z -> ``mapping(z, c)``,
    w -> the same w for every layer, w+ as stored. No gradient."""
    check_compatible(lf, G)
    device = model_device(G)
    latent = lf.latent.to(device)
    with torch.no_grad():
        if lf.space == 'z':
            c = None if lf.c is None else lf.c.to(device)
            return G.mapping(latent, c)
        if lf.space == 'w':
            return broadcast_w(G, latent).contiguous()
        return latent


def load_codes(paths: Sequence[str], G: nn.Module) -> Codes:
    """The codes of one or more latent files (concatenated in order), on
    G's device, checked against G; files of different spaces meet in the
    last of them (``z -> w -> w+``)."""
    device, parts = model_device(G), []
    for path in paths:
        lf = load_latents(path)
        check_compatible(lf, G)
        parts.append(lf.codes.to(device))
    target = highest_space([p.space for p in parts])
    return cat_codes([to_space(p, G, target) for p in parts], G)


def save_codes(path: str, codes: Codes, *,
               losses: Optional[Dict[str, Tensor]] = None,
               meta: Optional[Dict] = None) -> str:
    """Write ``codes`` as a latent file (``w+`` with equal layers as
    ``w``; ``c`` only with z codes)."""
    codes = compact(codes)
    return save_latents(path, codes.latent, space=codes.space,
                        c=codes.c if codes.space == 'z' else None,
                        noise=codes.noise, losses=losses, meta=meta)
