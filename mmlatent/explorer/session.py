"""The explorer's state and its one-forward render path.

A :class:`ExplorerSession` holds the generator, the slider directions,
the stored codes (``--latent`` files, saved and projected codes) and the
files it wrote. :meth:`ExplorerSession.code` turns a :class:`View` into
the code to show, in this order::

    z (seed or stored z code, truncated) + z sliders
    -> ws = mapping(z, c)        (cached per seed / code while z is fixed)
    -> + w sliders on the chosen W+ layers, + w+ sliders
    -> interpolated towards the target (slerp in z, else lerp in ws; the
       target's ws come from the same cache)

and :meth:`render` runs ``G.synthesis`` once on it. Every generator is
reached through the latent interface (DESIGN.md §3) only.
"""
import base64
import itertools
import os.path as osp
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from ..latent.codes import Codes, compact
from ..latent.interpolation import lerp, slerp
from ..latent.io import save_codes
from ..latent.spaces import broadcast_w, model_device
from ..latent.start import seed_z
from .images import png_bytes, shapes_factors
from .jobs import StartCache
from .sliders import Slider
from .view import RequestError, View

#: ``text_direction(prompt) -> (space, vector)``: the hook the text tools
#: plug into (see docs/latent_explorer.md); None hides the prompt box.
TextDirection = Callable[[str], Tuple[str, Tensor]]
CACHE_SIZE = 64


@dataclass
class Current:
    """The code on screen: ``z`` [1, z_dim] while it is still a z code
    (None after w edits of a style generator, or for its w codes), its
    condition ``c``, ``ws`` [1, num_ws, w_dim] and per-code noise maps
    (or None)."""
    z: Optional[Tensor]
    c: Optional[Tensor]
    ws: Tensor
    noise: Optional[List[Tensor]]


