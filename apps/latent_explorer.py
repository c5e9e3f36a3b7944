"""A latent explorer in the browser: serves one local page that shows the
generator's image live and edits its code (seed, truncation, spaces,
SeFa / Jacobian / local / boundary / file directions, InfoGAN codes and
classes, interpolation, projection of an uploaded image, saving).

    python apps/latent_explorer.py CKPT [--host 127.0.0.1] [--port 8080]
        [--directions FILE ...] [--boundary FILE ...] [--latent FILE ...]

Then open the printed URL (over SSH: ssh -L 8080:127.0.0.1:8080 HOST).
See docs/latent_explorer.md.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, add_common_args,  # noqa: E402
                                positive, set_out_dir_default)
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


EPILOG = """files:
  --directions FILE     directions files (apps/mutate.py, or exported from
                        the page): one slider per direction
  --boundary FILE       InterFaceGAN boundaries (apps/train_boundary.py):
                        one slider per boundary
  --latent FILE         latent files (projector, generate_latents, saved
                        from the page): codes to start from or interpolate
                        towards
  <stem>_sefa-*.pt      SeFa cache next to CKPT (read when it matches the
                        weights, else computed and written)
  in --out-dir          code_NNN.pt (Save code: a latent file the other apps
                        read) and direction_<group>_NNN.pt (Export)
start: the page opens on --seed, with --label / --con as the condition
  of conditional and InfoGAN generators.
safety: binds to 127.0.0.1 unless --host says otherwise (then it warns);
  on 127.0.0.1 it refuses requests from other web sites (Host, Origin and
  Content-Type checks); serves only its page, its API and the files it
  wrote; uploads are limited to --max-upload-mb and decoded as images
  only.

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/latent_explorer.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Explore and edit the latent space of a generator in '
        'a local web page.')
    add_common_args(p)
    set_out_dir_default(p, 'outputs/latent_explorer')
    p.add_argument('--host', default='127.0.0.1',
                   help='address to bind (default: 127.0.0.1, this machine '
                   'only)')
    p.add_argument('--port', type=int, default=8080,
                   help='port (default: 8080; 0 picks a free one)')
    p.add_argument('--directions', nargs='+', default=[], metavar='FILE')
    p.add_argument('--boundary', nargs='+', default=[], metavar='FILE')
    p.add_argument('--latent', nargs='+', default=[], metavar='FILE')
    p.add_argument('--num-sefa', type=int, default=8,
                   help='SeFa sliders (default: 8; 0: none)')
    p.add_argument('--measure', choices=['auto', 'on', 'off'],
                   default='auto', help='show measured Shapes factors '
                   '(auto: when the config trains on Shapes)')
    p.add_argument('--project-steps', type=positive(name='--project-steps'),
                   default=200, help='projection steps per upload '
                   '(default: 200)')
    p.add_argument('--max-upload-mb', type=positive(float,
                                                    name='--max-upload-mb'),
                   default=8.0, help='largest upload (default: 8 MB)')
    p.add_argument('--threads', type=positive(name='--threads'),
                   help='torch CPU threads (default: torch\'s choice)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

import torch  # noqa: E402

from mmlatent.explorer import (ExplorerServer, build_session,  # noqa: E402
                               is_shapes_config, make_server, parse_view)
from mmlatent.latent.sefa import default_cache_path  # noqa: E402
from mmlatent.apis.app import load_app_generator, out_dir  # noqa: E402


def build(argv: Optional[List[str]] = None) -> ExplorerServer:
    """Parse, load the generator and the files, bind the server."""
    args = parse_args(argv)
    if not 0 <= args.port <= 65535:
        raise ConfigError(f'--port {args.port} must be in 0..65535')
    if args.threads:
        torch.set_num_threads(args.threads)
    loaded = load_app_generator(args)
    measure = args.measure == 'on' or (args.measure == 'auto' and
                                       is_shapes_config(loaded.cfg))
    session = build_session(
        loaded.G, out_dir=out_dir(args.out_dir), num_sefa=args.num_sefa,
        sefa_cache=default_cache_path(args.checkpoint, which=loaded.which),
        directions=args.directions, boundaries=args.boundary,
        latents=args.latent, measure=measure,
        project_steps=args.project_steps,
        max_upload=int(args.max_upload_mb * (1 << 20)),
        name=osp.basename(args.checkpoint))
    session.start = start_view(session, args)
    try:
        return make_server(session, args.host, args.port)
    except OSError as e:
        raise ConfigError(f'cannot serve on {args.host}:{args.port} '
                          f'({e.strerror or e}); choose another --port '
                          'or --host') from None


def start_view(session, args: argparse.Namespace) -> dict:
    """The page's first view (--seed, --label, --con), checked by
    rendering it once."""
    start = {'seed': args.seed, 'labels': args.label, 'con': args.con}
    session.render(parse_view(start))
    return start


def main(argv: Optional[List[str]] = None) -> None:
    server = build(argv)
    print(f'latent explorer: open {server.url} (Ctrl-C stops it)',
          file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == '__main__':
    run_cli(main)
