"""Move latents along the normal of a boundary and write the image grid.

    python apps/edit_with_boundary.py CKPT outputs/boundary_x_z.pt \\
        --start -3 --end 3 --steps 10 --scorer shapes
"""
import argparse
import json
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, add_common_args,  # noqa: E402
                                add_scorer_arg)
from mmlatent.utils.choices import EDIT_MODES  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


EPILOG = """editing modes (--mode):
  relative  v + d n: each code moves by d along the unit normal n, so its
            signed distance n.v + offset grows by exactly d (InterFaceGAN)
  absolute  v + (d - (n.v + offset)) n: each code is moved to signed
            distance exactly d from the hyperplane, wherever it started
  d runs over --steps values from --start to --end.

outputs (in --out-dir), <name> = edit_<attribute>:
  <name>.png          one row per code, one column per d
  <name>_latents.pt   latent file of the edited codes [N * steps, ...] (row
                      by row), space of the boundary ('w+' with --layers),
                      with the scores when --scorer is given
  <name>_summary.json with --scorer: mean of every attribute at each d,
                      its change from first to last d, and the share of
                      monotonic steps; also printed as a table (the target
                      attribute is marked with *)

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/edit_with_boundary.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Edit latents along an InterFaceGAN boundary normal.')
    add_common_args(p)
    p.add_argument('boundary', metavar='BOUNDARY',
                   help='boundary file (apps/train_boundary.py)')
    p.add_argument('--start', type=float, default=-3.0,
                   help='first distance d (default: -3)')
    p.add_argument('--end', type=float, default=3.0,
                   help='last distance d (default: 3)')
    p.add_argument('--steps', type=int, default=10,
                   help='number of distances (default: 10)')
    p.add_argument('--mode', choices=EDIT_MODES, default='relative',
                   help='relative offset or absolute signed distance '
                   '(see below; default: relative)')
    p.add_argument('--latent', metavar='FILE',
                   help='latent file of the codes to edit (z codes map to w '
                   "for a 'w' boundary; its noise maps, e.g. of a "
                   'projection, are kept); default: --num prior samples')
    p.add_argument('--num', '-n', type=int, default=8,
                   help='prior samples to edit without --latent (default: 8)')
    p.add_argument('--layers', type=int, nargs='+', metavar='L',
                   help='StyleGAN2 only: edit only these W+ layers (w '
                   'boundaries); default: every layer')
    add_scorer_arg(p)
    p.add_argument('--batch-size', type=int, default=64,
                   help='images rendered at once (default: 64)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

import torch  # noqa: E402

from mmlatent.apis.app import load_app_generator, out_dir, rng  # noqa
from mmlatent.apis.scorers import scorers_of  # noqa: E402
from mmlatent.control import (check_boundary, format_summary,  # noqa: E402
                              load_boundary)
from mmlatent.control.edit import (boundary_codes,  # noqa: E402
                                   check_layers, edit_along_boundary,
                                   edit_summary)
from mmlatent.latent import load_codes, save_latents  # noqa: E402
from mmlatent.utils.image import save_rows  # noqa: E402
from mmlatent.utils.outputs import safe_name  # noqa: E402


def _codes(args, G, b):
    w_plus = args.layers is not None
    if args.latent:
        if args.label or args.con:
            raise ConfigError('--label / --con apply to sampled codes; the '
                              "codes of --latent keep their own condition")
        return boundary_codes(G, b, w_plus=w_plus, path=args.latent,
                              files=load_codes([args.latent], G))
    if args.num < 1:
        raise ConfigError(f'--num {args.num} must be positive')
    return boundary_codes(G, b, w_plus=w_plus, num=args.num,
                          label=args.label, con=args.con, generator=rng(args))


def _report(args, summary, b, distances, folder, name):
    """Print the table of attribute changes and write the JSON summary."""
    target = b.attribute if b.attribute in summary['scores'] else None
    print(format_summary(summary['rows'], distances, target))
    with open(osp.join(folder, f'{name}_summary.json'), 'w') as f:
        json.dump(dict(attribute=b.attribute, mode=args.mode,
                       distances=distances, attributes=summary['rows']), f,
                  indent=1)


def outputs(name: str) -> tuple:
    """The files an edit named ``name`` (by the attribute) writes in
    --out-dir; an earlier run's are refused, or deleted by --overwrite."""
    return (f'{name}.png', f'{name}_latents.pt', f'{name}_summary.json')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.steps < 1:
        raise ConfigError(f'--steps {args.steps} must be >= 1')
    b = load_boundary(args.boundary)
    name = f'edit_{safe_name(b.attribute)}'
    folder = out_dir(args.out_dir, outputs=outputs(name),
                     overwrite=args.overwrite)
    loaded = load_app_generator(args)
    G = loaded.G
    check_boundary(b, G)
    check_layers(G, b, args.layers)
    scorers = scorers_of(args.scorer, args.device)
    codes = _codes(args, G, b)
    distances = torch.linspace(args.start, args.end, args.steps).tolist()
    edit = edit_along_boundary(G, codes, b, distances, mode=args.mode,
                               layers=args.layers,
                               batch_size=args.batch_size)
    save_rows(osp.join(folder, f'{name}.png'), edit.rows)
    scores = None
    if scorers:
        summary = edit_summary(scorers, edit)
        _report(args, summary, b, distances, folder, name)
        scores = summary['scores']
    save_latents(osp.join(folder, f'{name}_latents.pt'), edit.latent,
                 space=edit.space, c=edit.c, noise=edit.noise, scores=scores,
                 meta=dict(boundary=osp.abspath(args.boundary),
                           mode=args.mode, start=args.start, end=args.end,
                           steps=args.steps))
    print(f'wrote {folder}/{name}.png ({len(codes)} codes x {args.steps} '
          f'steps, {args.mode} d from {args.start:g} to {args.end:g})')


if __name__ == '__main__':
    run_cli(main)
