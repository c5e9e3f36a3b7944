"""Project real images into the latent space of a trained generator (GAN
inversion after the StyleGAN2 projector).

    python apps/stylegan_projector.py CKPT IMAGE [IMAGE ...] [--w-plus]
        [--total-iters 1000] [--mse W] [--perceptual vgg|alex|random|none]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, add_common_args,  # noqa: E402
                                files_epilog, positive, set_out_dir_default)
from mmlatent.utils.choices import PERCEPTUAL_CHOICES  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


FILES = [
    ('<stem>-project.png', 'per input image: the target (resized and '
     'centre-cropped) beside its projection'),
    ('<stem>-project.pt', 'per input image: latent file with the code '
     '(space w, w+ or z, N=1), the noise maps, the condition c (z) and the '
     'final losses (total, mse, perceptual, noise_reg)'),
]
EPILOG = f"""method (Karras et al. 2020, appendix D): start from w_avg (the
mean of mapped prior samples; the prior mean in z), optimise w (W+ with
--w-plus: one w per layer) and the noise maps with Adam. Loss: LPIPS (VGG)
+ --mse * pixel MSE + --noise-regularize * multi-scale autocorrelation of
the noise maps, which are renormalised after every step. The learning
rate warms up over the first --lr-rampup of the run and ramps down by a
cosine over the last --lr-rampdown; Gaussian noise of std
w_std * --noise * max(0, 1 - t / --noise-ramp)^2 is added to the code.
Generators without a W space (DCGAN, WGAN-GP, conditional, InfoGAN) are
inverted in z space (the condition c of --label / --con held fixed);
--w-plus needs a style generator.

inputs: any image OpenCV reads (PNG, JPEG, BMP, TIFF, WebP); grayscale is
repeated to RGB, RGBA is composited over black; each image is resized
(shorter side) and centre-cropped to the generator's resolution.

LPIPS weights: --perceptual vgg/alex reads torchvision's ImageNet weights
from the torch hub cache ($TORCH_HOME/hub/checkpoints, nothing is
downloaded); when missing the app says which file to put there.
--perceptual random (random backbone, smoke runs only) or none (pixel
loss only, needs --mse > 0) run offline.

