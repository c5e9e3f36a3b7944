"""Reading a batch of items from any dataset in one call."""
from typing import List, Sequence

from torch.utils.data import Dataset


def items_of(dataset: Dataset, indices: Sequence[int]) -> List[dict]:
    """The items of ``indices``: one ``__getitems__`` call where the
    dataset draws a batch in one go (torch's DataLoader does the same),
    else one ``dataset[i]`` per index. Wrappers use it so that they keep
    the batched drawing of the dataset they wrap."""
    getitems = getattr(dataset, '__getitems__', None)
    if getitems is not None:
        return list(getitems(list(indices)))
    return [dataset[i] for i in indices]
