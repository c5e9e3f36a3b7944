"""Can the main job's generator draw Shapes as the decoder of an
autoencoder, and does a density in the code space give crisp samples?

Trains an encoder E (the main job's D trunk, batch norm, then a linear map
to ``--k`` numbers) and a decoder (the main job's G, width 32) with an L1
reconstruction of real images, printing every ``--eval`` iterations the
validity and fidelity (docs/fidelity.md) of the reconstructions of 1000
held-out images.  Then it samples codes and decodes them:

* ``--density gan``: a GAN in the (standardised) code space, an MLP from
  64-d Gaussian noise against a spectrally normalised MLP critic, or,
  with ``--r1 GAMMA``, an unnormalised one under R1 with Adam (0, 0.99)
  (the recipe of ``configs/lgan``: ``--r1 1 --r1-every 4 --gan-lr 5e-4
  --gan-batch 256 --gan-depth 4``);
* ``--density gmm``: Gaussian mixtures of ``--gmm`` components (full
  covariance, scikit-learn) fitted to the codes of 20,000 images;
* ``--density prior``: nothing more (with ``--wae``, the codes are pulled
  toward N(0, I) by an MMD term, WAE-MMD, and N(0, I) codes are decoded
  at every evaluation).

The trained E and decoder (and the codes) are saved to ``--out``, which
``fidelity_sweep.py --ae-proj`` reads.

    python benchmarks/ae_probe.py --k 16 --density gmm --gmm 30 100
    python benchmarks/ae_probe.py --k 16 --ae-iters 3000 --density gan \
        --r1 1 --r1-every 4 --gan-lr 5e-4 --gan-batch 256 --gan-depth 4 \
        --gan-iters 20000 --eval 5000
"""
import argparse
import json
import time

import torch
from torch import nn

from mmlatent.datasets.shapes import ShapesDataset
from mmlatent.models.generators import DCGANGenerator
from mmlatent.models.discriminators import DCGANDiscriminator
from mmlatent.utils.cli import run_cli

from common import shapes_scores as score  # benchmarks/common.py


def mlp(d_in, d_out, width=256, depth=3, sn=False):
    layers, d = [], d_in
    for _ in range(depth - 1):
        lin = nn.Linear(d, width)
        layers += [nn.utils.spectral_norm(lin) if sn else lin,
                   nn.LeakyReLU(0.2)]
        d = width
    lin = nn.Linear(d, d_out)
    layers.append(nn.utils.spectral_norm(lin) if sn else lin)
    return nn.Sequential(*layers)


def build_autoencoder(k: int, standardise: bool = False):
    """(E, Dec): the main job's D trunk (batch norm) and a linear map to
    ``k`` numbers (standardised by an affine-free batch norm if asked),
    and the main job's G (width 32) with a ``k``-d input."""
    trunk = DCGANDiscriminator(32, base_channels=32, norm='bn').trunk
    E = nn.Sequential(trunk, nn.Flatten(), nn.Linear(128 * 16, k))
    if standardise:
        E.append(nn.BatchNorm1d(k, affine=False))
    return E, DCGANGenerator(32, z_dim=k, base_channels=32)


def load_autoencoder(path: str) -> nn.Module:
    """``Dec(E(x))`` from a ``--out`` file, frozen, in eval mode."""
    state = torch.load(path)
    E, Dec = build_autoencoder(state['E']['2.weight'].shape[0],
                               standardise='3.running_mean' in state['E'])
    E.load_state_dict(state['E'])
    Dec.load_state_dict(state['Dec'])
    return nn.Sequential(E, Dec).eval().requires_grad_(False)


