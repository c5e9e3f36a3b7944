"""The names that command-line options choose from, without torch.

Each table is owned by the library module named above it, which imports it
from here; the parsers of :mod:`mmlatent.apis.args` list the same names, so
``--help`` and usage errors answer before torch loads.
"""
from typing import Dict, Tuple

#: mmlatent.control.guidance: how guidance keeps codes in range.
CONSTRAINTS = ('auto', 'sphere', 'clamp', 'penalty', 'none')
#: mmlatent.control.boundary: edit distances relative to the code's own
#: signed distance, or absolute.
EDIT_MODES = ('relative', 'absolute')
#: mmlatent.latent.paths: how interpolation frames are laid out.
SHOW_MODES = ('sequence', 'group')
#: mmlatent.latent.directions: kinds and modes of Jacobian directions.
DIRECTION_KINDS, DIRECTION_MODES = ('global', 'local'), ('point', 'mean')
#: mmlatent.latent.regions: name -> (cx, cy, h, w) in 256-px FFHQ
#: coordinates.
PRESET_REGIONS: Dict[str, Tuple[float, float, float, float]] = {
    'left_eye': (95, 120, 24, 44),
    'right_eye': (161, 120, 24, 44),
    'eyes': (128, 120, 28, 120),
    'eyebrow': (128, 100, 20, 130),
    'nose': (128, 152, 44, 40),
    'mouth': (128, 190, 30, 72),
    'chin': (128, 226, 30, 90),
}
#: mmlatent.latent.sefa: reference SeFa variants and edit orders with
#: truncation.
SEFA_VARIANTS = ('mmgen', 'rosinality', 'genforce')
EDIT_ORDERS = ('truncate-edit', 'edit-truncate')
#: mmlatent.utils.perceptual: perceptual distances of the projector.
PERCEPTUAL_CHOICES = ('vgg', 'alex', 'random', 'none')
#: mmlatent.converters: checkpoint formats that can be converted.
CONVERT_FORMATS = ('rosinality', 'mmgen', 'nvidia')
#: mmlatent.apis.inference: checkpoints tools/generate.py reads, and noise
#: modes of style generators.
INPUT_FORMATS = ('mmlatent', 'nvidia', 'rosinality', 'mmgen')
NOISE_MODES = ('const', 'random', 'none')
#: mmlatent.control.boundary: solvers of train_boundary.
BOUNDARY_SOLVERS = ('linear-svc', 'svc')
#: mmlatent.evaluation.presets: metric names of tools/evaluate.py.
METRIC_NAMES = ('fid', 'kid', 'fd', 'kd', 'pr', 'ppl', 'mig', 'dci',
                'continuity', 'validity', 'orthogonality', 'outside_energy',
                'fidelity', 'continuity_norm', 'chord', 'pieces',
                'trajectories', 'ghosting')
#: mmlatent.training: ``--vis-backend`` choices: (mmengine backend, module
#: it needs, extra).
VIS_BACKENDS = {
    'local': ('LocalVisBackend', None, None),
    'tensorboard': ('TensorboardVisBackend', 'tensorboard', 'tensorboard'),
    'wandb': ('WandbVisBackend', 'wandb', 'wandb'),
}
#: mmlatent.models.ema: which generator of a model to sample.
SAMPLE_MODELS = ('ema', 'orig')
