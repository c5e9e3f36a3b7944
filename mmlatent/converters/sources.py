"""Reading the networks of a source checkpoint (rosinality ``.pt``,
MMGeneration 0.x / MMagic 1.x ``.pth``, NVIDIA ``.pkl``) into plain state
dicts."""
import argparse
import re
from typing import Dict, Optional

import torch

from ..utils.choices import CONVERT_FORMATS
from ..utils.checkpoint import load_checkpoint_file
from ..utils.errors import CheckpointError
from .layout import StateDict
from .nvidia import read_nvidia

FORMATS = CONVERT_FORMATS


def read_source(path: str, fmt: str) -> Dict[str, Optional[StateDict]]:
    """``{'g', 'g_ema', 'd': state dict or None, 'latent_avg': tensor or
    None}`` from a checkpoint in format ``fmt``."""
    if fmt not in FORMATS:
        raise CheckpointError(f"--format '{fmt}' is not one of {FORMATS}")
    if fmt == 'nvidia':
        return read_nvidia(path)
    with torch.serialization.safe_globals([argparse.Namespace]):
        ckpt = load_checkpoint_file(path)
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"'{path}' holds a {type(ckpt).__name__}, "
                              'not a checkpoint dict')
    parts = _rosinality_parts(ckpt) if fmt == 'rosinality' \
        else _mmgen_parts(ckpt)
    if parts['g'] is None and parts['g_ema'] is None:
        raise CheckpointError(
            f"'{path}' holds no {fmt} generator (keys: "
            f'{sorted(ckpt)[:10]}); check --format')
    return parts


def _rosinality_parts(ckpt: dict) -> Dict[str, Optional[StateDict]]:
    avg = ckpt.get('latent_avg')
    return dict(g=ckpt.get('g'), g_ema=ckpt.get('g_ema'), d=ckpt.get('d'),
                latent_avg=avg if torch.is_tensor(avg) else None)


def _mmgen_parts(ckpt: dict) -> Dict[str, Optional[StateDict]]:
    sd = ckpt.get('state_dict', ckpt)
    prefixes = dict(g='generator.', g_ema='generator_ema.',
                    d='discriminator.')
    parts = {}
    for name, prefix in prefixes.items():
        sub = {k[len(prefix):]: v for k, v in sd.items()
               if k.startswith(prefix)}
        parts[name] = _unwrap_averaged(sub) or None
    parts['latent_avg'] = None
    return parts


def _unwrap_averaged(sd: StateDict) -> StateDict:
    """MMagic 1.x keeps its EMA generator in mmengine's averaged-model
    wrapper: ``module.<key>`` entries and a ``steps`` counter. Plain keys
    for those (MMGeneration 0.x keys pass through unchanged)."""
    if not sd or not all(k.startswith('module.') or k == 'steps'
                         for k in sd):
        return sd
    return {k[len('module.'):]: v for k, v in sd.items() if k != 'steps'}


def alias_noise_keys(sd: StateDict, fmt: str) -> StateDict:
    """Accept MMGeneration noise buffers named ``noises.noise_{i}``."""
    if fmt != 'mmgen':
        return sd
    return {re.sub(r'^noises\.noise_(\d+)$', r'injected_noise_\1', k): v
            for k, v in sd.items()}