def mmd(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Unbiased squared MMD between code batches ``a`` and ``b`` with the
    inverse multiquadratic kernels of WAE-MMD (Tolstikhin et al. 2018)."""
    k, n = a.shape[1], a.shape[0]
    scales = [2 * k * s for s in (.1, .2, .5, 1, 2, 5, 10)]

    def kern(x, y):
        d = torch.cdist(x, y).pow(2)
        return sum(c / (c + d) for c in scales)

    off = 1 - torch.eye(n)
    within = (kern(a, a) * off).sum() + (kern(b, b) * off).sum()
    return within / (n * (n - 1)) - 2 * kern(a, b).mean()


def emit(**row) -> None:
    print(json.dumps(row), flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ae-iters', type=int, default=2000)
    p.add_argument('--gan-iters', type=int, default=3000)
    p.add_argument('--gan-lr', type=float, default=2e-4)
    p.add_argument('--gan-batch', type=int, default=128)
    p.add_argument('--gan-depth', type=int, default=3,
                   help='linear layers of the code GAN MLPs')
    p.add_argument('--r1', type=float, default=0.0,
                   help='R1 weight on real codes; > 0: an unnormalised '
                        'critic and Adam (0, 0.99) instead of spectral '
                        'norm and Adam (0.5, 0.999)')
    p.add_argument('--r1-every', type=int, default=1,
                   help='lazy R1: every this many steps, scaled up alike')
    p.add_argument('--k', type=int, default=16)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--train-images', type=int, default=20000)
    p.add_argument('--eval', type=int, default=500)
    p.add_argument('--density', default='gan',
                   choices=('gan', 'gmm', 'prior'))
    p.add_argument('--wae', type=float, default=0.0,
                   help='weight of the WAE-MMD term pulling the codes '
                        'toward N(0, I)')
    p.add_argument('--gmm', type=int, nargs='+', default=[10, 30],
                   help='component counts of the mixtures (--density gmm)')
    p.add_argument('--code-noise', type=float, default=0.0,
                   help='codes standardised (batch norm without affine) '
                        'and Gaussian noise of this sigma added to them '
                        'before decoding, in training')
    p.add_argument('--out', default='ae_probe.pth')
    return p.parse_args()


def train_autoencoder(args, x, x_eval):
    """E and Dec trained with L1 (plus the options), in eval mode."""
    E, Dec = build_autoencoder(args.k, standardise=bool(args.code_noise))
    opt = torch.optim.Adam([*E.parameters(), *Dec.parameters()], args.lr,
                           betas=(0.5, 0.999))
    start = time.perf_counter()
    for it in range(1, args.ae_iters + 1):
        ids = torch.randint(0, len(x), (args.batch_size, ))
        code = E(x[ids])
        noisy = code + args.code_noise * torch.randn_like(code)
        loss = (Dec(noisy) - x[ids]).abs().mean()
        if args.wae:
            loss = loss + args.wae * mmd(code, torch.randn_like(code))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if it % args.eval == 0:
            E.eval(), Dec.eval()
            with torch.no_grad():
                rec = Dec(E(x_eval))
                if args.wae:
                    prior = Dec(torch.randn(1000, args.k))
                    emit(stage='prior', iter=it, **score(prior, x[:1000]))
            E.train(), Dec.train()
            emit(stage='ae', iter=it, s=round(time.perf_counter() - start),
                 l1=round(float(loss.detach()), 4), **score(rec, x[:1000]))
    return E.eval(), Dec.eval()


def mixture_samples(codes, Dec, counts, real) -> None:
    """Decode 1000 codes from Gaussian mixtures of each size in
    ``counts`` fitted to ``codes``; print their fidelity."""
    from sklearn.mixture import GaussianMixture
    for n in counts:
        gm = GaussianMixture(n, covariance_type='full',
                             random_state=0).fit(codes.numpy())
        with torch.no_grad():
            img = Dec(torch.as_tensor(gm.sample(1000)[0]).float())
        emit(stage='gmm', n=n, **score(img, real))


def latent_gan(args, codes, Dec, real) -> None:
    """A GAN on the standardised codes: MLP M from 64-d noise against an
    SN-MLP critic; prints the fidelity of Dec(M(z)) every --eval."""
    mu, sd = codes.mean(0), codes.std(0)
    codes_n = (codes - mu) / sd
    depth, n = args.gan_depth, args.gan_batch
    M = mlp(64, args.k, depth=depth)
    D = mlp(args.k, 1, depth=depth, sn=not args.r1)
    betas = (0.0, 0.99) if args.r1 else (0.5, 0.999)
    om = torch.optim.Adam(M.parameters(), args.gan_lr, betas=betas)
    od = torch.optim.Adam(D.parameters(), args.gan_lr, betas=betas)
    sp = nn.functional.softplus
    start = time.perf_counter()
    for it in range(1, args.gan_iters + 1):
        real_codes = codes_n[torch.randint(0, len(codes_n), (n, ))]
        fake = M(torch.randn(n, 64))
        lazy = args.r1 and it % args.r1_every == 0
        real_codes.requires_grad_(bool(lazy))
        real_pred = D(real_codes)
        loss_D = sp(-real_pred).mean() + sp(D(fake.detach())).mean()
        if lazy:
            grad, = torch.autograd.grad(real_pred.sum(), real_codes,
                                        create_graph=True)
            loss_D = loss_D + args.r1 * args.r1_every / 2 * \
                grad.pow(2).sum(1).mean()
        od.zero_grad(set_to_none=True)
        loss_D.backward()
        od.step()
        loss_G = sp(-D(fake)).mean()
        om.zero_grad(set_to_none=True)
        loss_G.backward()
        om.step()
        if it % args.eval == 0:
            with torch.no_grad():
                img = Dec(M(torch.randn(1000, 64)) * sd + mu)
            emit(stage='gan', iter=it, s=round(time.perf_counter() - start),
                 loss_D=round(float(loss_D.detach()), 3),
                 **score(img, real))


def main() -> None:
    args = parse_args()
    torch.manual_seed(0)
    train = ShapesDataset(32, num_samples=50000, seed=0)
    held = ShapesDataset(32, num_samples=1000, seed=12345)
    x = torch.stack([train[i]['img'] for i in range(args.train_images)])
    x_eval = torch.stack([held[i]['img'] for i in range(1000)])
    E, Dec = train_autoencoder(args, x, x_eval)
    with torch.no_grad():
        codes = torch.cat([E(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    torch.save(dict(E=E.state_dict(), Dec=Dec.state_dict(), codes=codes),
               args.out)
    if args.density == 'gmm':
        mixture_samples(codes, Dec, args.gmm, x[:1000])
    elif args.density == 'gan':
        latent_gan(args, codes, Dec, x[:1000])


if __name__ == '__main__':
    run_cli(main)