{files_epilog(FILES)}
{COMMON_EPILOG}"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description='Project images into the latent space of a generator.',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument('images', nargs='+', metavar='IMAGE',
                   help='image files to project')
    set_out_dir_default(p, 'outputs/projection')
    p.add_argument('--total-iters', type=positive(name='--total-iters'),
                   default=1000, help='optimisation steps (default: 1000)')
    p.add_argument('--w-plus', action='store_true',
                   help='optimise one w per layer (W+) instead of one w')
    p.add_argument('--perceptual', default='vgg', choices=PERCEPTUAL_CHOICES,
                   help='LPIPS backbone (default: vgg); random: untrained '
                   '(smoke runs); none: no perceptual term')
    p.add_argument('--mse', type=float, default=0.0,
                   help='weight of the pixel MSE term (default: 0)')
    p.add_argument('--lr', type=float, default=0.1,
                   help='peak learning rate (default: 0.1)')
    p.add_argument('--lr-rampup', type=float, default=0.05,
                   help='fraction of the run for the warm-up (default 0.05)')
    p.add_argument('--lr-rampdown', type=float, default=0.25,
                   help='fraction of the run for the cosine ramp-down '
                   '(default: 0.25)')
    p.add_argument('--noise', type=float, default=0.05,
                   help='initial latent noise, times the spread of w '
                   '(default: 0.05)')
    p.add_argument('--noise-ramp', type=float, default=0.75,
                   help='fraction of the run over which the latent noise '
                   'decays to 0 (default: 0.75)')
    p.add_argument('--noise-regularize', type=float, default=1e5,
                   help='weight of the noise-map regularisation '
                   '(default: 1e5)')
    p.add_argument('--w-avg-samples', type=positive(name='--w-avg-samples'),
                   default=10000, help='samples for the spread of w '
                   '(default: 10000)')
    p.add_argument('--batch-size', type=positive(name='--batch-size'),
                   default=1, help='images projected at once, each '
                   'independently (default: 1)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

from mmlatent.apis.app import (condition, load_app_generator,  # noqa: E402
                               out_dir, seed_all, show_progress)
from mmlatent.latent.codes import require_w_space  # noqa: E402
from mmlatent.latent.io import save_codes  # noqa: E402
from mmlatent.latent.projector import (project_in_batches,  # noqa: E402
                                       projection_targets)
from mmlatent.utils.image import read_image, write_image  # noqa: E402
from mmlatent.utils.outputs import unique_stems  # noqa: E402
from mmlatent.utils.perceptual import (MissingWeightsError,  # noqa: E402
                                       build_perceptual)


def perceptual_distance(args):
    """LPIPS of --perceptual; the missing-weights message names the app's
    offline options."""
    try:
        return build_perceptual(args.perceptual, device=args.device)
    except MissingWeightsError as e:
        raise MissingWeightsError(str(e).replace(
            "or use perceptual='random' / 'none' for offline smoke runs",
            'or use --perceptual random for a smoke run, or project with '
            'the pixel loss alone: --perceptual none --mse 1')) from e


def check_args(args):
    if args.perceptual == 'none' and args.mse <= 0:
        raise ConfigError('--perceptual none leaves nothing to minimise; '
                          'give --mse > 0 (e.g. --mse 1)')


def save_batch(batch, args, stems, folder, which):
    """``<stem>-project.png`` and ``.pt`` of one batch of projections."""
    paths = args.images[batch.part]
    for i, (path, stem) in enumerate(zip(paths, stems[batch.part])):
        write_image(osp.join(folder, f'{stem}-project.png'),
                    batch.pictures[i])
        mine = batch.losses_of(i)
        save_codes(osp.join(folder, f'{stem}-project.pt'), batch.codes[i],
                   losses=mine,
                   meta={'app': 'stylegan_projector', 'source': str(path),
                         'checkpoint': str(args.checkpoint),
                         'generator': which, 'steps': args.total_iters,
                         'perceptual': args.perceptual, 'mse': args.mse})
        terms = ' '.join(f'{k} {float(v):.4g}' for k, v in mine.items())
        print(f'{path}: {terms} -> {stem}-project.png, {stem}-project.pt',
              flush=True)


#: Files this app writes in --out-dir (--overwrite deletes them first).
OUTPUTS = ('*-project.png', '*-project.pt')


def main(argv=None):
    args = parse_args(argv)
    check_args(args)
    images = [read_image(path, channels=3) for path in args.images]
    perceptual = perceptual_distance(args)
    folder = out_dir(args.out_dir, outputs=OUTPUTS, overwrite=args.overwrite)
    gen = seed_all(args)
    loaded = load_app_generator(args)
    G = loaded.G
    if args.w_plus:
        require_w_space(G, '--w-plus')
    if not G.has_w_space:
        print(f'note: {type(G).__name__} has no W space; inverting in z '
              'space', file=sys.stderr)
    if args.perceptual == 'random':
        print('note: --perceptual random uses an untrained backbone (smoke '
              'runs only)', file=sys.stderr)
    target = projection_targets(images, G).to(args.device)
    c = condition(G, target.shape[0], args, gen)
    stems = unique_stems(args.images)
    batches = project_in_batches(
        G, target, batch_size=args.batch_size, c=c, steps=args.total_iters,
        space='w+' if args.w_plus else None, perceptual=perceptual,
        mse_weight=args.mse, initial_lr=args.lr, lr_rampup=args.lr_rampup,
        lr_rampdown=args.lr_rampdown, initial_noise_factor=args.noise,
        noise_ramp_length=args.noise_ramp,
        regularize_noise_weight=args.noise_regularize,
        w_avg_samples=args.w_avg_samples, generator=gen,
        progress=show_progress())
    for batch in batches:  # each batch is saved before the next starts
        save_batch(batch, args, stems, folder, loaded.which)
    print(f'projected {len(images)} image(s) in {batch.codes.space} space '
          f'with {args.total_iters} steps into {folder}')


if __name__ == '__main__':
    run_cli(main)
