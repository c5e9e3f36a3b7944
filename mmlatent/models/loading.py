"""Building a trained model, or only its generator, from a checkpoint
alone.

The resolved config travels inside every mmlatent checkpoint
(``meta['cfg']``); ``config`` overrides it. Apps need only the generator:
:func:`load_generator` builds ``cfg.model.generator`` alone and loads the
weights the sampling policy picks, without importing the GAN classes or
mmengine's model package. Training, evaluation and export build the whole
GAN with :func:`load_model`.
"""
from dataclasses import dataclass
from typing import Iterable, Optional

import torch
from mmengine.config import Config
from torch import nn

from ..registry import MODELS
from ..utils.checkpoint import load_checkpoint_file
from ..utils.errors import CheckpointError, ConfigError
from ..utils.image import first_line
from . import generators  # noqa: F401 (registers the generator types)
from .memory_format import apply_memory_format
from .sample_model import check_sample_model, picks_ema

#: Where a GAN's state dict keeps each generator, by sampling policy name.
GENERATOR_PREFIXES = {'orig': 'generator.', 'ema': 'generator_ema.module.'}
#: The EMA's update count, whose value says whether it averaged.
EMA_STEPS = 'generator_ema.steps'


@dataclass
class LoadedGenerator:
    """A generator ready for inference, and where it came from."""
    G: nn.Module
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
    load_weights(model, ckpt.get('state_dict', ckpt), path)
    model = model.to(device).eval().requires_grad_(False)
    return model, cfg, ckpt.get('meta', {})


def load_weights(net: nn.Module, state: dict, path: str,
                 prefix: str = '') -> None:
    """Load the entries of ``state`` under ``prefix`` into ``net``; one
    line naming the missing and unexpected keys unless they match
    exactly."""
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items()
                 if k.startswith(prefix)}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CheckpointError(
            f"checkpoint '{path}' does not match its model: missing keys "
            f'{_short(prefix + k for k in missing)}, unexpected keys '
            f'{_short(prefix + k for k in unexpected)}; pass the config it '
            'was trained with via --config')


def _short(keys: Iterable[str], n: int = 6) -> str:
    keys = list(keys)
    more = f' (+{len(keys) - n} more)' if len(keys) > n else ''
    return '[' + ', '.join(keys[:n]) + ']' + more


def load_generator(path: str, *, config: Optional[str] = None,
                   sample_model: str = 'ema',
                   device: str = 'cpu') -> LoadedGenerator:
    """The generator to use from a checkpoint, built alone (see
    :func:`build_generator`), in eval mode on ``device`` without
    gradients. The policy of :mod:`~mmlatent.models.sample_model` picks
    its weights from the checkpoint's keys: ``'ema'`` takes the EMA
    generator's (``generator_ema.module.*``) when the EMA's ``steps`` say
    it averaged and the original's (``generator.*``) otherwise, saying
    so; ``'orig'`` always takes the original's. Same weights and choice
    as :func:`~mmlatent.models.ema.pick_generator` of the whole model."""
    check_sample_model(sample_model)
    ckpt = load_checkpoint_file(path, mmap=True)
    check_generator_checkpoint(ckpt, path)
    cfg = checkpoint_config(ckpt, path, config)
    state, meta = ckpt.get('state_dict', ckpt), ckpt.get('meta', {})
    which = 'ema' if picks_ema(sample_model, state.get(EMA_STEPS)) \
        else 'orig'
    G = build_generator(cfg, path)
    load_weights(G, state, path, prefix=GENERATOR_PREFIXES[which])
    G = G.to(device).eval().requires_grad_(False)
    apply_memory_format([G], bool((cfg.get('model') or {}).get(
        'channels_last')))
    return LoadedGenerator(G, cfg, which,
                           describe_pick(which, sample_model, meta), meta)


def build_generator(cfg: Config, path: str) -> nn.Module:
    """``cfg.model.generator`` alone, as the GAN builds it
    (:func:`load_generator` then gives it the memory format of its device,
    :mod:`~mmlatent.models.memory_format`). The global random
    state is left as it was: what an app draws after loading does not
    depend on the networks the loader initialised."""
    model = cfg.get('model') or {}
    if 'generator' not in model:
        raise CheckpointError(
            f"the config of '{path}' has no model.generator; give here a "
            'checkpoint of tools/train.py (or its config with --config)')
    with torch.random.fork_rng(devices=[]):
        G = MODELS.build(model['generator'])
    return G


def describe_pick(which: str, sample_model: str, meta: dict) -> str:
    """The line an app prints about the generator it uses and why."""
    it = meta.get('iter', '?')
    if which == 'ema':
        return f'using the EMA generator (iteration {it})'
    why = '' if sample_model == 'orig' else \
        ' (the checkpoint holds no averaged EMA weights)'
    return f'using the original generator{why} (iteration {it})'
