"""PartiallyLabelledDataset: a fixed labelled subset, the rest -1."""
import numpy as np
import pytest
import torch
from helpers import BatchOnlyShapes
from torch.utils.data import Dataset

from mmlatent.datasets import PartiallyLabelledDataset
from mmlatent.datasets.partial_labels import UNLABELLED
from mmlatent.registry import DATASETS
from mmlatent.utils.errors import ConfigError


class Numbered(Dataset):
    """Item i: label i % 3, image filled with i."""

    def __init__(self, n=40, label=True):
        self.n, self.label = n, label

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        item = dict(img=torch.full((1, 2, 2), float(i)))
        if self.label:
            item['label'] = i % 3
        return item


def labels_of(ds):
    return np.array([ds[i]['label'] for i in range(len(ds))])


def test_keeps_exactly_the_chosen_labels_and_every_image():
    ds = PartiallyLabelledDataset(Numbered(), fraction=0.25, seed=1)
    labels = labels_of(ds)
    kept = labels >= 0
    assert ds.num_labelled == kept.sum() == 10
    assert np.array_equal(labels[kept], np.arange(40)[kept] % 3)
    assert np.all(labels[~kept] == -1)
    assert all(ds[i]['img'][0, 0, 0] == i for i in range(40))


def test_subset_is_fixed_by_the_seed():
    a = labels_of(PartiallyLabelledDataset(Numbered(), num_labelled=7))
    b = labels_of(PartiallyLabelledDataset(Numbered(), num_labelled=7))
    c = labels_of(PartiallyLabelledDataset(Numbered(), num_labelled=7,
                                           seed=5))
    assert np.array_equal(a, b) and not np.array_equal(a >= 0, c >= 0)


def test_builds_the_wrapped_dataset_from_a_config():
    ds = DATASETS.build(dict(
        type='PartiallyLabelledDataset', fraction=0.5,
        dataset=dict(type='ShapesDataset', resolution=16, num_samples=20)))
    assert ds.num_labelled == 10 and len(ds) == 20
    assert ds.metainfo['classes'] == ('square', 'ellipse', 'triangle')
    assert ds.metainfo['num_labelled'] == 10


@pytest.mark.parametrize('kwargs, match', [
    (dict(), 'exactly one of'),
    (dict(fraction=0.1, num_labelled=3), 'exactly one of'),
    (dict(fraction=0.0), r'fraction=0.0 must be in \(0, 1\]'),
    (dict(fraction=1.5), r'fraction=1.5 must be in \(0, 1\]'),
    (dict(num_labelled=41), r'num_labelled=41 .*\[1, 40\]'),
])
def test_rejects_bad_counts(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        PartiallyLabelledDataset(Numbered(), **kwargs)


def test_rejects_an_unlabelled_dataset():
    ds = PartiallyLabelledDataset(Numbered(label=False), fraction=0.5)
    with pytest.raises(ConfigError, match="no 'label'"):
        ds[0]


def test_a_batch_is_read_in_one_call_and_matches_item_by_item():
    shapes = BatchOnlyShapes(resolution=32, num_samples=50)
    ds = PartiallyLabelledDataset(shapes, fraction=0.5, seed=1)
    batch = [3, -1, 3, 49, 0, 20, 21, 22]
    items = ds.__getitems__(batch)
    assert shapes.calls == 1
    for index, item in zip(batch, items):
        single = ds[index]
        assert item['label'] == single['label']
        assert torch.equal(item['img'], single['img'])
    assert any(item['label'] == UNLABELLED for item in items)
    assert any(item['label'] != UNLABELLED for item in items)
