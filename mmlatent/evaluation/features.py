"""Feature extractors (image -> feature vector) for distribution metrics.

Registered in ``FEATURE_EXTRACTORS``:

* ``InceptionV3``: the FID network, TensorFlow's 2015 Inception ported to
  PyTorch by pytorch-fid (``pt_inception-2015-12-05-6726825d.pth``), 2048-d
  pool features of images resized to 299 px. This is the network that
  published FID / KID figures use (torchvision's ImageNet Inception gives
  different, incomparable values). The weights are read ONLY from the
  standard torch hub cache; nothing is downloaded.
* ``ShapesFeatureNet``: a small CNN the project trains on Shapes factors
  (:mod:`mmlatent.evaluation.shapes_net`, ``tools/train_feature_net.py``),
  for offline Fréchet / kernel distances on Shapes.
* ``PixelFeatures``: area-downsampled pixels (tests, sanity checks).

Every extractor takes images [N, C, H, W] in [-1, 1] and returns float32
[N, dim] on the CPU, without gradients. The last batch is memoised by
identity, so metrics that share an extractor compute features once.
"""
import os.path as osp
import weakref
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import FEATURE_EXTRACTORS
from ..utils.checkpoint import describe_load_error
from ..utils.errors import CheckpointError, ConfigError
from ..utils.perceptual import MissingWeightsError
from .shapes_net import ShapesNet, load_shapes_net

INCEPTION_FILE = 'pt_inception-2015-12-05-6726825d.pth'
INCEPTION_URL = ('https://github.com/mseitzer/pytorch-fid/releases/download/'
                 f'fid_weights/{INCEPTION_FILE}')


class FeatureExtractor(nn.Module):
    """Base: frozen, eval mode, memoises the last batch."""
    #: short name used in metric output names (``fd_<short_name>``)
    short_name = 'features'
    dim = 0

    def __init__(self):
        super().__init__()
        self._last = None

    def train(self, mode: bool = True) -> 'FeatureExtractor':
        return super().train(False)

    def extract(self, img: Tensor) -> Tensor:
        raise NotImplementedError

    @property
    def device(self) -> torch.device:
        p = next(self.parameters(), None)
        return p.device if p is not None else torch.device('cpu')

    def forward(self, img: Tensor) -> Tensor:
        last = self._last
        if last is not None and last[0]() is img:
            return last[1]
        with torch.no_grad():
            x = img.to(self.device, torch.float32)
            if x.shape[1] == 1:
                x = x.repeat(1, 3, 1, 1)
            feats = self.extract(x).flatten(1).float().cpu()
        try:
            self._last = (weakref.ref(img), feats)
        except TypeError:
            self._last = None
        return feats


def inception_path() -> str:
    """Where the FID Inception weights must be: the torch hub cache."""
    return osp.join(torch.hub.get_dir(), 'checkpoints', INCEPTION_FILE)


def missing_inception(path: str) -> MissingWeightsError:
    return MissingWeightsError(
        f"FID needs the Inception weights '{path}', which is missing "
        '(nothing is downloaded at run time): on a machine with internet '
        f'download {INCEPTION_URL} (e.g. wget, or python -c "import torch; '
        f"torch.hub.load_state_dict_from_url('{INCEPTION_URL}')\") and "
        f'copy {INCEPTION_FILE} to that path (the folder is '
        '$TORCH_HOME/hub/checkpoints, by default '
        '~/.cache/torch/hub/checkpoints); or use features from '
        "ShapesFeatureNet / PixelFeatures (metrics 'fd', 'kd', 'pr')")


def _import_pytorch_fid():
    try:
        from pytorch_fid import inception
    except ImportError as e:
        raise ConfigError('FID needs the pytorch-fid package for the '
                          'Inception network definition; pip install '
                          "'pytorch-fid>=0.3.0'") from e
    return inception


def fid_inception_network() -> nn.Module:
    """The FID Inception (pytorch-fid's blocks), randomly initialised."""
    m = _import_pytorch_fid()
    net = m._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    net.Mixed_5b = m.FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = m.FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = m.FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = m.FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = m.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = m.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = m.FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = m.FIDInceptionE_1(1280)
    net.Mixed_7c = m.FIDInceptionE_2(2048)
    return net


