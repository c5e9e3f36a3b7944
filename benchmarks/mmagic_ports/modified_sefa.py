"""MMGeneration 0.x's ``apps/modified_sefa.py``, ported to MMagic 1.2: the
comparison point for mmlatent's ``apps/modified_sefa.py`` in
``benchmarks/mmagic_apps.py``.

    python benchmarks/mmagic_ports/modified_sefa.py CKPT [-i INDEX]
        [-d DEG [DEG]] [--degree-step S] [--num-samples N]
        [--sample-path DIR] [--random-seed SEED]

What MMGeneration's app does, with MMagic 1.2's API in place of mmgen's:
build the model, load the checkpoint, take the EMA generator, factorise
the concatenated style-modulation weights of the style convolutions (not
toRGB) by SVD and save the eigenvectors, map ``--num-samples`` z, render
the unedited row and then one batch per degree (``latent + degree *
eigenvector``, one generator call each, random noise as the app's default
``randomize_noise``), and save one grid. The model is MMagic's build of
``mmagic_speed.MMAGIC['stylegan2-64']`` (the app reads a config file).
Needs MMagic (see docs/speed.md, "Against MMagic").
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
import torch

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(HERE))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('ckpt', help='MMagic StyleGAN2-64 checkpoint')
    p.add_argument('-i', '--index', type=int, default=0)
    p.add_argument('-d', '--degree', type=float, nargs='+', default=[2.])
    p.add_argument('--degree-step', type=float, default=0.25)
    p.add_argument('--num-samples', type=int, default=2)
    p.add_argument('--sample-path', default='work_dirs/sefa-port')
    p.add_argument('--random-seed', type=int, default=2020)
    return p.parse_args(argv)


def eigen_vectors(state_dict: dict) -> torch.Tensor:
    """Right singular vectors [w_dim, w_dim] of the stacked modulation
    weights of the style convolutions (MMGeneration's ``calc_eigens``)."""
    weights = [v for k, v in state_dict.items()
               if 'style_modulation' in k and 'to_rgb' not in k
               and 'weight' in k]
    return torch.linalg.svd(torch.cat(weights), full_matrices=False).Vh.T


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_grad_enabled(False)
    from mmengine.runner import load_checkpoint, set_random_seed
    from torchvision import utils

    from mmagic.registry import MODELS
    from mmagic.utils import register_all_modules
    from mmagic_speed import MMAGIC

    register_all_modules()
    set_random_seed(args.random_seed)
    model = MODELS.build(MMAGIC['stylegan2-64'])
    model.eval()
    load_checkpoint(model, args.ckpt, map_location='cpu', logger='silent')
    G = model.generator_ema.module.eval()

    V = eigen_vectors(G.state_dict())
    torch.save({'ckpt': args.ckpt, 'eigen_vector': V},
               osp.splitext(args.ckpt)[0] + '_eigen-vec-mod.pth')

    z = torch.randn(args.num_samples, G.style_channels)
    latent = G.style_mapping(z)
    rows = [G([latent], input_is_latent=True)]
    lo, hi = (-args.degree[0], args.degree[0]) if len(args.degree) == 1 \
        else args.degree[:2]
    for factor in np.arange(lo, hi + 0.001, args.degree_step):
        direction = float(factor) * V[:, args.index].unsqueeze(0)
        rows.append(G([latent + direction], input_is_latent=True))

    os.makedirs(args.sample_path, exist_ok=True)
    path = osp.join(args.sample_path, f'entangle-i{args.index}.png')
    utils.save_image(torch.cat(rows)[:, [2, 1, 0]], path,
                     nrow=args.num_samples, padding=0, normalize=True,
                     value_range=(-1, 1))
    print(f'Save images to {path}')


if __name__ == '__main__':
    main()
