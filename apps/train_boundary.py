"""Train an InterFaceGAN boundary on scored latents.

    python apps/train_boundary.py outputs/latents_z.pt --attribute x
    python apps/train_boundary.py outputs/latents_z.pt --attribute scale \\
        --condition outputs/boundary_x_z.pt
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.utils.choices import BOUNDARY_SOLVERS  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402


EPILOG = """output:
  --output (default: boundary_<attribute>_<space>.pt next to LATENTS, with
  _cond_<attribute>... for conditions), a boundary file
  (mmlatent.boundary/1, loadable with torch.load(weights_only=True)):
    space       'z' or 'w' (the space of LATENTS)
    normal      unit normal [dim]; the attribute grows along it
    offset      signed distance of a code v to the hyperplane: n.v + offset
    attribute   the score it separates; conditions: attributes projected out
    accuracy    {'validation', 'remaining'}; meta: provenance

The samples are sorted by score; the top and bottom --ratio are the two
classes, each shuffled (--seed) and split --split : 1 - split into training
and validation for a linear SVM (scikit-learn; --solver linear-svc =
LinearSVC, the default, or svc = SVC(kernel='linear') as genforce's
InterFaceGAN). The hyperplane keeps the SVM's fitted offset (default) or,
with --through-origin, passes through the origin (genforce saves only the
normal). 'remaining' is the accuracy on the samples in between, labelled by
whether their score lies above (max + min) / 2. A warning is printed when
fewer than 10 validation samples per class make the accuracy moot.
--invalid-value V drops samples whose score equals V (genforce's meaning);
--nan-value V gives NaN scores the value V (default: NaN scores dropped).
--condition projects the normals of other boundaries out of the new one
(least squares, any number), so that moving along it leaves those
attributes' signed distances unchanged; the result is renormalised.
"""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/train_boundary.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Train a linear boundary (InterFaceGAN) separating high '
        'and low scores of one attribute in a latent file.')
    p.add_argument('latents', metavar='LATENTS',
                   help="latent file with scores, space 'z' or 'w' "
                   '(apps/generate_latents.py)')
    p.add_argument('--attribute', '-a', required=True,
                   help='the score to separate, e.g. x, scale, is_square')
    p.add_argument('--ratio', type=float, default=0.02,
                   help='share of samples taken from each end of the '
                   'scores (default: 0.02)')
    p.add_argument('--split', type=float, default=0.7,
                   help='training share of each class; the rest validates '
                   '(default: 0.7)')
    p.add_argument('--invalid-value', type=float, metavar='V',
                   help='drop samples whose score equals V (as genforce)')
    p.add_argument('--nan-value', type=float, metavar='V',
                   help='score given to samples whose score is NaN (images '
                   'the scorer could not judge); default: drop them')
    p.add_argument('--solver', default='linear-svc', choices=BOUNDARY_SOLVERS,
                   help="linear-svc (default) or svc (SVC(kernel='linear'),"
                   ' genforce)')
    p.add_argument('--through-origin', action='store_true',
                   help='boundary through the origin (offset 0, genforce) '
                   'instead of the fitted offset')
    p.add_argument('--condition', nargs='+', metavar='BOUNDARY',
                   help='boundary files whose normals are projected out '
                   '(conditional manipulation)')
    p.add_argument('--svm-c', type=float, default=1.0,
                   help='inverse regularisation strength C of the SVM '
                   '(default: 1.0)')
    p.add_argument('--output', '-o', help='boundary file to write')
    p.add_argument('--overwrite', action='store_true',
                   help='replace an existing boundary file (refused '
                   'without it)')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the training/validation shuffle')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

import torch  # noqa: E402

from mmlatent.control import (condition_boundary,  # noqa: E402
                              load_boundary, save_boundary, train_boundary)
from mmlatent.control.boundary_fit import (boundary_report,  # noqa: E402
                                           conditioned_report,
                                           default_boundary_path,
                                           latent_scores, provenance)
from mmlatent.latent import load_latents  # noqa: E402
from mmlatent.utils.outputs import check_out_file  # noqa: E402


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    lf = load_latents(args.latents)
    scores = latent_scores(lf, args.latents, args.attribute)
    out = check_out_file(args.output or default_boundary_path(
        args.latents, args.attribute, lf.space,
        [load_boundary(c).attribute for c in args.condition or []]),
        overwrite=args.overwrite)
    conditions = [load_boundary(c) for c in args.condition or []]
    b = train_boundary(lf.latent, scores, ratio=args.ratio, split=args.split,
                       invalid_value=args.invalid_value,
                       nan_value=args.nan_value, C=args.svm_c,
                       solver=args.solver,
                       through_origin=args.through_origin, space=lf.space,
                       attribute=args.attribute,
                       generator=torch.Generator().manual_seed(args.seed))
    for line in boundary_report(b):
        print(line)
    b.meta.update(provenance(lf, args.latents))
    if conditions:
        primal = b.normal
        b = condition_boundary(b, conditions)
        print(conditioned_report(b, primal, conditions))
    path = save_boundary(out, b)
    print(f'wrote {path}')


if __name__ == '__main__':
    run_cli(main)
