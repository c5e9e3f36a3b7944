"""Train the text-image dual encoder on Shapes image-caption pairs.

    python tools/train_text_image.py --output work_dirs/text_image.pth

The file it writes is a differentiable scorer: --scorer text:PATH in
apps/classifier_guidance.py (--attribute 'a red triangle on the left'),
apps/generate_latents.py, apps/edit_with_boundary.py.
"""
import argparse
import os.path as osp
import sys
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


EPILOG = """training: --num-train Shapes images are rendered once; each step
draws --batch-size of them with fresh random captions (sentences or keyword
lists, synonyms, attributes dropped). Loss: symmetric contrastive loss (a
caption matches every image of the batch with the attributes it names)
plus the cross-entropy of per-attribute heads on the image features.

held-out figures (the --num-val images after the training ones, prompts
from templates never used in training), printed and stored in the file:
  zeroshot_<attribute>  the most similar one-attribute prompt is right
  r1                    the most similar of 100 full captions is right
  head_<attribute>      the image head is right

output: --output, a text-image file (state dict + config text, written
atomically, read with torch.load(weights_only=True)).
"""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='tools/train_text_image.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Train a CLIP-style text-image encoder with '
        'per-attribute heads on Shapes captions.')
    p.add_argument('--text-encoder', default='bow',
                   help='registered text encoder: bow (default), sequence, '
                   'wordllama, openclip')
    p.add_argument('--text-dim', type=int, default=64,
                   help='width of a bow / sequence / wordllama encoder '
                   '(default: 64)')
    p.add_argument('--resolution', type=int, default=32,
                   help='image size (default: 32)')
    p.add_argument('--num-train', type=int, default=20000,
                   help='training images (default: 20000)')
    p.add_argument('--num-val', type=int, default=2000,
                   help='held-out images (default: 2000)')
    p.add_argument('--iters', type=int, default=2000,
                   help='training steps (default: 2000, ~5 min on one CPU '
                   'thread)')
    p.add_argument('--batch-size', type=int, default=128,
                   help='batch size (default: 128)')
    p.add_argument('--lr', type=float, default=2e-3,
                   help='Adam learning rate, cosine-decayed (default: 2e-3)')
    p.add_argument('--base-channels', type=int, default=16,
                   help='width of the first conv layer (default: 16)')
    p.add_argument('--embed-dim', type=int, default=64,
                   help='joint embedding size (default: 64)')
    p.add_argument('--seed', type=int, default=0, help='random seed')
    p.add_argument('--device', default='cpu', help='torch device')
    p.add_argument('--output', '-o', default='work_dirs/text_image.pth',
                   help='text-image file (default: work_dirs/'
                   'text_image.pth)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

import time
import torch  # noqa: E402

from mmlatent.registry import MODELS  # noqa: E402
from mmlatent.text.dual_encoder import save_text_image  # noqa: E402
from mmlatent.text.training import (head_accuracy,  # noqa: E402
                                    retrieval_r1, shapes_pool,
                                    text_image_config, train_text_image,
                                    zero_shot_accuracy)
from mmlatent.apis.app import progress  # noqa: E402


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if min(args.iters, args.num_train, args.num_val, args.batch_size) < 1:
        raise ConfigError('--iters, --num-train, --num-val and --batch-size '
                          'must be positive')
    cfg = text_image_config(args.text_encoder, text_dim=args.text_dim,
                            resolution=args.resolution,
                            embed_dim=args.embed_dim,
                            base_channels=args.base_channels)
    cfg['train_data'] = dict(type='ShapesDataset', resolution=args.resolution,
                             seed=args.seed, num_train=args.num_train)
    torch.manual_seed(args.seed)
    model = MODELS.build(cfg['model']).to(args.device)
    pool = shapes_pool(args.num_train, resolution=args.resolution,
                       seed=args.seed)
    val = shapes_pool(args.num_val, resolution=args.resolution,
                      seed=args.seed, offset=args.num_train)
    start = time.time()
    losses = train_text_image(
        model, pool, iters=args.iters, batch_size=args.batch_size,
        lr=args.lr, seed=args.seed,
        progress=lambda it: progress(it, desc='training'))
    metrics = {(k if k == 'loss' else f'loss_{k}'): v
               for k, v in losses.items()}
    metrics.update({f'zeroshot_{k}': v for k, v in
                    zero_shot_accuracy(model, val).items()})
    if args.num_val >= 100:
        metrics['r1'] = retrieval_r1(model, val)
    metrics.update({f'head_{k}': v for k, v in
                    head_accuracy(model, val).items()})
    metrics['train_seconds'] = time.time() - start
    save_text_image(args.output, model, cfg, metrics)
    print('held-out: ' + ', '.join(f'{k} {v:.4f}' for k, v in
                                   metrics.items()))
    print(f'wrote {args.output}; use it as --scorer text:{args.output}')


if __name__ == '__main__':
    run_cli(main)
