"""Atomic writes and weights_only reading of checkpoints."""
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmlatent.utils.checkpoint import (atomic_save, load_checkpoint_file,
                                       message_hub_from_plain,
                                       message_hub_to_plain)
from mmlatent.utils.errors import CheckpointError


def test_atomic_save_keeps_previous_file_when_writing_fails(tmp_path,
                                                            monkeypatch):
    path = tmp_path / 'ckpt.pth'
    atomic_save({'w': torch.ones(3)}, str(path))

    def broken_fsync(fd):
        raise KeyboardInterrupt('killed while saving')

    monkeypatch.setattr(os, 'fsync', broken_fsync)
    with pytest.raises(KeyboardInterrupt):
        atomic_save({'w': torch.zeros(3)}, str(path))
    assert torch.equal(load_checkpoint_file(str(path))['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['ckpt.pth']  # no partial file left


class Payload:
    """Stands for any object a malicious pickle could construct."""


def test_load_refuses_arbitrary_objects(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': Payload()}, str(path))
    with pytest.raises(CheckpointError, match='Unsupported global') as e:
        load_checkpoint_file(str(path))
    assert '\n' not in str(e.value)


def test_mmengine_loader_is_the_safe_one(tmp_path):
    """load_from / resume go through mmengine's CheckpointLoader, which the
    runner module points at load_checkpoint_file."""
    import mmlatent.engine.runner  # noqa: F401 - registers the loader
    from mmengine.runner.checkpoint import CheckpointLoader
    path = tmp_path / 'evil.pth'
    torch.save({'x': Payload()}, str(path))
    with pytest.raises(CheckpointError, match='Unsupported global'):
        CheckpointLoader.load_checkpoint(str(path))


def test_load_errors_are_one_line(tmp_path):
    with pytest.raises(CheckpointError, match='does not exist'):
        load_checkpoint_file(str(tmp_path / 'missing.pth'))
    good = tmp_path / 'good.pth'
    torch.save({'w': torch.randn(1000)}, str(good))
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:500])
    with pytest.raises(CheckpointError, match='cannot read checkpoint') as e:
        load_checkpoint_file(str(truncated))
    assert '\n' not in str(e.value)


def test_message_hub_round_trips_through_plain_data(tmp_path):
    buf = HistoryBuffer([1.0, 2.5], [1, 2], max_length=7)
    state = dict(log_scalars={'train/loss': buf},
                 runtime_info={'iter': np.int64(3), 'lr': np.float32(0.5)},
                 resumed_keys={'train/loss': True})
    plain = message_hub_to_plain(state)
    path = tmp_path / 'hub.pth'
    torch.save(plain, str(path))
    assert torch.serialization.get_unsafe_globals_in_checkpoint(
        str(path)) == []
    back = message_hub_from_plain(load_checkpoint_file(str(path)))
    logs, counts = back['log_scalars']['train/loss'].data
    assert logs.tolist() == [1.0, 2.5] and counts.tolist() == [1, 2]
    assert back['log_scalars']['train/loss'].max_length == 7
    assert back['runtime_info'] == {'iter': 3, 'lr': 0.5}
