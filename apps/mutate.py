"""Independence-based mutation: latent directions from the Jacobian of the
generator, global (all of the image) or local (one region, background
held), and grids of the mutated images G(z + delta * v).

    python apps/mutate.py CKPT [--latent FILE ...] [--space z|w|w+]
        [--region cx,cy,h,w | PRESET] [--relax R] [--mode point|mean]
        [--num-directions K] [--deltas D ...]
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402

from mmlatent.latent.annotate import annotated_grid  # noqa: E402
from mmlatent.latent.codes import render_codes, require_w_space  # noqa
from mmlatent.latent.directions import (MODES,  # noqa: E402
                                        jacobian_directions,
                                        save_directions)
from mmlatent.latent.independence import mutate, outside_energy  # noqa
from mmlatent.latent.io import load_codes, save_codes  # noqa: E402
from mmlatent.latent.regions import PRESET_REGIONS, parse_region  # noqa
from mmlatent.latent.start import start_codes  # noqa: E402
from mmlatent.utils.app import (  # noqa: E402
    COMMON_EPILOG, add_batch_size_arg, add_common_args, files_epilog,
    load_app_generator, out_dir, positive, progress, seed_all,
    set_out_dir_default, show_progress)
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.image import write_image  # noqa: E402

FILES = [
    ('mutate_d<K>.png', 'per direction K (0 = largest singular value / '
     'region gain): one row per point, one column per delta; the delta 0 '
     'column framed in amber, the region outlined in red, grey cells where '
     'a point has fewer directions'),
    ('directions.pt', 'directions file (mmlatent.directions/1): kind, '
     'mode, space, the first --num-directions directions [k, d] per point '
     '(or one set), singular '
     'values / region gains, predicted outside energy and region (local)'),
    ('points.pt', 'latent file of the points the Jacobians were taken at'),
    ('report.json', 'per point and direction: singular value or region '
     'gain; local: predicted and measured fraction of the change energy '
     'outside the region (mean over the nonzero deltas)'),
]
EPILOG = f"""method: J = dG/dx at each point x (z, w or w+), by forward mode
(torch.func.jvp, vmapped over --chunk-size input directions per pass).
Global directions (no --region): right singular vectors of J (--mode
point) or eigenvectors of the mean J^T J over the points (--mode mean),
orthonormal, ordered by singular value. Local directions (--region): the
principal directions of the region's rows of J within the null space of
the background's rows; --relax widens that null space to the right
singular vectors with singular value <= relax * the largest. A background
of full rank (or a null space that does not move the region) gives no
direction and a message saying to raise --relax.

regions: --region cx,cy,h,w (box centre and size in pixels, x right, y
down) or a preset for FFHQ-aligned faces, given in 256-px coordinates and
scaled to the image size: {', '.join(PRESET_REGIONS)}.
spaces: z (condition c held fixed), w, w+ (one w per layer, num_ws *
w_dim inputs; style generators only). For generators without a learned W
space, w is the network input [z | c].
--latent FILE ...: take the points from latent files (e.g. the projector's
<stem>-project.pt); --space defaults to their space.

{files_epilog(FILES)}
{COMMON_EPILOG}"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description='Independent mutations from Jacobian directions.',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    set_out_dir_default(p, 'outputs/mutation')
    p.add_argument('--latent', nargs='+', metavar='FILE',
                   help='latent file(s) with the points')
    p.add_argument('--num-samples', type=positive(name='--num-samples'),
                   help='random points (default: 4), or the first codes '
                   'of --latent (default: all)')
    p.add_argument('--space', choices=['z', 'w', 'w+'],
                   help='space of the Jacobian (default: z, or the space '
                   'of --latent)')
    p.add_argument('--region', metavar='cx,cy,h,w|PRESET',
                   help='region for local directions (default: global)')
    p.add_argument('--relax', type=float, default=0.1,
                   help='background null-space relaxation in [0, 1] '
                   '(default: 0.1)')
    p.add_argument('--mode', choices=MODES, default='point',
                   help='point: directions per point; mean: one set from '
                   'the mean J^T J (default: point)')
    p.add_argument('--num-directions', type=positive(
        name='--num-directions'), default=5,
        help='directions per point to render (default: 5)')
    p.add_argument('--deltas', type=float, nargs='+',
                   default=[-3.0, -1.5, 0.0, 1.5, 3.0],
                   help='step sizes delta (default: -3 -1.5 0 1.5 3)')
    p.add_argument('--chunk-size', type=positive(name='--chunk-size'),
                   default=16, help='input directions per forward-mode '
                   'pass; bounds memory (default: 16)')
    add_batch_size_arg(p)
    return p.parse_args(argv)


