"""Exponential moving average of the generator's weights."""
from typing import Optional

from mmengine.model import ExponentialMovingAverage
from torch import nn

from ..registry import MODELS
from ..utils.errors import ConfigError


@MODELS.register_module()
class GeneratorEMA(ExponentialMovingAverage):
    """EMA of ``G`` (mmengine's ExponentialMovingAverage, kept in
    ``self.module``).

    ``ema = (1 - momentum) * ema + momentum * G`` per update. Give either
    ``momentum`` or ``half_life_images`` (StyleGAN2's ``ema_kimg * 1000``:
    the number of images after which an old weight counts half), from which
    ``momentum = 1 - 0.5 ** (batch_size / half_life_images)``. Before
    ``start_iter`` the EMA is a plain copy of ``G``.
    """

    def __init__(self, model: nn.Module, momentum: Optional[float] = None,
                 half_life_images: Optional[float] = None,
                 start_iter: int = 0, interval: int = 1):
        if (momentum is None) == (half_life_images is None):
            raise ConfigError('give the EMA either momentum (e.g. 0.001) or '
                              'half_life_images (e.g. 10000), not both')
        super().__init__(model, momentum or 0.001, interval)
        self.half_life_images = half_life_images
        self.start_iter = start_iter

    def update(self, model: nn.Module, it: int, batch_size: int) -> None:
        """Average in ``model``'s weights at training iteration ``it``."""
        if self.half_life_images is not None:
            self.momentum = 1 - 0.5**(batch_size / self.half_life_images)
        if it < self.start_iter:
            self.module.load_state_dict(model.state_dict())
        else:
            self.update_parameters(model)

    @property
    def is_averaged(self) -> bool:
        """True once at least one averaging step followed the first copy."""
        return int(self.steps) > 1
