"""Uploaded images: checked and decoded as images only (PNG, JPEG, BMP,
WebP), never unpickled; bounded in bytes and in pixels before decoding."""
import io
from typing import Tuple

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from ..utils.image import resize_center_crop, to_tensor
from .view import RequestError

FORMATS = ('PNG', 'JPEG', 'BMP', 'WEBP')
MAX_PIXELS = 4096 * 4096


def check_size(length: int, limit: int) -> None:
    """RequestError 413 when ``length`` bytes exceed ``limit``."""
    if length > limit:
        raise RequestError(f'upload of {length} bytes is larger than the '
                           f'limit of {limit} bytes; send a smaller image '
                           '(or start the explorer with a larger '
                           '--max-upload-mb)', status=413)
    if length <= 0:
        raise RequestError('the upload is empty; send the image file as '
                           'the request body', status=400)


def decode_image(data: bytes) -> np.ndarray:
    """uint8 RGB [H, W, 3] from the bytes of a PNG/JPEG/BMP/WebP file;
    RequestError for anything else or for more than MAX_PIXELS pixels."""
    try:
        img = Image.open(io.BytesIO(data), formats=FORMATS)
        size: Tuple[int, int] = img.size
    except Exception:  # noqa: BLE001 - any undecodable upload
        raise RequestError('the upload is not a PNG, JPEG, BMP or WebP '
                           'image; send an image file') from None
    if size[0] * size[1] > MAX_PIXELS:
        raise RequestError(f'the image is {size[0]} x {size[1]} pixels, '
                           f'more than {MAX_PIXELS} in all; send a smaller '
                           'image', status=413)
    try:
        return np.asarray(img.convert('RGB'))
    except Exception:  # noqa: BLE001 - truncated or corrupt data
        raise RequestError('the image could not be decoded (truncated or '
                           'corrupt); send a complete image file') from None


def upload_target(data: bytes, resolution: int, channels: int) -> Tensor:
    """The projection target [1, channels, resolution, resolution] in
    [-1, 1]: the decoded image resized and centre-cropped."""
    rgb = resize_center_crop(decode_image(data), resolution)
    if channels == 1:
        rgb = rgb.mean(2, keepdims=True).round().astype(np.uint8)
    return to_tensor(rgb)[None].to(torch.float32)
