"""Image grids with annotations: a marked column (e.g. the unedited image
of a SeFa row), a region outlined in every cell (local mutations), empty
cells, and side-by-side pairs.

Images are [rows, cols, C, H, W] in [-1, 1]; grids are uint8 RGB
[H', W', 3] (gray images are repeated to RGB so that marks have colour).
Cells are separated by ``padding`` pixels of dark gray; a marked column
has its cell frames drawn in ``MARK_COLOR``.
"""
from typing import Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from ..utils.errors import ShapeError
from ..utils.image import to_uint8

MARK_COLOR = (255, 196, 0)  # amber frame: the unedited column
OUTLINE_COLOR = (255, 0, 64)  # red outline: the region
EMPTY_COLOR = (96, 96, 96)  # a cell without image
PAD_COLOR = (24, 24, 24)


def _rgb(images: Tensor) -> np.ndarray:
    """[N, C, H, W] in [-1, 1] -> uint8 [N, H, W, 3]."""
    out = to_uint8(images)
    if out.shape[-1] == 1:
        out = np.repeat(out, 3, axis=-1)
    if out.shape[-1] != 3:
        raise ShapeError(f'images have {out.shape[-1]} channels; grids take '
                         '1 (gray) or 3 (RGB)')
    return out


def outline_of(mask: Tensor) -> np.ndarray:
    """Bool [H, W]: the pixels of ``mask`` with a 4-neighbour outside it
    (or on the image border)."""
    m = np.asarray(torch.as_tensor(mask, dtype=torch.bool).cpu())
    pad = np.pad(m, 1, constant_values=False)
    inner = pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:]
    return m & ~inner


def _cell_origin(r: int, c: int, h: int, w: int, pad: int):
    return pad + r * (h + pad), pad + c * (w + pad)


def _frame(canvas: np.ndarray, y: int, x: int, h: int, w: int, pad: int,
           color) -> None:
    canvas[y - pad:y, x - pad:x + w + pad] = color
    canvas[y + h:y + h + pad, x - pad:x + w + pad] = color
    canvas[y:y + h, x - pad:x] = color
    canvas[y:y + h, x + w:x + w + pad] = color


def annotated_grid(images: Tensor, *, mark_columns: Sequence[int] = (),
                   outline: Optional[Tensor] = None,
                   empty: Optional[Tensor] = None,
                   padding: int = 2) -> np.ndarray:
    """Tile ``images`` [rows, cols, C, H, W] into a uint8 RGB grid.

    Args:
        mark_columns: columns framed in ``MARK_COLOR`` (needs padding >= 1).
        outline: [H, W] bool region outlined in ``OUTLINE_COLOR`` in every
            cell.
        empty: [rows, cols] bool; True cells are drawn flat
            ``EMPTY_COLOR`` (no image, e.g. a missing direction).
    """
    if images.dim() != 5:
        raise ShapeError(f'grid images have shape {tuple(images.shape)}, '
                         'expected [rows, cols, C, H, W]')
    rows, cols, _, h, w = images.shape
    cells = _rgb(images.flatten(0, 1)).reshape(rows, cols, h, w, 3)
    if outline is not None:
        edge = outline_of(outline)
        if edge.shape != (h, w):
            raise ShapeError(f'region mask is {edge.shape}, images are '
                             f'{(h, w)}; make the mask at image size')
        cells[:, :, edge] = OUTLINE_COLOR
    if empty is not None:
        cells[np.asarray(torch.as_tensor(empty, dtype=torch.bool))] = \
            EMPTY_COLOR
    pad = padding
    canvas = np.empty((rows * (h + pad) + pad, cols * (w + pad) + pad, 3),
                      np.uint8)
    canvas[:] = PAD_COLOR
    for r in range(rows):
        for c in range(cols):
            y, x = _cell_origin(r, c, h, w, pad)
            canvas[y:y + h, x:x + w] = cells[r, c]
            if c in mark_columns and pad:
                _frame(canvas, y, x, h, w, pad, MARK_COLOR)
    return canvas


def side_by_side(left: Tensor, right: Tensor, padding: int = 2
                 ) -> np.ndarray:
    """One image [C, H, W] beside another, e.g. target | projection."""
    return annotated_grid(torch.stack([left, right])[None], padding=padding)
