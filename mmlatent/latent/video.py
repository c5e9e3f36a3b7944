"""Videos of image sequences: an animated GIF (Pillow through imageio) and
an H.264 MP4 (the ffmpeg binary bundled with imageio-ffmpeg; nothing is
downloaded).

Frames are uint8 [T, H, W, 3] (or [T, H, W, 1], repeated to RGB). The MP4
is yuv420p, which needs even sizes: frames are padded by one black row /
column where needed. Frames smaller than ``min_size`` pixels are enlarged
(nearest neighbour, an integer factor) so that players show them.
"""
import os
import os.path as osp
from typing import List, Sequence

import numpy as np

from ..utils.errors import ConfigError, DataError, ShapeError

FORMATS = ('gif', 'mp4')


def _prepare(frames: np.ndarray, min_size: int) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.dtype != np.uint8 or \
            frames.shape[-1] not in (1, 3) or frames.shape[0] < 1:
        raise ShapeError(f'video frames are {frames.dtype} '
                         f'{frames.shape}, expected uint8 [T, H, W, 3]')
    if frames.shape[-1] == 1:
        frames = np.repeat(frames, 3, axis=-1)
    scale = max(1, -(-min_size // min(frames.shape[1:3])))
    if scale > 1:
        frames = frames.repeat(scale, axis=1).repeat(scale, axis=2)
    return frames


def _even(frames: np.ndarray) -> np.ndarray:
    h, w = frames.shape[1:3]
    return np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)))


def write_gif(path: str, frames: np.ndarray, *, fps: float) -> str:
    """Looping GIF at ``fps`` frames per second."""
    import imageio.v3 as iio
    iio.imwrite(path, list(frames), extension='.gif', plugin='pillow',
                duration=int(round(1000 / fps)), loop=0)
    return path


def write_mp4(path: str, frames: np.ndarray, *, fps: float) -> str:
    """H.264 MP4 (yuv420p) at ``fps`` frames per second."""
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (bundles the ffmpeg binary)
    except ImportError as e:
        raise DataError('MP4 export needs imageio-ffmpeg (pip install '
                        'imageio-ffmpeg), which bundles ffmpeg') from e
    writer = imageio.get_writer(path, format='FFMPEG', mode='I', fps=fps,
                                codec='libx264', pixelformat='yuv420p',
                                macro_block_size=1,
                                ffmpeg_log_level='error',
                                output_params=['-threads', '1'])
    try:
        for frame in _even(frames):
            writer.append_data(frame)
    finally:
        writer.close()
    return path


def write_video(stem: str, frames: np.ndarray, *, fps: float = 10,
                formats: Sequence[str] = FORMATS,
                min_size: int = 128) -> List[str]:
    """Write ``<stem>.gif`` and/or ``<stem>.mp4``; returns the paths."""
    if fps <= 0:
        raise ConfigError(f'fps={fps} must be > 0')
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ConfigError(f'video format {bad[0]} is not one of {FORMATS}')
    frames = _prepare(frames, min_size)
    os.makedirs(osp.dirname(osp.abspath(stem)), exist_ok=True)
    writers = {'gif': write_gif, 'mp4': write_mp4}
    return [writers[f](f'{stem}.{f}', frames, fps=fps) for f in formats]
