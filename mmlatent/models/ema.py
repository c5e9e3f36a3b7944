"""Exponential moving average of the generator's weights, and the one
policy that picks the generator to sample (the EMA one when it really
holds averaged weights, else the plain one; :mod:`.sample_model`) applied
to a whole GAN."""
from copy import deepcopy
from typing import NamedTuple, Optional

import torch
from mmengine.config import Config
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..registry import MODELS
from ..utils.errors import ConfigError
from ..utils.model import unwrap
from .loading import LoadedGenerator, describe_pick
from .sample_model import is_averaged, picks_ema


@MODELS.register_module()
class GeneratorEMA(nn.Module):
    """EMA of ``G``, kept in ``self.module`` (state-dict keys
    ``generator_ema.module.*`` and ``generator_ema.steps``).

    ``ema = (1 - momentum) * ema + momentum * G`` every ``interval``
    updates. Give either ``momentum`` or ``half_life_images`` (StyleGAN2's
    ``ema_kimg * 1000``: after that many images an old weight counts half),
    from which ``momentum = 1 - 0.5 ** (batch_size / half_life_images)``.
    Before ``start_iter`` the EMA is a plain copy of ``G``.

    Batch-norm statistics of G describe G's activations, not the averaged
    weights', so copying them makes the EMA generator wrong in eval mode.
    The EMA therefore keeps its own: after each averaging step it runs one
    no-grad forward pass in train mode on ``batch_size`` fresh latents.
    Other buffers (e.g. StyleGAN2's ``w_avg``) are copied from ``G``.
    """

    def __init__(self, model: nn.Module, momentum: Optional[float] = None,
                 half_life_images: Optional[float] = None,
                 start_iter: int = 0, interval: int = 1):
        super().__init__()
        if (momentum is None) == (half_life_images is None):
            raise ConfigError('give the EMA either momentum (e.g. 0.001) or '
                              'half_life_images (e.g. 10000), not both')
        if momentum is not None and not 0 < momentum < 1:
            raise ConfigError(f'EMA momentum={momentum} must be in (0, 1); '
                              'small values average over many steps')
        self.module = deepcopy(model).requires_grad_(False)
        self.momentum, self.half_life_images = momentum, half_life_images
        self.start_iter, self.interval = start_iter, interval
        self.register_buffer('steps', torch.tensor(0, dtype=torch.long))
        self._norms = {n for n, m in self.module.named_modules()
                       if isinstance(m, _BatchNorm)}

    @property
    def is_averaged(self) -> bool:
        """True once at least one averaging step followed the first copy."""
        return is_averaged(self.steps)

    def _is_norm_buffer(self, name: str) -> bool:
        return name.rpartition('.')[0] in self._norms

    @torch.no_grad()
    def update(self, model: nn.Module, it: int, batch_size: int) -> None:
        """Average in ``model``'s weights at training iteration ``it``."""
        if it < self.start_iter:
            self.module.load_state_dict(model.state_dict())
            return
        if int(self.steps) == 0:
            self.module.load_state_dict(model.state_dict())
        elif int(self.steps) % self.interval == 0:
            self._average(model, batch_size)
        self.steps += 1

    def _average(self, model: nn.Module, batch_size: int) -> None:
        m = self.momentum if self.half_life_images is None else \
            1 - 0.5**(batch_size / self.half_life_images)
        ema_p = [p for p in self.module.parameters()]
        src_p = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(ema_p, src_p, m)
        src_b = dict(model.named_buffers())
        for name, buf in self.module.named_buffers():
            if not self._is_norm_buffer(name):
                buf.copy_(src_b[name])
        if self._norms:
            self._refresh_norm_stats(batch_size)

    def _refresh_norm_stats(self, batch_size: int) -> None:
        G = self.module
        was_training = G.training
        G.train()
        G(G.sample_z(batch_size), G.sample_c(batch_size))
        G.train(was_training)


class PickedGenerator(NamedTuple):
    """The generator to sample and which one it is (``'ema'`` or
    ``'orig'``)."""
    G: nn.Module
    which: str


def has_averaged_ema(model: nn.Module) -> bool:
    """Whether ``model`` (a GAN, possibly DDP-wrapped) holds an EMA
    generator with averaged weights (not a mere copy of G)."""
    ema = getattr(unwrap(model), 'generator_ema', None)
    return ema is not None and ema.is_averaged


def pick_generator(model: nn.Module,
                   sample_model: str = 'ema') -> PickedGenerator:
    """The generator of ``model`` to sample, by the one policy of training
    hooks, apps and evaluation: ``'ema'`` takes the EMA generator when it
    holds averaged weights (:attr:`GeneratorEMA.is_averaged`) and the
    original otherwise (no EMA, or EMA never updated); ``'orig'`` always
    takes the original."""
    model = unwrap(model)
    ema = getattr(model, 'generator_ema', None)
    if picks_ema(sample_model, None if ema is None else ema.steps):
        return PickedGenerator(ema.module, 'ema')
    return PickedGenerator(unwrap(model.generator), 'orig')


def loaded_generator(model: nn.Module, cfg: Config, meta: dict,
                     sample_model: str = 'ema') -> LoadedGenerator:
    """:func:`pick_generator` of a whole loaded ``model`` (e.g. of
    :func:`~mmlatent.models.loading.load_model`, or a converted foreign
    file) with its config and meta; the message says which generator and
    why."""
    G, which = pick_generator(model, sample_model)
    return LoadedGenerator(G, cfg, which,
                           describe_pick(which, sample_model, meta), meta)
