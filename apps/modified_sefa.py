"""Closed-form factorisation of latent semantics (SeFa, Shen & Zhou 2021):
edit codes along the eigenvectors of A^T A, A the generator's first
weights on w, and write a grid of samples x edit strengths per direction.

    python apps/modified_sefa.py CKPT -i INDEX [INDEX ...] -d DEG [DEG]
        --degree-step S [-l LAYER ...] [--eigen-vector FILE]
        [--variant mmgen|rosinality|genforce] [--truncation PSI]
        [--edit-order truncate-edit|edit-truncate] [--latent FILE ...]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, add_batch_size_arg,  # noqa: E402
                                add_common_args, files_epilog, positive,
                                set_out_dir_default)
from mmlatent.utils.choices import EDIT_ORDERS, SEFA_VARIANTS  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402


FILES = [
    ('sefa_i<INDEX>.png', 'per direction: one row per sample, one column '
     'per degree (ascending); the unedited column (degree 0) is framed in '
     'amber'),
    ('<ckpt>_sefa-<ema|orig>-<layers>[-norm].pt', 'the directions cache '
     'next to the checkpoint (or --eigen-vector FILE): directions [D, '
     'w_dim] (rows = eigenvectors of A^T A, orthonormal), eigenvalues [D] '
     'descending, layers, weight shape and hash; reused when they match'),
]
EPILOG = f"""what is factorised: A = G.direction_weights(layers): the style
modulation weights of the chosen layers of a style generator (-l indexes
ws; all layers by default), or the first layer of a DCGAN-like generator,
whose w is its input [z | c] (so an edit may also move the codes of
conditional / InfoGAN models). Edits move w by degree * direction in the
chosen layers only; the other layers keep their w.

--variant picks the reference tool whose matrix A is factorised (default
mmgen): mmgen = MMGeneration's modified_sefa.py (the convolutions' style
modulations, no toRGB); rosinality = closed_form_factorization.py (the
convolutions and the first toRGB, all layers, no -l); genforce =
genforce/sefa (the -l layers, the last index being the output toRGB, rows
normalised). --edit-order: truncate-edit (default, mmlatent: truncate the
sampled w, then add degree * direction) or edit-truncate (rosinality's
apply_factor.py: add, then truncate; gives rosinality's images for the
same -d and --truncation).

degrees: -d D edits over [-D, D], -d D0 D1 over [D0, D1], in steps of
--degree-step; 0 is always included (the unedited column).
--latent FILE ...: edit these codes (e.g. <stem>-project.pt of the
projector, with its noise maps) instead of --num-samples random ones.
--truncation PSI moves sampled codes towards w_avg (style generators).

{files_epilog(FILES)}
{COMMON_EPILOG}"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description='SeFa: closed-form latent directions and edits.',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    set_out_dir_default(p, 'outputs/sefa')
    p.add_argument('-i', '--index', type=int, nargs='+', default=[0],
                   help='direction index(es), 0 = largest eigenvalue '
                   '(default: 0)')
    p.add_argument('-d', '--degree', type=float, nargs='+', default=[3.0],
                   metavar='DEG', help='edit range: D for [-D, D] or D0 D1 '
                   'for [D0, D1] (default: 3)')
    p.add_argument('--degree-step', type=positive(float,
                                                  name='--degree-step'),
                   default=1.0, help='step between columns (default: 1)')
    p.add_argument('-l', '--layer', type=int, nargs='+', metavar='LAYER',
                   help='ws layers to factorise and edit (default: all)')
    p.add_argument('--eigen-vector', metavar='FILE',
                   help='directions cache to read / write (default: next '
                   'to the checkpoint)')
    p.add_argument('--variant', default='mmgen', choices=SEFA_VARIANTS,
                   help='which reference SeFa to reproduce (default: '
                   'mmgen; see below)')
    p.add_argument('--edit-order', default='truncate-edit',
                   choices=list(EDIT_ORDERS),
                   help='with --truncation: truncate then edit (default) '
                   "or edit then truncate (rosinality's apply_factor.py)")
    p.add_argument('--normalize', action='store_true',
                   help='normalise the rows of A first (original SeFa code '
                   'for StyleGAN)')
    p.add_argument('--num-samples', type=positive(name='--num-samples'),
                   help='random codes to edit (default: 4), or the first '
                   'codes of --latent (default: all)')
    p.add_argument('--truncation', type=float, metavar='PSI',
                   help='truncation psi of the sampled codes (style '
                   'generators)')
    p.add_argument('--latent', nargs='+', metavar='FILE',
                   help='latent file(s) with the codes to edit')
    add_batch_size_arg(p)
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.app import (load_app_generator, out_dir,  # noqa: E402
                               progress, seed_all)
from mmlatent.latent.codes import require_w_space  # noqa: E402
from mmlatent.latent.io import load_codes  # noqa: E402
from mmlatent.latent.sefa import (cached_directions,  # noqa: E402
                                  default_cache_path, degree_range,
                                  select_directions, sefa_grid)
from mmlatent.latent.start import start_codes  # noqa: E402
from mmlatent.utils.image import write_image  # noqa: E402


def codes_to_edit(G, args, gen):
    """The codes to edit as ws [N, num_ws, w_dim] (space 'w+')."""
    if args.truncation is not None:
        require_w_space(G, '--truncation')
    if args.latent:
        if args.truncation is not None:
            print('note: --truncation applies to sampled codes, not to '
                  '--latent files', file=sys.stderr)
        return start_codes(G, args.num_samples, space='w+',
                           files=load_codes(args.latent, G))
    return start_codes(G, args.num_samples or 4, space='w+',
                       label=args.label, con=args.con, generator=gen)


def directions(G, args, which):
    path = args.eigen_vector or default_cache_path(
        args.checkpoint, which=which, layers=args.layer,
        normalize=args.normalize, variant=args.variant)
    V, values, status = cached_directions(G, args.layer, path,
                                          normalize=args.normalize,
                                          variant=args.variant)
    where = {'read': f'read from {path}', 'cached': f'cached at {path}'}
    print(f'{V.shape[0]} SeFa directions of A {tuple(V.shape)}: '
          f'{where.get(status, status)}', file=sys.stderr)
    return V, values


#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('sefa_i*.png',)


def main(argv=None):
    args = parse_args(argv)
    degrees = degree_range(args.degree, args.degree_step)
    gen = seed_all(args)
    loaded = load_app_generator(args)
    G = loaded.G
    if args.truncation is not None:  # before the directions cache is written
        require_w_space(G, '--truncation')
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    V, values = directions(G, args, loaded.which)
    chosen = select_directions(V, list(args.index))
    codes = codes_to_edit(G, args, gen)
    psi = None if args.latent else args.truncation
    for index, direction in progress(list(zip(args.index, chosen)),
                                     desc='directions'):
        name = f'sefa_i{index}.png'
        write_image(osp.join(folder, name), sefa_grid(
            G, codes, direction, degrees, layers=args.layer,
            truncation_psi=psi, order=args.edit_order,
            batch_size=args.batch_size))
        print(f'direction {index} (eigenvalue {float(values[index]):.4g}): '
              f'{name} ({len(codes)} x {len(degrees)}, degrees '
              f'{float(degrees[0]):g}..{float(degrees[-1]):g})')


if __name__ == '__main__':
    run_cli(main)
