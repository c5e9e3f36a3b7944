"""A small CNN trained on Shapes factors, whose penultimate layer is a
feature space for offline Fréchet / kernel distances and precision/recall.

The network sees images resized to 32 px and predicts the class (cross
entropy) and the factors x, y, scale (standardised, squared error) and
rotation, hue as points on the unit circle (cos, sin; both are periodic).
Its features therefore encode what makes a Shapes image. Training images
are augmented with the defects of generated ones (a lifted, grey
background, pixel noise, blur) so that the features stay meaningful on
imperfect samples instead of collapsing.

:func:`train_shapes_net` trains one in about 2 minutes on one CPU core
(``tools/train_feature_net.py``); the checkpoint is a ``weights_only``
readable dict ``{'format', 'state_dict', 'feature_dim', 'scores'}``.
"""
import math
import os.path as osp
import time
from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..datasets.shapes import ShapesDataset
from ..utils.checkpoint import atomic_save, describe_load_error
from ..utils.errors import CheckpointError

FORMAT = 'mmlatent.shapes_feature_net/1'
INPUT_SIZE = 32
#: outputs of the head: 3 class logits, x, y, scale, cos/sin rotation, hue
NUM_OUTPUTS = 3 + 3 + 4


class ShapesNet(nn.Module):
    """conv 32-64-128 (stride 2) -> fc 256 -> features [feature_dim] ->
    head [NUM_OUTPUTS]."""

    def __init__(self, feature_dim: int = 128):
        super().__init__()
        self.feature_dim = feature_dim

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout),
                    nn.LeakyReLU(0.2)]

        self.trunk = nn.Sequential(
            *block(3, 32), *block(32, 64), *block(64, 128), nn.Flatten(),
            nn.Linear(128 * 4 * 4, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, feature_dim))
        self.head = nn.Sequential(nn.LeakyReLU(0.2),
                                  nn.Linear(feature_dim, NUM_OUTPUTS))

    def features(self, img: Tensor) -> Tensor:
        """[N, 3, H, W] in [-1, 1] -> [N, feature_dim]."""
        if img.shape[-1] != INPUT_SIZE or img.shape[-2] != INPUT_SIZE:
            mode = 'area' if img.shape[-1] > INPUT_SIZE else 'bilinear'
            kw = {} if mode == 'area' else dict(align_corners=False)
            img = F.interpolate(img, size=(INPUT_SIZE, INPUT_SIZE),
                                mode=mode, **kw)
        return self.trunk(img)

    def forward(self, img: Tensor) -> Tensor:
        return self.head(self.features(img))


def targets(labels: Tensor, factors: Tensor) -> Dict[str, Tensor]:
    """Training targets from labels [N] and factors [N, 5]."""
    x, y, scale, rot, hue = factors.double().unbind(1)
    circ = torch.stack([torch.cos(2 * math.pi * rot),
                        torch.sin(2 * math.pi * rot),
                        torch.cos(2 * math.pi * hue),
                        torch.sin(2 * math.pi * hue)], 1)
    return dict(label=labels.long(), pos=torch.stack([x, y, scale], 1),
                circ=circ)


def _loss(out: Tensor, t: Dict[str, Tensor], mean: Tensor,
          std: Tensor) -> Tensor:
    ce = F.cross_entropy(out[:, :3], t['label'])
    pos = F.mse_loss(out[:, 3:6], ((t['pos'] - mean) / std).float())
    circ = F.mse_loss(out[:, 6:], t['circ'].float())
    return ce + pos + circ


def augment(img: Tensor, gen: torch.Generator) -> Tensor:
    """Half of the images get a grey background (up to 0.3 of the range),
    pixel noise (sd up to 0.1) and, one in three of those, a 3x3 blur."""
    n = img.shape[0]

    def u() -> Tensor:
        return torch.rand(n, 1, 1, 1, generator=gen)

    x = (img + 1) / 2
    on = u() < 0.5
    x = torch.where(on, x + 0.3 * u() * (1 - x), x)
    x = torch.where(on, x + 0.1 * u() * torch.randn(x.shape, generator=gen),
                    x)
    blurred = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
    x = torch.where(on & (u() < 1 / 3), blurred, x)
    return x.clamp(0, 1) * 2 - 1


