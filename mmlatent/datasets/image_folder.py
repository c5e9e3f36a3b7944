"""A folder of the user's own images."""
import os.path as osp
from typing import Sequence

import torch
from torch.utils.data import Dataset

from ..registry import DATASETS
from ..utils.errors import ConfigError, DataError
from ..utils.image import (IMAGE_EXTENSIONS, list_images, read_image,
                           resize_center_crop, to_tensor)
from .caption_file import folder_captions

LABEL_MODES = ('auto', 'subfolder', 'none')


@DATASETS.register_module()
class ImageFolderDataset(Dataset):
    """Images under ``root`` (recursive), resized on the shorter side and
    centre-cropped to ``resolution``.

    Args:
        root: the folder.
        resolution: output size.
        channels: 3 (RGB; gray is repeated) or 1 (gray).
        labels: ``subfolder`` (class = first-level subfolder name, sorted),
            ``none``, or ``auto`` (subfolder when every image lies in a
            subfolder and there are at least two of them).
        xflip: also serve each image mirrored (doubles the length).
        captions: read each folder's ``captions.txt`` (format in
            :mod:`mmlatent.datasets.caption_file`); the dataset then serves
            one item per (image, caption) pair, with ``caption`` (str).
            Cannot be combined with ``xflip`` (mirroring swaps left and
            right).

    Items: ``dict(img=[C, H, W] float in [-1, 1], label=int)`` (label -1
    without classes).
    """

    def __init__(self, root: str, resolution: int = 64, channels: int = 3,
                 labels: str = 'auto', xflip: bool = False,
                 extensions: Sequence[str] = IMAGE_EXTENSIONS,
                 captions: bool = False):
        if labels not in LABEL_MODES:
            raise ConfigError(f"labels='{labels}' is not one of "
                              f'{LABEL_MODES}')
        if not osp.isdir(root):
            raise DataError(f"image folder '{root}' does not exist; set "
                            'train_dataloader.dataset.root to a folder of '
                            'images')
        self.root, self.resolution, self.channels = root, resolution, channels
        self.xflip = xflip
        self.files = list_images(root, extensions)
        if not self.files:
            raise DataError(f"image folder '{root}' holds no images with "
                            f"extensions {', '.join(extensions)}")
        self.classes, self.labels = self._find_classes(labels)
        if captions and xflip:
            raise ConfigError('captions=True with xflip=True: mirroring '
                              "swaps 'left' and 'right' of the captions; "
                              'set xflip=False')
        self.pairs = self._caption_pairs() if captions else None

    def _caption_pairs(self):
        """[(image index, caption)] of every caption of every image."""
        return [(i, c) for i, caps in
                enumerate(folder_captions(self.files)) for c in caps]

    def _find_classes(self, mode: str):
        rel = [osp.relpath(f, self.root).split(osp.sep) for f in self.files]
        subdirs = [r[0] if len(r) > 1 else None for r in rel]
        names = sorted({s for s in subdirs if s is not None})
        use = mode == 'subfolder' or (mode == 'auto' and None not in subdirs
                                      and len(names) >= 2)
        if mode == 'subfolder' and None in subdirs:
            raise DataError(f"labels='subfolder' but '{self.root}' has images "
                            'outside any subfolder; move them into class '
                            "folders or use labels='none'")
        if not use:
            return (), [-1] * len(self.files)
        index = {n: i for i, n in enumerate(names)}
        return tuple(names), [index[s] for s in subdirs]

    @property
    def metainfo(self) -> dict:
        return dict(classes=self.classes, resolution=self.resolution)

    def __len__(self) -> int:
        if self.pairs is not None:
            return len(self.pairs)
        return len(self.files) * (2 if self.xflip else 1)

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f'index {index} out of range for {len(self)}')
        if self.pairs is not None:
            i, caption = self.pairs[index]
            return dict(self._item(i, False), caption=caption)
        flip, i = divmod(index, len(self.files))
        return self._item(i, flip)

    def _item(self, i: int, flip: bool) -> dict:
        img = resize_center_crop(read_image(self.files[i], self.channels),
                                 self.resolution)
        img = to_tensor(img)
        if flip:
            img = torch.flip(img, dims=[2])
        return dict(img=img, label=self.labels[i])
