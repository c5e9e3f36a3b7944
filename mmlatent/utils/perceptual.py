"""LPIPS perceptual distance (Zhang et al. 2018) for projection and metrics.

The ``lpips`` package ships the calibrated linear heads; the ImageNet
backbone (VGG16 or AlexNet) is read ONLY from the standard torch hub cache
``torch.hub.get_dir()/checkpoints`` (``$TORCH_HOME/hub/checkpoints``, by
default ``~/.cache/torch/hub/checkpoints``) under torchvision's file name.
Nothing is downloaded: a missing file raises :class:`MissingWeightsError`
saying where to put which file and how to get it.

Images are in [-1, 1]. Like NVIDIA's projector, images larger than 256 px
are downsampled to 256 px (area) before the distance; images smaller than
64 px are upsampled (bilinear) to 64 px so that every backbone stage has
pixels left.

``build_perceptual('random')`` gives a randomly initialised backbone
(seeded, deterministic) with the packaged heads: it runs offline and
exercises the code path, but its values say nothing about image quality.
"""
import contextlib
import io
import os.path as osp
import warnings
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .choices import PERCEPTUAL_CHOICES
from .checkpoint import describe_load_error
from .errors import CheckpointError, ConfigError, MMLatentError

#: net -> (file in the hub cache, torchvision builder)
BACKBONES = {
    'vgg': ('vgg16-397923af.pth', 'vgg16'),
    'alex': ('alexnet-owt-7be5be79.pth', 'alexnet'),
}
CHOICES = PERCEPTUAL_CHOICES
MAX_SIZE, MIN_SIZE = 256, 64


class MissingWeightsError(MMLatentError, FileNotFoundError):
    """Pretrained weights are not in the local cache."""


def backbone_path(net: str = 'vgg') -> str:
    """Where the ImageNet weights of ``net`` must be: the torch hub cache."""
    if net not in BACKBONES:
        raise ConfigError(f"LPIPS net='{net}' is not one of "
                          f'{tuple(BACKBONES)}')
    return osp.join(torch.hub.get_dir(), 'checkpoints', BACKBONES[net][0])


def _missing(net: str, path: str) -> MissingWeightsError:
    file, arch = BACKBONES[net]
    return MissingWeightsError(
        f"LPIPS ({net}) needs the ImageNet weights '{path}', which is "
        'missing (nothing is downloaded at run time): on a machine with '
        "internet run python -c \"import torchvision; torchvision.models."
        f"{arch}(weights='IMAGENET1K_V1')\" and copy {file} from its "
        '~/.cache/torch/hub/checkpoints/ to that path (or set TORCH_HOME), '
        "or use perceptual='random' / 'none' for offline smoke runs")


@contextlib.contextmanager
def _quiet():
    """Silence lpips' prints and torchvision's deprecation warnings."""
    with warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter('ignore')
        yield


def _new_lpips(net: str):
    """lpips.LPIPS with the packaged heads and a random backbone; builds
    nothing that downloads (``pnet_rand=True``)."""
    import lpips
    with _quiet(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return lpips.LPIPS(net=net, pretrained=True, pnet_rand=True,
                           verbose=False)


def _trunk_state(model: nn.Module, state: dict) -> dict:
    """Map torchvision ``features.<i>.<p>`` keys to lpips' slices."""
    where = {name: f'{slice_name}.{name}'
             for slice_name, part in model.net.named_children()
             for name, _ in part.named_children()}
    out = {}
    for key, value in state.items():
        parts = key.split('.')
        if len(parts) == 3 and parts[0] == 'features' and parts[1] in where:
            out[f'{where[parts[1]]}.{parts[2]}'] = value
    return out


def _load_backbone(model: nn.Module, net: str, path: str) -> None:
    if not osp.isfile(path):
        raise _missing(net, path)
    try:
        state = torch.load(path, map_location='cpu', weights_only=True)
        model.net.load_state_dict(_trunk_state(model, state), strict=True)
    except Exception as e:  # noqa: BLE001 - reported as one line
        arch = BACKBONES[net][1]
        raise CheckpointError(
            f"'{path}' is not a torchvision {arch} state dict "
            f'({describe_load_error(e)[:160]}); replace it with the file '
            f"torchvision.models.{arch}(weights='IMAGENET1K_V1') "
            'downloads') from e


def _resize(img: Tensor) -> Tensor:
    size = max(img.shape[2], img.shape[3])
    if MIN_SIZE <= size <= MAX_SIZE:
        return img
    s = (MAX_SIZE if size > MAX_SIZE else MIN_SIZE) / size
    hw = (max(1, round(img.shape[2] * s)), max(1, round(img.shape[3] * s)))
    if size > MAX_SIZE:
        return F.interpolate(img, size=hw, mode='area')
    return F.interpolate(img, size=hw, mode='bilinear', align_corners=False)


class LPIPSDistance(nn.Module):
    """``distance(img_a, img_b) -> [N]`` for images [N, C, H, W] in [-1, 1]
    (gray images are repeated to RGB). Frozen; always in eval mode;
    differentiable with respect to the images."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model.eval().requires_grad_(False)

    def train(self, mode: bool = True) -> 'LPIPSDistance':
        super().train(mode)
        self.model.eval()
        return self

    def forward(self, img_a: Tensor, img_b: Tensor) -> Tensor:
        if img_a.shape != img_b.shape or img_a.dim() != 4:
            raise ConfigError(f'LPIPS got images {tuple(img_a.shape)} and '
                              f'{tuple(img_b.shape)}; expected two batches '
                              '[N, C, H, W] of the same shape')
        if img_a.shape[1] == 1:
            img_a, img_b = img_a.repeat(1, 3, 1, 1), img_b.repeat(1, 3, 1, 1)
        return self.model(_resize(img_a), _resize(img_b)).flatten()


def lpips_distance(net: str = 'vgg', *,
                   device: Union[str, torch.device, None] = None
                   ) -> LPIPSDistance:
    """LPIPS with the ImageNet ``net`` backbone from the hub cache; raises
    MissingWeightsError (naming the path) when the file is absent."""
    path = backbone_path(net)
    if not osp.isfile(path):
        raise _missing(net, path)
    model = _new_lpips(net)
    _load_backbone(model, net, path)
    return LPIPSDistance(model).to(device or 'cpu')


def build_perceptual(name: Optional[str] = 'vgg', *,
                     device: Union[str, torch.device, None] = None
                     ) -> Optional[LPIPSDistance]:
    """``'vgg'``/``'alex'``: LPIPS with pretrained backbone (see
    :func:`lpips_distance`); ``'random'``: random VGG backbone (smoke runs
    only, meaningless values); ``'none'`` or None: no perceptual term."""
    if name is None or name == 'none':
        return None
    if name == 'random':
        return LPIPSDistance(_new_lpips('vgg')).to(device or 'cpu')
    if name not in CHOICES:
        raise ConfigError(f"perceptual='{name}' is not one of {CHOICES}")
    return lpips_distance(name, device=device)
