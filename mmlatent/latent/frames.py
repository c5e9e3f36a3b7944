"""Interpolation frames and their outputs (the library half of
``apps/interpolate_sample.py``): sampling options of style generators, the
endpoints, the rendered frames of a path, and the images and video frames
of the ``sequence`` and ``group`` layouts (see :mod:`.paths`)."""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..utils.errors import ConfigError
from ..utils.image import to_uint8
from .annotate import annotated_grid
from .codes import Codes, render_codes, require_w_space
from .interpolation import batch_ranges
from .paths import check_endpoints, default_mode, interpolation_path
from .start import start_codes

#: Sampling options of style generators: those applied when mapping z,
#: and those of the synthesis.
MAPPING_KEYS = ('truncation_psi', 'truncation_cutoff')
SYNTHESIS_KEYS = ('noise_mode', )


def sampling_kwargs(G: nn.Module, options: Dict[str, object],
                    option: str = '--sample-cfg'
                    ) -> Tuple[dict, Optional[dict]]:
    """(mapping kwargs, synthesis kwargs or None) of ``options``
    (:data:`MAPPING_KEYS` and :data:`SYNTHESIS_KEYS`; a style generator
    only). The synthesis keeps constant noise unless ``noise_mode`` says
    otherwise."""
    bad = [k for k in options if k not in MAPPING_KEYS + SYNTHESIS_KEYS]
    if bad:
        raise ConfigError(f"{option} key '{bad[0]}' is not one of "
                          f'{MAPPING_KEYS + SYNTHESIS_KEYS}')
    if options:
        require_w_space(G, f'{option} {next(iter(options))}')
    mapping = {k: v for k, v in options.items() if k in MAPPING_KEYS}
    synthesis = {k: v for k, v in options.items() if k in SYNTHESIS_KEYS}
    return mapping, ({'noise_mode': 'const', **synthesis} if synthesis
                     else None)


@dataclass
class Endpoints:
    """The endpoints of an interpolation, in the space it runs in (``z``,
    or ``w``: W+ codes [K, num_ws, w_dim], interpolated per layer), and
    notes for the user (empty when there is nothing to say)."""
    codes: Codes
    space: str
    notes: List[str]


def interpolation_endpoints(
        G: nn.Module, *, files: Optional[Codes] = None,
        num: Optional[int] = None, space: Optional[str] = None,
        show_mode: str = 'sequence', label: Optional[Sequence[int]] = None,
        con: Optional[Sequence[float]] = None,
        generator: Optional[torch.Generator] = None,
        mapping_kwargs: Optional[dict] = None,
        note: Optional[Callable[[str], None]] = None) -> Endpoints:
    """``num`` endpoints: the codes of ``files`` first, then codes drawn
    with ``generator`` (default count: those of ``files`` and at least 2,
    or 4 without files). ``space`` defaults to ``z``, or ``w`` for files of
    w / w+ codes. ``note(text)`` is called with each note as it arises
    (the notes are also returned)."""
    space = space or ('z' if files is None or files.space == 'z' else 'w')
    notes = []

    def say(text: str) -> None:
        notes.append(text)
        if note is not None:
            note(text)
    if space == 'w' and not G.has_w_space:
        say(f'{type(G).__name__} has no learned W space; --space w '
            f'interpolates {G.w_meaning}')
    have = 0 if files is None else len(files)
    num = num or max(have, 2 if files is not None else 4)
    check_endpoints(num, show_mode)
    if num < have:
        say(f'using the first {num} of the {have} codes of --proj-latent '
            '(--endpoint)')
    codes = start_codes(G, num, space='z' if space == 'z' else 'w+',
                        files=files, fill=True, label=label, con=con,
                        generator=generator, mapping_kwargs=mapping_kwargs)
    return Endpoints(codes, space, notes)


def render_frames(G: nn.Module, path: Codes, *, batch_size: int = 16,
                  mapping_kwargs: Optional[dict] = None,
                  synthesis_kwargs: Optional[dict] = None,
                  progress: bool = False) -> np.ndarray:
    """uint8 frames [M, H, W, C] of the M codes of ``path``, rendered and
    converted batch by batch (the float images of a long path never sit in
    memory at once)."""
    frames = []
    for part in batch_ranges(len(path), batch_size, progress):
        img = render_codes(G, path[part], batch_size=batch_size,
                           synthesis_kwargs=synthesis_kwargs,
                           mapping_kwargs=mapping_kwargs)
        frames.append(to_uint8(img))
    return np.concatenate(frames)


@dataclass
class Frames:
    """The outputs of an interpolation: ``images`` {file name: uint8
    image} (``frame_<k>.png`` per frame, or one ``interpolation_group.png``)
    and ``video`` [T, H, W, C] uint8 (the frames, or in group mode frame t
    showing every pair at step t), ``rows`` the pairs of group mode (0 in
    sequence mode), ``mode`` the interpolation (lerp / slerp)."""
    images: Dict[str, np.ndarray]
    video: np.ndarray
    rows: int
    mode: str


def layout_frames(frames: np.ndarray, *, show_mode: str,
                  interval: int) -> Tuple[Dict[str, np.ndarray],
                                          np.ndarray, int]:
    """(images, video frames, rows) of rendered ``frames`` [M, H, W, C]
    laid out by ``show_mode`` (see :class:`Frames`)."""
    if show_mode == 'sequence':
        images = {f'frame_{k:05d}.png': frame
                  for k, frame in enumerate(frames)}
        return images, frames, 0
    images = torch.from_numpy(frames).permute(0, 3, 1, 2).float() \
        .div(127.5).sub(1)
    rows = images.view(-1, interval, *images.shape[1:])
    video = np.stack([annotated_grid(rows[:, t:t + 1])
                      for t in range(interval)])
    return ({'interpolation_group.png': annotated_grid(rows)}, video,
            rows.shape[0])


def interpolation_frames(G: nn.Module, ends: Endpoints, *, interval: int,
                         mode: Optional[str] = None,
                         show_mode: str = 'sequence', batch_size: int = 16,
                         mapping_kwargs: Optional[dict] = None,
                         synthesis_kwargs: Optional[dict] = None,
                         progress: bool = False) -> Frames:
    """Interpolate between ``ends`` (``mode`` None: slerp in z, lerp in w),
    render the path and lay it out by ``show_mode``. Frame
    ``k * (interval - 1)`` of a sequence is endpoint ``k``; row ``r`` of a
    group runs from endpoint ``2 r`` to ``2 r + 1``."""
    mode = mode or default_mode(ends.space)
    path = interpolation_path(ends.codes, interval=interval, mode=mode,
                              show_mode=show_mode)
    frames = render_frames(G, path, batch_size=batch_size,
                           mapping_kwargs=mapping_kwargs,
                           synthesis_kwargs=synthesis_kwargs,
                           progress=progress)
    images, video, rows = layout_frames(frames, show_mode=show_mode,
                                        interval=interval)
    return Frames(images, video, rows, mode)
