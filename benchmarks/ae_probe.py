"""Can the main job's generator draw Shapes as the decoder of an
autoencoder, and does a density in the code space give crisp samples?

Trains an encoder E (the main job's D trunk, batch norm, then a linear map
to ``--k`` numbers) and a decoder (the main job's G, width 32) with an L1
reconstruction of real images, printing every ``--eval`` iterations the
validity and fidelity (docs/fidelity.md) of the reconstructions of 1000
held-out images.  Then it samples codes and decodes them:

* ``--density gan``: a GAN in the (standardised) code space, an MLP from
  64-d Gaussian noise against a spectrally normalised MLP critic;
* ``--density gmm``: Gaussian mixtures of ``--gmm`` components (full
  covariance, scikit-learn) fitted to the codes of 20,000 images;
* ``--density prior``: nothing more (with ``--wae``, the codes are pulled
  toward N(0, I) by an MMD term, WAE-MMD, and N(0, I) codes are decoded
  at every evaluation).

The trained E and decoder (and the codes) are saved to ``--out``, which
``fidelity_sweep.py --ae-proj`` reads.

    python benchmarks/ae_probe.py --k 16 --density gmm --gmm 30 100
"""
import argparse
import json
import time

import torch
from torch import nn

from mmlatent.datasets.shapes import ShapesDataset
from mmlatent.evaluation import ShapesFidelity, ShapesValidity, \
    evaluate_images
from mmlatent.models.generators import DCGANGenerator
from mmlatent.models.discriminators import DCGANDiscriminator


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


def mmd(a, b):
    k = a.shape[1]
    def kern(x, y):
        d = torch.cdist(x, y).pow(2)
        return sum(c / (c + d) for c in [2 * k * s for s in (.1, .2, .5, 1, 2, 5, 10)])
    n = a.shape[0]
    off = 1 - torch.eye(n)
    return ((kern(a, a) * off).sum() + (kern(b, b) * off).sum()) / (n * (n - 1)) - 2 * kern(a, b).mean()


def score(fake, real):
    out = evaluate_images([ShapesFidelity(), ShapesValidity()], real=[real],
                          fake=[fake], num_samples=len(fake))
    keep = ('validity', 'class_distance', 'shape_fit', 'shape_fit_p10',
            'ks_max')
    return {k.split('/')[-1]: round(float(v), 3) for k, v in out.items()
            if k.split('/')[-1] in keep}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ae-iters', type=int, default=2000)
    p.add_argument('--gan-iters', type=int, default=3000)
    p.add_argument('--k', type=int, default=16)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--train-images', type=int, default=20000)
    p.add_argument('--eval', type=int, default=500)
    p.add_argument('--density', default='gan', choices=('gan', 'gmm', 'prior'))
    p.add_argument('--wae', type=float, default=0.0)
    p.add_argument('--gmm', type=int, nargs='+', default=[10, 30])
    p.add_argument('--code-noise', type=float, default=0.0,
                   help='codes standardised (batch norm without affine) '
                        'and Gaussian noise of this sigma added to them '
                        'before decoding, in training')
    p.add_argument('--out', default='/tmp/ae_probe.pth')
    args = p.parse_args()
    torch.manual_seed(0)
    train = ShapesDataset(32, num_samples=50000, seed=0)
    held = ShapesDataset(32, num_samples=1000, seed=12345)
    x = torch.stack([train[i]['img'] for i in range(args.train_images)])
    xe = torch.stack([held[i]['img'] for i in range(1000)])
    trunk = DCGANDiscriminator(32, base_channels=32, norm='bn').trunk
    E = nn.Sequential(trunk, nn.Flatten(), nn.Linear(128 * 16, args.k))
    if args.code_noise:
        E.append(nn.BatchNorm1d(args.k, affine=False))
    Dec = DCGANGenerator(32, z_dim=args.k, base_channels=32)
    opt = torch.optim.Adam([*E.parameters(), *Dec.parameters()], args.lr,
                           betas=(0.5, 0.999))
    t0 = time.perf_counter()
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
                rec = Dec(E(xe))
                if args.wae:
                    print('prior', json.dumps(score(Dec(torch.randn(1000, args.k)), x[:1000])))
            E.train(), Dec.train()
            print(json.dumps(dict(stage='ae', iter=it,
                                  s=round(time.perf_counter() - t0),
                                  l1=round(float(loss.detach()), 4),
                                  **score(rec, x[:1000]))), flush=True)
    E.eval(), Dec.eval()
    with torch.no_grad():
        codes = torch.cat([E(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    mu, sd = codes.mean(0), codes.std(0)
    torch.save(dict(E=E.state_dict(), Dec=Dec.state_dict(), mu=mu, sd=sd, codes=codes), args.out)
    if args.density == 'gmm':
        from sklearn.mixture import GaussianMixture
        for n in args.gmm:
            gm = GaussianMixture(n, covariance_type='full', random_state=0).fit(codes.numpy())
            smp = torch.as_tensor(gm.sample(1000)[0]).float()
            with torch.no_grad():
                img = Dec(smp)
            print(json.dumps(dict(stage='gmm', n=n, **score(img, x[:1000]))), flush=True)
        return
    if args.density == 'prior':
        return
    codes_n = (codes - mu) / sd
    M, D = mlp(64, args.k), mlp(args.k, 1, sn=True)
    om = torch.optim.Adam(M.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    sp = nn.functional.softplus
    t0 = time.perf_counter()
    for it in range(1, args.gan_iters + 1):
        real = codes_n[torch.randint(0, len(codes_n), (128, ))]
        fake = M(torch.randn(128, 64))
        ld = sp(-D(real)).mean() + sp(D(fake.detach())).mean()
        od.zero_grad(set_to_none=True)
        ld.backward()
        od.step()
        lg = sp(-D(fake)).mean()
        om.zero_grad(set_to_none=True)
        lg.backward()
        om.step()
        if it % args.eval == 0:
            with torch.no_grad():
                img = Dec(M(torch.randn(1000, 64)) * sd + mu)
            print(json.dumps(dict(stage='gan', iter=it,
                                  s=round(time.perf_counter() - t0),
                                  ld=round(float(ld), 3),
                                  **score(img, x[:1000]))), flush=True)


if __name__ == '__main__':
    main()
