"""ImageFolderDataset and DigitsDataset."""
import cv2
import numpy as np
import pytest
import torch

from mmlatent.registry import DATASETS
from mmlatent.utils.errors import ConfigError, DataError


def write(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def test_classes_from_subfolders_and_resize_crop(tmp_path):
    write(tmp_path / 'cats' / 'a.png', np.full((40, 80, 3), 255, np.uint8))
    write(tmp_path / 'dogs' / 'b.jpg', np.zeros((64, 32, 3), np.uint8))
    write(tmp_path / 'dogs' / 'c.png', np.zeros((16, 16, 3), np.uint8))
    ds = DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                             resolution=32))
    assert ds.classes == ('cats', 'dogs') and len(ds) == 3
    items = [ds[i] for i in range(3)]
    assert [it['label'] for it in items] == [0, 1, 1]
    assert all(it['img'].shape == (3, 32, 32) for it in items)
    assert torch.allclose(items[0]['img'], torch.ones(3, 32, 32))
    assert torch.allclose(items[1]['img'], -torch.ones(3, 32, 32))


def test_no_classes_when_images_are_at_the_top(tmp_path):
    write(tmp_path / 'a.png', np.zeros((8, 8, 3), np.uint8))
    write(tmp_path / 'sub' / 'b.png', np.zeros((8, 8, 3), np.uint8))
    ds = DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                             resolution=8))
    assert ds.classes == () and ds[0]['label'] == -1
    with pytest.raises(DataError, match='outside any subfolder'):
        DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                            resolution=8, labels='subfolder'))


def test_gray_rgba_and_xflip(tmp_path):
    gray = np.tile(np.arange(8, dtype=np.uint8)[None] * 30, (8, 1))
    write(tmp_path / 'g.png', gray)
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[..., 3] = 0  # fully transparent -> black
    write(tmp_path / 'r.png', rgba)
    ds = DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                             resolution=8, xflip=True))
    assert len(ds) == 4
    g, r = ds[0]['img'], ds[1]['img']
    assert g.shape == (3, 8, 8) and torch.equal(g[0], g[2])
    assert torch.allclose(r, -torch.ones(3, 8, 8))
    assert torch.equal(ds[2]['img'], torch.flip(g, dims=[2]))
    one = DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                              resolution=8, channels=1))
    assert one[0]['img'].shape == (1, 8, 8)


def test_folder_errors_name_the_path(tmp_path):
    with pytest.raises(DataError, match="'.*nope' does not exist"):
        DATASETS.build(dict(type='ImageFolderDataset',
                            root=str(tmp_path / 'nope')))
    with pytest.raises(DataError, match='holds no images'):
        DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path)))
    (tmp_path / 'bad.png').write_bytes(b'garbage')
    ds = DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                             resolution=8))
    with pytest.raises(DataError, match="cannot read image '.*bad.png'"):
        ds[0]
    with pytest.raises(ConfigError, match="labels='maybe'"):
        DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                            labels='maybe'))


def test_digits_dataset():
    ds = DATASETS.build(dict(type='DigitsDataset', resolution=32))
    assert len(ds) == 1797 and ds.metainfo['classes'][3] == '3'
    item = ds[5]
    assert item['img'].shape == (1, 32, 32) and 0 <= item['label'] <= 9
    assert item['img'].min() >= -1 and item['img'].max() <= 1
    assert item['img'].max() > 0.5  # strokes are bright
    rgb = DATASETS.build(dict(type='DigitsDataset', resolution=16,
                              channels=3))
    assert rgb[0]['img'].shape == (3, 16, 16)
