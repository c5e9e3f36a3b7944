"""A small CNN attribute classifier, its training, and classifier files.

A classifier file is an mmlatent-style checkpoint, written atomically and
read with ``torch.load(weights_only=True)``::

    {
      'state_dict': {name: Tensor},        the module's weights
      'meta': {
        'format': 'mmlatent.classifier/1',
        'cfg': str,       config text (Python): ``model = dict(type=...)``
                          (a MODELS type; ``custom_imports`` may import a
                          user's module), optional ``outputs = [names]``
                          (a module returning a tensor [N, K]),
                          ``binary = [names]`` (outputs in [0, 1]) and
                          ``resolution = int`` (input size)
        'metrics': {name: float},          held-out figures (optional)
      }
    }

:class:`AttributeCNN` regresses continuous factors and classifies one
categorical attribute (``is_<class>`` probabilities); it trains on Shapes
factors or on a labelled image folder (:func:`train_classifier`).
"""
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config
from torch import Tensor, nn

from ..datasets import ImageFolderDataset, ShapesDataset
from ..datasets.shapes import FACTOR_NAMES
from ..models.layers import conv_trunk
from ..registry import MODELS
from ..utils.checkpoint import atomic_save, load_checkpoint_file
from ..utils.errors import CheckpointError, ConfigError
from ..utils.image import first_line

FORMAT = 'mmlatent.classifier/1'


@MODELS.register_module()
class AttributeCNN(nn.Module):
    """Conv blocks down to 4x4 (per halving: a 3x3 conv and a stride-2 3x3
    conv, LeakyReLU, no normalisation; ``base_channels`` wide at full
    resolution, doubling per halving up to ``max_channels``), a hidden
    linear layer, and two heads: ``regression`` (one output per continuous
    attribute) and ``classes`` (softmax probabilities ``is_<class>``).

    ``forward(img)`` -> ``{name: Tensor [N]}`` for ``img`` [N, C, H, W] in
    [-1, 1]; ``logits(img)`` -> (regression [N, R], class logits [N, K]).
    """

    def __init__(self, resolution: int = 32, in_channels: int = 3,
                 base_channels: int = 32, max_channels: int = 128,
                 hidden: int = 128, regression: Sequence[str] = (),
                 classes: Sequence[str] = ()) -> None:
        super().__init__()
        if not regression and len(classes) < 2:
            raise ConfigError(
                f'AttributeCNN: regression={list(regression)} and classes='
                f'{list(classes)} leave nothing to predict; give factor '
                'names and/or at least two classes')
        self.resolution = resolution
        self.regression, self.classes = list(regression), list(classes)
        self.trunk = conv_trunk(resolution, in_channels, base_channels,
                                max_channels, hidden)
        self.reg_head = nn.Linear(hidden, len(self.regression)) \
            if self.regression else None
        self.cls_head = nn.Linear(hidden, len(self.classes)) \
            if self.classes else None

    @property
    def attributes(self) -> Dict[str, str]:
        out = {n: 'continuous' for n in self.regression}
        out.update({f'is_{c}': 'binary' for c in self.classes})
        return out

    def logits(self, img: Tensor) -> Tuple[Tensor, Tensor]:
        """(regression [N, R], class logits [N, K]); R or K may be 0."""
        h = self.trunk(img)
        return tuple(head(h) if head is not None else h.new_zeros(len(h), 0)
                     for head in (self.reg_head, self.cls_head))

    def forward(self, img: Tensor) -> Dict[str, Tensor]:
        reg, logits = self.logits(img)
        out = {n: reg[:, i] for i, n in enumerate(self.regression)}
        if self.classes:
            prob = logits.softmax(1)
            out.update({f'is_{c}': prob[:, i]
                        for i, c in enumerate(self.classes)})
        return out


