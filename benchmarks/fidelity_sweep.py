"""Learning curves of DCGAN variants on Shapes 32 px, for choosing a recipe.

A plain training loop (no runner, no hooks, no continuity term) over the
library's networks, so that variants of the discriminator (batch norm or
spectral norm), the generator (ConvTranspose or nearest upsampling, with or
without CoordConv maps), batch size and learning rates can be compared
fast. Every ``--eval`` iterations it prints one JSON line per generator (G
and its EMA) with the validity and fidelity of 1000 samples against 1000
held-out real images, and writes a sample grid.

    python benchmarks/fidelity_sweep.py sn --d sn --iters 3000
    python benchmarks/fidelity_sweep.py bs32 --d sn --batch-size 32

docs/fidelity.md gives its learning curves and how they were made.
"""
import argparse
import json
import os
import time

import numpy as np

from mmlatent.utils.cli import run_cli


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('name', help='run name (file names of the outputs)')
    p.add_argument('--iters', type=int, default=3000)
    p.add_argument('--eval', type=int, default=1000,
                   help='evaluate every this many iterations')
    p.add_argument('--d', choices=('bn', 'sn', 'none'), default='bn',
                   help='discriminator: batch norm, spectral norm or no '
                        'normalisation (use with --r1)')
    p.add_argument('--upsample', choices=('deconv', 'nearest'),
                   default='deconv')
    p.add_argument('--coords', action='store_true',
                   help='CoordConv maps in every upsampling block of G')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--g-channels', type=int, default=32)
    p.add_argument('--g-norm', choices=('bn', 'in', 'none'), default='bn',
                   help="normalisation of G's hidden layers")
    p.add_argument('--d-channels', type=int, default=32)
    p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--lr-d', type=float, default=None,
                   help="D's learning rate (default: --lr)")
    p.add_argument('--g-lr-end', type=float, default=None,
                   help="G's learning rate falls linearly from --lr to this "
                        'at the last iteration (default: constant)')
    p.add_argument('--betas', type=float, nargs=2, default=(0.5, 0.999))
    p.add_argument('--loss', choices=('logistic', 'hinge'),
                   default='logistic')
    p.add_argument('--r1', type=float, default=0.0,
                   help='R1 weight gamma on real images, every step')
    p.add_argument('--d-steps', type=int, default=1,
                   help='D steps per G step')
    p.add_argument('--ae-proj', default=None, metavar='PATH',
                   help='a frozen autoencoder (benchmarks/ae_probe.py) '
                        'trained on real images: G is pulled toward '
                        'its projection Dec(E(fake))')
    p.add_argument('--ae-proj-weight', type=float, default=1.0)
    p.add_argument('--d-pretrain', type=int, default=0, metavar='N',
                   help='before the game, train D for N steps (Adam 1e-3) '
                        'on real images against the same images with '
                        'rounded corners (round_corners, sigma 1-2.5 px)')
    p.add_argument('--d-freeze', type=int, default=0, metavar='L',
                   help="with --d-pretrain: keep D's first L convolutions "
                        'frozen in the game')
    p.add_argument('--recon', type=float, default=0.0,
                   help='weight of an L1 reconstruction G(E(x)) of real x '
                        'through an encoder E trained with G')
    p.add_argument('--d-recon', type=float, default=0.0,
                   help="weight of an L1 reconstruction of real images from "
                        "D's trunk features through a small decoder trained "
                        "with D (FastGAN's self-supervised D)")
    p.add_argument('--d-gain', type=float, default=1.0,
                   help="multiply D's logit by this (eases the spectral "
                        "norm's Lipschitz bound)")
    p.add_argument('--proj', default=None, metavar='PATH',
                   help='projected discriminator: heads on the frozen '
                        'feature maps (16, 8 and 4 px) of a Shapes feature '
                        'network trained on real images (a checkpoint of '
                        'tools/train_feature_net.py; use another seed than '
                        'the network that scores P/R/FD)')
    p.add_argument('--proj-raw', action='store_true',
                   help='with --proj: keep the pixel discriminator as one '
                        'more head')
    p.add_argument('--d-value', action='store_true',
                   help='a second, colour-blind D on the HSV value (max '
                        'over RGB) alone, as one more logit')
    p.add_argument('--d-orient', action='store_true',
                   help='one more logit from a spectrally normalised MLP on '
                        'rotation-invariant edge statistics of the HSV '
                        'value: the magnitudes of the angular moments '
                        '|m_k| (k = 1..8) of the gradient orientations and '
                        'the isoperimetric ratio (see edge_statistics)')
    p.add_argument('--orient-gain', type=float, default=1.0,
                   help="with --d-orient: that logit's factor (the MLP is "
                        '1-Lipschitz and its inputs lie in [0, 1.5])')
    p.add_argument('--patch', type=float, default=0.0,
                   help="weight of a PatchGAN head: a 3x3 conv to one "
                        "logit per location on D's 8x8 trunk features "
                        "(10-px receptive fields), each judged real or fake")
    p.add_argument('--augment', default='',
                   help="augment D's real and fake inputs alike "
                        "(differentiable, per sample): any of f (random "
                        "flips and 90-degree turns, which keep the Shapes "
                        "distribution) and t (random translation by up to "
                        "2 px over a black border), e.g. ft")
    p.add_argument('--d-stem', action='store_true',
                   help="a 3x3 stride-1 conv at full resolution before D's "
                        'first stride-2 layer (sharper view of outlines)')
    p.add_argument('--mask-g', action='store_true',
                   help='G draws a coverage mask and one flat colour per '
                        'image (the spatial mean of three more output '
                        'channels), so it cannot make colour noise or '
                        'mixed hues')
    p.add_argument('--blur', type=float, default=0.0,
                   help="Gaussian blur (sigma in px) of D's real and fake "
                        'inputs alike, decaying linearly to 0 at '
                        '--blur-iters: D first judges the coarse silhouette, '
                        "where G's fine artefacts are invisible")
    p.add_argument('--blur-iters', type=int, default=1000)
    p.add_argument('--factor-prior', default=None, metavar='PATH',
                   help="G's input is the factor code of real items (class "
                        'one-hot, x, y, scale, rotation and hue angles) '
                        'instead of noise, and G starts from the weights of '
                        '`generator_capacity.py --save PATH` (0 for a '
                        'fresh G): does the game keep crisp shapes?')
    p.add_argument('--fm', default=None, metavar='PATH',
                   help="feature matching for G: the mean and std of a "
                        'frozen Shapes feature network (tools/'
                        'train_feature_net.py; another seed than the '
                        'evaluation network) over its batch against those '
                        'of 2000 real images, a fixed, non-adversarial '
                        'target')
    p.add_argument('--fm-weight', type=float, default=1.0)
    p.add_argument('--is-boost', default=None, metavar='PATH',
                   help="the Inception-score objective for G on a frozen "
                        'Shapes network (another seed than the evaluation '
                        "network): the mean entropy of each sample's class "
                        'probabilities minus the entropy of their batch '
                        'mean, so that each sample reads as one class and '
                        'the batch holds all three (a per-sample outline '
                        'signal that D, near chance, does not give)')
    p.add_argument('--is-weight', type=float, default=0.1)
    p.add_argument('--nda', type=float, default=0.0,
                   help='negative data augmentation (Sinha et al. 2021): '
                        'real images with rounded corners (the value '
                        'blurred by --nda-sigma px and cut at 0.5, in the '
                        "image's own colour) count as fakes for D, with "
                        'this weight')
    p.add_argument('--nda-sigma', type=float, default=1.5)
    p.add_argument('--lookahead', type=float, nargs=2, default=None,
                   metavar=('K', 'ALPHA'),
                   help='Lookahead-minmax (Chavdarova et al. 2021): every K '
                        "iterations G's and D's weights move ALPHA of the way "
                        'from their slow copies to the fast ones, and the '
                        'fast ones restart there (damps the circling of the '
                        'game)')
    p.add_argument('--optimistic', action='store_true',
                   help='optimistic Adam (Daskalakis et al. 2018) for G and '
                        'D: each step moves by twice its Adam update minus '
                        'the previous one, an extrapolation that damps the '
                        'rotation of the game like extragradient, at the '
                        'cost of one step')
    p.add_argument('--g-supersample', type=int, default=1, metavar='K',
                   help='G draws at K times the size (one more upsampling '
                        'block per doubling) and its image is box-filtered '
                        'down to 32 px, as the Shapes renderer forms its '
                        'anti-aliased edges')
    p.add_argument('--topk', type=float, default=1.0, metavar='V',
                   help="top-k training (Sinha et al. 2020): G's loss only "
                   "on the samples D rates most real, their share falling "
                   'linearly from 1 to V over the first half of the run')
    p.add_argument('--relativistic', action='store_true',
                   help='relativistic average GAN loss (RaGAN, '
                   'Jolicoeur-Martineau 2019) for D and G')
    p.add_argument('--attn', default='', metavar='GD',
                   help='SAGAN self-attention (Zhang et al. 2019) on the '
                   "16x16 features of G ('g'), of D ('d') or both ('gd')")
    p.add_argument('--imle', type=float, default=0.0, metavar='W',
                   help='implicit maximum likelihood (Li & Malik 2018) '
                   'beside the game: each real image pulls its nearest '
                   '(pixel L2) of --imle-pool fresh samples onto itself '
                   'by an L1 loss of weight W')
    p.add_argument('--imle-pool', type=int, default=512,
                   help='samples per step the real images choose from')
    p.add_argument('--nn-pull', type=float, default=0.0, metavar='W',
                   help='add W x the L1 distance of each fake to its '
                        'nearest (pixel L2) real image of a fixed bank of '
                        'training images to G\'s loss (a per-sample pixel '
                        'target in the fake-to-real direction; IMLE is '
                        'real-to-fake)')
    p.add_argument('--nn-bank', type=int, default=10000, metavar='N',
                   help='training images in the --nn-pull bank')
    p.add_argument('--nn-pool', type=int, default=2, metavar='K',
                   help='the nearest neighbour is searched on images '
                        'average-pooled by K (1: full resolution)')
    p.add_argument('--affine-g', action='store_true',
                   help='G draws one shape on a canonical canvas (colour '
                        'premultiplied by a coverage mask) and an MLP on z '
                        'gives the affine pose (translation, scale, '
                        'rotation) that a spatial transformer warps it by, '
                        'rendered at 2x and box-filtered (LR-GAN, Yang et '
                        'al. 2017)')
    p.add_argument('--replay', type=int, default=0, metavar='N',
                   help='keep the last N fakes in a buffer and show D '
                        'half its fakes from it (SimGAN\'s history of '
                        'refined images, Shrivastava et al. 2017)')
    p.add_argument('--no-gan', action='store_true',
                   help='train G by --imle alone (no discriminator)')
    p.add_argument('--d-input-scale', type=int, default=1,
                   help="upsample D's input by this factor (nearest), D "
                        'built for the larger size')
    p.add_argument('--ema-half-life', type=float, default=10000,
                   help='EMA half life in images')
    p.add_argument('--shapes', nargs='+', default=None,
                   help='train and evaluate on these classes only (for '
                        'example triangle)')
    p.add_argument('--hue-range', type=float, nargs=2, default=None,
                   help='train and evaluate on hues in this range only')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='cpu',
                   help='torch device of G, D and the training batches '
                        '(e.g. cuda); evaluation reads samples on the CPU')
    p.add_argument('--bank-file', default=None, metavar='PATH',
                   help='a saved [50000, 3, 32, 32] tensor of the training '
                        "set's images in index order (render_bank), read "
                        'instead of drawing each batch (same batches)')
    p.add_argument('--time-limit', type=float, default=0, metavar='S',
                   help='stop after S seconds of training and evaluate '
                        'there (0: run all --iters)')
    p.add_argument('--out-dir', default='work_dirs/fidelity_sweep')
    return p.parse_args()


