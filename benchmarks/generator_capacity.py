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

``--config`` trains the generator of a training config instead (for
example the StyleGAN2 Shapes config: the factor code is its ``z``, read
by its mapping network), in that config's precision (``model.autocast``).

    python benchmarks/generator_capacity.py --iters 2000
    python benchmarks/generator_capacity.py --iters 2000 \
        --config configs/stylegan2/stylegan2_small_shapes-32x32.py \
        --lr 2e-3 --betas 0 0.99
"""
import argparse
import json
import math
import time

from mmlatent.utils.cli import run_cli


def parse_args():
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--iters', type=int, default=2000)
    p.add_argument('--eval', type=int, default=500,
                   help='evaluate every this many iterations')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--g-channels', type=int, default=32)
    p.add_argument('--upsample', choices=('deconv', 'nearest'),
                   default='deconv')
    p.add_argument('--config', default=None, metavar='CONFIG',
                   help="train this 32-px config's generator (its z_dim "
                        'set to the factor code\'s 10) in its '
                        'model.autocast precision, instead of the DCGAN of '
                        '--g-channels / --upsample')
    p.add_argument('--cfg-options', nargs='+', default={},
                   action=DictAction, metavar='KEY=VALUE',
                   help='override entries of --config, e.g. '
                        'model.generator.lr_multiplier=1.0')
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--betas', type=float, nargs=2, default=(0.5, 0.999),
                   metavar=('B1', 'B2'), help="Adam's betas")
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads (default: torch\'s)')
    p.add_argument('--train-images', type=int, default=20000)
    p.add_argument('--save', default=None, metavar='PATH',
                   help="save G's weights here at the end (the "
                        "default DCGAN's are read by fidelity_sweep.py "
                        '--factor-prior; not those of a --config)')
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


def build_generator(args, code_dim: int):
    """The generator to train and its autocast dtype (None: float32)."""
    from mmlatent.models.generators import DCGANGenerator
    if args.config is None:
        if args.cfg_options:
            raise SystemExit('--cfg-options overrides a --config; give one')
        return DCGANGenerator(32, z_dim=code_dim,
                              base_channels=args.g_channels,
                              upsample=args.upsample), None
    import mmlatent.models  # noqa: F401  (registers the generators)
    from mmlatent.models.precision import autocast_dtype
    from mmlatent.registry import MODELS
    from mmlatent.training import load_config
    cfg = load_config(args.config, args.cfg_options)
    G = MODELS.build(dict(cfg.model.generator, z_dim=code_dim))
    if G.resolution != 32:
        raise SystemExit(f'{args.config} draws {G.resolution} px; this '
                         'check trains on 32-px Shapes: give a 32-px config')
    return G, autocast_dtype(cfg.model.get('autocast'), 'cpu')


def main() -> None:
    args = parse_args()
    import torch
    from mmlatent.datasets.shapes import ShapesDataset

    from common import shapes_scores  # benchmarks/common.py

    if args.threads:
        torch.set_num_threads(args.threads)
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
    G, dtype = build_generator(args, c_train.shape[1])
    opt = torch.optim.Adam(G.parameters(), args.lr, betas=tuple(args.betas))
    print(json.dumps(dict(generator=type(G).__name__,
                          params=sum(p.numel() for p in G.parameters()),
                          autocast=str(dtype), lr=args.lr,
                          betas=list(args.betas))), flush=True)
    index = torch.Generator().manual_seed(args.seed + 1)
    train_s = 0.0
    for it in range(1, args.iters + 1):
        start = time.perf_counter()
        ids = torch.randint(0, len(x_train), (args.batch_size, ),
                            generator=index)
        with torch.autocast('cpu', dtype, enabled=dtype is not None):
            fake = G(c_train[ids])
        loss = (fake.float() - x_train[ids]).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        train_s += time.perf_counter() - start
        if it % args.eval == 0:
            G.eval()
            with torch.no_grad(), torch.autocast(
                    'cpu', dtype, enabled=dtype is not None):
                fake = G(c_eval).float()
            G.train()
            print(json.dumps(dict(
                iter=it, train_s=round(train_s),
                s_per_iter=round(train_s / it, 4), l1=round(loss.item(), 4),
                **shapes_scores(fake, x_train[:1000]))), flush=True)

    if args.save:
        torch.save(dict(G=G.state_dict()), args.save)


if __name__ == '__main__':
    run_cli(main)