# -- classifier files ---------------------------------------------------------
def save_classifier(path: str, model: nn.Module, cfg: dict,
                    metrics: Optional[Dict[str, float]] = None) -> str:
    """Write ``model``'s weights and ``cfg`` (``dict(model=dict(type=...),
    outputs=..., binary=..., resolution=..., custom_imports=...)``, see
    the module docstring) atomically; returns ``path``."""
    if 'model' not in cfg or 'type' not in cfg['model']:
        raise ConfigError("save_classifier: cfg needs model=dict(type=...) "
                          'naming a MODELS type')
    text = Config(dict(cfg)).pretty_text
    meta = dict(format=FORMAT, cfg=text,
                metrics={k: float(v) for k, v in (metrics or {}).items()})
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    atomic_save(dict(state_dict=state, meta=meta), path)
    return path


@dataclass
class LoadedClassifier:
    model: nn.Module
    outputs: Optional[List[str]]
    binary: List[str]
    resolution: Optional[int]
    metrics: Dict[str, float]


def _config(path: str, meta: dict) -> Config:
    if meta.get('format') != FORMAT or not meta.get('cfg'):
        raise CheckpointError(
            f"'{path}' is not a classifier file (format "
            f"{meta.get('format')!r}, expected '{FORMAT}'); train one with "
            'tools/train_classifier.py or write it with save_classifier')
    try:
        cfg = Config.fromstring(meta['cfg'], file_format='.py')
        if cfg.get('custom_imports'):
            from mmengine.utils import import_modules_from_strings
            import_modules_from_strings(**cfg.custom_imports)
    except ImportError as e:
        raise ConfigError(f"classifier '{path}' imports modules that are not "
                          f'on the Python path ({first_line(e)}); add their '
                          'folder to PYTHONPATH') from e
    return cfg


def load_classifier(path: str, device: str = 'cpu') -> LoadedClassifier:
    """Build and load a classifier file (strict), in eval mode."""
    ckpt = load_checkpoint_file(path)
    cfg = _config(path, ckpt.get('meta', {}))
    model = MODELS.build(cfg.model)
    try:
        model.load_state_dict(ckpt['state_dict'])
    except RuntimeError as e:
        raise CheckpointError(f"classifier '{path}' does not match its "
                              f'model config: {first_line(e)}') from e
    outputs = cfg.get('outputs')
    return LoadedClassifier(
        model.to(device).eval(), None if outputs is None else list(outputs),
        list(cfg.get('binary', [])),
        cfg.get('resolution', getattr(model, 'resolution', None)),
        dict(ckpt['meta'].get('metrics', {})))


# -- training -----------------------------------------------------------------
def _batches(dataset, indices: Tensor, batch_size: int,
             generator: torch.Generator) -> Iterator[dict]:
    """Endless random batches of ``dataset[indices]``, collated."""
    while True:
        order = indices[torch.randperm(len(indices), generator=generator)]
        for s in range(0, len(order) - batch_size + 1, batch_size):
            yield collate([dataset[int(i)] for i in order[s:s + batch_size]])


def collate(items: List[dict]) -> dict:
    out = dict(img=torch.stack([it['img'] for it in items]),
               label=torch.as_tensor([int(it['label']) for it in items]))
    if 'factors' in items[0]:
        out['factors'] = torch.stack([it['factors'] for it in items])
    return out


def _targets(model: AttributeCNN, batch: dict) -> Optional[Tensor]:
    if not model.regression:
        return None
    idx = [FACTOR_NAMES.index(n) for n in model.regression]
    return batch['factors'][:, idx]


def classifier_loss(model: AttributeCNN, batch: dict) -> Tensor:
    """MSE on the regressed factors plus cross-entropy on the class."""
    reg, logits = model.logits(batch['img'])
    loss = reg.new_zeros(())
    target = _targets(model, batch)
    if target is not None:
        loss = loss + F.mse_loss(reg, target) * 10
    if model.classes:
        loss = loss + F.cross_entropy(logits, batch['label'])
    return loss


