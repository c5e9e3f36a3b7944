"""Building a trained model, or its generator, from a checkpoint alone.

The resolved config travels inside every mmlatent checkpoint
(``meta['cfg']``); ``config`` overrides it.
"""
from dataclasses import dataclass
from typing import Optional

import torch
from mmengine.config import Config

from ..registry import MODELS
from ..utils.checkpoint import load_checkpoint_file
from ..utils.errors import CheckpointError, ConfigError
from ..utils.image import first_line
from .ema import check_sample_model, pick_generator


@dataclass
class LoadedGenerator:
    """A generator ready for inference, and where it came from."""
    G: torch.nn.Module
    model: torch.nn.Module
    cfg: Config
    which: str  # 'ema' or 'orig'
    message: str
    meta: dict


#: Other mmlatent files (their ``format`` tag) and the tool that takes them.
OTHER_FILES = {
    'mmlatent.classifier/1': ('an attribute classifier file of '
                              'tools/train_classifier.py', '--scorer of '
                              'apps/classifier_guidance.py, '
                              'apps/generate_latents.py or '
                              'apps/edit_with_boundary.py'),
    'mmlatent.shapes_feature_net/1': (
        'the Shapes feature network of tools/train_feature_net.py',
        "tools/evaluate.py's Shapes metrics (extractor checkpoint=...)"),
    'mmlatent.latent/1': ('a latent file', '--latent / --proj-latent of the '
                          'apps, or apps/train_boundary.py'),
    'mmlatent.boundary/1': ('a boundary file of apps/train_boundary.py',
                            'apps/edit_with_boundary.py'),
    'mmlatent.directions/1': ('a directions file of apps/mutate.py',
                              "tools/evaluate.py's direction metrics"),
    'mmlatent.sefa/1': ('a SeFa directions cache of apps/modified_sefa.py',
                        'apps/modified_sefa.py --eigen-vector'),
}


def check_generator_checkpoint(ckpt: dict, path: str) -> None:
    """One line when ``ckpt`` is another kind of mmlatent file."""
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"'{path}' holds a {type(ckpt).__name__}, not "
                              'a checkpoint of tools/train.py')
    fmt = ckpt.get('format') or (ckpt.get('meta') or {}).get('format')
    if fmt in OTHER_FILES:
        what, tool = OTHER_FILES[fmt]
        raise CheckpointError(
            f"'{path}' is {what}, not a generator checkpoint; it goes to "
            f'{tool}. Give here a checkpoint of tools/train.py')


def checkpoint_config(ckpt: dict, path: str,
                      config: Optional[str] = None) -> Config:
    """The config of a checkpoint: ``config`` if given, else the one
    stored in it."""
    text = ckpt.get('meta', {}).get('cfg')
    if config is None and not text:
        raise CheckpointError(f"checkpoint '{path}' holds no config; pass "
                              'the training config with --config')
    try:
        if config is not None:
            return Config.fromfile(config)
        return Config.fromstring(text, file_format='.py')
    except ImportError as e:
        raise ConfigError(
            f"the config of '{path}' imports modules that are not on the "
            f'Python path ({first_line(e).split(", the current")[0]}); add '
            'their folder to PYTHONPATH') from e


def load_model(path: str, *, config: Optional[str] = None,
               device: str = 'cpu'):
    """Build the GAN of a checkpoint and load its weights strictly.

    Returns ``(model, cfg, meta)``; the model is in eval mode on ``device``
    with gradients disabled.
    """
    ckpt = load_checkpoint_file(path)
    check_generator_checkpoint(ckpt, path)
    cfg = checkpoint_config(ckpt, path, config)
    model = MODELS.build(cfg.model)
    state = ckpt.get('state_dict', ckpt)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CheckpointError(
            f"checkpoint '{path}' does not match its model: missing keys "
            f'{_short(missing)}, unexpected keys {_short(unexpected)}; '
            'pass the config it was trained with via --config')
    model = model.to(device).eval().requires_grad_(False)
    return model, cfg, ckpt.get('meta', {})


def _short(keys, n: int = 6) -> str:
    keys = list(keys)
    more = f' (+{len(keys) - n} more)' if len(keys) > n else ''
    return '[' + ', '.join(keys[:n]) + ']' + more


def load_generator(path: str, *, config: Optional[str] = None,
                   sample_model: str = 'ema',
                   device: str = 'cpu') -> LoadedGenerator:
    """The generator to use from a checkpoint, picked by
    :func:`~mmlatent.models.ema.pick_generator`: ``'ema'`` takes the EMA
    generator when the checkpoint really holds averaged EMA weights and
    falls back to the original one otherwise (saying so); ``'orig'``
    always takes the original."""
    check_sample_model(sample_model)
    model, cfg, meta = load_model(path, config=config, device=device)
    return loaded_generator(model, cfg, meta, sample_model)


def loaded_generator(model: torch.nn.Module, cfg: Config, meta: dict,
                     sample_model: str = 'ema') -> LoadedGenerator:
    """:func:`~mmlatent.models.ema.pick_generator` of a loaded ``model``
    with its config and meta; the message says which generator and
    why."""
    G, which = pick_generator(model, sample_model)
    it = meta.get('iter', '?')
    if which == 'ema':
        return LoadedGenerator(G, model, cfg, 'ema',
                               f'using the EMA generator (iteration {it})',
                               meta)
    why = '' if sample_model == 'orig' else \
        ' (the checkpoint holds no averaged EMA weights)'
    return LoadedGenerator(G, model, cfg, 'orig',
                           f'using the original generator{why} '
                           f'(iteration {it})', meta)
