"""A CLIP-style text-image dual encoder with per-attribute heads, its
losses and its file.

:class:`TextImageEncoder` maps images and texts to unit vectors of one
space, trained so that an image and the captions that describe it are
close (:func:`contrastive_loss`), and predicts every caption attribute of
an image with a linear head on the image features (:func:`head_loss`).

A text-image file is written atomically and read with
``torch.load(weights_only=True)``::

    {'format': 'mmlatent.text_image/1',
     'cfg': str,                   config text: model = dict(type=...)
     'state_dict': {name: Tensor},
     'metrics': {name: float}}     held-out figures (optional)
"""
import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config
from torch import Tensor, nn

from ..datasets.captions import ATTRIBUTES, VALUES
from ..models.layers import conv_trunk
from ..registry import MODELS, TEXT_ENCODERS
from ..utils.checkpoint import atomic_save, load_format_file
from ..utils.errors import CheckpointError, ConfigError
from ..utils.image import first_line

FORMAT = 'mmlatent.text_image/1'
MAX_LOGIT_SCALE = math.log(100.0)


def contrastive_loss(img_emb: Tensor, txt_emb: Tensor, logit_scale: Tensor,
                     positives: Optional[Tensor] = None) -> Tensor:
    """Symmetric InfoNCE of unit embeddings ``img_emb`` [N, E] and
    ``txt_emb`` [M, E] with logits ``exp(logit_scale) * img @ txt.T``.

    ``positives`` [N, M] bool says which pairs match (default: the
    diagonal, N == M); each image's target is uniform over its matching
    texts and each text's over its matching images. Returns the mean of
    the image-to-text and text-to-image cross-entropies.
    """
    logits = logit_scale.exp() * img_emb @ txt_emb.T
    if positives is None:
        assert logits.shape[0] == logits.shape[1], logits.shape
        positives = torch.eye(len(logits), dtype=torch.bool,
                              device=logits.device)
    pos = positives.to(logits.dtype)
    assert (pos.sum(0) > 0).all() and (pos.sum(1) > 0).all(), \
        'every image and every text needs a positive'
    i2t = -(pos / pos.sum(1, keepdim=True) * logits.log_softmax(1)).sum(1)
    t2i = -(pos / pos.sum(0, keepdim=True) * logits.log_softmax(0)).sum(0)
    return 0.5 * (i2t.mean() + t2i.mean())


def head_loss(logits: Dict[str, Tensor], values: Tensor) -> Tensor:
    """Sum over attributes of the cross-entropy of the heads' ``logits``
    ({attribute: [N, K]}) against value indices ``values`` [N, 5]."""
    return sum(F.cross_entropy(logits[a], values[:, i])
               for i, a in enumerate(ATTRIBUTES))


@MODELS.register_module()
class TextImageEncoder(nn.Module):
    """Image tower (:func:`conv_trunk` + linear projection), text tower (a
    registered text encoder + linear projection), both L2-normalised to
    ``embed_dim``; a learned temperature (``logit_scale``, initialised to
    ``log(1 / temperature)``); per-attribute heads on the image features.
    Images are [N, 3, resolution, resolution] in [-1, 1].
    """

    def __init__(self, text_encoder: dict = dict(type='bow', dim=64),
                 resolution: int = 32, embed_dim: int = 64,
                 base_channels: int = 32, max_channels: int = 128,
                 hidden: int = 128, temperature: float = 0.07) -> None:
        super().__init__()
        self.resolution = resolution
        self.text_encoder = TEXT_ENCODERS.build(dict(text_encoder))
        self.trunk = conv_trunk(resolution, 3, base_channels, max_channels,
                                hidden)
        self.image_proj = nn.Linear(hidden, embed_dim)
        self.text_proj = nn.Linear(self.text_encoder.dim, embed_dim)
        sizes = [len(VALUES[a]) for a in ATTRIBUTES]
        self.heads = nn.Linear(hidden, sum(sizes))
        self.head_sizes = sizes
        self.logit_scale = nn.Parameter(
            torch.tensor(math.log(1.0 / temperature)))

    @property
    def device(self) -> torch.device:
        return self.image_proj.weight.device

    def features(self, img: Tensor) -> Tensor:
        """Image features [N, hidden]."""
        assert img.shape[1:] == (3, self.resolution, self.resolution), \
            f'images {tuple(img.shape)}, expected [N, 3, {self.resolution}' \
            f', {self.resolution}]'
        return self.trunk(img)

    def embed_features(self, h: Tensor) -> Tensor:
        return F.normalize(self.image_proj(h), dim=1)

    def encode_image(self, img: Tensor) -> Tensor:
        """Unit image embeddings [N, embed_dim]."""
        return self.embed_features(self.features(img))

    def encode_text(self, texts) -> Tensor:
        """Unit text embeddings [N, embed_dim] of a list of strings."""
        t = self.text_encoder(list(texts)).to(self.device)
        return F.normalize(self.text_proj(t), dim=1)

    def head_logits(self, h: Tensor) -> Dict[str, Tensor]:
        """{attribute: logits [N, K]} from image features ``h``."""
        parts = self.heads(h).split(self.head_sizes, dim=1)
        return dict(zip(ATTRIBUTES, parts))

    def scale(self) -> Tensor:
        """The logit scale, clamped to at most 100."""
        return self.logit_scale.clamp(max=MAX_LOGIT_SCALE)


def save_text_image(path: str, model: TextImageEncoder, cfg: dict,
                    metrics: Optional[Dict[str, float]] = None) -> str:
    """Write ``model`` and its ``cfg`` (``dict(model=dict(type=
    'TextImageEncoder', ...))``, optionally ``train_data=dict(...)``, what
    it was trained on) atomically; returns ``path``."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    atomic_save(dict(format=FORMAT, cfg=Config(dict(cfg)).pretty_text,
                     state_dict=state,
                     metrics={k: float(v) for k, v in
                              (metrics or {}).items()}), path)
    return path


def read_text_image(path: str) -> Tuple[Config, dict]:
    """(config, file dict) of a text-image file; one-line errors."""
    data = load_format_file(
        path, FORMAT, kind='text-image', saver='save_text_image',
        missing='train one with tools/train_text_image.py',
        writer='tools/train_text_image.py', error=CheckpointError)
    return Config.fromstring(data['cfg'], file_format='.py'), data


def text_image_config_of(path: str) -> Config:
    """The config stored in a text-image file."""
    return read_text_image(path)[0]


def load_text_image(path: str, device: str = 'cpu'
                    ) -> Tuple[TextImageEncoder, Dict[str, float]]:
    """(model in eval mode, metrics) of a text-image file."""
    cfg, data = read_text_image(path)
    model = MODELS.build(cfg.model)
    try:
        model.load_state_dict(data['state_dict'])
    except RuntimeError as e:
        raise CheckpointError(f"text-image file '{path}' does not match its "
                              f'config: {first_line(e)}') from e
    return model.to(device).eval(), dict(data.get('metrics', {}))
