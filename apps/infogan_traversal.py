"""InfoGAN code traversals with the noise fixed (the InfoGAN paper's
figures).

    python apps/infogan_traversal.py work_dirs/infogan/iter_10000.pth
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
  cat<i>.png            categorical code i over its categories (columns)
  cat<i>_<k>_con<j>.png continuous code j over --num-values points of
                        [-1, 1] (columns) with categorical code i set to k
  con<j>.png            continuous code j (generators without categorical
                        codes)
The codes not swept come from --label / --con, else from --seed.

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/infogan_traversal.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Grids that sweep each InfoGAN code with the noise '
        'fixed: one per categorical code, and one per categorical value '
        'and continuous code.')
    add_common_args(p)
    p.add_argument('--num-rows', type=int, default=8,
                   help='number of noise vectors z, one per row (default: 8)')
    p.add_argument('--num-values', type=int, default=8,
                   help='points of [-1, 1] per continuous code (default: 8)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.control import infogan_traversals  # noqa: E402
from mmlatent.control.traversal import check_codes  # noqa: E402
from mmlatent.latent.start import start_codes  # noqa: E402
from mmlatent.apis.app import load_app_generator, out_dir, rng  # noqa: E402
from mmlatent.utils.image import save_rows  # noqa: E402


#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('cat*.png', 'con*.png')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.num_rows < 1 or args.num_values < 2:
        raise ConfigError(f'--num-rows {args.num_rows} must be >= 1 and '
                          f'--num-values {args.num_values} >= 2')
    G = load_app_generator(args).G
    check_codes(G)
    codes = start_codes(G, args.num_rows, label=args.label, con=args.con,
                        generator=rng(args))
    z, c = codes.latent, codes.c
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    grids = infogan_traversals(G, z, c, num_values=args.num_values)
    for name, img in grids.items():
        save_rows(osp.join(folder, f'{name}.png'), img)
    print(f"wrote {len(grids)} grids to {folder}: {', '.join(grids)}")


if __name__ == '__main__':
    run_cli(main)
