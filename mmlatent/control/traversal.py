"""InfoGAN code traversals, class-conditioned grids and class-to-class
interpolation, with the noise ``z`` fixed; and the accuracy of a
categorical code against measured classes after Hungarian matching.

Every image function returns ``img`` [rows, cols, C, H, W]: one row per
``z`` and one column per code value (CPU, no gradient).
"""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from ..datasets.measure import measure_factors
from ..latent.spaces import default_synthesis_kwargs, frozen
from ..utils.errors import ConfigError


def _render(G: nn.Module, z: Tensor, cs: Tensor) -> Tensor:
    """Images of ``z`` [n, z_dim] under each ``cs`` [V, n, c_dim]:
    [n, V, C, H, W]."""
    V, n = cs.shape[:2]
    kwargs = default_synthesis_kwargs(G)
    with torch.no_grad(), frozen(G):
        ws = G.mapping(z.repeat(V, 1), cs.flatten(0, 1))
        img = G.synthesis(ws, **kwargs).cpu()
    return img.view(V, n, *img.shape[1:]).transpose(0, 1)


def check_codes(G: nn.Module, *, need_cat: bool = False) -> None:
    """One-line error for a generator without (categorical) codes."""
    codes = getattr(G, 'codes', None)
    if codes is None or codes.c_dim == 0:
        raise ConfigError(f'{type(G).__name__} takes no condition codes; '
                          'use a checkpoint of an InfoGAN or a conditional '
                          'GAN')
    if need_cat and not codes.cat_dims:
        raise ConfigError(f'{type(G).__name__} has no categorical code '
                          f'(con_dim={codes.con_dim} only); use a '
                          'conditional GAN or an InfoGAN with cat_dims')


def code_sweep(G: nn.Module, z: Tensor, c: Tensor, *, code: str,
               index: int, values: Optional[Sequence[float]] = None
               ) -> Tensor:
    """``z`` [n, z_dim] fixed, one code of ``c`` [n, c_dim] set to each
    value (``code='cat'``: categories, default all; ``'con'``: default 8
    values over [-1, 1]), the rest as in ``c``: [n, V, C, H, W]."""
    check_codes(G)
    codes = G.codes
    count = len(codes.cat_dims) if code == 'cat' else codes.con_dim
    if code not in ('cat', 'con') or not 0 <= index < count:
        raise ConfigError(f"code '{code}' {index} does not exist: the "
                          f'generator has categorical codes {codes.cat_dims}'
                          f' and {codes.con_dim} continuous code(s)')
    return _render(G, z, codes.sweep(c, code, index, values))


def infogan_traversals(G: nn.Module, z: Tensor, c: Tensor, *,
                       num_values: int = 8) -> Dict[str, Tensor]:
    """The InfoGAN paper's figures with ``z`` fixed.

    ``cat{i}``: categorical code i over its categories. ``cat{i}_{k}_con{j}``:
    continuous code j over ``num_values`` points of [-1, 1] with
    categorical code i set to k (for each i, k, j). Without categorical
    codes: ``con{j}``. Values [n, V, C, H, W].
    """
    check_codes(G)
    codes, grids = G.codes, {}
    values = torch.linspace(-1, 1, num_values)
    for i, k_max in enumerate(codes.cat_dims):
        grids[f'cat{i}'] = code_sweep(G, z, c, code='cat', index=i)
        for k in range(k_max):
            ck = codes.sweep(c, 'cat', i, [k])[0]
            for j in range(codes.con_dim):
                grids[f'cat{i}_{k}_con{j}'] = code_sweep(
                    G, z, ck, code='con', index=j, values=values)
    if not codes.cat_dims:
        for j in range(codes.con_dim):
            grids[f'con{j}'] = code_sweep(G, z, c, code='con', index=j,
                                          values=values)
    return grids


def class_interpolation(G: nn.Module, z: Tensor, c: Tensor, *, source: int,
                        target: int, steps: int = 8, index: int = 0
                        ) -> Tensor:
    """``z`` fixed; categorical code ``index`` moves linearly from the
    one-hot of ``source`` to that of ``target`` (soft labels in between),
    other codes as in ``c``: [n, steps, C, H, W]."""
    check_codes(G, need_cat=True)
    codes = G.codes
    ends = codes.sweep(c, 'cat', index, [source, target])  # [2, n, c_dim]
    t = torch.linspace(0, 1, steps).to(c)[:, None, None]
    return _render(G, z, ends[0] + t * (ends[1] - ends[0]))


