"""Interpolate between latent codes of a trained generator and render the
frames: a numbered sequence (and a GIF / MP4) or a grid with a row per
pair of endpoints.

    python apps/interpolate_sample.py CKPT [--show-mode sequence|group]
        [--endpoint N] [--interval K] [--space z|w] [--interp-mode lerp|slerp]
        [--proj-latent FILE ...] [--export-video] [--sample-cfg k=v ...]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mmlatent.latent.annotate import annotated_grid  # noqa: E402
from mmlatent.latent.codes import (render_codes,  # noqa: E402
                                   require_w_space)
from mmlatent.latent.interpolation import batch_ranges  # noqa: E402
from mmlatent.latent.io import load_codes, save_codes  # noqa: E402
from mmlatent.latent.paths import (SHOW_MODES, check_endpoints,  # noqa: E402
                                   default_mode, interpolation_path)
from mmlatent.latent.start import start_codes  # noqa: E402
from mmlatent.latent.video import write_video  # noqa: E402
from mmlatent.utils.app import (  # noqa: E402
    COMMON_EPILOG, add_batch_size_arg, add_common_args, files_epilog,
    load_app_generator, out_dir, parse_kv, positive, progress, seed_all,
    set_out_dir_default)
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402
from mmlatent.utils.image import to_uint8, write_image  # noqa: E402

MAPPING_KEYS = ('truncation_psi', 'truncation_cutoff')
SYNTHESIS_KEYS = ('noise_mode', )
FILES = [
    ('frame_00000.png ...', 'sequence mode: the frames, numbered along the '
     'path; frame k*(K-1) is endpoint k'),
    ('interpolation_group.png', 'group mode: one row per pair of endpoints '
     '(0, 1), (2, 3), ..., K columns'),
    ('interpolation.gif/.mp4', '--export-video: the frames as a looping GIF '
     'and an H.264 MP4 (group mode: frame t shows every pair at step t)'),
    ('endpoints.pt', 'latent file of the endpoints used (space z, w or w+; '
     'condition c; noise maps)'),
]
#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('frame_*.png', 'interpolation_group.png', 'interpolation.gif',
           'interpolation.mp4', 'endpoints.pt')
EPILOG = f"""spaces:
  z   interpolate the prior samples z (and the condition c, linearly);
      frames are G(z, c)
  w   interpolate w = mapping(z, c) (per layer for W+ codes, e.g. from
      the projector). For generators without a learned W space (DCGAN,
      WGAN-GP, conditional, InfoGAN) w is the network input [z | c]: the
      same as z for unconditional models; for conditional ones the codes
      move with z. The app prints a note then.
--proj-latent FILE ...: the endpoints start with the codes of these latent
  files (e.g. <stem>-project.pt of the projector, endpoints.pt of an
  earlier run); the rest are drawn from --seed. --space defaults to the
  files' space (w codes cannot go back to z); with --endpoint N smaller
  than their count, the first N codes are used.
--sample-cfg (style generators): truncation_psi=0.7, truncation_cutoff=K
  (applied when mapping z), noise_mode=const|random|none (default const).

{files_epilog(FILES)}
{COMMON_EPILOG}"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description='Interpolate between latent codes and render frames.',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    set_out_dir_default(p, 'outputs/interpolation')
    p.add_argument('--show-mode', default='sequence', choices=SHOW_MODES,
                   help='sequence: one path through all endpoints, '
                   'numbered frames; group: one grid row per pair')
    p.add_argument('--endpoint', type=positive(name='--endpoint'),
                   help='number of endpoints (default: 4, or the codes of '
                   '--proj-latent and at least 2); even in group mode')
    p.add_argument('--interval', type=positive(name='--interval'),
                   default=10, help='frames per segment, both endpoints '
                   'included (default: 10)')
    p.add_argument('--space', choices=['z', 'w'],
                   help='space to interpolate in (default: z, or the '
                   'space of --proj-latent); see "spaces" below')
    p.add_argument('--interp-mode', choices=['lerp', 'slerp'],
                   help='lerp or slerp (default: slerp in z, lerp in w)')
    p.add_argument('--proj-latent', nargs='+', metavar='FILE',
                   help='latent file(s) whose codes are the first endpoints')
    p.add_argument('--export-video', action='store_true',
                   help='also write interpolation.gif and .mp4')
    p.add_argument('--fps', type=positive(float, name='--fps'), default=10,
                   help='frames per second of the video (default: 10)')
    p.add_argument('--sample-cfg', nargs='+', metavar='KEY=VALUE',
                   help='sampling options of style generators, e.g. '
                   'truncation_psi=0.7')
    add_batch_size_arg(p)
    return p.parse_args(argv)


