"""Does a conditional GAN on Shapes follow its class when G is also
scored by a frozen classifier trained on real, labelled images?

A conditional DCGAN (the main job's G and spectrally normalised D, width
32, batch 32; the class as a one-hot beside z in G and as constant input
channels in D) with, for G, ``--cls-weight`` times the cross entropy of a
frozen Shapes network's class logits on its images against the requested
class. The network is a ``tools/train_feature_net.py`` checkpoint; use
another seed than the one that scores P/R/FD.  Every ``--eval``
iterations it prints the share of 1000 samples whose measured class
(``mmlatent.control.conditional_accuracy``, the analytic measurer, not
the network G is trained against) is the requested one, and the
fidelity figures of the samples.

    python benchmarks/cgan_probe.py --classifier NET.pth --cls-weight 1
"""
import argparse
import json
import time

from mmlatent.utils.cli import run_cli


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--classifier', required=True, metavar='PATH')
    p.add_argument('--cls-weight', type=float, default=1.0)
    p.add_argument('--iters', type=int, default=2000)
    p.add_argument('--eval', type=int, default=500)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    import torch
    import torch.nn.functional as F

    from mmlatent.control.traversal import conditional_accuracy
    from mmlatent.datasets.shapes import ShapesDataset
    from mmlatent.evaluation.shapes_net import load_shapes_net
    from mmlatent.models.discriminators import DCGANDiscriminator
    from mmlatent.models.generators import DCGANGenerator

    from common import shapes_scores  # benchmarks/common.py

    torch.manual_seed(args.seed)
    train = ShapesDataset(32, num_samples=50000, seed=0)
    items = [train[i] for i in range(20000)]
    x = torch.stack([it['img'] for it in items])
    y = torch.tensor([it['label'] for it in items])
    G = DCGANGenerator(32, z_dim=64, base_channels=32, cat_dims=[3])
    D = DCGANDiscriminator(32, base_channels=32, norm='none',
                           spectral_norm=True, c_dim=3)
    net = load_shapes_net(args.classifier).eval().requires_grad_(False)
    opt_G = torch.optim.Adam(G.parameters(), args.lr, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), args.lr, betas=(0.5, 0.999))
    n, start = args.batch_size, time.perf_counter()
    for it in range(1, args.iters + 1):
        ids = torch.randint(0, len(x), (n, ))
        real, c_real = x[ids], G.make_c(y[ids])
        labels = torch.randint(0, 3, (n, ))
        c_fake = G.make_c(labels)
        with torch.no_grad():
            fake = G(G.sample_z(n), c_fake)
        loss_D = (F.softplus(-D(real, c_real)).mean()
                  + F.softplus(D(fake, c_fake)).mean())
        opt_D.zero_grad(set_to_none=True)
        loss_D.backward()
        opt_D.step()
        D.requires_grad_(False)
        fake = G(G.sample_z(n), c_fake)
        loss_G = F.softplus(-D(fake, c_fake)).mean()
        if args.cls_weight:
            loss_G = loss_G + args.cls_weight * F.cross_entropy(
                net(fake)[:, :3], labels)
        opt_G.zero_grad(set_to_none=True)
        loss_G.backward()
        opt_G.step()
        D.requires_grad_(True)
        if it % args.eval == 0:
            G.eval()
            acc = conditional_accuracy(
                G, num_samples=1000,
                generator=torch.Generator().manual_seed(1))
            with torch.no_grad():
                gen = torch.Generator().manual_seed(2)
                fakes = G(G.sample_z(1000, gen), G.sample_c(1000, gen))
            G.train()
            print(json.dumps(dict(
                iter=it, train_s=round(time.perf_counter() - start),
                loss_D=round(float(loss_D.detach()), 3),
                follows=round(acc['accuracy'], 3),
                confusion=acc['confusion'].tolist(),
                **shapes_scores(fakes, x[:1000], keys=(
                    'validity', 'class_distance', 'shape_fit', 'ks_max')))),
                flush=True)


if __name__ == '__main__':
    run_cli(main)
