"""A digit classifier for generated images of the bundled digits, so that
an InfoGAN trained on them can be scored like the paper's MNIST code."""
from typing import Callable, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..datasets.digits import DigitsDataset


def digit_features(img: Tensor) -> np.ndarray:
    """[N, C, H, W] images in [-1, 1] -> [N, 64] grey 8x8 area means in
    [0, 1] (the resolution of scikit-learn's digits)."""
    grey = (img.float().mean(1, keepdim=True) + 1) / 2
    return F.adaptive_avg_pool2d(grey, 8).flatten(1).cpu().numpy()


def digit_classifier(resolution: int = 32, *, holdout: float = 0.2,
                     seed: int = 0) -> Tuple[Callable[[Tensor], Tensor],
                                             float]:
    """A logistic-regression digit classifier fitted on ``DigitsDataset``
    at ``resolution``; returns ``(classify, heldout_accuracy)`` where
    ``classify(img [N, C, H, W])`` gives the digit of each image."""
    from sklearn.linear_model import LogisticRegression

    ds = DigitsDataset(resolution=resolution)
    x, y = digit_features(ds.images), ds.targets.numpy()
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(len(y) * (1 - holdout))
    fit, test = order[:cut], order[cut:]
    clf = LogisticRegression(max_iter=2000, C=1.0)
    clf.fit(x[fit], y[fit])
    accuracy = float((clf.predict(x[test]) == y[test]).mean())

    def classify(img: Tensor) -> Tensor:
        return torch.from_numpy(clf.predict(digit_features(img))).long()

    return classify, accuracy