def render_bank(path: str, workers: int = 1, **kw) -> None:
    """Save the training set's 50000 images (``ShapesDataset(32,
    num_samples=50000, seed=0, **kw)``, index order) to ``path`` for
    ``--bank-file``, drawn by ``workers`` processes."""
    import multiprocessing

    import torch
    chunks = [(i, min(i + 2500, 50000), kw) for i in range(0, 50000, 2500)]
    with multiprocessing.Pool(workers) as pool:
        parts = pool.starmap(_render_range, chunks)
    torch.save(torch.cat(parts), path)


def _render_range(start: int, stop: int, kw: dict):
    import torch

    from mmlatent.datasets.shapes import ShapesDataset
    torch.set_num_threads(1)
    train = ShapesDataset(32, num_samples=50000, seed=0, **kw)
    return torch.stack([train[i]['img'] for i in range(start, stop)])


def projected_heads(channels: int, sn: bool):
    """Heads of a projected D on the taps (32 ch at 16 px, 64 at 8, 128
    at 4) of :class:`ShapesNet`, each down to one logit."""
    from torch import nn
    from mmlatent.models.layers import apply_spectral_norm

    def down(cin, cout):
        return [nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2, True)]

    heads = nn.ModuleList([
        nn.Sequential(*down(32, channels), *down(channels, 2 * channels),
                      nn.Conv2d(2 * channels, 1, 4)),
        nn.Sequential(nn.Conv2d(64, 2 * channels, 3, 1, 1),
                      nn.LeakyReLU(0.2, True), *down(2 * channels, 4 * channels),
                      nn.Conv2d(4 * channels, 1, 4)),
        nn.Sequential(nn.Conv2d(128, 4 * channels, 3, 1, 1),
                      nn.LeakyReLU(0.2, True), nn.Conv2d(4 * channels, 1, 4)),
    ])
    if sn:
        apply_spectral_norm(heads)
    return heads


