"""The one policy that picks the generator to sample, on its own so that
both the whole model (:func:`~mmlatent.models.ema.pick_generator`) and a
checkpoint's state dict (:func:`~mmlatent.models.loading.load_generator`)
follow it: ``'ema'`` takes the EMA generator when it holds averaged
weights, else the original; ``'orig'`` always the original. Imports
neither torch's modules nor mmengine's model package."""
from typing import Optional

from ..utils.choices import SAMPLE_MODELS
from ..utils.errors import ConfigError


def check_sample_model(sample_model: str) -> str:
    """``sample_model`` if it is one of :data:`SAMPLE_MODELS`, else one
    line naming it and the choices."""
    if sample_model not in SAMPLE_MODELS:
        raise ConfigError(
            f"sample_model='{sample_model}' is not one of {SAMPLE_MODELS}: "
            "'ema' takes the EMA generator once it holds averaged weights "
            "(else the original), 'orig' always the original")
    return sample_model


def is_averaged(steps) -> bool:
    """Whether an EMA after ``steps`` updates (its ``steps`` buffer) holds
    averaged weights: the first update is a plain copy of G."""
    return int(steps) > 1


def picks_ema(sample_model: str, ema_steps: Optional[object]) -> bool:
    """Whether ``sample_model`` takes the EMA generator, whose ``steps``
    buffer is ``ema_steps`` (None: there is no EMA)."""
    return check_sample_model(sample_model) == 'ema' and \
        ema_steps is not None and is_averaged(ema_steps)
