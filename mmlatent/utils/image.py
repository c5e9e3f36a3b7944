"""Image reading, conversion and grid writing."""
import os
import os.path as osp
from typing import List, Sequence

import cv2
import numpy as np
import torch
from torch import Tensor

from .errors import DataError, first_line  # noqa: F401 (re-export)


def read_image(path: str, channels: int = 3) -> np.ndarray:
    """Read ``path`` as uint8 RGB [H, W, 3] (or gray [H, W, 1]).

    Grayscale inputs are repeated to RGB; an alpha channel is composited
    over black. Raises DataError naming the file if it cannot be decoded.
    """
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise DataError(f"cannot read image '{path}': missing, unreadable or "
                        'not an image; remove it or fix its format')
    if img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(
            np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    if img.shape[2] == 4:
        alpha = img[:, :, 3:].astype(np.float32) / 255
        img = (img[:, :, :3].astype(np.float32) * alpha).round().astype(
            np.uint8)
    if img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if channels == 1 and img.shape[2] == 3:
        return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[:, :, None]
    if channels == 3 and img.shape[2] == 1:
        return np.repeat(img, 3, axis=2)
    return img


def resize_center_crop(img: np.ndarray, resolution: int) -> np.ndarray:
    """Resize the shorter side to ``resolution`` then centre-crop a square."""
    h, w = img.shape[:2]
    s = resolution / min(h, w)
    nh, nw = max(resolution, round(h * s)), max(resolution, round(w * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    out = cv2.resize(img, (nw, nh), interpolation=interp)
    if out.ndim == 2:
        out = out[:, :, None]
    top, left = (nh - resolution) // 2, (nw - resolution) // 2
    return out[top:top + resolution, left:left + resolution]


def to_tensor(img: np.ndarray) -> Tensor:
    """uint8 [H, W, C] -> float [C, H, W] in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(img)).permute(
        2, 0, 1).float().div(127.5).sub(1)


def from_uint8(images: np.ndarray) -> Tensor:
    """uint8 [N, H, W, C] -> float32 [N, C, H, W] in [-1, 1] (the inverse
    of :func:`to_uint8`)."""
    img = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    return img.float() / 127.5 - 1.0


def to_uint8(img: Tensor) -> np.ndarray:
    """float [N, C, H, W] in [-1, 1] -> uint8 [N, H, W, C]."""
    img = img.detach().float().clamp(-1, 1).add(1).mul(127.5).round()
    return img.to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def make_grid(images: Tensor, nrow: int, padding: int = 2,
              pad_value: float = -1.0) -> np.ndarray:
    """Tile [N, C, H, W] images in [-1, 1] into a uint8 [H', W', C] grid
    with ``nrow`` images per row, ``padding`` pixels of ``pad_value``
    around every image (the layout of torchvision's make_grid, whose import
    costs more than a second; a single image is returned unpadded)."""
    x = images.detach().float().cpu()
    n, c, h, w = x.shape
    if n == 1:
        return to_uint8(x)[0]
    cols = min(nrow, n)
    rows = -(-n // cols)
    cells = x.new_full((rows * cols, c, h + padding, w + padding), pad_value)
    cells[:n, :, padding:, padding:] = x
    grid = cells.view(rows, cols, c, h + padding, w + padding).permute(
        2, 0, 3, 1, 4).reshape(c, rows * (h + padding), cols * (w + padding))
    grid = torch.nn.functional.pad(grid, (0, padding, 0, padding),
                                   value=pad_value)
    return to_uint8(grid[None])[0]


def write_image(path: str, img: np.ndarray) -> None:
    """Write a uint8 RGB or gray image, creating the folder."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(str(path), img):
        raise DataError(f"cannot write image '{path}'; check the folder "
                        'is writable and the extension is .png or .jpg')


def save_grid(path: str, images: Tensor, nrow: int) -> None:
    """Write [N, C, H, W] images in [-1, 1] as one grid image."""
    write_image(path, make_grid(images, nrow))


def save_rows(path: str, img: Tensor) -> str:
    """Write ``img`` [rows, cols, C, H, W] as one grid; returns ``path``."""
    save_grid(path, img.flatten(0, 1), img.shape[1])
    return path


IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif',
                    '.tiff')


def list_images(root: str,
                extensions: Sequence[str] = IMAGE_EXTENSIONS) -> List[str]:
    """Image files under ``root`` (recursive), sorted."""
    exts = tuple(e.lower() for e in extensions)
    found = [osp.join(d, f) for d, _, files in os.walk(root) for f in files
             if f.lower().endswith(exts)]
    return sorted(found)


