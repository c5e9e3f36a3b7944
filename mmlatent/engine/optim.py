"""One optimizer per GAN network."""
from typing import Optional

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from ..registry import OPTIM_WRAPPER_CONSTRUCTORS
from ..utils.errors import ConfigError
from ..utils.model import unwrap


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GANOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` with one optimizer wrapper per named
    network of the model, e.g. ``generator=dict(optimizer=dict(type='Adam',
    lr=2e-4, betas=(0.5, 0.999))), discriminator=dict(...)``. Each entry is
    an ordinary mmengine optim-wrapper config for that sub-module.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None):
        if paramwise_cfg is not None:
            raise ConfigError('GANOptimWrapperConstructor: put paramwise_cfg '
                              'inside the generator / discriminator entries')
        self.cfgs = {k: dict(v) for k, v in optim_wrapper_cfg.items()}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = unwrap(model)
        wrappers = {}
        for name, cfg in self.cfgs.items():
            module = getattr(model, name, None)
            if not isinstance(module, nn.Module):
                raise ConfigError(
                    f"optim_wrapper has an entry '{name}' but the model has "
                    f'no network of that name; use one of '
                    f'{sorted(n for n, _ in model.named_children())}')
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(
                module)
        return OptimWrapperDict(**wrappers)
