"""Where InfoGAN's categorical code is read from: small registered parts of
:class:`~mmlatent.models.discriminators.InfoGANDiscriminator`, chosen in
the config with ``cat_head=dict(type=...)``.

Each part maps ``(D, img, shared_logits)`` to the categorical logits (a
list of [n, k]): ``D`` is the discriminator it belongs to, ``img`` D's
input and ``shared_logits`` what D's shared Q head predicted from Q's
input. A part with ``shared = False`` has its own layers; D's shared head
then predicts the continuous codes only.
"""
from typing import List, Sequence, Tuple

from torch import Tensor, nn

from ...registry import MODELS
from ...utils.pose_jitter import check_rotation, check_warp, random_pose
from ...utils.silhouette import outline_harmonics


@MODELS.register_module()
class ImageCatHead(nn.Module):
    """The paper's: the categorical logits come from the shared Q head on
    Q's input, with the continuous codes."""
    shared = True

    def __init__(self, cat_dims: Sequence[int], hidden: int):
        super().__init__()

    def forward(self, D: nn.Module, img: Tensor,
                shared_logits: List[Tensor]) -> List[Tensor]:
        return shared_logits


@MODELS.register_module()
class PoseJitterCatHead(ImageCatHead):
    """In training mode, the shared Q head on a randomly rotated (by up
    to ``rotation`` degrees; 180: any angle), zoomed (log-uniform in
    ``scale``) and shifted (up to ``shift`` half-widths) copy of Q's input
    (:func:`~mmlatent.utils.pose_jitter.random_pose`), so the categorical
    code cannot be read back from (and G gains nothing by spending it on)
    position, size or orientation. A small pose (e.g. ``rotation=15``) is
    an augmentation for data whose classes are not rotation-invariant
    (digits: a 6 turned by 180 degrees is a 9). ``warp`` > 0 also bends
    the copy by a smooth random displacement (standard deviation ``warp``
    half-widths on a ``warp_nodes`` x ``warp_nodes`` control grid;
    :func:`~mmlatent.utils.pose_jitter.random_warp_field`), so the code
    cannot hide in stroke details either. In eval mode as
    :class:`ImageCatHead`."""

    def __init__(self, cat_dims: Sequence[int], hidden: int,
                 scale: Tuple[float, float] = (0.75, 1.33),
                 shift: float = 0.25, rotation: float = 180.0,
                 warp: float = 0.0, warp_nodes: int = 4):
        super().__init__(cat_dims, hidden)
        self.scale, self.shift = tuple(scale), shift
        self.rotation = check_rotation(rotation)
        self.warp, self.warp_nodes = check_warp(warp, warp_nodes)

    def forward(self, D: nn.Module, img: Tensor,
                shared_logits: List[Tensor]) -> List[Tensor]:
        if not self.training:
            return shared_logits
        view = random_pose(D.q_view(img), self.scale, self.shift,
                           rotation=self.rotation, warp=self.warp,
                           warp_nodes=self.warp_nodes)
        return D.shared_q(view)['cat_logits']


@MODELS.register_module()
class HarmonicsCatHead(nn.Sequential):
    """No trunk at all: an MLP (``num_harmonics -> hidden -> sum(cat_dims)``)
    on :func:`~mmlatent.utils.silhouette.outline_harmonics` of the image,
    the rotation-invariant Fourier magnitudes of its angular mass. Only the
    outline's shape is left, so on single-object data such as Shapes the
    code can only go to the shape class."""
    shared = False

    def __init__(self, cat_dims: Sequence[int], hidden: int,
                 num_harmonics: int = 8):
        super().__init__(nn.Linear(num_harmonics, hidden),
                         nn.LeakyReLU(0.2, True),
                         nn.Linear(hidden, sum(cat_dims)))
        self.cat_dims, self.num_harmonics = list(cat_dims), num_harmonics

    def forward(self, D: nn.Module, img: Tensor,
                shared_logits: List[Tensor]) -> List[Tensor]:
        h = outline_harmonics(img, self.num_harmonics)
        return list(super().forward(h).split(self.cat_dims, 1))