def sample_cfg(G, pairs):
    """(mapping kwargs, synthesis kwargs) from --sample-cfg."""
    cfg = parse_kv(pairs)
    bad = [k for k in cfg if k not in MAPPING_KEYS + SYNTHESIS_KEYS]
    if bad:
        raise ConfigError(f"--sample-cfg key '{bad[0]}' is not one of "
                          f'{MAPPING_KEYS + SYNTHESIS_KEYS}')
    if cfg:
        require_w_space(G, f'--sample-cfg {next(iter(cfg))}')
    mapping = {k: v for k, v in cfg.items() if k in MAPPING_KEYS}
    synthesis = {k: v for k, v in cfg.items() if k in SYNTHESIS_KEYS}
    return mapping, ({'noise_mode': 'const', **synthesis} if synthesis
                     else None)


def endpoints(G, args, gen, mapping_kwargs):
    """The endpoint codes: files first, then codes drawn from --seed; in
    z, or in w as ws [K, num_ws, w_dim] (per-layer interpolation)."""
    files = load_codes(args.proj_latent, G) if args.proj_latent else None
    space = args.space or ('z' if files is None or files.space == 'z'
                           else 'w')
    if space == 'w' and not G.has_w_space:
        print(f'note: {type(G).__name__} has no learned W space; --space w '
              'interpolates its input w = [z | c]', file=sys.stderr)
    inner = 'z' if space == 'z' else 'w+'
    have = 0 if files is None else len(files)
    num = args.endpoint or max(have, 2 if files is not None else 4)
    check_endpoints(num, args.show_mode)
    if num < have:
        print(f'note: using the first {num} of the {have} codes of '
              '--proj-latent (--endpoint)', file=sys.stderr)
    codes = start_codes(G, num, space=inner, files=files, fill=True,
                        label=args.label, con=args.con, generator=gen,
                        mapping_kwargs=mapping_kwargs)
    return codes, space


def render_frames(G, path, args, mapping_kwargs, synthesis_kwargs):
    """uint8 frames [M, H, W, C], rendered and converted batch by batch."""
    parts = list(batch_ranges(len(path), args.batch_size))
    frames = []
    for part in progress(parts, desc='rendering'):
        img = render_codes(G, path[part], batch_size=args.batch_size,
                           synthesis_kwargs=synthesis_kwargs,
                           mapping_kwargs=mapping_kwargs)
        frames.append(to_uint8(img))
    return np.concatenate(frames)


def write_outputs(frames, args, folder):
    """Frames or the group grid, and the videos."""
    if args.show_mode == 'sequence':
        for k, frame in enumerate(frames):
            write_image(osp.join(folder, f'frame_{k:05d}.png'), frame)
        video, what = frames, f'{len(frames)} frames frame_*.png'
    else:
        images = torch.from_numpy(frames).permute(0, 3, 1, 2).float() \
            .div(127.5).sub(1)
        rows = images.view(-1, args.interval, *images.shape[1:])
        write_image(osp.join(folder, 'interpolation_group.png'),
                    annotated_grid(rows))
        video = np.stack([annotated_grid(rows[:, t:t + 1])
                          for t in range(args.interval)])
        what = f'interpolation_group.png ({rows.shape[0]} rows)'
    if args.export_video:
        names = write_video(osp.join(folder, 'interpolation'), video,
                            fps=args.fps)
        what += ', ' + ', '.join(osp.basename(n) for n in names)
    return what


def main(argv=None):
    args = parse_args(argv)
    if args.endpoint:
        check_endpoints(args.endpoint, args.show_mode)
    gen = seed_all(args)
    loaded = load_app_generator(args)
    G = loaded.G
    mapping_kwargs, synthesis_kwargs = sample_cfg(G, args.sample_cfg)
    ends, space = endpoints(G, args, gen, mapping_kwargs)
    mode = args.interp_mode or default_mode(space)
    path = interpolation_path(ends, interval=args.interval, mode=mode,
                              show_mode=args.show_mode)
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    frames = render_frames(G, path, args, mapping_kwargs, synthesis_kwargs)
    what = write_outputs(frames, args, folder)
    save_codes(osp.join(folder, 'endpoints.pt'), ends,
               meta={'app': 'interpolate_sample', 'space': space,
                     'interp_mode': mode, 'generator': loaded.which,
                     'seed': args.seed})
    print(f'{len(ends)} endpoints in {space} ({mode}, {args.show_mode}): '
          f'wrote {what} and endpoints.pt to {folder}')


if __name__ == '__main__':
    run_cli(main)