def class_pairs(num_classes: int, source: Optional[int] = None,
                target: Optional[int] = None) -> List[Tuple[int, int]]:
    """The (source, target) classes to interpolate between: the one pair
    given, or without one each class to the next (cyclically)."""
    if (source is None) != (target is None):
        raise ConfigError('give both --source and --target, or neither')
    if source is None:
        return [(a, (a + 1) % num_classes) for a in range(num_classes)]
    bad = [v for v in (source, target) if not 0 <= v < num_classes]
    if bad:
        raise ConfigError(f'class {bad[0]} is out of range; the code has '
                          f'{num_classes} classes (0..{num_classes - 1})')
    return [(source, target)]


def hungarian_accuracy(codes: Sequence[int], classes: Sequence[int]
                       ) -> Tuple[float, Dict[int, int], np.ndarray]:
    """Accuracy of ``codes`` as predictors of ``classes`` after the
    one-to-one matching of code values to classes that maximises it.

    Returns (accuracy, {code value: class}, confusion [codes, classes]).
    """
    from scipy.optimize import linear_sum_assignment
    codes, classes = np.asarray(codes), np.asarray(classes)
    if len(codes) == 0:
        raise ConfigError('no samples to match (all invalid?)')
    conf = np.zeros((codes.max() + 1, classes.max() + 1), np.int64)
    np.add.at(conf, (codes, classes), 1)
    rows, cols = linear_sum_assignment(-conf)
    matched = int(conf[rows, cols].sum())
    return matched / len(codes), dict(zip(rows.tolist(), cols.tolist())), \
        conf


def measured_class(img: Tensor) -> Tensor:
    """Shape class of each image by the analytic measurer (-1: invalid)."""
    m = measure_factors(img)
    return torch.where(m['valid'], m['label'], torch.full_like(m['label'],
                                                               -1))


def _codes_and_classes(G: nn.Module, num_samples: int, index: int,
                       batch_size: int, generator, classify
                       ) -> Tuple[Tensor, Tensor]:
    """(code ``index`` of each sample, ``classify`` of its image), for the
    samples that ``classify`` does not skip (-1)."""
    check_codes(G, need_cat=True)
    codes, found, labels = G.codes, [], []
    with torch.no_grad(), frozen(G):
        for s in range(0, num_samples, batch_size):
            n = min(batch_size, num_samples - s)
            z, c = G.sample_z(n, generator), G.sample_c(n, generator)
            cls = classify(G(z, c).cpu())
            keep = cls >= 0
            found.append(codes.labels(c)[:, index].cpu()[keep])
            labels.append(cls[keep])
    return torch.cat(found), torch.cat(labels)


def categorical_code_accuracy(
        G: nn.Module, *, num_samples: int = 1000, index: int = 0,
        batch_size: int = 250, generator: Optional[torch.Generator] = None,
        classify: Callable[[Tensor], Tensor] = measured_class) -> dict:
    """How well categorical code ``index`` of ``G`` predicts the class
    ``classify(img)`` (>= 0; -1 skips the image), after Hungarian
    matching. Returns dict(accuracy, assignment, confusion, num_valid);
    the accuracy is NaN when no image is valid."""
    found, labels = _codes_and_classes(G, num_samples, index, batch_size,
                                       generator, classify)
    if len(found) == 0:
        return dict(accuracy=float('nan'), assignment={},
                    confusion=np.zeros((0, 0), np.int64), num_valid=0)
    acc, assignment, conf = hungarian_accuracy(found.numpy(),
                                               labels.numpy())
    return dict(accuracy=acc, assignment=assignment, confusion=conf,
                num_valid=int(len(found)))


def conditional_accuracy(
        G: nn.Module, *, num_samples: int = 1000, batch_size: int = 250,
        generator: Optional[torch.Generator] = None,
        classify: Callable[[Tensor], Tensor] = measured_class) -> dict:
    """How often a conditional generator draws the class it is asked for:
    the share of samples whose ``classify(img)`` (>= 0; -1 skips the
    image) equals the requested class (no matching: class ``k`` of ``c``
    must be class ``k`` of ``classify``). Returns dict(accuracy,
    confusion [requested, found], num_valid); NaN when none is valid."""
    found, labels = _codes_and_classes(G, num_samples, 0, batch_size,
                                       generator, classify)
    k = G.codes.cat_dims[0]
    if len(found) == 0:
        return dict(accuracy=float('nan'),
                    confusion=np.zeros((k, k), np.int64), num_valid=0)
    size = max(k, int(labels.max()) + 1)
    conf = np.zeros((k, size), np.int64)
    np.add.at(conf, (found.numpy(), labels.numpy()), 1)
    return dict(accuracy=float((found == labels).double().mean()),
                confusion=conf, num_valid=int(len(found)))
