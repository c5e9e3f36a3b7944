"""The real images of an evaluation: a fixed random subset, in batches."""
import torch
from helpers import BatchOnlyShapes

from mmlatent.datasets.shapes import ShapesDataset
from mmlatent.evaluation import real_images, real_subset


def test_a_batch_drawing_dataset_is_read_one_batch_at_a_time():
    ds = BatchOnlyShapes(32, num_samples=500, seed=4)
    got = list(real_images(ds, 250, batch_size=100, seed=3))
    assert [len(b) for b in got] == [100, 100, 50]
    assert ds.calls == 3    # its __getitem__ raises
    plain = ShapesDataset(32, num_samples=500, seed=4)
    idx = real_subset(500, 250, seed=3)
    want = torch.stack([plain[i]['img'] for i in idx])
    assert torch.equal(torch.cat(got), want)


def test_a_sequence_of_image_tensors_is_read_item_by_item():
    imgs = [torch.full((1, 2, 2), float(i)) for i in range(6)]
    got = list(real_images(imgs, 10, batch_size=4))   # all 6 of them
    assert [len(b) for b in got] == [4, 2]
    assert sorted(torch.cat(got)[:, 0, 0, 0].tolist()) == list(range(6))
