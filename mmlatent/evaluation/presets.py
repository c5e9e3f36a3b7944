"""Short metric names (``tools/evaluate.py --metrics``) -> metric configs."""
from typing import Dict, List, Optional, Sequence

from ..utils.choices import METRIC_NAMES
from ..utils.build import suggest
from ..utils.errors import ConfigError

INCEPTION = dict(type='InceptionV3')


def parse_features(spec: str) -> dict:
    """``inception``, ``pixel``, ``shapes:PATH`` or ``shapes:random`` ->
    an extractor config."""
    if spec == 'inception':
        return dict(INCEPTION)
    if spec == 'pixel':
        return dict(type='PixelFeatures')
    if spec.startswith('shapes:') and len(spec) > len('shapes:'):
        return dict(type='ShapesFeatureNet', checkpoint=spec[len('shapes:'):])
    raise ConfigError(f"--features '{spec}' is not one of inception, pixel, "
                      'shapes:PATH (a tools/train_feature_net.py checkpoint) '
                      'or shapes:random')


def _presets(features: dict, opts: dict) -> Dict[str, object]:
    def needs(key: str, name: str):
        if opts.get(key) is None:
            raise ConfigError(f"metric '{name}' needs --{key}")
        return opts[key]

    ppl = dict(type='PerceptualPathLength', space=opts['ppl_space'],
               sampling=opts['ppl_sampling'], distance=opts['ppl_distance'])
    factors = dict(codes=opts['codes'], directions=opts.get('directions'),
                   num_directions=opts.get('num_directions'))
    return {
        'fid': lambda: dict(type='FrechetDistance', extractor=INCEPTION),
        'kid': lambda: dict(type='KernelDistance', extractor=INCEPTION),
        'fd': lambda: dict(type='FrechetDistance', extractor=features),
        'kd': lambda: dict(type='KernelDistance', extractor=features),
        'pr': lambda: dict(type='PrecisionRecall', extractor=features),
        'ppl': lambda: ppl,
        'mig': lambda: dict(type='MIG', **factors),
        'dci': lambda: dict(type='DCI', **factors),
        'continuity': lambda: dict(type='ContinuityMetric'),
        'validity': lambda: dict(type='ShapesValidity'),
        'fidelity': lambda: dict(type='ShapesFidelity'),
        'orthogonality': lambda: dict(
            type='DirectionOrthogonality',
            directions=needs('directions', 'orthogonality')),
        'continuity_norm': lambda: dict(type='NormalisedContinuity'),
        'chord': lambda: dict(type='ChordDeviation'),
        'pieces': lambda: dict(type='LinearPieces'),
        'trajectories': lambda: dict(type='FactorTrajectories'),
        'ghosting': lambda: dict(type='Ghosting'),
        'outside_energy': lambda: dict(
            type='OutsideEnergy', region=opts['region'],
            directions=opts.get('directions') or 'local',
            num_directions=opts.get('num_directions') or 3),
    }


def metric_configs(names: Sequence[str], *, features: str = 'inception',
                   ppl_space: str = 'z', ppl_sampling: str = 'end',
                   ppl_distance: str = 'lpips', codes: str = 'z',
                   directions: Optional[str] = None,
                   num_directions: Optional[int] = None,
                   region: str = 'shape') -> List[dict]:
    """Configs of the metrics named in ``names`` (see METRIC_NAMES)."""
    presets = _presets(parse_features(features), dict(
        ppl_space=ppl_space, ppl_sampling=ppl_sampling,
        ppl_distance=ppl_distance, codes=codes, directions=directions,
        num_directions=num_directions, region=region))
    out = []
    for name in names:
        if name not in presets:
            raise ConfigError(f"unknown metric '{name}'"
                              f'{suggest(name, METRIC_NAMES)}; choose from '
                              f"{', '.join(METRIC_NAMES)}")
        out.append(presets[name]())
    return out
