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
    p.add_argument('--d-input-scale', type=int, default=1,
                   help="upsample D's input by this factor (nearest), D "
                        'built for the larger size')
    p.add_argument('--ema-half-life', type=float, default=10000,
                   help='EMA half life in images')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out-dir', default='work_dirs/fidelity_sweep')
    return p.parse_args()


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
    D = DCGANDiscriminator(32 * args.d_input_scale,
                           base_channels=args.d_channels,
                           norm='bn' if args.d == 'bn' else 'none',
                           spectral_norm=args.d == 'sn')
    feat_net = heads = D_value = None
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
    dec = None
    if args.d_recon:
        dec = DCGANGenerator(32, z_dim=1, base_channels=args.d_channels)
        dec = torch.nn.Sequential(*list(dec.net)[3:])
    ema = GeneratorEMA(G, half_life_images=args.ema_half_life)
    params_G = list(G.parameters()) + (list(E.parameters()) if E else [])
    opt_G = torch.optim.Adam(params_G, args.lr,
                             betas=tuple(args.betas))
    use_pixel_d = feat_net is None or args.proj_raw
    # every module D's optimiser trains; frozen together for G's step
    d_parts = [m for m in (D if use_pixel_d else None, heads, D_value, dec)
               if m is not None]
    params_D = [p for m in d_parts for p in m.parameters()]
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
    def pixel_d(x):
        if args.d_input_scale > 1:
            x = F.interpolate(x, scale_factor=args.d_input_scale,
                              mode='nearest')
        return D(x)

    def d_out(x):
        """D's logit [n], or one column per head [n, K]."""
        logits = []
        if feat_net is not None:
            h = x
            for i, layer in enumerate(feat_net.trunk[:9]):
                h = layer(h)
                if i % 3 == 2:   # after each conv-BN-LeakyReLU block
                    logits.append(heads[i // 3](h).flatten())
        if use_pixel_d:
            logits.append(pixel_d(x))
        if D_value is not None:
            logits.append(D_value(x.amax(1, keepdim=True)))
        out = logits[0] if len(logits) == 1 else torch.stack(logits, 1)
        return args.d_gain * out

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
        for m in d_parts:
            m.requires_grad_(False)
        out = d_out(G(G.sample_z(args.batch_size)))
        loss_G = (-out.mean() if args.loss == 'hinge'
                  else F.softplus(-out).mean())
        if E is not None:
            loss_G = loss_G + args.recon * (G(E(real)) - real).abs().mean()
        opt_G.zero_grad(set_to_none=True)
        loss_G.backward()
        opt_G.step()
        for m in d_parts:
            m.requires_grad_(True)
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
            torch.save(dict(G=G.state_dict(), ema=ema.module.state_dict()),
                       os.path.join(args.out_dir, f'{args.name}_{it}.pth'))
            start = time.perf_counter() - train_s
    with open(os.path.join(args.out_dir, f'{args.name}.json'), 'w') as f:
        json.dump(dict(args=vars(args), results=results), f, indent=1)


if __name__ == '__main__':
    main()
