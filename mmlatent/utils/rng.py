"""Keeping the global random streams untouched by side work."""
import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch


@contextmanager
def preserved_rng() -> Iterator[None]:
    """Python's, numpy's and torch's global RNG states (CPU, and every
    initialised CUDA device) are restored on exit, so what runs inside
    (an evaluation during training) draws nothing from the streams the
    training uses."""
    py_state, np_state = random.getstate(), np.random.get_state()
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    devices = list(range(torch.cuda.device_count())) if cuda else []
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