class ExplorerSession:
    """Everything one explorer serves (see the module docstring).

    Args:
        G: generator (eval mode, no gradients needed).
        out_dir: folder of saved codes and exported directions.
        measure: show the measured Shapes factors of each image.
        text_direction: hook for text prompts (None: no prompt box).
        project_steps / mse_weight / w_avg_samples: projection settings.
        max_upload: largest upload in bytes.
    """

    def __init__(self, G: nn.Module, *, out_dir: str, measure: bool = False,
                 text_direction: Optional[TextDirection] = None,
                 project_steps: int = 200, mse_weight: float = 1.0,
                 w_avg_samples: int = 2000, max_upload: int = 8 << 20,
                 name: str = ''):
        self.G = G.eval()
        self.out_dir, self.measure, self.name = out_dir, measure, name
        self.text_direction = text_direction
        self.project_steps, self.mse_weight = project_steps, mse_weight
        self.w_avg_samples, self.max_upload = w_avg_samples, max_upload
        self.sliders: Dict[str, Slider] = {}
        self.codes: Dict[str, Tuple[str, Codes]] = {}
        self.files: Dict[str, str] = {}
        self.jobs: Dict[str, object] = {}
        self.lock = threading.RLock()
        self._ws_cache: 'OrderedDict[tuple, Tensor]' = OrderedDict()
        self._dir_cache: 'OrderedDict[tuple, tuple]' = OrderedDict()
        self._ids = itertools.count(1)
        self._file_ids: Dict[str, int] = {}
        self.sefa_status = ''
        #: the projections' mean code, estimated once (see StartCache)
        self.projection_starts = StartCache()
        #: the page's first view: seed, labels, con
        self.start: Dict = {'seed': 0, 'labels': None, 'con': None}
        self.device = model_device(G)

    # -- registry ---------------------------------------------------------
    def add_sliders(self, sliders: List[Slider]) -> List[Slider]:
        with self.lock:
            for s in sliders:
                self.sliders[s.id] = s
        return sliders

    def replace_group(self, group: str, sliders: List[Slider]) -> None:
        """Drop the sliders of ``group`` and add ``sliders``."""
        with self.lock:
            for key in [k for k, s in self.sliders.items()
                        if s.group == group]:
                del self.sliders[key]
            self.add_sliders(sliders)

    def add_code(self, name: str, codes: Codes) -> List[str]:
        """Store each code of ``codes`` (one id per code)."""
        ids = []
        with self.lock:
            for i in range(len(codes)):
                key = f'code{next(self._ids)}'
                label = name if len(codes) == 1 else f'{name}[{i}]'
                self.codes[key] = (label, codes[i])
                ids.append(key)
        return ids

    def add_file(self, path: str) -> str:
        """Register a written file for download; returns its URL."""
        name = osp.basename(path)
        self.files[name] = osp.abspath(path)
        return f'/files/{name}'

    def cached_directions(self, key: tuple) -> Optional[tuple]:
        """A Jacobian / local direction set cached under ``key``."""
        with self.lock:
            return self._dir_cache.get(key)

    def cache_directions(self, key: tuple, value: tuple) -> None:
        """Keep ``value`` under ``key`` (the last CACHE_SIZE sets)."""
        with self.lock:
            self._dir_cache[key] = value
            if len(self._dir_cache) > CACHE_SIZE:
                self._dir_cache.popitem(last=False)

    def next_id(self) -> int:
        return next(self._ids)

    def next_file(self, stem: str) -> str:
        """A new path ``<out_dir>/<stem>_NNN.pt``: numbered per stem,
        never an existing file (earlier sessions' files are kept)."""
        with self.lock:
            while True:
                n = self._file_ids[stem] = self._file_ids.get(stem, 0) + 1
                path = osp.join(self.out_dir, f'{stem}_{n:03d}.pt')
                if not osp.exists(path):
                    return path

    def info(self) -> Dict:
        """What the page needs to build its controls."""
        G = self.G
        with self.lock:
            sliders = [s.info() for s in self.sliders.values()]
            codes = [{'id': k, 'name': v[0], 'space': v[1].space}
                     for k, v in self.codes.items()]
        return {
            'name': self.name, 'resolution': int(G.resolution),
            'z_dim': G.z_dim, 'w_dim': G.w_dim, 'num_ws': G.num_ws,
            'has_w_space': bool(G.has_w_space),
            'w_is_input': bool(G.w_is_input),
            'spaces': self._spaces(),
            'cat_dims': list(G.codes.cat_dims), 'con_dim': G.codes.con_dim,
            'sliders': sliders, 'codes': codes,
            'measure': self.measure, 'text': self.text_direction is not None,
            'max_upload': self.max_upload,
            'project_steps': self.project_steps, 'start': self.start,
        }

    # -- codes --------------------------------------------------------------
    def _condition(self, view: View, gen: torch.Generator
                   ) -> Optional[Tensor]:
        """``c`` [1, c_dim]: drawn from the seed, then overridden by the
        view's labels / continuous codes."""
        G = self.G
        if not G.c_dim:
            if view.labels or view.con:
                raise RequestError('labels / con given but the generator is '
                                   'unconditional; drop them')
            return None
        spec = G.codes
        c = G.sample_c(1, gen)
        ncat = sum(spec.cat_dims)
        if view.labels is not None:
            if len(view.labels) != len(spec.cat_dims):
                raise RequestError(
                    f'labels={view.labels} must give {len(spec.cat_dims)} '
                    f'value(s) (categorical codes of sizes {spec.cat_dims})')
            bad = [(v, k) for v, k in zip(view.labels, spec.cat_dims)
                   if v >= k]
            if bad:
                raise RequestError(f'label {bad[0][0]} is out of range for '
                                   f'a code of {bad[0][1]} classes; use 0..'
                                   f'{bad[0][1] - 1}')
            labels = torch.tensor([view.labels], device=self.device)
            c[:, :ncat] = G.make_c(labels, n=1)[:, :ncat]
        if view.con is not None:
            if len(view.con) != spec.con_dim:
                raise RequestError(f'con={view.con} must give '
                                   f'{spec.con_dim} value(s)')
            c[:, ncat:] = torch.tensor(view.con, device=self.device)
        return c

    def seed_codes(self, seed: int, view: View) -> Codes:
        """The z code of ``seed`` as tools/generate.py draws it
        (:func:`~mmlatent.latent.start.seed_z`, NVIDIA's seeds), and
        its condition from ``torch.Generator().manual_seed(seed)``."""
        z = seed_z(self.G, [seed]).to(self.device)
        gen = torch.Generator(device=self.device).manual_seed(seed)
        return Codes(z, 'z', self._condition(view, gen))

    def _stored(self, key: str, what: str) -> Codes:
        if key not in self.codes:
            raise RequestError(f"{what}={key!r} is not a stored code; use "
                               "'seed' or one of the ids GET /api/info lists")
        return self.codes[key][1]

    def _seed_key(self, seed: int, view: View) -> tuple:
        """The mapping-cache key of ``seed``'s code under ``view``."""
        return ('seed', seed, view.psi, tuple(view.labels or ()),
                tuple(view.con or ()))

    def _endpoint(self, key: str, view: View) -> Tuple[Codes, tuple]:
        """The target code and its mapping-cache key."""
        if key.startswith('seed:'):
            try:
                seed = int(key[5:])
            except ValueError:
                raise RequestError(f"target={key!r}: write 'seed:N' with an "
                                   'integer N') from None
            return self.seed_codes(seed, view), self._seed_key(seed, view)
        return self._stored(key, 'target'), ('code', key, view.psi)

    def _truncate_z(self, z: Tensor, psi: float) -> Tensor:
        """Non-style generators: z scaled towards the prior mean 0."""
        return z if psi == 1 or self.G.has_w_space else z * psi

    def _map(self, z: Tensor, c: Optional[Tensor], psi: float,
             key: Optional[tuple]) -> Tensor:
        """``mapping(z, c)`` (truncated for style generators), cached under
        ``key``."""
        if key is not None and key in self._ws_cache:
            self._ws_cache.move_to_end(key)
            return self._ws_cache[key]
        kwargs = {'truncation_psi': psi} if self.G.has_w_space and \
            psi != 1 else {}
        with torch.no_grad():
            ws = self.G.mapping(z, c, **kwargs)
        if key is not None:
            self._ws_cache[key] = ws
            if len(self._ws_cache) > CACHE_SIZE:
                self._ws_cache.popitem(last=False)
        return ws

    def _sliders_of(self, view: View, space: str) -> List[Tuple[float,
                                                                  Slider]]:
        out = []
        for key, value in view.sliders.items():
            if key not in self.sliders:
                raise RequestError(f'unknown direction {key!r}; GET '
                                   '/api/info lists the sliders')
            s = self.sliders[key]
            if s.space == space and value != 0:
                out.append((value, s))
        return out

    def _offset(self, pairs: List[Tuple[float, Slider]]) -> Tensor:
        return sum(v * s.vector.to(self.device) for v, s in pairs)

    def _layer_mask(self, view: View) -> Tensor:
        n = self.G.num_ws
        mask = torch.ones(n, device=self.device)
        if view.space != 'w+' or view.layers is None:
            return mask
        lo, hi = view.layers
        if hi >= n:
            raise RequestError(f'layers={list(view.layers)}: the generator '
                               f'has {n} W+ layers (0..{n - 1})')
        mask.zero_()
        mask[lo:hi + 1] = 1
        return mask

    def _z_stage(self, base: Codes, view: View, key: Optional[tuple]
                 ) -> Tuple[Optional[Tensor], Tensor]:
        """(z or None, ws) after the z sliders and the mapping."""
        moves = self._sliders_of(view, 'z')
        if base.space != 'z':
            if moves:
                raise RequestError(
                    f'direction {moves[0][1].name!r} moves z but the code '
                    f'is a {base.space} code; set it to 0 or use a '
                    'w direction')
            ws = base.latent if base.space == 'w+' else \
                broadcast_w(self.G, base.latent)
            return None, ws
        z = self._truncate_z(base.latent, view.psi)
        if moves:
            z, key = z + self._offset(moves), None
        return z, self._map(z, base.c, view.psi, key)

    def _w_stage(self, ws: Tensor, view: View) -> Tuple[Tensor, bool]:
        """ws after the w and w+ sliders, and whether any moved it."""
        w_moves = self._sliders_of(view, 'w')
        plus = self._sliders_of(view, 'w+')
        if plus and not self.G.has_w_space:
            raise RequestError('w+ directions need a style generator')
        if w_moves:
            ws = ws + self._layer_mask(view).view(1, -1, 1) * \
                self._offset(w_moves).view(1, 1, -1)
        if plus:
            ws = ws + self._offset(plus).view(1, *ws.shape[1:])
        return ws, bool(w_moves or plus)

    def _interpolate(self, cur: Current, view: View) -> Current:
        if view.target is None or view.t == 0:
            return cur
        end, key = self._endpoint(view.target, view)
        if view.space == 'z':
            if cur.z is None or end.space != 'z':
                raise RequestError('interpolation in z needs two z codes '
                                   'without w edits; choose space '
                                   f'{self._w_spaces()}')
            z_end = self._truncate_z(end.latent, view.psi)
            z = slerp(cur.z, z_end, view.t)
            c = cur.c if cur.c is None else lerp(cur.c, end.c, view.t)
            return Current(z, c, self._map(z, c, view.psi, None), cur.noise)
        _, ws_end = self._z_stage(end, View(psi=view.psi), key)
        return self._split_w(Current(None, cur.c, lerp(cur.ws, ws_end,
                                                       view.t), cur.noise))

    def code(self, view: View) -> Current:
        """The code ``view`` shows (see the module docstring)."""
        with self.lock:
            if view.base == 'seed':
                base = self.seed_codes(view.seed, view)
                key = self._seed_key(view.seed, view)
            else:
                base = self._stored(view.base, 'base')
                key = ('code', view.base, view.psi)
            z, ws = self._z_stage(base, view, key)
            ws, moved = self._w_stage(ws, view)
            cur = Current(z, base.c, ws, base.noise)
            if moved or z is None:
                cur = self._split_w(cur)
            return self._interpolate(cur, view)

    def _split_w(self, cur: Current) -> Current:
        """After w edits: a generator whose ``w`` is its input ``[z | c]``
        (DESIGN.md §3) still has a z code with a condition; one with a
        mapping (a style generator, an l-GAN's code) has none."""
        G = self.G
        if not G.w_is_input:
            return Current(None, cur.c, cur.ws, cur.noise)
        w = cur.ws[:, 0]
        c = w[:, G.z_dim:] if G.c_dim else None
        return Current(w[:, :G.z_dim], c, cur.ws, cur.noise)

    # -- images -------------------------------------------------------------
    def synthesis_kwargs(self, cur: Current) -> Dict:
        return Codes(cur.ws, 'w+', None, cur.noise).synthesis_kwargs(self.G)

    def render(self, view: View) -> Tensor:
        """The image of ``view``: [1, C, H, W] in [-1, 1], one synthesis
        forward."""
        with self.lock:
            cur = self.code(view)
            with torch.no_grad():
                return self.G.synthesis(cur.ws, **self.synthesis_kwargs(cur))

    def factors(self, img: Tensor) -> Optional[Dict]:
        """Measured Shapes factors of ``img`` (None unless ``measure``)."""
        return shapes_factors(img) if self.measure else None

    def render_json(self, view: View) -> Dict:
        """``{'image': data URL of a PNG, 'factors', 'ms'}``."""
        start = time.perf_counter()
        img = self.render(view)
        png = png_bytes(img)
        return {'image': 'data:image/png;base64,' +
                base64.b64encode(png).decode('ascii'),
                'factors': self.factors(img),
                'ms': round(1000 * (time.perf_counter() - start), 2)}

    # -- saving ---------------------------------------------------------------
    def _spaces(self) -> List[str]:
        """The spaces the page offers for this generator."""
        return ['z', 'w', 'w+'] if self.G.has_w_space else ['z', 'w']

    def _w_spaces(self) -> str:
        """The spaces offered besides z, for messages: 'w or w+'."""
        return ' or '.join(self._spaces()[1:])

    def codes_in_space(self, view: View) -> Codes:
        """The current code as Codes of ``view.space``."""
        cur, G = self.code(view), self.G
        if view.space == 'z':
            if cur.z is None:
                raise RequestError('the code has w edits (or is a w code) '
                                   'and the mapping cannot be inverted; '
                                   f'choose space {self._w_spaces()} to use '
                                   'it')
            return Codes(cur.z, 'z', cur.c, cur.noise)
        if view.space == 'w+' and not G.has_w_space:
            raise RequestError(f'{type(G).__name__} has no W+ space; '
                               'choose z or w')
        codes = Codes(cur.ws, 'w+', None, cur.noise)
        if view.space == 'w':
            codes = compact(codes)
            if codes.space != 'w':
                raise RequestError('the W+ layers of the code differ (layer '
                                   'range edits); choose space w+')
        return codes

    def save(self, view: View) -> Dict:
        """Write the current code as a latent file; it becomes a stored
        code (an interpolation target)."""
        with self.lock:
            codes = self.codes_in_space(view)
            path = self.next_file('code')
            save_codes(path, codes, meta={
                'app': 'latent_explorer', 'base': view.base,
                'seed': view.seed, 'psi': view.psi})
            key = self.add_code(osp.basename(path)[:-3], codes)[0]
            return {'file': osp.basename(path), 'path': path,
                    'url': self.add_file(path), 'code': key,
                    'space': codes.space}
