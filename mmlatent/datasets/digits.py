"""scikit-learn's bundled handwritten digits (no download)."""
import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..registry import DATASETS
from ..utils.errors import ConfigError


@DATASETS.register_module()
class DigitsDataset(Dataset):
    """The 1797 8x8 digits of scikit-learn (UCI optical digits), upsampled
    to ``resolution`` with bicubic interpolation, white on black.

    Items: ``dict(img=[channels, H, W] float in [-1, 1], label=digit)``.
    """

    def __init__(self, resolution: int = 32, channels: int = 1):
        if channels not in (1, 3):
            raise ConfigError(f'channels={channels} must be 1 or 3')
        from sklearn.datasets import load_digits  # heavy: only when used
        data = load_digits()
        imgs = data.images.astype(np.float32) / 16.0  # [N, 8, 8] in [0, 1]
        up = np.stack([cv2.resize(im, (resolution, resolution),
                                  interpolation=cv2.INTER_CUBIC)
                       for im in imgs])
        img = torch.from_numpy(np.clip(up, 0, 1))[:, None] * 2 - 1
        self.images = img.repeat(1, channels, 1, 1).contiguous()
        self.targets = torch.from_numpy(data.target).long()
        self.resolution = resolution

    @property
    def metainfo(self) -> dict:
        return dict(classes=tuple(str(i) for i in range(10)),
                    resolution=self.resolution)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> dict:
        return dict(img=self.images[index], label=int(self.targets[index]))
