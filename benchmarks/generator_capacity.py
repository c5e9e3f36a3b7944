"""Can the main job's generator draw Shapes at all?  A capacity check.

Trains the main job's DCGAN generator (same layers and width) *supervised*:
its input is the known class and factors of a real Shapes image (one-hot
class, x, y, scale, and rotation and hue as angles), its target that image,
its loss L1.  No discriminator, no adversarial game.  Every ``--eval``
iterations it prints one JSON line with the validity and fidelity of the
images it draws for 1000 held-out factor sets (docs/fidelity.md), so the
figures compare directly with the adversarial runs of
``benchmarks/fidelity_sweep.py``.

If this generator reaches the fidelity targets in a few thousand
iterations, the architecture is not what keeps the GAN from drawing shapes.

    python benchmarks/generator_capacity.py --iters 2000
"""
import argparse
import json
import math
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--iters', type=int, default=2000)
    p.add_argument('--eval', type=int, default=500,
                   help='evaluate every this many iterations')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--g-channels', type=int, default=32)
    p.add_argument('--upsample', choices=('deconv', 'nearest'),
                   default='deconv')
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--train-images', type=int, default=20000)
    p.add_argument('--save', default=None, metavar='PATH',
                   help="save G's weights here at the end (for "
                        'fidelity_sweep.py --factor-prior)')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def factor_code(labels, factors):
    """[n, 10] input: one-hot class, x, y, scale (centred), and rotation
    and hue as (cos, sin) (both are periodic)."""
    import torch
    import torch.nn.functional as F
    rot, hue = factors[:, 3] * 2 * math.pi, factors[:, 4] * 2 * math.pi
    return torch.cat([F.one_hot(labels, 3).float(), factors[:, :3] * 4 - 2,
                      torch.stack([rot.cos(), rot.sin(), hue.cos(),
                                   hue.sin()], 1)], 1)


def main() -> None:
    args = parse_args()
    import torch
    from mmlatent.datasets.shapes import ShapesDataset
    from mmlatent.models.generators import DCGANGenerator

    from common import shapes_scores  # benchmarks/common.py

    torch.manual_seed(args.seed)
    train = ShapesDataset(32, num_samples=50000, seed=0)
    held_out = ShapesDataset(32, num_samples=1000, seed=12345)

    def load(ds, n):
        items = [ds[i] for i in range(n)]
        return (torch.stack([it['img'] for it in items]),
                factor_code(torch.tensor([it['label'] for it in items]),
                            torch.stack([it['factors'] for it in items])))

    x_train, c_train = load(train, args.train_images)
    x_eval, c_eval = load(held_out, 1000)
    G = DCGANGenerator(32, z_dim=c_train.shape[1],
                       base_channels=args.g_channels,
                       upsample=args.upsample)
    opt = torch.optim.Adam(G.parameters(), args.lr, betas=(0.5, 0.999))
    index = torch.Generator().manual_seed(args.seed + 1)
    train_s = 0.0
    for it in range(1, args.iters + 1):
        start = time.perf_counter()
        ids = torch.randint(0, len(x_train), (args.batch_size, ),
                            generator=index)
        loss = (G(c_train[ids]) - x_train[ids]).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        train_s += time.perf_counter() - start
        if it % args.eval == 0:
            G.eval()
            with torch.no_grad():
                fake = G(c_eval)
            G.train()
            print(json.dumps(dict(
                iter=it, train_s=round(train_s), l1=round(float(loss), 4),
                **shapes_scores(fake, x_train[:1000]))), flush=True)

    if args.save:
        torch.save(dict(G=G.state_dict()), args.save)


if __name__ == '__main__':
    main()
