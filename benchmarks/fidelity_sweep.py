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
    p.add_argument('--d-channels', type=int, default=32)
    p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--lr-d', type=float, default=None,
                   help="D's learning rate (default: --lr)")
    p.add_argument('--betas', type=float, nargs=2, default=(0.5, 0.999))
    p.add_argument('--loss', choices=('logistic', 'hinge'),
                   default='logistic')
    p.add_argument('--r1', type=float, default=0.0,
                   help='R1 weight gamma on real images, every step')
    p.add_argument('--d-steps', type=int, default=1,
                   help='D steps per G step')
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
    p.add_argument('--ema-half-life', type=float, default=10000,
                   help='EMA half life in images')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out-dir', default='work_dirs/fidelity_sweep')
    return p.parse_args()


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
    from mmlatent.utils.image import save_grid

    torch.manual_seed(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    train = ShapesDataset(32, num_samples=50000, seed=0)
    held_out = ShapesDataset(32, num_samples=1000, seed=12345)
    real_eval = torch.stack([held_out[i]['img'] for i in range(1000)])
    G = DCGANGenerator(32, z_dim=64, base_channels=args.g_channels,
                       prior='uniform', upsample=args.upsample,
                       coords=args.coords)
    D = DCGANDiscriminator(32, base_channels=args.d_channels,
                           norm='bn' if args.d == 'bn' else 'none',
                           spectral_norm=args.d == 'sn')
    E = None
    if args.recon:
        enc = DCGANDiscriminator(32, base_channels=args.d_channels,
                                 norm='none')
        E = torch.nn.Sequential(enc.trunk, torch.nn.Flatten(),
                                torch.nn.Linear(enc.feature_channels * 16,
                                                64), torch.nn.Tanh())
    dec = None
    if args.d_recon:
        dec = DCGANGenerator(32, z_dim=1, base_channels=args.d_channels)
        dec = torch.nn.Sequential(*list(dec.net)[3:])
    ema = GeneratorEMA(G, half_life_images=args.ema_half_life)
    params_G = list(G.parameters()) + (list(E.parameters()) if E else [])
    opt_G = torch.optim.Adam(params_G, args.lr,
                             betas=tuple(args.betas))
    params_D = list(D.parameters()) + (list(dec.parameters()) if dec else [])
    opt_D = torch.optim.Adam(params_D, args.lr_d or args.lr,
                             betas=tuple(args.betas))
    index = torch.Generator().manual_seed(args.seed + 1)

    def real_batch():
        ids = torch.randint(0, len(train), (args.batch_size, ),
                            generator=index)
        return torch.stack([train[int(i)]['img'] for i in ids])

    def evaluate(net, it: int, tag: str, batch_stats: bool = False) -> dict:
        was_training = net.training
        state = {k: v.clone() for k, v in net.state_dict().items()}
        net.train(batch_stats)
        with torch.no_grad():
            fake = torch.cat([net(net.sample_z(250)) for _ in range(4)])
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
    def d_out(x):
        return args.d_gain * D(x)

    def d_loss(real, fake):
        if args.loss == 'hinge':
            return F.relu(1 - d_out(real)).mean() + F.relu(1 + d_out(fake)).mean()
        return F.softplus(-d_out(real)).mean() + F.softplus(d_out(fake)).mean()

    for it in range(1, args.iters + 1):
        for _ in range(args.d_steps):
            real = real_batch()
            with torch.no_grad():
                fake = G(G.sample_z(args.batch_size))
            if dec is None:
                loss_D = d_loss(real, fake)
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
            opt_D.step()
        D.requires_grad_(False)
        out = d_out(G(G.sample_z(args.batch_size)))
        loss_G = (-out.mean() if args.loss == 'hinge'
                  else F.softplus(-out).mean())
        if E is not None:
            loss_G = loss_G + args.recon * (G(E(real)) - real).abs().mean()
        opt_G.zero_grad(set_to_none=True)
        loss_G.backward()
        opt_G.step()
        D.requires_grad_(True)
        ema.update(G, it, args.batch_size)
        if it % args.eval == 0:
            train_s = time.perf_counter() - start
            for net, tag, batch_stats in ((G, '', False), (G, 't', True),
                                          (ema.module, 'e', False)):
                row = dict(name=args.name, generator=tag or 'G', iter=it,
                           train_s=round(train_s),
                           loss_D=round(float(loss_D.detach()), 3),
                           **evaluate(net, it, tag, batch_stats))
                print(json.dumps(row), flush=True)
                results.append(row)
            start = time.perf_counter() - train_s
    with open(os.path.join(args.out_dir, f'{args.name}.json'), 'w') as f:
        json.dump(dict(args=vars(args), results=results), f, indent=1)


if __name__ == '__main__':
    main()
