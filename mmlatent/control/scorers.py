"""Attribute scorers: images -> named scores, for controllable generation.

A scorer is an ``nn.Module`` that maps images ``img`` [N, C, H, W] in
[-1, 1] to a dict ``{attribute: Tensor [N]}``. ``attributes`` names each
score's kind:

* ``continuous``: any real value (e.g. the x position of a shape);
* ``binary``: a value in [0, 1] (a 0/1 measurement or a probability),
  1 meaning the attribute is present, decided at 0.5.

Scores of images a scorer cannot judge (the Shapes measurer's invalid
images) are NaN. ``differentiable`` says whether gradients of the scores
with respect to the images exist (classifier guidance needs them).

Scorers are registered in :data:`mmlatent.registry.SCORERS` and built from
a config dict or from a command-line spec (:func:`parse_scorer`):

=========================  ================================================
``shapes``                 the analytic Shapes measurer (:class:`ShapesScorer`)
``classifier:PATH``        a classifier checkpoint (:class:`ClassifierScorer`)
``text:PATH``              a text-image encoder file, scoring prompts
                           (:class:`~mmlatent.control.text.TextScorer`)
``PATH`` (a file)          the same as ``classifier:PATH``
``NAME:key=value,...``     keyword arguments of the scorer
=========================  ================================================
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..datasets.captions import (attribute_values, parse_prompt,
                                 split_prompts, to_indices)
from ..datasets.measure import measure_factors
from ..datasets.shapes import SHAPES
from ..registry import SCORERS
from ..utils.build import suggest
from ..utils.errors import ConfigError
from .classifier import load_classifier

CONTINUOUS, BINARY = 'continuous', 'binary'
FACTOR_KEYS = ('x', 'y', 'scale', 'rotation', 'hue')
KINDS = (CONTINUOUS, BINARY)
ScorerSpec = Union[str, dict, 'Scorer']


class Scorer(nn.Module):
    """Base class: ``forward(img) -> {attribute: Tensor [N]}``.

    Subclasses set :attr:`attributes` (name -> ``'continuous'`` or
    ``'binary'``) and :attr:`differentiable`.
    """

    differentiable: bool = False

    def __init__(self) -> None:
        super().__init__()
        self.attributes: Dict[str, str] = {}

    @property
    def name(self) -> str:
        return type(self).__name__

    def check_attribute(self, attribute: str) -> str:
        """``attribute`` if this scorer gives it, else a one-line error."""
        if attribute not in self.attributes:
            raise ConfigError(
                f"unknown attribute '{attribute}' for scorer {self.name}"
                f'{suggest(attribute, self.attributes)}; it gives '
                f"{', '.join(self.attributes)}")
        return attribute

    def forward(self, img: Tensor) -> Dict[str, Tensor]:
        raise NotImplementedError


def single_attribute(scorer: Scorer, given: Optional[str] = None) -> str:
    """``given`` (checked), or the scorer's only attribute; one line asking
    for ``--attribute`` when it gives several."""
    if given:
        return scorer.check_attribute(given)
    if len(scorer.attributes) != 1:
        raise ConfigError(
            f'scorer {scorer.name} gives several attributes '
            f"({', '.join(scorer.attributes)}); pick one with --attribute")
    return next(iter(scorer.attributes))


@SCORERS.register_module(name=['ShapesScorer', 'shapes'])
class ShapesScorer(Scorer):
    """The analytic Shapes measurer (:func:`measure_factors`) as a scorer.

    Continuous: ``x, y, scale, rotation, hue`` (dataset units). Binary:
    ``x_binary`` (x > ``x_threshold``), ``y_binary``, ``scale_binary``
    (scale > ``scale_threshold``, default the middle of ``scale_range``),
    ``is_<class>`` per class, and ``valid`` (exactly one plausible shape).
    A prompt (``prompt='a;b'``, or any attribute name that
    :func:`~mmlatent.datasets.captions.parse_prompt` understands) is a
    binary attribute: 1 when the measured image has every attribute the
    prompt names (caption bins, sizes split at ``scale_threshold``).
    Every score but ``valid`` is NaN for invalid images. Not
    differentiable: use it to label samples and to verify edits, not to
    guide them.
    """

    def __init__(self, classes: Sequence[str] = SHAPES,
                 scale_range: Tuple[float, float] = (0.25, 0.5),
                 x_threshold: float = 0.5, y_threshold: float = 0.5,
                 scale_threshold: Optional[float] = None,
                 fg_threshold: float = 0.3,
                 prompt: Optional[str] = None) -> None:
        super().__init__()
        self.classes = tuple(classes)
        self.measure_options = dict(classes=self.classes,
                                    scale_range=tuple(scale_range),
                                    fg_threshold=fg_threshold)
        self.thresholds = dict(
            x=float(x_threshold), y=float(y_threshold),
            scale=float(sum(scale_range) / 2 if scale_threshold is None
                        else scale_threshold))
        names = ('x', 'y', 'scale', 'rotation', 'hue')
        self.attributes = {n: CONTINUOUS for n in names}
        self.attributes.update({f'{n}_binary': BINARY for n in
                                self.thresholds})
        self.attributes.update({f'is_{c}': BINARY for c in self.classes})
        self.attributes['valid'] = BINARY
        self.prompts: Dict[str, Tensor] = {}
        for text in split_prompts(prompt):
            self.add_prompt(text)

    @property
    def name(self) -> str:
        return 'shapes'

    def add_prompt(self, text: str) -> str:
        """Score whether images have what ``text`` names."""
        if text not in self.prompts:
            self.prompts[text] = torch.from_numpy(to_indices(
                parse_prompt(text)))
            self.attributes[text] = BINARY
        return text

    def check_attribute(self, attribute: str) -> str:
        """A measured attribute, or a prompt (added on the fly)."""
        if attribute in self.attributes:
            return attribute
        try:
            return self.add_prompt(attribute)
        except ConfigError:
            if any(ch in attribute for ch in ' ,'):   # meant as a prompt
                raise
            return super().check_attribute(attribute)

    def _values(self, m: Dict[str, Tensor]) -> Tensor:
        """int64 [N, 5] caption values of measured factors ``m``."""
        factors = torch.stack([m[k] for k in FACTOR_KEYS], 1).nan_to_num()
        return torch.from_numpy(attribute_values(
            m['label'].clamp_min(0).numpy(), factors.numpy(),
            classes=self.classes, scale_threshold=self.thresholds['scale']))

    @torch.no_grad()
    def measured_values(self, img: Tensor) -> Tensor:
        """int64 [N, 5] caption values (shape, colour, size, x, y; see
        :mod:`mmlatent.datasets.captions`) of ``img``; -1 for invalid
        images."""
        m = measure_factors(img.detach().float().cpu(),
                            **self.measure_options)
        return torch.where(m['valid'][:, None], self._values(m), -1)

    def _prompt_scores(self, m: Dict[str, Tensor], nan: Tensor
                       ) -> Dict[str, Tensor]:
        values = self._values(m)
        return {text: ((named < 0) | (values == named)).all(1).float() * nan
                for text, named in self.prompts.items()}

    @torch.no_grad()
    def forward(self, img: Tensor) -> Dict[str, Tensor]:
        m = measure_factors(img.detach().float().cpu(),
                            **self.measure_options)
        valid = m['valid']
        nan = torch.where(valid, 1.0, float('nan'))
        out = {k: m[k] * nan for k in ('x', 'y', 'scale', 'rotation', 'hue')}
        for k, t in self.thresholds.items():
            out[f'{k}_binary'] = (m[k] > t).float() * nan
        for i, c in enumerate(self.classes):
            out[f'is_{c}'] = (m['label'] == i).float() * nan
        out['valid'] = valid.float()
        out.update(self._prompt_scores(m, nan))
        return {k: v.to(img.device) for k, v in out.items()}


@SCORERS.register_module(name=['ModuleScorer', 'module'])
class ModuleScorer(Scorer):
    """Any torch module as a (differentiable) scorer.

    Args:
        module: maps ``img`` [N, C, H, W] in [-1, 1] to a dict of [N]
            tensors, or to a tensor [N] / [N, K].
        outputs: the names of a tensor output's K columns (required when
            the module returns a tensor; a dict output names itself).
        binary: names of the outputs that are probabilities in [0, 1].
        resolution: images are resized (bilinear, antialiased) to this
            size first when given.
        name: how messages call this scorer.
    """

    differentiable = True

    def __init__(self, module: nn.Module,
                 outputs: Optional[Sequence[str]] = None,
                 binary: Sequence[str] = (),
                 resolution: Optional[int] = None,
                 name: str = 'module') -> None:
        super().__init__()
        self.module, self.resolution, self._name = module, resolution, name
        self.outputs = None if outputs is None else list(outputs)
        names = self.outputs or list(getattr(module, 'attributes', {}))
        if not names:
            raise ConfigError(
                f'scorer {name}: give the names of the outputs (outputs=[...]'
                ') or a module with an `attributes` dict')
        kinds = dict(getattr(module, 'attributes', {}))
        self.attributes = {n: BINARY if n in binary else kinds.get(
            n, CONTINUOUS) for n in names}

    @property
    def name(self) -> str:
        return self._name

    def forward(self, img: Tensor) -> Dict[str, Tensor]:
        size = (self.resolution, ) * 2
        if self.resolution and tuple(img.shape[-2:]) != size:
            img = F.interpolate(img, size=size,
                                mode='bilinear', align_corners=False,
                                antialias=True)
        out = self.module(img)
        if isinstance(out, dict):
            return {k: out[k].reshape(-1) for k in self.attributes}
        out = out.reshape(out.shape[0], -1)
        if out.shape[1] != len(self.outputs or []):
            raise ConfigError(
                f'scorer {self.name} returned {out.shape[1]} values per '
                f'image but names {len(self.outputs or [])} outputs '
                f'({self.outputs}); make outputs= match the module')
        return {k: out[:, i] for i, k in enumerate(self.outputs)}


@SCORERS.register_module(name=['ClassifierScorer', 'classifier'])
class ClassifierScorer(ModuleScorer):
    """A classifier checkpoint as a scorer (see
    :mod:`mmlatent.control.classifier` for the file): the CNN trained by
    ``tools/train_classifier.py`` or any user module saved with
    :func:`~mmlatent.control.classifier.save_classifier`.

    Args:
        checkpoint: path of the classifier checkpoint.
    """

    def __init__(self, checkpoint: str) -> None:
        loaded = load_classifier(checkpoint)
        super().__init__(loaded.model, outputs=loaded.outputs,
                         binary=loaded.binary,
                         resolution=loaded.resolution,
                         name=f'classifier:{osp.basename(checkpoint)}')
        self.checkpoint = checkpoint


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {'true': True, 'false': False, 'none': None}.get(text.lower(),
                                                            text)


def parse_scorer(spec: str) -> dict:
    """A config dict from a command-line spec ``NAME``, ``NAME:PATH``,
    ``NAME:key=value,...`` or the path of a classifier file."""
    if osp.isfile(spec) and ':' not in osp.basename(spec):
        return dict(type='classifier', checkpoint=spec)
    name, _, rest = spec.partition(':')
    cfg = dict(type=name)
    if not rest:
        return cfg
    if '=' not in rest:
        cfg['checkpoint'] = rest
        return cfg
    for pair in rest.split(','):
        key, eq, value = pair.partition('=')
        if not eq or not key:
            raise ConfigError(f"scorer spec '{spec}': '{pair}' is not "
                              'key=value, e.g. shapes:scale_threshold=0.4')
        cfg[key.strip()] = _value(value.strip())
    return cfg


def build_scorer(spec: ScorerSpec, device: str = 'cpu') -> Scorer:
    """A scorer in eval mode without parameter gradients, on ``device``,
    from a spec string, a config dict or a Scorer."""
    if isinstance(spec, Scorer):
        scorer = spec
    else:
        cfg = parse_scorer(spec) if isinstance(spec, str) else dict(spec)
        name = cfg.get('type')
        SCORERS.import_from_location()
        if SCORERS.get(name) is None:
            known = sorted(k for k in SCORERS.module_dict if k.islower())
            raise ConfigError(
                f"unknown scorer '{name}'{suggest(str(name), known)}; "
                f"registered scorers: {', '.join(known)} (or the path of a "
                'classifier checkpoint)')
        scorer = SCORERS.build(cfg)
    return scorer.to(device).eval().requires_grad_(False)


def build_scorers(specs: Sequence[ScorerSpec], device: str = 'cpu'
                  ) -> List[Scorer]:
    return [build_scorer(s, device) for s in specs]


def output_names(scorers: Sequence[Scorer]) -> List[Tuple[int, str, str]]:
    """``(scorer index, attribute, output name)`` for every attribute; an
    attribute already given by an earlier scorer is named
    ``<scorer name>.<attribute>``."""
    seen, out = set(), []
    for i, s in enumerate(scorers):
        for attr in s.attributes:
            name = attr if attr not in seen else f'{s.name}.{attr}'
            seen.add(name)
            out.append((i, attr, name))
    return out


def attribute_kinds(scorers: Sequence[Scorer]) -> Dict[str, str]:
    """``{output name: kind}`` of several scorers (see output_names)."""
    return {name: scorers[i].attributes[attr]
            for i, attr, name in output_names(scorers)}


def score_images(scorers: Sequence[Scorer], img: Tensor
                 ) -> Dict[str, Tensor]:
    """Scores of ``img`` [N, C, H, W] by every scorer, merged under
    :func:`output_names`; float [N] tensors on the CPU, no gradient."""
    with torch.no_grad():
        results = [s(img) for s in scorers]
    return {name: results[i][attr].detach().float().cpu()
            for i, attr, name in output_names(scorers)}
