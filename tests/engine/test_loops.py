"""LatentTrainLoop's cheap resume: the sampler skips, no data is loaded."""
import itertools

from mmengine.dataset import InfiniteSampler
from torch.utils.data import DataLoader, Dataset

from mmlatent.engine.loops import skip_sampler


class Counted(Dataset):
    """Item i is i; counts the items loaded."""

    def __init__(self, n=10):
        self.n, self.loaded = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.loaded += 1
        return i


def loader(ds, **kw):
    return DataLoader(ds, batch_size=3, num_workers=0,
                      sampler=InfiniteSampler(ds, shuffle=True, seed=7), **kw)


def test_skip_sampler_gives_the_batches_after_the_skipped_ones():
    full = loader(Counted())
    expected = [b.tolist() for b in itertools.islice(iter(full), 7)][4:]
    ds = Counted()
    dl = loader(ds)
    assert skip_sampler(dl, 4)
    assert ds.loaded == 0
    got = [b.tolist() for b in itertools.islice(iter(dl), 3)]
    assert got == expected and ds.loaded == 9


def test_skip_sampler_leaves_other_samplers_to_mmengine():
    dl = DataLoader(Counted(), batch_size=3, shuffle=True)
    assert not skip_sampler(dl, 4)