def render_set(num: int, seed: int, resolution: int = INPUT_SIZE):
    """(images [num, 3, R, R], labels [num], factors [num, 5]) of Shapes."""
    ds = ShapesDataset(resolution=resolution, num_samples=num, seed=seed)
    items = [ds[i] for i in range(num)]
    return (torch.stack([it['img'] for it in items]),
            torch.tensor([it['label'] for it in items]),
            torch.stack([it['factors'] for it in items]))


@torch.no_grad()
def score_net(net: ShapesNet, img: Tensor, labels: Tensor,
              factors: Tensor) -> Dict[str, float]:
    """Class accuracy and position / scale error (fractions of the side)
    on held-out images."""
    net.eval()
    out = torch.cat([net(img[i:i + 500]) for i in range(0, len(img), 500)])
    t = targets(labels, factors)
    pos = out[:, 3:6].double() * net.pos_std + net.pos_mean
    err = (pos - t['pos']).abs().mean(0)
    return dict(accuracy=float((out[:, :3].argmax(1) == t['label']).double()
                               .mean()),
                x_error=float(err[0]), y_error=float(err[1]),
                scale_error=float(err[2]))


def train_shapes_net(*, num_images: int = 20000, steps: int = 2000,
                     batch_size: int = 128, feature_dim: int = 128,
                     lr: float = 2e-3, seed: int = 0,
                     log: Optional[Callable[[str], None]] = None
                     ) -> ShapesNet:
    """Train a :class:`ShapesNet` on ``num_images`` Shapes images (32 px,
    seed ``seed + 1000`` so that they differ from the default training
    set); returns the network in eval mode with ``scores`` (held-out
    accuracy and errors) attached."""
    log = log or (lambda s: None)
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ShapesNet(feature_dim)
    t0 = time.time()
    img, labels, factors = render_set(num_images, seed + 1000)
    val = render_set(1000, seed + 2000)
    log(f'rendered {num_images} + 1000 images in {time.time() - t0:.1f}s')
    t = targets(labels, factors)
    mean, std = t['pos'].mean(0), t['pos'].std(0)
    net.register_buffer('pos_mean', mean)
    net.register_buffer('pos_std', std)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    net.train()
    for step in range(steps):
        idx = torch.randint(num_images, (batch_size, ), generator=gen)
        loss = _loss(net(augment(img[idx], gen)),
                     {k: v[idx] for k, v in t.items()},
                     mean, std)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % max(1, steps // 10) == 0:
            log(f'step {step + 1}/{steps}: loss {loss.item():.4f}')
    net.scores = score_net(net, *val)
    log(f'held out: {net.scores} ({time.time() - t0:.0f}s)')
    return net.eval()


def save_shapes_net(net: ShapesNet, path: str) -> None:
    """Write the checkpoint atomically."""
    atomic_save(dict(format=FORMAT, state_dict=net.state_dict(),
                     feature_dim=net.feature_dim,
                     scores=dict(getattr(net, 'scores', {}))), path)


def load_shapes_net(path: str) -> ShapesNet:
    """Read a checkpoint of :func:`save_shapes_net` (weights only)."""
    if not osp.isfile(path):
        raise CheckpointError(
            f"Shapes feature network '{path}' does not exist; train it with "
            f'python tools/train_feature_net.py --out {path}')
    try:
        data = torch.load(path, map_location='cpu', weights_only=True)
        if data.get('format') != FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        net = ShapesNet(int(data['feature_dim']))
        state = data['state_dict']
        net.register_buffer('pos_mean', state['pos_mean'])
        net.register_buffer('pos_std', state['pos_std'])
        net.load_state_dict(state)
    except Exception as e:  # noqa: BLE001 - reported as one line
        reason = describe_load_error(e)
        raise CheckpointError(
            f"'{path}' is not a Shapes feature network checkpoint "
            f'({reason[:100]}); write one with tools/train_feature_net.py'
        ) from e
    net.scores = data.get('scores', {})
    return net.eval()
