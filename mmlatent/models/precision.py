"""The ``autocast`` option of the GAN models: the dtype in which the
training phases' forward passes run.

``None`` is float32; ``'bfloat16'`` is ``torch.autocast`` in bfloat16
everywhere; ``'auto'`` is bfloat16 on a CPU that multiplies bfloat16 in
hardware (AMX or AVX512-BF16), where oneDNN's bfloat16 convolutions take
about half of float32's time, and float32 everywhere else (CPUs without
it, where bfloat16 is emulated and slower, and GPUs, not measured).
Weights, gradients and Adam stay float32 in every case.
"""
import functools
from typing import Optional

import torch

from ..utils.errors import ConfigError

#: values of the ``autocast`` option
AUTOCAST_OPTIONS = (None, 'bfloat16', 'auto')


@functools.lru_cache(maxsize=None)
def cpu_multiplies_bfloat16() -> bool:
    """Whether this CPU has bfloat16 arithmetic in hardware (AMX tiles or
    AVX512-BF16), as PyTorch's own CPU probes report it."""
    probes = ('_is_amx_tile_supported', '_is_avx512_bf16_supported')
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def check_autocast(option) -> None:
    """One-line ConfigError for a value not in :data:`AUTOCAST_OPTIONS`."""
    if option not in AUTOCAST_OPTIONS:
        raise ConfigError(f'autocast={option!r} is not one of '
                          f'{sorted(AUTOCAST_OPTIONS, key=str)}; use '
                          "'auto', 'bfloat16' or None (float32)")


def autocast_dtype(option: Optional[str],
                   device_type: str) -> Optional[torch.dtype]:
    """The autocast dtype of ``option`` on ``device_type`` (None: no
    autocast, float32)."""
    if option == 'bfloat16' or (option == 'auto' and device_type == 'cpu'
                                and cpu_multiplies_bfloat16()):
        return torch.bfloat16
    return None


def describe_auto(device_type: str, dtype: Optional[torch.dtype]) -> str:
    """The log line that says what ``autocast='auto'`` chose (``dtype``,
    from :func:`autocast_dtype`) on ``device_type``."""
    if dtype is not None:
        return ("autocast='auto': training in bfloat16 autocast, as this "
                'CPU multiplies bfloat16 in hardware (model.autocast=None '
                'for float32)')
    return (f"autocast='auto': training in float32 on {device_type} "
            "(model.autocast='bfloat16' forces bfloat16)")
