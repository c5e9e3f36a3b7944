"""ClusteredDataset: labels from k-means on outline harmonics."""
import numpy as np
import pytest
import torch
from helpers import BatchOnlyShapes

from mmlatent.control import hungarian_accuracy
from mmlatent.datasets import ClusteredDataset, ShapesDataset
from mmlatent.registry import DATASETS
from mmlatent.utils.errors import ConfigError


@pytest.fixture(scope='module')
def clustered():
    return ClusteredDataset(dict(type='ShapesDataset', resolution=32,
                                 num_samples=400, seed=3),
                            num_clusters=3, num_fit=300, seed=0)


def test_clusters_of_shapes_are_the_shape_classes(clustered):
    found = np.array([clustered[i]['label'] for i in range(len(clustered))])
    true = np.array([clustered.dataset[i]['label']
                     for i in range(len(clustered))])
    acc, _, _ = hungarian_accuracy(found, true)
    assert acc == 1.0  # no annotation was read
    sizes = clustered.metainfo['cluster_sizes']
    assert len(sizes) == 3 and sum(sizes) == pytest.approx(1.0, abs=1e-3)
    assert min(sizes) > 0.25


def test_items_keep_their_images_and_the_clusters_their_seed(clustered):
    item, raw = clustered[5], clustered.dataset[5]
    assert torch.equal(item['img'], raw['img'])
    torch.testing.assert_close(item['factors'], raw['factors'])
    again = DATASETS.build(dict(
        type='ClusteredDataset', num_clusters=3, num_fit=300, seed=0,
        dataset=ShapesDataset(resolution=32, num_samples=400, seed=3)))
    assert np.allclose(again.centres, clustered.centres)
    assert [again[i]['label'] for i in range(20)] == \
        [clustered[i]['label'] for i in range(20)]


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_clusters=1), 'num_clusters=1 must be an integer >= 2'),
    (dict(num_clusters=3, num_fit=2), 'num_fit=2 must be an integer of at '
     'least num_clusters=3')])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        ClusteredDataset(ShapesDataset(resolution=32, num_samples=10),
                         **kwargs)


def test_a_batch_is_drawn_and_clustered_in_one_call_with_the_same_labels():
    per_item = ClusteredDataset(ShapesDataset(resolution=32, num_samples=400,
                                              seed=3),
                                num_clusters=3, num_fit=300, seed=0)
    expected = [per_item[i]['label'] for i in range(400)]
    shapes = BatchOnlyShapes(resolution=32, num_samples=400, seed=3)
    batched = ClusteredDataset(shapes, num_clusters=3, num_fit=300, seed=0)
    assert shapes.calls == 1  # the k-means fit read its images in one call
    batch = [7, -1, 7, 399, 0, 123]
    items = batched.__getitems__(batch)
    assert shapes.calls == 2
    assert [item['label'] for item in items] == [expected[i] for i in batch]
    assert torch.equal(items[1]['img'], per_item[399]['img'])
    loader = torch.utils.data.DataLoader(batched, batch_size=64,
                                         collate_fn=lambda items: items)
    assert [item['label'] for items in loader for item in items] == expected
    with pytest.raises(IndexError, match='400'):
        batched.__getitems__([0, 400])