def _load_inception_state(net: nn.Module, path: str) -> None:
    try:
        state = torch.load(path, map_location='cpu', weights_only=True)
        net.load_state_dict(state, strict=True)
    except Exception as e:  # noqa: BLE001 - reported as one line
        reason = describe_load_error(e)
        raise CheckpointError(
            f"'{path}' is not the FID Inception state dict ({reason[:120]});"
            f' replace it with {INCEPTION_URL}') from e


@FEATURE_EXTRACTORS.register_module()
class InceptionV3(FeatureExtractor):
    """2048-d pool features of the FID Inception (see the module doc).

    Args:
        resize: resize to 299 x 299 (bilinear) as pytorch-fid does.
    """
    short_name = 'inception'
    dim = 2048

    def __init__(self, resize: bool = True):
        super().__init__()
        path = inception_path()
        if not osp.isfile(path):
            raise missing_inception(path)
        net = fid_inception_network()
        _load_inception_state(net, path)
        self.resize = resize
        self.blocks = nn.Sequential(
            net.Conv2d_1a_3x3, net.Conv2d_2a_3x3, net.Conv2d_2b_3x3,
            nn.MaxPool2d(kernel_size=3, stride=2), net.Conv2d_3b_1x1,
            net.Conv2d_4a_3x3, nn.MaxPool2d(kernel_size=3, stride=2),
            net.Mixed_5b, net.Mixed_5c, net.Mixed_5d, net.Mixed_6a,
            net.Mixed_6b, net.Mixed_6c, net.Mixed_6d, net.Mixed_6e,
            net.Mixed_7a, net.Mixed_7b, net.Mixed_7c,
            nn.AdaptiveAvgPool2d(1))
        self.requires_grad_(False).eval()

    def extract(self, img: Tensor) -> Tensor:
        if self.resize:
            img = F.interpolate(img, size=(299, 299), mode='bilinear',
                                align_corners=False)
        return self.blocks(img.clamp(-1, 1))


@FEATURE_EXTRACTORS.register_module()
class PixelFeatures(FeatureExtractor):
    """Pixels area-downsampled to ``size`` x ``size``: [N, 3 * size^2]."""
    short_name = 'pixel'

    def __init__(self, size: int = 8):
        super().__init__()
        if not isinstance(size, int) or size < 1:
            raise ConfigError(f'PixelFeatures size={size!r} must be a '
                              'positive integer')
        self.size = size
        self.dim = 3 * size * size

    def extract(self, img: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(img, self.size)


@FEATURE_EXTRACTORS.register_module()
class ShapesFeatureNet(FeatureExtractor):
    """Features of the Shapes network (its penultimate layer).

    Args:
        checkpoint: a file written by ``tools/train_feature_net.py``, or
            ``'random'`` for a seeded, untrained network (smoke tests only:
            its distances say little about image quality).
        feature_dim: size of the features of a ``'random'`` network.
    """
    short_name = 'shapes'

    def __init__(self, checkpoint: Optional[str] = None,
                 feature_dim: int = 128):
        super().__init__()
        if checkpoint is None:
            raise ConfigError(
                'ShapesFeatureNet needs checkpoint=PATH (train one with '
                'python tools/train_feature_net.py --out PATH, about 2 '
                "minutes on CPU) or checkpoint='random' for smoke tests")
        if checkpoint == 'random':
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                self.net = ShapesNet(feature_dim=feature_dim)
        else:
            self.net = load_shapes_net(checkpoint)
        self.dim = self.net.feature_dim
        self.requires_grad_(False).eval()

    def extract(self, img: Tensor) -> Tensor:
        return self.net.features(img)


_SHARED = weakref.WeakValueDictionary()


def build_extractor(cfg) -> FeatureExtractor:
    """Build (or share an already built) extractor from a config dict;
    an ``nn.Module`` is returned as it is."""
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ConfigError(f'extractor={cfg!r} must be a config dict with a '
                          "type, e.g. dict(type='InceptionV3')")
    key = repr(sorted(cfg.items()))
    extractor = _SHARED.get(key)
    if extractor is None:
        extractor = FEATURE_EXTRACTORS.build(dict(cfg))
        _SHARED[key] = extractor
    return extractor
