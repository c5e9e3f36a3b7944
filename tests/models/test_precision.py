"""The ``autocast`` option's ``'auto'``: bfloat16 exactly where the CPU
multiplies bfloat16 in hardware, float32 elsewhere, said once in the
log."""
import os.path as osp

import pytest
import torch
from mmengine.logging import MessageHub
from test_train_step_speed import STYLEGAN2, optim_wrappers

from mmlatent.models import precision
from mmlatent.registry import MODELS


@pytest.fixture
def bf16_cpu(monkeypatch):
    """Pretend the CPU does (True) or does not (False) multiply bfloat16."""
    def set_to(value: bool):
        monkeypatch.setattr(precision, 'cpu_multiplies_bfloat16',
                            lambda: value)
    return set_to


@pytest.mark.parametrize('hardware', [True, False])
def test_auto_picks_bfloat16_on_a_bf16_cpu_only(bf16_cpu, hardware):
    bf16_cpu(hardware)
    want = torch.bfloat16 if hardware else None
    assert precision.autocast_dtype('auto', 'cpu') is want
    assert precision.autocast_dtype('auto', 'cuda') is None
    assert precision.autocast_dtype('bfloat16', 'cpu') is torch.bfloat16
    assert precision.autocast_dtype('bfloat16', 'cuda') is torch.bfloat16
    assert precision.autocast_dtype(None, 'cpu') is None


@pytest.mark.skipif(not osp.exists('/proc/cpuinfo'), reason='Linux only')
def test_the_hardware_probe_agrees_with_the_cpu_flags():
    with open('/proc/cpuinfo') as f:
        flags = next((line.split(':', 1)[1].split() for line in f
                      if line.startswith('flags')), [])
    has = 'avx512_bf16' in flags or 'amx_tile' in flags
    assert precision.cpu_multiplies_bfloat16() is has


def train_losses(autocast, iters=2):
    """Logged losses of a few StyleGAN2 iterations (R1 and path length
    included) from one seed."""
    torch.manual_seed(0)
    model = MODELS.build(dict(STYLEGAN2, autocast=autocast))
    wrappers = optim_wrappers(model)
    real = torch.rand(4, 3, 8, 8) * 2 - 1
    logs = []
    for it in range(iters):
        MessageHub.get_current_instance().update_info('iter', it)
        torch.manual_seed(300 + it)
        logs.append({k: float(v)
                     for k, v in model.train_step(dict(img=real),
                                                  wrappers).items()})
    return logs


@pytest.mark.parametrize('hardware,same_as', [(True, 'bfloat16'),
                                              (False, None)])
def test_auto_trains_as_the_precision_it_picks(bf16_cpu, hardware, same_as):
    """To the bit: 'auto' is 'bfloat16' on a bf16 CPU and float32 on any
    other (so the two differ, or the test could not fail)."""
    bf16_cpu(hardware)
    auto = train_losses('auto')
    assert auto == train_losses(same_as)
    assert auto != train_losses('bfloat16' if same_as is None else None)


def test_auto_says_once_what_it_picked(bf16_cpu, monkeypatch):
    from mmlatent.models import base_gan
    said = []
    monkeypatch.setattr(base_gan, 'print_log',
                        lambda msg, logger=None: said.append(msg))
    bf16_cpu(True)
    torch.manual_seed(0)
    model = MODELS.build(dict(STYLEGAN2, autocast='auto'))
    wrappers = optim_wrappers(model)
    for it in range(2):
        MessageHub.get_current_instance().update_info('iter', it)
        model.train_step(dict(img=torch.rand(4, 3, 8, 8)), wrappers)
    assert len(said) == 1, said
    assert said[0].startswith("autocast='auto': training in bfloat16")
    assert 'model.autocast=None for float32' in said[0]
    bf16_cpu(False)
    assert 'training in float32 on cpu' in precision.describe_auto(
        'cpu', precision.autocast_dtype('auto', 'cpu'))
