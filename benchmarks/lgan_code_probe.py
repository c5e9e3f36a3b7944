"""Where does an l-GAN's shape class live in its autoencoder's code?

Encodes ``--num-images`` labelled Shapes images with the checkpoint's
encoder (standardised codes ``w``, as the code GAN sees them), fits two
classifiers of the class on ``--fit-fraction`` of them and scores the
rest:

* ``linear``: a logistic regression (scikit-learn): is the class a
  direction of the code?
* ``knn``: ``--k`` nearest neighbours: is it in the code at all?

Then it maps ``--num-samples`` draws of ``z`` to codes and prints three
class histograms (square, ellipse, triangle): the real codes' labels, the
mapped codes as the k-NN classifier reads them, and the decoded images as
the analytic measurer reads them. docs/fidelity.md (session 32) reads
them for the main job: the class is not a direction of its code (linear
38%, k-NN 94%).

    python benchmarks/lgan_code_probe.py \
        --ckpt work_dirs/lgan_continuity_shapes-32x32/iter_4000.pth

One JSON line on stdout; ``--out`` writes it to a file as well.
"""
import argparse
import json
from typing import Dict, Tuple

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from torch import Tensor

from mmlatent.control.traversal import measured_class
from mmlatent.datasets.batched import items_of
from mmlatent.datasets.shapes import SHAPES, ShapesDataset
from mmlatent.models.loading import load_model
from mmlatent.utils.checkpoint import atomic_write_bytes
from mmlatent.utils.cli import run_cli
from mmlatent.utils.errors import ConfigError


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ckpt', required=True,
                   help='an unconditional LatentGAN checkpoint')
    p.add_argument('--num-images', type=int, default=20000)
    p.add_argument('--fit-fraction', type=float, default=0.8)
    p.add_argument('--num-samples', type=int, default=10000)
    p.add_argument('--k', type=int, default=15)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out', help='also write the JSON line here')
    return p.parse_args()


def class_readability(w: np.ndarray, labels: np.ndarray,
                      fit_fraction: float = 0.8, k: int = 15
                      ) -> Tuple[Dict[str, float], KNeighborsClassifier]:
    """Held-out accuracy of a linear and a k-NN classifier of ``labels``
    [n] from the codes ``w`` [n, d] (fitted on the first ``fit_fraction``
    of the rows), and the fitted k-NN classifier."""
    if not 0 < fit_fraction < 1:
        raise ConfigError(f'--fit-fraction {fit_fraction} must be in (0, 1)')
    cut = int(len(w) * fit_fraction)
    if cut < k or cut == len(w):
        raise ConfigError(f'{len(w)} codes leave too few to fit {k} '
                          'neighbours or to score; give more --num-images')
    linear = LogisticRegression(max_iter=2000).fit(w[:cut], labels[:cut])
    knn = KNeighborsClassifier(k).fit(w[:cut], labels[:cut])
    acc = {name: float((clf.predict(w[cut:]) == labels[cut:]).mean())
           for name, clf in (('linear', linear), ('knn', knn))}
    return acc, knn


def histogram(labels, num_classes: int = len(SHAPES)) -> list:
    """Class frequencies of the valid ``labels`` (``-1`` left out)."""
    labels = np.asarray(labels)
    labels = labels[labels >= 0]
    counts = np.bincount(labels, minlength=num_classes)
    return (counts / max(len(labels), 1)).round(4).tolist()


@torch.no_grad()
def encode_labelled(model, num_images: int, seed: int,
                    batch: int = 1000) -> Tuple[np.ndarray, np.ndarray]:
    """Standardised codes [n, d] and labels [n] of fresh Shapes images at
    the checkpoint's resolution."""
    G = model.G
    ds = ShapesDataset(num_samples=num_images, resolution=G.resolution,
                       seed=seed)
    w, labels = [], []
    for start in range(0, num_images, batch):
        # the dataset's batch road: a batch is rendered together
        items = items_of(ds, range(start, min(start + batch, num_images)))
        x = torch.stack([it['img'] for it in items])   # [-1, 1]
        w.append(G.standardise(model.encoder(x)))
        labels += [int(it['label']) for it in items]
    return torch.cat(w).numpy(), np.array(labels)


@torch.no_grad()
def mapped_codes(model, num_samples: int, seed: int,
                 batch: int = 1000) -> Tuple[Tensor, Tensor]:
    """Mapped codes ``w`` [n, d] of fresh ``z`` and the measured class of
    their decoded images [n] (-1: invalid)."""
    G = model.G
    g = torch.Generator().manual_seed(seed)
    w, cls = [], []
    for start in range(0, num_samples, batch):
        n = min(batch, num_samples - start)
        wb = G.mapping(G.sample_z(n, generator=g))[:, 0]
        w.append(wb)
        cls.append(measured_class(G.synthesis(wb)))
    return torch.cat(w), torch.cat(cls)


def probe(model, num_images: int = 20000, fit_fraction: float = 0.8,
          num_samples: int = 10000, k: int = 15, seed: int = 0) -> dict:
    """The figures this script prints (see the module docstring)."""
    if getattr(model, 'encoder', None) is None or model.G.c_dim:
        raise ConfigError('the checkpoint is not an unconditional LatentGAN '
                          '(it needs an encoder and no condition c)')
    w, labels = encode_labelled(model, num_images, seed + 12345)
    acc, knn = class_readability(w, labels, fit_fraction, k)
    w_fake, measured = mapped_codes(model, num_samples, seed)
    return dict(classes=list(SHAPES), code_dim=int(w.shape[1]),
                accuracy=acc, real_labels=histogram(labels),
                mapped_knn=histogram(knn.predict(w_fake.numpy())),
                decoded_measured=histogram(measured.numpy()),
                valid=round(float((measured >= 0).float().mean()), 4))


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = load_model(a.ckpt)[0].eval()
    row = dict(ckpt=a.ckpt, **probe(model, a.num_images, a.fit_fraction,
                                    a.num_samples, a.k, a.seed))
    line = json.dumps(row)
    print(line)
    if a.out:
        atomic_write_bytes((line + '\n').encode(), a.out)


if __name__ == '__main__':
    run_cli(main)
