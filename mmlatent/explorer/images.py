"""What a render sends back: the PNG of the image and, for Shapes models,
the factors the analytic measurer reads from it."""
from typing import Dict, Optional

import cv2
from torch import Tensor

from ..datasets.measure import measure_factors
from ..datasets.shapes import SHAPES
from ..utils.image import to_uint8


def png_bytes(img: Tensor) -> bytes:
    """PNG file bytes of the first image of [N, C, H, W] in [-1, 1]."""
    rgb = to_uint8(img[:1])[0]
    bgr = rgb if rgb.shape[2] == 1 else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode('.png', bgr)
    assert ok
    return buf.tobytes()


def shapes_factors(img: Tensor) -> Optional[Dict]:
    """x, y, scale, rotation, hue (None where no shape), class name and
    validity of the first image of [N, 3, H, W]; None for other channel
    counts."""
    if img.shape[1] != 3:
        return None
    m = measure_factors(img[:1])
    out = {}
    for k in ('x', 'y', 'scale', 'rotation', 'hue'):
        v = float(m[k][0])
        out[k] = None if v != v else round(v, 4)
    label = int(m['label'][0])
    out['shape'] = SHAPES[label] if 0 <= label < len(SHAPES) else None
    out['valid'] = bool(m['valid'][0])
    return out
