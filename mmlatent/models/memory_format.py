"""Which memory format a GAN's networks keep on a device.

The ``channels_last`` model option asks for the channels-last format where
it was measured to help: on CPUs, where oneDNN's convolutions run faster on
it (docs/speed.md). On a GPU it was measured to hurt and is not used there:
on an H200, StyleGAN2-64's generator forward took 1.30x the time of the
contiguous one at batch 64 and a training iteration 1.39x the plain loop's
(1.13x contiguous; ``benchmarks/step_speed.py --device cuda
[--contiguous]``). So the option means "channels-last on a CPU", and the
format follows the device whenever a model moves.
"""
from typing import Iterable, Optional, Union

import torch
from torch import nn


def memory_format_for(channels_last: bool,
                      device: Union[str, torch.device]
                      ) -> torch.memory_format:
    """``torch.channels_last`` when asked for and ``device`` is a CPU,
    ``torch.contiguous_format`` otherwise."""
    if channels_last and torch.device(device).type == 'cpu':
        return torch.channels_last
    return torch.contiguous_format


def apply_memory_format(nets: Iterable[Optional[nn.Module]],
                        channels_last: bool) -> None:
    """Put each network's 4-d parameters and buffers in the format
    :func:`memory_format_for` picks for the device they are on."""
    for net in nets:
        if net is None:
            continue
        first = next(net.parameters(), None)
        if first is not None:
            net.to(memory_format=memory_format_for(channels_last,
                                                   first.device))