def points(G, args, gen):
    """The points as Codes in the Jacobian's space."""
    files = load_codes(args.latent, G) if args.latent else None
    space = args.space or (files.space if files is not None else 'z')
    if space == 'w+':
        require_w_space(G, '--space w+')
    if space == 'w' and not G.has_w_space:
        print(f'note: {type(G).__name__} has no learned W space; --space w '
              'is its input w = [z | c]', file=sys.stderr)
    num = args.num_samples or (None if files is not None else 4)
    return start_codes(G, num, space=space, files=files, label=args.label,
                       con=args.con, generator=gen)


def mutations(G, codes, ds, args):
    """Images [N, K, D, C, H, W] and a mask [N, K] of missing directions."""
    K, n = args.num_directions, len(codes)
    out, missing = None, torch.ones(n, K, dtype=torch.bool)
    for i in progress(range(n), desc='mutating'):
        V = ds.of_point(i)[:K]
        if V.shape[0] == 0:
            continue
        point = codes[i]
        imgs = mutate(G, point.latent, V, args.deltas, space=point.space,
                      c=point.c, synthesis_kwargs=point.synthesis_kwargs(G),
                      batch_size=args.batch_size)[0]
        if out is None:
            out = imgs.new_zeros(n, K, *imgs.shape[1:])
        out[i, :V.shape[0]] = imgs
        missing[i, :V.shape[0]] = False
    return out, missing


def report(ds, codes, base, images, missing, region, args):
    """Per point and direction: value, predicted / measured outside."""
    rows, nonzero = [], torch.tensor(args.deltas) != 0
    measured = None
    if region is not None and images is not None:
        measured = outside_energy(base, images, region)  # [N, K, D]
    for i in range(len(codes)):
        j = ds.index_of_point(i)
        for k in range(min(args.num_directions, len(ds.values[j]))):
            row = {'point': i, 'direction': k,
                   'value': float(ds.values[j][k])}
            if region is not None:
                row['outside_predicted'] = float(ds.outside[j][k])
                if measured is not None and nonzero.any():
                    row['outside_measured'] = float(
                        measured[i, k][nonzero].mean())
            rows.append(row)
    return rows


def print_report(rows, region):
    for row in rows:
        line = f"point {row['point']} direction {row['direction']}: "
        if region is None:
            print(line + f"singular value {row['value']:.4g}")
            continue
        line += (f"region gain {row['value']:.4g}, change energy outside "
                 f"the region {100 * row['outside_predicted']:.2f}% "
                 '(linear)')
        if 'outside_measured' in row:
            line += f", {100 * row['outside_measured']:.2f}% (measured)"
        print(line)


def write_grids(images, missing, region, args, folder):
    zero = [j for j, d in enumerate(args.deltas) if d == 0]
    names = []
    for k in range(args.num_directions):
        if missing[:, k].all():
            continue
        name = f'mutate_d{k}.png'
        empty = missing[:, k:k + 1].expand(-1, len(args.deltas))
        write_image(osp.join(folder, name), annotated_grid(
            images[:, k], mark_columns=zero, outline=region, empty=empty))
        names.append(name)
    return names


#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('mutate_d*.png', 'directions.pt', 'points.pt', 'report.json')


def main(argv=None):
    args = parse_args(argv)
    gen = seed_all(args)
    loaded = load_app_generator(args)
    G = loaded.G
    region = None if args.region is None else \
        parse_region(args.region, G.resolution)
    codes = points(G, args, gen)
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    ds = jacobian_directions(G, codes, region=region, mode=args.mode,
                             relax=args.relax, num=args.num_directions,
                             chunk_size=args.chunk_size,
                             progress=show_progress())
    for message in dict.fromkeys(ds.messages):
        print(f'{ds.kind} directions: {message}', file=sys.stderr)
    images, missing = mutations(G, codes, ds, args)
    base = render_codes(G, codes, batch_size=args.batch_size)
    rows = report(ds, codes, base, images, missing, region, args)
    print_report(rows, region)
    names = [] if images is None else \
        write_grids(images, missing, region, args, folder)
    meta = {'app': 'mutate', 'generator': loaded.which, 'seed': args.seed,
            'region': str(args.region), 'relax': args.relax}
    save_directions(osp.join(folder, 'directions.pt'), ds, meta=meta)
    save_codes(osp.join(folder, 'points.pt'), codes, meta=meta)
    with open(osp.join(folder, 'report.json'), 'w') as f:
        json.dump({'kind': ds.kind, 'mode': ds.mode, 'space': ds.space,
                   'deltas': args.deltas, 'messages': ds.messages,
                   'directions': rows}, f, indent=1)
    print(f'{ds.kind} directions in {ds.space} ({ds.mode}): wrote '
          f"{', '.join(names) or 'no grid'}, directions.pt, points.pt, "
          f'report.json to {folder}')


if __name__ == '__main__':
    run_cli(main)
