"""One optimizer per GAN network, with the lazy-regularisation ratios
derived from the model's regulariser intervals."""
from typing import Dict, Optional

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from ..models.losses.stylegan2 import lazy_adam
from ..registry import OPTIM_WRAPPER_CONSTRUCTORS
from ..utils.errors import ConfigError
from ..utils.model import unwrap


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GANOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` with one optimizer wrapper per named
    network of the model, e.g. ``generator=dict(optimizer=dict(type='Adam',
    lr=2e-4, betas=(0.5, 0.999))), discriminator=dict(...)``. Each entry is
    an ordinary mmengine optim-wrapper config for that sub-module.

    A network regularised lazily every ``k`` steps (the model's
    ``lazy_intervals()``, e.g. StyleGAN2's ``r1_interval`` for D) gets
    ``lr * r`` and ``betas ** r`` with ``r = k / (k + 1)``, as NVIDIA's
    training loop does, so configs write the plain Adam values and an
    override of the interval stays consistent.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None):
        if paramwise_cfg is not None:
            raise ConfigError('GANOptimWrapperConstructor: put paramwise_cfg '
                              'inside the generator / discriminator entries')
        self.cfgs = {k: dict(v) for k, v in optim_wrapper_cfg.items()}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = unwrap(model)
        intervals: Dict[str, int] = model.lazy_intervals() if hasattr(
            model, 'lazy_intervals') else {}
        wrappers = {}
        for name, cfg in self.cfgs.items():
            module = getattr(model, name, None)
            if not isinstance(module, nn.Module):
                raise ConfigError(
                    f"optim_wrapper has an entry '{name}' but the model has "
                    f'no network of that name; use one of '
                    f'{sorted(n for n, _ in model.named_children())}')
            paramwise = cfg.pop('paramwise_cfg', None)
            cfg = lazy_scaled(cfg, intervals.get(name, 0))
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(
                module)
        return OptimWrapperDict(**wrappers)


def lazy_scaled(cfg: dict, interval: int) -> dict:
    """A copy of an optim-wrapper config with its optimizer's ``lr`` and
    ``betas`` scaled for a regulariser evaluated every ``interval`` steps
    (unchanged for ``interval`` 0: no lazy regulariser)."""
    optimizer = dict(cfg.get('optimizer', {}))
    if interval <= 0 or 'lr' not in optimizer:
        return cfg
    scaled = lazy_adam(optimizer['lr'], optimizer.get('betas', ()), interval)
    optimizer['lr'] = scaled['lr']
    if 'betas' in optimizer:
        optimizer['betas'] = scaled['betas']
    return dict(cfg, optimizer=optimizer)
