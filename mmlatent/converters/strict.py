"""Strict state-dict mapping shared by every converter: each source key
maps onto exactly one target tensor of the same shape (up to singleton
dimensions), or the error lists what does not."""
from typing import Dict, List, Tuple

import torch
from torch import Tensor, nn

from ..utils.errors import CheckpointError
from .layout import StateDict, source_key


def _nonsingleton(shape) -> List[int]:
    return [d for d in shape if d != 1]


def _listed(label: str, keys: List[str], limit: int = 30) -> str:
    more = f' ... and {len(keys) - limit} more' if len(keys) > limit else ''
    return f"{label}: {', '.join(keys[:limit])}{more}"


def map_state_dict(src: StateDict, pairs: List[Tuple[str, str]],
                   constants: Dict[str, Tensor], target: nn.Module,
                   fmt: str, what: str) -> StateDict:
    """``target``'s state dict filled from ``src``; raises CheckpointError
    listing missing, unexpected, mis-shaped and altered-constant keys."""
    ref = target.state_dict()
    out, missing, shapes, used = {}, [], [], set()
    for ros_key, dst in pairs:
        key = source_key(ros_key, fmt)
        if key not in src:
            missing.append(key)
            continue
        used.add(key)
        t = src[key]
        if _nonsingleton(t.shape) != _nonsingleton(ref[dst].shape):
            shapes.append(f'{key} {tuple(t.shape)} (expected '
                          f'{tuple(ref[dst].shape)})')
            continue
        out[dst] = t.detach().reshape(ref[dst].shape).to(ref[dst].dtype)
    constants = {source_key(k, fmt): v for k, v in constants.items()}
    altered = [k for k, v in constants.items() if k in src and not (
        src[k].shape == v.shape and torch.allclose(src[k].float(), v))]
    used |= set(constants)
    problems = [_listed(label, keys) for label, keys in (
        ('missing', missing), ('unexpected', sorted(set(src) - used)),
        ('wrong shape', shapes), ('FIR kernel is not [1, 3, 3, 1]',
                                  altered)) if keys]
    if problems:
        raise CheckpointError(f'the {fmt} {what} does not match the '
                              'mmlatent StyleGAN2 layout; '
                              + '; '.join(problems))
    return out


def load_strictly(module: nn.Module, sd: StateDict, what: str) -> None:
    try:
        module.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f'converted {what} does not load: '
                              f'{str(e).splitlines()[0]}') from e
