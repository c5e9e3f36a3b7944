"""The top layer: what commands (``apps/``, ``tools/``, the console
commands) are built from, above every other package of mmlatent.

* :mod:`~mmlatent.apis.args`, :mod:`~mmlatent.apis.train_args`,
  :mod:`~mmlatent.apis.evaluate_args`: command-line parsers, without torch
  (``--help`` answers before torch loads);
* :mod:`~mmlatent.apis.app`: what apps share after parsing (loading the
  generator of a checkpoint, seeds, scorers, output folders);
* :mod:`~mmlatent.apis.train`, :mod:`~mmlatent.apis.evaluate`: the
  commands ``tools/train.py`` and ``tools/evaluate.py``;
* :mod:`~mmlatent.apis.inference`: the inference API (``init_generator``,
  ``sample_images``, ``sample_conditional``) over every checkpoint format.

The inference names are importable from ``mmlatent.apis`` itself; they load
on first use, so that importing a parser module (which imports this
package) does not import torch.
"""
import importlib

#: Names of :mod:`mmlatent.apis.inference` served by this package.
INFERENCE_NAMES = ('FOREIGN_FORMATS', 'INPUT_FORMATS', 'NOISE_MODES',
                   'init_generator', 'parse_seeds', 'sample_conditional',
                   'sample_images', 'seed_z')

__all__ = list(INFERENCE_NAMES)


def __getattr__(name: str):
    """``mmlatent.apis.<inference name>`` (PEP 562), imported on first
    use: the parsers of this package must stay free of torch."""
    if name in INFERENCE_NAMES:
        return getattr(importlib.import_module('.inference', __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
