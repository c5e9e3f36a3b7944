"""Class-conditioned sample grids and class-to-class interpolation with the
noise fixed, for conditional GANs and InfoGAN's categorical codes.

    python apps/conditional_sample.py work_dirs/cgan/iter_2000.pth
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import COMMON_EPILOG, add_common_args  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


EPILOG = """outputs (in --out-dir), one row per noise z (the same z in every
file):
  classes.png              one column per class of categorical code
                           --code-index
  interp_<a>_to_<b>.png    --interp-steps columns: the class code moves
                           linearly from one-hot a to one-hot b (soft labels
                           in between), for --source/--target or, without
                           them, each class to the next
Other codes (InfoGAN) come from --label / --con, else from --seed.

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/conditional_sample.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Class-conditioned grids and class-to-class '
        'interpolation with z fixed.')
    add_common_args(p)
    p.add_argument('--num-rows', type=int, default=8,
                   help='number of noise vectors z (default: 8)')
    p.add_argument('--code-index', type=int, default=0,
                   help='which categorical code is the class (default: 0)')
    p.add_argument('--source', type=int, help='class to start from')
    p.add_argument('--target', type=int, help='class to end at')
    p.add_argument('--interp-steps', type=int, default=8,
                   help='columns of the interpolation (default: 8)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.control import class_interpolation, code_sweep  # noqa: E402
from mmlatent.control.traversal import class_pairs, check_codes  # noqa: E402
from mmlatent.latent.start import start_codes  # noqa: E402
from mmlatent.apis.app import load_app_generator, out_dir, rng  # noqa: E402
from mmlatent.utils.image import save_rows  # noqa: E402


#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('classes.png', 'interp_*_to_*.png')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.num_rows < 1 or args.interp_steps < 2:
        raise ConfigError(f'--num-rows {args.num_rows} must be >= 1 and '
                          f'--interp-steps {args.interp_steps} >= 2')
    G = load_app_generator(args).G
    check_codes(G, need_cat=True)
    cat_dims = G.codes.cat_dims
    if not 0 <= args.code_index < len(cat_dims):
        raise ConfigError(f'--code-index {args.code_index} is out of range; '
                          f'the generator has {len(cat_dims)} categorical '
                          f'code(s)')
    pairs = class_pairs(cat_dims[args.code_index], args.source, args.target)
    codes = start_codes(G, args.num_rows, label=args.label, con=args.con,
                        generator=rng(args))
    z, c = codes.latent, codes.c
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    save_rows(osp.join(folder, 'classes.png'),
              code_sweep(G, z, c, code='cat', index=args.code_index))
    written = ['classes.png']
    for a, b in pairs:
        name = f'interp_{a}_to_{b}.png'
        save_rows(osp.join(folder, name), class_interpolation(
            G, z, c, source=a, target=b, steps=args.interp_steps,
            index=args.code_index))
        written.append(name)
    print(f"wrote {', '.join(written)} to {folder}")


if __name__ == '__main__':
    run_cli(main)
