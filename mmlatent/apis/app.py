"""What every app shares once its arguments are parsed (the options
themselves are in :mod:`mmlatent.apis.args`): loading the generator a
checkpoint holds, the condition ``c`` from ``--label`` / ``--con``, seeds,
devices, scorers, output folders and progress bars. Apps stay thin: parse,
load, call one library function, save."""
import argparse
import os
import sys
from typing import Iterable, Optional, Sequence

import torch
from tqdm import tqdm

from ..latent.start import sample_condition
from ..models.loading import LoadedGenerator, load_generator
from ..utils.errors import ConfigError
from ..utils.outputs import prepare_out_dir


def check_device(device: str) -> str:
    if device == 'cuda' and not torch.cuda.is_available():
        raise ConfigError('--device cuda but no CUDA device is available; '
                          'use --device cpu')
    return device


def load_app_generator(args: argparse.Namespace,
                       quiet: bool = False) -> LoadedGenerator:
    """The generator of ``args.checkpoint`` on ``args.device``, built
    alone (:func:`~mmlatent.models.loading.load_generator`); prints which
    one (EMA or original) is used."""
    loaded = load_generator(args.checkpoint, config=args.config,
                            sample_model=args.sample_model,
                            device=check_device(args.device))
    if not quiet:
        say_which(args, loaded)
    return loaded


def say_which(args: argparse.Namespace, loaded: LoadedGenerator) -> None:
    """Print on stderr which generator of ``args.checkpoint`` (EMA or
    original) the app uses, and why."""
    print(f'{os.path.basename(args.checkpoint)}: {loaded.message}',
          file=sys.stderr)


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


