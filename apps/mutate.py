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

from mmlatent.apis.args import (COMMON_EPILOG, add_batch_size_arg,  # noqa: E402
                                add_common_args, files_epilog, positive,
                                set_out_dir_default)
from mmlatent.utils.choices import (DIRECTION_MODES,  # noqa: E402
                                    PRESET_REGIONS)
from mmlatent.utils.cli import run_cli  # noqa: E402


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
    p.add_argument('--mode', choices=DIRECTION_MODES, default='point',
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


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.app import (load_app_generator, out_dir,  # noqa: E402
                               seed_all, show_progress)
from mmlatent.latent.codes import require_w_space  # noqa: E402
from mmlatent.latent.directions import save_directions  # noqa: E402
from mmlatent.latent.io import load_codes, save_codes  # noqa: E402
from mmlatent.latent.mutation import (independent_mutations,  # noqa: E402
                                      mutation_grids, mutation_record,
                                      report_lines)
from mmlatent.latent.regions import parse_region  # noqa: E402
from mmlatent.latent.start import start_codes  # noqa: E402
from mmlatent.utils.image import write_image  # noqa: E402


def points(G, args, gen):
    """The points as Codes in the Jacobian's space."""
    files = load_codes(args.latent, G) if args.latent else None
    space = args.space or (files.space if files is not None else 'z')
    if space == 'w+':
        require_w_space(G, '--space w+')
    if space == 'w' and not G.has_w_space:
        print(f'note: {type(G).__name__} has no learned W space; --space w '
              f'is {G.w_meaning}', file=sys.stderr)
    num = args.num_samples or (None if files is not None else 4)
    return start_codes(G, num, space=space, files=files, label=args.label,
                       con=args.con, generator=gen)


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
    result = independent_mutations(
        G, codes, region=region, mode=args.mode, relax=args.relax,
        num_directions=args.num_directions, deltas=args.deltas,
        chunk_size=args.chunk_size, batch_size=args.batch_size,
        progress=show_progress(),
        note=lambda text: print(text, file=sys.stderr))
    ds = result.ds
    for line in report_lines(result.rows, local=region is not None):
        print(line)
    grids = mutation_grids(result)
    for name, grid in grids.items():
        write_image(osp.join(folder, name), grid)
    meta = {'app': 'mutate', 'generator': loaded.which, 'seed': args.seed,
            'region': str(args.region), 'relax': args.relax}
    save_directions(osp.join(folder, 'directions.pt'), ds, meta=meta)
    save_codes(osp.join(folder, 'points.pt'), codes, meta=meta)
    with open(osp.join(folder, 'report.json'), 'w') as f:
        json.dump(mutation_record(result), f, indent=1)
    print(f'{ds.kind} directions in {ds.space} ({ds.mode}): wrote '
          f"{', '.join(grids) or 'no grid'}, directions.pt, points.pt, "
          f'report.json to {folder}')


if __name__ == '__main__':
    run_cli(main)
