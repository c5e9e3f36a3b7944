"""What command-line parsers need, without torch: the options every app
shares and argparse types.

Apps and tools build their parser from this module (and the names of
:mod:`mmlatent.utils.choices`) only, and import the library (torch) after
parsing, so ``--help`` and usage errors answer in a fraction of a second.
"""
import argparse
import textwrap
from typing import Iterable, Optional

from ..utils.choices import SAMPLE_MODELS
from ..utils.errors import ConfigError

SCORER_HELP = ("attribute scorer: 'shapes' (the analytic Shapes measurer), "
               "'classifier:PATH' or the PATH of a classifier file "
               '(tools/train_classifier.py), NAME:key=value,... for options')


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
    add_sample_model_arg(p)
    p.add_argument('--label', type=int, nargs='+', metavar='K',
                   help='class / categorical code(s) for conditional GANs '
                   'and InfoGAN')
    p.add_argument('--con', type=float, nargs='+', metavar='V',
                   help="InfoGAN's continuous codes, in [-1, 1]")


def add_sample_model_arg(p: argparse.ArgumentParser, **kwargs) -> None:
    """``--sample-model ema|orig`` (see :func:`~mmlatent.models.ema.
    pick_generator`)."""
    kwargs.setdefault('help', 'ema (if averaged weights exist) or orig')
    p.add_argument('--sample-model', default='ema', choices=SAMPLE_MODELS,
                   **kwargs)


def set_out_dir_default(p: argparse.ArgumentParser, path: str) -> None:
    """Change the default of --out-dir (and its help text) to ``path``."""
    for action in p._actions:
        if action.dest == 'out_dir':
            action.default = path
            action.help = f'output folder (created; default: {path})'


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


def add_scorer_arg(p: argparse.ArgumentParser) -> None:
    """``--scorer SPEC ...`` (any number)."""
    p.add_argument('--scorer', nargs='+', metavar='NAME', help=SCORER_HELP)


#: the options of steering codes toward a prompt that
#: :func:`prompt_steering_options` passes on when given
PROMPT_STEERING = ('steps', 'lr', 'pull', 'keep')
#: --judge of the prompt mapper (mmlatent.apis.code_judge.judge_kind)
JUDGES = ('auto', 'code', 'image')


def add_prompt_steering_args(p: argparse.ArgumentParser) -> None:
    """--steps, --lr, --pull, --keep (each method's default when not given)
    and --realism of ``guide_to_prompt`` / ``train_prompt_mapper``."""
    p.add_argument('--steps', type=int,
                   help='guide: optimisation steps (default: 100); mapper: '
                   'training batches (default: 600 on images, 1500 with a '
                   'code judge)')
    p.add_argument('--lr', type=float,
                   help='Adam learning rate (default: guide 0.05, mapper '
                   '2e-3)')
    p.add_argument('--pull', type=float,
                   help='weight of the pull toward the start code '
                   '(default: guide 0.05, mapper 0.01)')
    p.add_argument('--keep', type=float,
                   help='weight of the term that keeps the values of the '
                   'attributes the prompt leaves out, read by the guiding '
                   "scorer's heads at the start (default: guide 0, off; "
                   'mapper 2)')
    p.add_argument('--realism', type=float,
                   help="mapper: weight of the checkpoint discriminator's "
                   'realism term (default: 20 on images, 5 with a code '
                   'judge)')


def prompt_steering_options(args: argparse.Namespace) -> dict:
    """The --steps, --lr, --pull, --keep given (the others keep the
    method's defaults)."""
    return {k: getattr(args, k) for k in PROMPT_STEERING
            if getattr(args, k) is not None}
