"""How fast can a fresh discriminator tell real Shapes from a fake set?

Trains a fresh DCGAN discriminator (the main job's, or a variant) to tell
real Shapes 32 px from a fixed fake set, and prints its accuracy on 1000
held-out real and 1000 held-out fake images after 100, 250, 500 and 1000
steps. The fake set is either ``discs`` (anti-aliased discs of the same
area, centre and hue as real shapes: they differ from the data in the
outline only) or the samples of a generator saved by
``benchmarks/fidelity_sweep.py`` (``NAME_ITER.pth``). Comparing the two
says which signal a discriminator picks up first: docs/fidelity.md.

    python benchmarks/d_probe.py discs --d sn
    python benchmarks/d_probe.py work_dirs/fidelity_sweep/sn_2000.pth --d sn
"""
import argparse
import time

from mmlatent.utils.cli import run_cli

STEPS = (100, 250, 500, 1000)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('fake', help="'discs' or a fidelity_sweep checkpoint")
    p.add_argument('--d', choices=('sn', 'none'), default='sn',
                   help='spectral norm or no normalisation')
    p.add_argument('--channels', type=int, default=32)
    p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--stem', action='store_true',
                   help='a 3x3 stride-1 conv at full resolution first')
    p.add_argument('--shapes', nargs='+', default=None,
                   help='real images of these classes only')
    p.add_argument('--g-channels', type=int, default=32,
                   help="the checkpoint's G width")
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def build_d(args):
    from torch import nn
    from mmlatent.models.discriminators import DCGANDiscriminator
    from mmlatent.models.layers import apply_spectral_norm
    ch = args.channels
    layers = [nn.Conv2d(3, ch, 3, 1, 1), nn.LeakyReLU(0.2, True)] \
        if args.stem else []
    layers.append(DCGANDiscriminator(32, in_channels=ch if args.stem else 3,
                                     base_channels=ch, norm='none'))
    D = nn.Sequential(*layers)
    if args.d == 'sn':
        apply_spectral_norm(D)
    return D


def main() -> None:
    args = parse_args()
    import torch
    import torch.nn.functional as F
    from mmlatent.datasets.shapes import ShapesDataset
    torch.manual_seed(args.seed)
    kw = dict(shapes=args.shapes) if args.shapes else {}
    train = ShapesDataset(32, num_samples=50000, seed=0, **kw)
    test = ShapesDataset(32, num_samples=1000, seed=12345, **kw)
    items = [test[i] for i in range(1000)]
    real_test = torch.stack([t['img'] for t in items])
    if args.fake == 'discs':
        from mmlatent.datasets.shapes import render_discs
        from mmlatent.utils.image import from_uint8

        def fakes(batch):
            factors = torch.stack([t['factors'] for t in batch])
            return from_uint8(render_discs(factors.double().numpy(), 32))
        fake_test = fakes(items)
    else:
        from mmlatent.models.generators import DCGANGenerator
        G = DCGANGenerator(32, z_dim=64, base_channels=args.g_channels,
                           prior='uniform')
        G.load_state_dict(torch.load(args.fake, weights_only=True)['G'])
        G.eval().requires_grad_(False)

        def fakes(batch):
            return G(G.sample_z(len(batch)))
        fake_test = torch.cat([fakes(items[i:i + 250])
                               for i in range(0, 1000, 250)])
    D = build_d(args)
    opt = torch.optim.Adam(D.parameters(), args.lr, betas=(0.5, 0.999))
    index = torch.Generator().manual_seed(args.seed + 1)
    start = time.perf_counter()
    for step in range(1, STEPS[-1] + 1):
        ids = torch.randint(0, len(train), (64, ), generator=index)
        batch = [train[int(i)] for i in ids]
        real = torch.stack([t['img'] for t in batch[:32]])
        fake = fakes(batch[32:])
        loss = (F.softplus(-D(real).flatten()).mean()
                + F.softplus(D(fake).flatten()).mean())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step in STEPS:
            with torch.no_grad():
                acc = ((D(real_test) > 0).float().mean()
                       + (D(fake_test) < 0).float().mean()) / 2
            print(f'step {step}: accuracy {float(acc):.3f} (train loss '
                  f'{float(loss.detach()):.3f}, {time.perf_counter() - start:.0f} s)',
                  flush=True)


if __name__ == '__main__':
    run_cli(main)
