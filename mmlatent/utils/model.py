"""Helpers around (possibly DDP-wrapped) modules."""
from contextlib import contextmanager, nullcontext

from mmengine.model import is_model_wrapper
from torch import nn


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper, or ``module`` itself."""
    return module.module if is_model_wrapper(module) else module


@contextmanager
def no_param_grads(module: nn.Module):
    """No parameter gradients for ``module`` (and no DDP gradient sync)
    inside the block; the previous ``requires_grad`` flags come back after."""
    params = list(module.parameters())
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    sync = module.no_sync() if hasattr(module, 'no_sync') else nullcontext()
    try:
        with sync:
            yield module
    finally:
        for p, flag in zip(params, flags):
            p.requires_grad_(flag)
