"""What every app shares: the common options, loading the generator a
checkpoint holds, the condition ``c`` from ``--label`` / ``--con``, seeds,
devices and progress bars. Apps stay thin: parse, load, call one library
function, save."""
import argparse
import os
import sys
import textwrap
from typing import Iterable, Optional, Sequence

import torch
from tqdm import tqdm

from ..latent.start import sample_condition
from ..models.loading import LoadedGenerator, load_generator
from .errors import ConfigError
from .outputs import prepare_out_dir

COMMON_EPILOG = """common options:
  CKPT                  an mmlatent checkpoint (tools/train.py or
                        tools/convert_checkpoint.py); its config travels
                        inside, --config overrides it
  --sample-model        ema (default: the EMA generator when the checkpoint
                        holds averaged EMA weights, else the original) or
                        orig; the app prints which one it used
  --overwrite           an --out-dir holding files of an earlier run of
                        the app is refused; --overwrite deletes them first
  --label / --con       the condition of conditional GANs (class) and
                        InfoGAN (categorical codes, continuous codes in
                        [-1, 1]); drawn from --seed when not given
"""


def add_common_args(p: argparse.ArgumentParser, *,
                    checkpoint: bool = True) -> None:
    """Checkpoint, --config, --device, --seed, --out-dir, --sample-model,
    --label, --con."""
    if checkpoint:
        p.add_argument('checkpoint', metavar='CKPT',
                       help='checkpoint file (.pth)')
    p.add_argument('--config', help='config overriding the one stored in '
                   'the checkpoint')
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'],
                   help='device to run on (default: cpu)')
    p.add_argument('--seed', type=int, default=0,
                   help='random seed; the same seed gives the same output')
    p.add_argument('--out-dir', '-o', default='outputs',
                   help='output folder (created; default: outputs)')
    p.add_argument('--overwrite', action='store_true',
                   help='delete the files an earlier run of this app left '
                   'in --out-dir (without it the app refuses to mix runs)')
    p.add_argument('--sample-model', default='ema', choices=['ema', 'orig'],
                   help='ema (if averaged weights exist) or orig')
    p.add_argument('--label', type=int, nargs='+', metavar='K',
                   help='class / categorical code(s) for conditional GANs '
                   'and InfoGAN')
    p.add_argument('--con', type=float, nargs='+', metavar='V',
                   help="InfoGAN's continuous codes, in [-1, 1]")


def set_out_dir_default(p: argparse.ArgumentParser, path: str) -> None:
    """Change the default of --out-dir (and its help text) to ``path``."""
    for action in p._actions:
        if action.dest == 'out_dir':
            action.default = path
            action.help = f'output folder (created; default: {path})'


def check_device(device: str) -> str:
    if device == 'cuda' and not torch.cuda.is_available():
        raise ConfigError('--device cuda but no CUDA device is available; '
                          'use --device cpu')
    return device


def load_app_generator(args: argparse.Namespace,
                       quiet: bool = False) -> LoadedGenerator:
    """The generator of ``args.checkpoint`` on ``args.device``; prints which
    one (EMA or original) is used."""
    loaded = load_generator(args.checkpoint, config=args.config,
                            sample_model=args.sample_model,
                            device=check_device(args.device))
    if not quiet:
        print(f'{os.path.basename(args.checkpoint)}: {loaded.message}',
              file=sys.stderr)
    return loaded


def rng(args: argparse.Namespace) -> torch.Generator:
    """A torch.Generator on ``args.device`` seeded with ``args.seed``."""
    return torch.Generator(device=args.device).manual_seed(args.seed)


def condition(G, n: int, args: argparse.Namespace,
              generator: Optional[torch.Generator] = None
              ) -> Optional[torch.Tensor]:
    """``c`` [n, c_dim] from --label / --con (see
    :func:`~mmlatent.latent.start.sample_condition`)."""
    return sample_condition(G, n, label=getattr(args, 'label', None),
                            con=getattr(args, 'con', None),
                            generator=generator)


def progress(iterable: Iterable, *, total: Optional[int] = None,
             desc: str = '', enable: bool = True):
    """A progress bar on stderr (hidden when stderr is not a terminal and
    MMLATENT_PROGRESS is not set)."""
    show = enable and (sys.stderr.isatty() or os.environ.get(
        'MMLATENT_PROGRESS'))
    return tqdm(iterable, total=total, desc=desc, disable=not show,
                file=sys.stderr)


def out_dir(path: str, *, outputs: Sequence[str] = (),
            overwrite: bool = False) -> str:
    """Create the output folder of an app that writes ``outputs`` (glob
    patterns of its file names); call it before any long work. One-line
    errors when ``path`` is an existing file, cannot be created or
    written, or already holds files of an earlier run (``--overwrite``
    deletes them instead); see :func:`~mmlatent.utils.outputs.
    prepare_out_dir`."""
    return prepare_out_dir(path, outputs=outputs, overwrite=overwrite)


def show_progress() -> bool:
    """Whether progress bars are shown (stderr is a terminal or
    MMLATENT_PROGRESS is set); pass it as the ``progress=`` flag of library
    functions."""
    return bool(sys.stderr.isatty() or os.environ.get('MMLATENT_PROGRESS'))


def seed_all(args: argparse.Namespace) -> torch.Generator:
    """Seed torch's global generators with ``args.seed`` (for random noise
    inside generators) and return :func:`rng`."""
    torch.manual_seed(args.seed)
    return rng(args)


def add_batch_size_arg(p: argparse.ArgumentParser, default: int = 16
                       ) -> None:
    p.add_argument('--batch-size', type=int, default=default,
                   help=f'images rendered per batch (default: {default})')


def positive(kind=int, *, name: str = 'value'):
    """argparse type: a number > 0 (one-line message otherwise)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'{name} {text!r} is not a {kind.__name__}') from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f'{name} {text} must be > 0')
        return value
    return parse


def files_epilog(files: Iterable[tuple]) -> str:
    """An 'output files' section for ``--help``: (name, meaning) pairs."""
    lines, indent = ['output files (in --out-dir):'], ' ' * 24
    for name, meaning in files:
        text = textwrap.fill(meaning, width=78, initial_indent=indent,
                             subsequent_indent=indent)
        if len(name) < 22:
            text = f'  {name:<22}' + text[24:]
        else:
            text = f'  {name}\n' + text
        lines.append(text)
    return '\n'.join(lines) + '\n'


def parse_kv(pairs: Optional[Iterable[str]]) -> dict:
    """``['truncation_psi=0.7', 'noise_mode=const']`` -> dict with numbers
    parsed; one-line error for a malformed pair."""
    out = {}
    for pair in pairs or []:
        if '=' not in pair:
            raise ConfigError(f"'{pair}' is not KEY=VALUE, e.g. "
                              'truncation_psi=0.7')
        key, value = pair.split('=', 1)
        out[key] = _number(value)
    return out


def _number(value: str):
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value