@torch.no_grad()
def evaluate_classifier(model: AttributeCNN, dataset, indices: Tensor, *,
                        batch_size: int = 256) -> Dict[str, float]:
    """Held-out figures: mean absolute error per regressed factor
    (``mae_<name>``) and class accuracy (``accuracy``)."""
    model.eval()
    errors, correct = [], 0
    for s in range(0, len(indices), batch_size):
        batch = collate([dataset[int(i)] for i in indices[s:s + batch_size]])
        reg, logits = model.logits(batch['img'])
        target = _targets(model, batch)
        if target is not None:
            errors.append((reg - target).abs())
        if model.classes:
            correct += int((logits.argmax(1) == batch['label']).sum())
    out = {}
    if errors:
        mae = torch.cat(errors).mean(0)
        out.update({f'mae_{n}': float(v) for n, v in
                    zip(model.regression, mae)})
    if model.classes:
        out['accuracy'] = correct / len(indices)
    return out


def train_classifier(model: AttributeCNN, dataset, *, iters: int = 800,
                     batch_size: int = 64, lr: float = 1e-3,
                     val_fraction: float = 0.1, max_val: int = 1000,
                     generator: Optional[torch.Generator] = None,
                     progress=None) -> Dict[str, float]:
    """Train ``model`` with Adam (cosine-decayed lr) on random batches of
    ``dataset`` (items ``img``, ``label`` and, for regression, Shapes
    ``factors``), keeping ``val_fraction`` (at most ``max_val``) of the
    items out; returns :func:`evaluate_classifier` on them plus
    ``loss`` (the mean of the last 50 iterations)."""
    generator = generator or torch.Generator().manual_seed(0)
    n = len(dataset)
    n_val = min(max_val, max(1, int(n * val_fraction))) if n > 1 else 0
    perm = torch.randperm(n, generator=generator)
    val, train = perm[:n_val], perm[n_val:]
    if len(train) < 1:
        raise ConfigError(f'the dataset has {n} item(s); a classifier needs '
                          'at least 2 (one to train, one to validate)')
    batches = _batches(dataset, train, min(batch_size, len(train)),
                       generator)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, iters))
    model.train()
    losses = []
    steps = range(iters) if progress is None else progress(range(iters))
    for _ in steps:
        loss = classifier_loss(model, next(batches))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    metrics = evaluate_classifier(model, dataset, val) if n_val else {}
    metrics['loss'] = sum(losses[-50:]) / max(1, len(losses[-50:]))
    return metrics


def classifier_data(data: str, *, resolution: int = 32,
                    num_samples: int = 20000, seed: int = 0,
                    scale_x_correlation: float = 0.0):
    """The dataset for ``data``: ``'shapes'`` (procedural Shapes with
    factors) or the path of an image folder whose subfolders are the
    classes."""
    if data == 'shapes':
        return ShapesDataset(resolution=resolution, num_samples=num_samples,
                             seed=seed,
                             scale_x_correlation=scale_x_correlation)
    ds = ImageFolderDataset(data, resolution=resolution, labels='subfolder')
    if len(ds.classes) < 2:
        raise ConfigError(f"image folder '{data}' has {len(ds.classes)} "
                          'class subfolder(s); a classifier needs at least 2')
    return ds


def classifier_config(dataset, *, regression: Sequence[str] = (),
                      base_channels: int = 32) -> dict:
    """``dict(model=...)`` of an AttributeCNN for ``dataset``: Shapes
    factors in ``regression`` and the dataset's classes."""
    bad = [n for n in regression if n not in FACTOR_NAMES]
    if bad or (regression and 'factor_names' not in dataset.metainfo):
        raise ConfigError(
            f'cannot regress {list(regression)}: only Shapes data has '
            f'factors, and they are {FACTOR_NAMES}')
    meta = dataset.metainfo
    return dict(model=dict(
        type='AttributeCNN', resolution=meta['resolution'],
        base_channels=base_channels, regression=list(regression),
        classes=list(meta['classes'])))