def output_mapped_g(net, fn):
    """Wraps a G: its image is ``fn(net(z, c))``; z and c as net's."""
    from torch import nn

    class OutputMappedG(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def sample_z(self, n, generator=None):
            return self.net.sample_z(n, generator)

        def sample_c(self, n, generator=None):
            return self.net.sample_c(n, generator)

        def forward(self, z, c=None):
            return fn(self.net(z, c))

    return OutputMappedG(net)


def box_filtered_g(net, k: int):
    """Wraps a G that draws at k times the size: its image averaged over
    k x k blocks."""
    import torch.nn.functional as F
    return output_mapped_g(net, lambda img: F.avg_pool2d(img, k))


def mask_colour_g(net):
    """Wraps a 4-channel G: ``img = 2 * mask * colour - 1`` with the mask
    from channel 0 and the colour the spatial mean of channels 1-3."""
    def mask_times_colour(out):
        mask = (out[:, :1] + 1) / 2
        colour = (out[:, 1:].mean((2, 3), keepdim=True) + 1) / 2
        return 2 * mask * colour - 1

    return output_mapped_g(net, mask_times_colour)


def edge_statistics(x):
    """[n, 9] rotation-invariant outline statistics of [n, 3, H, W]
    images in [-1, 1], computed on the HSV value (max over RGB).

    ``|m_k|`` for k = 1..8, where ``m_k = sum g^k / |g|^(k-1) / sum |g|``
    over the pixels' Sobel gradients ``g = gx + i gy``: the k-th angular
    moment of the edge orientations weighted by edge strength (about 1 for
    k = 4 on a square, k = 3 on a triangle; about 0 on a disc), and
    ``(sum |g|)^2 / (16 sum v)``, in proportion to perimeter squared over
    area (medians on real 32-px Shapes: square 0.92, ellipse 0.93,
    triangle 1.13; anti-aliased discs 0.79)."""
    import torch
    import torch.nn.functional as F
    v = (x.amax(1, keepdim=True) + 1) / 2
    kx = torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]]) / 8
    k = torch.stack([kx, kx.t()])[:, None].to(x)
    g = F.conv2d(F.pad(v, (1, 1, 1, 1)), k)
    gx, gy = g[:, 0].flatten(1), g[:, 1].flatten(1)
    mag = (gx.square() + gy.square() + 1e-8).sqrt()
    c, s = gx / mag, gy / mag
    total = mag.sum(1) + 1e-6
    feats, (re, im) = [], (c, s)
    for _ in range(8):     # (c + i s)^k, one power at a time
        feats.append(((mag * re).sum(1).square()
                      + (mag * im).sum(1).square() + 1e-8).sqrt() / total)
        re, im = re * c - im * s, re * s + im * c
    feats.append(total.square() / (16 * v.flatten(1).sum(1) + 1e-6))
    return torch.stack(feats, 1)


def self_attention(channels: int, sn: bool):
    """SAGAN's block: x + gamma * attention over the positions of x
    (gamma starts at 0, so the block starts as the identity)."""
    import torch
    from torch import nn

    from mmlatent.models.layers import apply_spectral_norm

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            c = channels
            self.q, self.k = nn.Conv2d(c, c // 8, 1), nn.Conv2d(c, c // 8, 1)
            self.v, self.o = nn.Conv2d(c, c // 2, 1), nn.Conv2d(c // 2, c, 1)
            self.gamma = nn.Parameter(torch.zeros(()))

        def forward(self, x):
            n, c, h, w = x.shape
            q, k = self.q(x).flatten(2), self.k(x).flatten(2)
            attn = torch.softmax(q.transpose(1, 2) @ k, -1)    # [n, N, N]
            out = (self.v(x).flatten(2) @ attn.transpose(1, 2))
            return x + self.gamma * self.o(out.view(n, c // 2, h, w))

    block = SelfAttention()
    if sn:
        apply_spectral_norm(block)
    return block


def gaussian_blur(x, sigma: float, pad_value: float):
    """Separable Gaussian blur of [n, C, H, W] by ``sigma`` px, the border
    padded with ``pad_value``."""
    import torch
    import torch.nn.functional as F
    r = max(1, int(3 * sigma + 0.5))
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-t.square() / (2 * sigma * sigma))
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (r, r, r, r), value=pad_value)
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def round_corners(x, sigma: float):
    """Real Shapes images [n, 3, H, W] in [-1, 1] with rounded corners:
    the silhouette (value) blurred by ``sigma`` px and cut at 0.5 with a
    2-px ramp, filled with each image's colour (its per-channel max)."""
    rgb = (x + 1) / 2
    v = gaussian_blur(rgb.amax(1, keepdim=True), sigma, 0.0)
    mask = ((v - 0.5) * 2 + 0.5).clamp(0, 1)
    colour = rgb.amax((2, 3), keepdim=True)
    return 2 * mask * colour - 1


def affine_g(net, z_dim: int):
    """``net`` (4 output channels: RGB and coverage, tanh) draws on a
    canonical canvas; an MLP on z gives the pose, and the premultiplied
    colour is warped to the image by a spatial transformer (bilinear at 2x
    the resolution, then 2x2 box filter)."""
    import math
    import torch
    import torch.nn.functional as F

    class AffineG(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.canvas = net
            self.pose = torch.nn.Sequential(
                torch.nn.Linear(z_dim, 128), torch.nn.ReLU(True),
                torch.nn.Linear(128, 4))
            torch.nn.init.zeros_(self.pose[-1].weight)
            torch.nn.init.zeros_(self.pose[-1].bias)

        def sample_z(self, n, generator=None):
            return self.canvas.sample_z(n, generator)

        def sample_c(self, n, generator=None):
            return self.canvas.sample_c(n, generator)

        def forward(self, z, c=None):
            c = self.canvas(z, c)
            colour = (c[:, :3] + 1) * (c[:, 3:] + 1) / 2   # in [0, 2]
            p = self.pose(z)
            t = torch.tanh(p[:, :2])
            s = 0.6 * torch.exp(p[:, 2].clamp(-3, 3))
            ang = math.pi * p[:, 3]
            cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
            # output point o -> canvas point R(-ang) (o - t) / s
            a = torch.stack([torch.stack([cos, sin], 1),
                             torch.stack([-sin, cos], 1)], 1)   # [n, 2, 2]
            b = -(a @ t[:, :, None])
            theta = torch.cat([a, b], 2)
            n, _, h, w = colour.shape
            grid = F.affine_grid(theta, (n, 3, 2 * h, 2 * w),
                                 align_corners=False)
            out = F.grid_sample(colour, grid, mode='bilinear',
                                padding_mode='zeros', align_corners=False)
            return F.avg_pool2d(out, 2) - 1

    return AffineG()


def factor_prior_g(path: str, train, channels: int):
    """A G whose ``sample_z`` draws the factor code of random real items
    (``generator_capacity.factor_code``), started from ``path``."""
    import sys
    import torch
    from mmlatent.models.generators import DCGANGenerator
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from generator_capacity import factor_code
    table = [train.factors_of(i) for i in range(len(train))]
    labels = torch.tensor([t[0] for t in table])
    factors = torch.tensor(np.stack([t[1] for t in table])).float()
    codes = factor_code(labels, factors)

    class FactorG(DCGANGenerator):
        def sample_z(self, n, generator=None):
            pick = torch.randint(0, len(codes), (n, ), generator=generator)
            return codes[pick].to(self.device)

    G = FactorG(32, z_dim=codes.shape[1], base_channels=channels)
    if path != '0':
        G.load_state_dict(torch.load(path, weights_only=True)['G'])
    return G


def main() -> None:
    args = parse_args()
    import torch
    import torch.nn.functional as F
    from mmlatent.datasets.shapes import ShapesDataset
    from mmlatent.evaluation import ShapesFidelity, ShapesValidity, \
        evaluate_images
    from mmlatent.models.discriminators import DCGANDiscriminator
    from mmlatent.models.ema import GeneratorEMA
    from mmlatent.models.generators import DCGANGenerator
    from mmlatent.models.layers import apply_spectral_norm
    from mmlatent.utils.image import save_grid

    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    os.makedirs(args.out_dir, exist_ok=True)
    kw = dict(shapes=args.shapes) if args.shapes else {}
    if args.hue_range:
        kw['hue_range'] = tuple(args.hue_range)
    train = ShapesDataset(32, num_samples=50000, seed=0, **kw)
    held_out = ShapesDataset(32, num_samples=1000, seed=12345, **kw)
    real_eval = torch.stack([held_out[i]['img'] for i in range(1000)])
    G = DCGANGenerator(32 * args.g_supersample, z_dim=64,
                       base_channels=args.g_channels, norm=args.g_norm,
                       prior='uniform', upsample=args.upsample,
                       coords=args.coords,
                       out_channels=4 if args.mask_g or args.affine_g
                       else 3)
    if args.affine_g:
        G = affine_g(G, 64)
    if args.mask_g:
        G = mask_colour_g(G)
    if args.g_supersample > 1:
        G = box_filtered_g(G, args.g_supersample)
    if args.factor_prior:
        G = factor_prior_g(args.factor_prior, train, args.g_channels)
    D = DCGANDiscriminator(32 * args.d_input_scale,
                           in_channels=args.d_channels if args.d_stem else 3,
                           base_channels=args.d_channels,
                           norm='bn' if args.d == 'bn' else 'none',
                           spectral_norm=args.d == 'sn')
    if 'g' in args.attn:      # after the 16x16 block, before the output
        G.net = torch.nn.Sequential(*G.net[:-2], self_attention(
            args.g_channels, False), *G.net[-2:])
    if 'd' in args.attn:      # after the first (32 -> 16) block
        D.trunk = torch.nn.Sequential(*D.trunk[:2], self_attention(
            args.d_channels, args.d == 'sn'), *D.trunk[2:])
    feat_net = heads = D_value = patch_head = stem = D_orient = None
    if args.d_orient:
        D_orient = apply_spectral_norm(torch.nn.Sequential(
            torch.nn.Linear(9, 64), torch.nn.LeakyReLU(0.2),
            torch.nn.Linear(64, 64), torch.nn.LeakyReLU(0.2),
            torch.nn.Linear(64, 1)))
    if args.d_stem:
        stem = torch.nn.Sequential(torch.nn.Conv2d(3, args.d_channels, 3, 1, 1),
                                   torch.nn.LeakyReLU(0.2, True))
        if args.d == 'sn':
            apply_spectral_norm(stem)
    if args.patch:
        patch_head = torch.nn.Conv2d(2 * args.d_channels, 1, 3, 1, 1)
        if args.d == 'sn':
            apply_spectral_norm(patch_head)
    if args.d_value:
        D_value = DCGANDiscriminator(32, in_channels=1,
                                     base_channels=args.d_channels,
                                     norm='none', spectral_norm=True)
    if args.proj:
        from mmlatent.evaluation.shapes_net import load_shapes_net
        feat_net = load_shapes_net(args.proj).eval().requires_grad_(False)
        heads = projected_heads(args.d_channels, args.d == 'sn')
    E = None
    if args.recon:
        enc = DCGANDiscriminator(32, base_channels=args.d_channels,
                                 norm='none')
        E = torch.nn.Sequential(enc.trunk, torch.nn.Flatten(),
                                torch.nn.Linear(enc.feature_channels * 16,
                                                64), torch.nn.Tanh())
    ae = None
    if args.ae_proj:
        import sys
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from ae_probe import load_autoencoder
        ae = load_autoencoder(args.ae_proj)
    dec = None
    if args.d_recon:
        dec = DCGANGenerator(32, z_dim=1, base_channels=args.d_channels)
        dec = torch.nn.Sequential(*list(dec.net)[3:])
    for m in (G, D, E, dec, heads, D_value, patch_head, stem, D_orient,
              feat_net, ae):
        if m is not None:
            m.to(dev)
    ema = GeneratorEMA(G, half_life_images=args.ema_half_life)
    params_G = list(G.parameters()) + (list(E.parameters()) if E else [])
    opt_G = torch.optim.Adam(params_G, args.lr,
                             betas=tuple(args.betas))
    use_pixel_d = feat_net is None or args.proj_raw
    # every module D's optimiser trains; frozen together for G's step
    d_parts = [m for m in (D if use_pixel_d else None, heads, D_value, dec,
                           D_orient, patch_head, stem)
               if m is not None]
    params_D = [p for m in d_parts for p in m.parameters()]
    opt_D = torch.optim.Adam(params_D, args.lr_d or args.lr,
                             betas=tuple(args.betas))
    index = torch.Generator().manual_seed(args.seed + 1)

    train_bank = None if args.bank_file is None else \
        torch.load(args.bank_file).to(dev)

    def real_batch():
        ids = torch.randint(0, len(train), (args.batch_size, ),
                            generator=index)
        if train_bank is not None:
            return train_bank[ids.to(dev)]
        return torch.stack([train[int(i)]['img'] for i in ids]).to(dev)

    def evaluate(net, it: int, tag: str, batch_stats: bool = False) -> dict:
        was_training = net.training
        state = {k: v.clone() for k, v in net.state_dict().items()}
        net.train(batch_stats)
        with torch.no_grad():
            fake = torch.cat([net(net.sample_z(250)) for _ in range(4)])
        fake = fake.cpu()
        net.load_state_dict(state)   # batch-norm running stats untouched
        net.train(was_training)
        out = evaluate_images([ShapesFidelity(), ShapesValidity()],
                              real=[real_eval], fake=[fake],
                              num_samples=1000)
        save_grid(os.path.join(args.out_dir, f'{args.name}_{it}{tag}.png'),
                  fake[:64], nrow=8)
        keep = ('validity', 'class_distance', 'shape_fit', 'shape_fit_p10',
                'ks_max')
        return {k: round(float(v), 3) for k, v in out.items()
                if any(k.endswith(s) for s in keep)}

    results, start = [], time.perf_counter()
    def pixel_d(x):
        if args.d_input_scale > 1:
            x = F.interpolate(x, scale_factor=args.d_input_scale,
                              mode='nearest')
        return D(x)

    def augment(x):
        if 'f' in args.augment:
            n = x.shape[0]
            turn = torch.rand(n, device=x.device) < 0.5
            x = torch.where(turn[:, None, None, None], x.transpose(2, 3), x)
            for dim in (2, 3):
                flip = torch.rand(n, device=x.device) < 0.5
                x = torch.where(flip[:, None, None, None], x.flip(dim), x)
        if 't' in args.augment:
            pad = F.pad(x, (2, 2, 2, 2), value=-1.0)
            dx, dy = torch.randint(0, 5, (2, x.shape[0])).tolist()
            x = torch.stack([pad[i, :, b:b + 32, a:a + 32]
                             for i, (a, b) in enumerate(zip(dx, dy))])
        return x

    blur_sigma = [args.blur]

    def blur(x):
        sigma = blur_sigma[0]
        return x if sigma <= 0.05 else gaussian_blur(x, sigma, -1.0)

    def d_out(x):
        """D's logit [n], or one column per head [n, K]."""
        if args.blur:
            x = blur(x)
        if args.augment:
            x = augment(x)
        if stem is not None:
            x = stem(x)
        logits = []
        if feat_net is not None:
            h = x
            for i, layer in enumerate(feat_net.trunk[:9]):
                h = layer(h)
                if i % 3 == 2:   # after each conv-BN-LeakyReLU block
                    logits.append(heads[i // 3](h).flatten())
        if use_pixel_d and patch_head is not None:
            h = D.trunk[:5](x)               # 8x8 features
            logits.append(D.head(D.trunk[5:](h)).flatten())
            patch = patch_head(h).flatten(1)          # [n, 64]
            logits.append(patch)
        elif use_pixel_d:
            logits.append(pixel_d(x))
        if D_value is not None:
            logits.append(D_value(x.amax(1, keepdim=True)))
        if D_orient is not None:
            logits.append(args.orient_gain
                          * D_orient(edge_statistics(x)).flatten())
        if patch_head is not None:
            # columns: the global logit, then the 64 patch logits
            return args.d_gain * torch.cat([logits[0][:, None], logits[1]],
                                           1)
        out = logits[0] if len(logits) == 1 else torch.stack(logits, 1)
        return args.d_gain * out

    def mean(t):
        """Mean of per-logit losses; the patch map weighs --patch against
        the global logit's 1."""
        if patch_head is None:
            return t.mean()
        return (t[:, 0] + args.patch * t[:, 1:].mean(1)).mean()

    def d_loss(real, fake):
        if args.relativistic:
            r, f = d_out(real), d_out(fake)
            return mean(F.softplus(-(r - f.mean()))) + mean(
                F.softplus(f - r.mean()))
        if args.loss == 'hinge':
            return mean(F.relu(1 - d_out(real))) + mean(F.relu(1 + d_out(fake)))
        return mean(F.softplus(-d_out(real))) + mean(F.softplus(d_out(fake)))

    fm_net = None
    if args.fm:
        from mmlatent.evaluation.shapes_net import load_shapes_net
        fm_net = load_shapes_net(args.fm).eval().requires_grad_(False)
        with torch.no_grad():
            f = torch.cat([fm_net.features(real_batch()) for _ in
                           range(2000 // args.batch_size)])
        fm_mean, fm_std = f.mean(0), f.std(0)
        fm_scale = fm_std.square().mean()

    def fm_loss(fake):
        f = fm_net.features(fake)
        return ((f.mean(0) - fm_mean).square().mean()
                + (f.std(0) - fm_std).square().mean()) / fm_scale

    cls_net = None
    if args.is_boost:
        from mmlatent.evaluation.shapes_net import load_shapes_net
        cls_net = load_shapes_net(args.is_boost).eval().requires_grad_(False)

    def is_loss(fake):
        p = cls_net(fake)[:, :3].softmax(1)
        entropy = -(p * p.clamp_min(1e-8).log()).sum(1).mean()
        p_bar = p.mean(0)
        return entropy + (p_bar * p_bar.clamp_min(1e-8).log()).sum()

    trainable_D = params_D   # all but the --d-freeze layers
    if args.d_pretrain:
        opt_pre = torch.optim.Adam(params_D, 1e-3, betas=tuple(args.betas))
        for step in range(1, args.d_pretrain + 1):
            real = real_batch()
            sigma = float(torch.empty(()).uniform_(1, 2.5))
            loss = (mean(F.softplus(-d_out(real)))
                    + mean(F.softplus(d_out(round_corners(real, sigma)))))
            opt_pre.zero_grad(set_to_none=True)
            loss.backward()
            opt_pre.step()
            if step % 250 == 0:
                with torch.no_grad():
                    real = torch.cat([real_batch() for _ in range(8)])
                    neg = round_corners(real, 1.5)
                    acc = ((d_out(real) > 0).float().mean()
                           + (d_out(neg) < 0).float().mean()) / 2
                print(json.dumps(dict(
                    pretrain=step, loss=round(float(loss.detach()), 3),
                    acc=round(float(acc), 3))), flush=True)
        convs = [m for m in D.modules() if isinstance(m, torch.nn.Conv2d)]
        frozen = {id(p) for m in convs[:args.d_freeze]
                  for p in m.parameters()}
        trainable_D = [p for p in params_D if id(p) not in frozen]
        for p in params_D:
            p.requires_grad_(id(p) not in frozen)

    def imle_loss(real):
        """L1 of each real image to its nearest of a fresh sample pool."""
        with torch.no_grad():
            z = G.sample_z(args.imle_pool)
            pool = torch.cat([G(part) for part in z.split(256)])
            nearest = torch.cdist(real.flatten(1),
                                  pool.flatten(1)).argmin(1)
        return (G(z[nearest]) - real).abs().mean()

    bank = bank_keys = None
    if args.nn_pull:
        with torch.no_grad():   # the first nn_bank training images
            bank = train_bank[:args.nn_bank] if train_bank is not None \
                else torch.stack([train[i]['img']
                                  for i in range(args.nn_bank)]).to(dev)
            bank_keys = F.avg_pool2d(bank, args.nn_pool).flatten(1)

    def nn_pull_loss(fake):
        """L1 of each fake to its nearest real image in the bank."""
        with torch.no_grad():
            keys = F.avg_pool2d(fake, args.nn_pool).flatten(1)
            nearest = torch.cdist(keys, bank_keys).argmin(1)
        return (fake - bank[nearest]).abs().mean()

    history = []

    def replay(fake):
        """Half of ``fake`` swapped for past fakes; ``fake`` is stored."""
        n = fake.shape[0]
        out = fake
        if history:
            past = torch.cat(history)
            pick = torch.randint(0, past.shape[0], (n // 2, ))
            out = torch.cat([fake[:n - n // 2], past[pick]])
        history.append(fake)
        while sum(h.shape[0] for h in history) > args.replay:
            history.pop(0)
        return out

    def optimistic_step(opt, params, prev):
        """``opt.step()``, then add (this update - the previous one)."""
        if not args.optimistic:
            opt.step()
            return
        before = [p.detach().clone() for p in params]
        opt.step()
        with torch.no_grad():
            for i, (p, b) in enumerate(zip(params, before)):
                delta = p - b
                if i in prev:
                    p.add_(delta - prev[i])
                prev[i] = delta

    prev_G, prev_D = {}, {}
    slow = None
    if args.lookahead:
        fast = list(G.parameters()) + params_D
        slow = [p.detach().clone() for p in fast]

    for it in range(1, args.iters + 1):
        if args.g_lr_end is not None:
            for group in opt_G.param_groups:
                group['lr'] = args.lr + (args.g_lr_end - args.lr) * (
                    it - 1) / max(1, args.iters - 1)
        if args.blur:
            blur_sigma[0] = args.blur * max(0.0, 1 - it / args.blur_iters)
        for _ in range(0 if args.no_gan else args.d_steps):
            real = real_batch()
            with torch.no_grad():
                fake = G(G.sample_z(args.batch_size))
            if args.replay:
                fake = replay(fake)
            if dec is None:
                loss_D = d_loss(real, fake)
                if args.nda:
                    neg = round_corners(real, args.nda_sigma)
                    loss_D = loss_D + args.nda * mean(
                        F.softplus(d_out(neg)))
            else:
                feats = D.features(real)
                real_logit = args.d_gain * D.head(feats).flatten()
                loss_D = (F.softplus(-real_logit).mean()
                          + F.softplus(d_out(fake)).mean()
                          + args.d_recon * (dec(feats) - real).abs().mean())
            if args.r1:
                real.requires_grad_(True)
                grad, = torch.autograd.grad(d_out(real).sum(), real,
                                            create_graph=True)
                loss_D = loss_D + args.r1 / 2 * grad.square().sum(
                    (1, 2, 3)).mean()
            opt_D.zero_grad(set_to_none=True)
            loss_D.backward()
            optimistic_step(opt_D, params_D, prev_D)
        for p in trainable_D:
            p.requires_grad_(False)
        if args.no_gan:
            loss_G = loss_D = args.imle * imle_loss(real_batch())
        else:
            fake = G(G.sample_z(args.batch_size))
            out = d_out(fake)
            if args.relativistic:
                with torch.no_grad():
                    r = d_out(real)
                loss_G = mean(F.softplus(-(out - r.mean()))) + mean(
                    F.softplus(r - out.mean()))
            elif args.topk < 1:
                share = max(args.topk, 1 - (1 - args.topk) * it / (
                    args.iters / 2))
                k = max(1, round(share * out.shape[0]))
                loss_G = F.softplus(-out.topk(k).values).mean()
            else:
                loss_G = (mean(-out) if args.loss == 'hinge'
                          else mean(F.softplus(-out)))
            if args.imle:
                loss_G = loss_G + args.imle * imle_loss(real)
        if bank is not None:
            loss_G = loss_G + args.nn_pull * nn_pull_loss(fake)
        if fm_net is not None:
            loss_G = loss_G + args.fm_weight * fm_loss(fake)
        if cls_net is not None:
            loss_G = loss_G + args.is_weight * is_loss(fake)
        if ae is not None:
            with torch.no_grad():
                target = ae(fake)
            loss_G = loss_G + args.ae_proj_weight * (
                fake - target).abs().mean()
        if E is not None:
            loss_G = loss_G + args.recon * (G(E(real)) - real).abs().mean()
        opt_G.zero_grad(set_to_none=True)
        loss_G.backward()
        optimistic_step(opt_G, params_G, prev_G)
        for p in trainable_D:
            p.requires_grad_(True)
        if slow is not None and it % int(args.lookahead[0]) == 0:
            with torch.no_grad():   # evaluations see the slow weights
                torch._foreach_lerp_(slow, [p.detach() for p in fast],
                                     args.lookahead[1])
                for p, q in zip(fast, slow):
                    p.copy_(q)
        ema.update(G, it, args.batch_size)
        out_of_time = args.time_limit and \
            time.perf_counter() - start > args.time_limit
        if it % args.eval == 0 or out_of_time:
            train_s = time.perf_counter() - start
            for net, tag, batch_stats in ((G, '', False), (G, 't', True),
                                          (ema.module, 'e', False)):
                row = dict(name=args.name, generator=tag or 'G', iter=it,
                           train_s=round(train_s),
                           loss_D=round(float(loss_D.detach()), 3),
                           **evaluate(net, it, tag, batch_stats))
                print(json.dumps(row), flush=True)
                results.append(row)
            torch.save(dict(G=G.state_dict(), ema=ema.module.state_dict()),
                       os.path.join(args.out_dir, f'{args.name}_{it}.pth'))
            start = time.perf_counter() - train_s
        if out_of_time:
            break
    with open(os.path.join(args.out_dir, f'{args.name}.json'), 'w') as f:
        json.dump(dict(args=vars(args), results=results), f, indent=1)


if __name__ == '__main__':
    run_cli(main)
