"""Metrics of generators and their latent spaces (see metric.py for the
streaming interface and evaluator.py for the driver)."""
from .continuity import ContinuityMetric, continuity_of
from ..latent.directions import direction_matrix
from .directions import (DirectionOrthogonality, OutsideEnergy,
                         orthogonality, shape_box_masks)
from .disentanglement import DCI, MIG, dci, mig
from .evaluator import (build_metric, evaluate_generator, evaluate_images,
                        format_table, jsonable, real_images, real_subset)
from .factors import FactorMetric
from .fidelity import (ShapesFidelity, class_distance, class_distance_se,
                       ks_distance, shape_fit)
from .features import (FeatureExtractor, InceptionV3, PixelFeatures,
                       ShapesFeatureNet, build_extractor, inception_path)
from .gen_evaluator import GenerativeEvaluator
from .frechet import (FrechetDistance, KernelDistance, frechet_distance,
                      kernel_distance)
from .metric import GenerativeMetric
from .ppl import PerceptualPathLength
from .precision_recall import PrecisionRecall, precision_recall
from .presets import METRIC_NAMES, metric_configs, parse_features
from .segments import (ChordDeviation, LinearPieces, NormalisedContinuity,
                       draw_segments, images_along)
from .shapes_net import (ShapesNet, load_shapes_net, save_shapes_net,
                         train_shapes_net)
from .text_alignment import (TextAlignment, alignment_figures,
                             held_out_prompts)
from .trajectories import FactorTrajectories, Ghosting, shape_brightness
from .validity import ShapesValidity

__all__ = [
    'ContinuityMetric', 'continuity_of', 'DirectionOrthogonality',
    'OutsideEnergy', 'direction_matrix', 'orthogonality', 'shape_box_masks',
    'DCI', 'MIG', 'dci', 'mig', 'build_metric', 'evaluate_generator',
    'evaluate_images', 'ShapesFidelity', 'class_distance',
    'class_distance_se', 'ks_distance', 'shape_fit', 'format_table',
    'jsonable', 'real_images', 'real_subset',
    'GenerativeEvaluator', 'FactorMetric',
    'FeatureExtractor', 'InceptionV3', 'PixelFeatures', 'ShapesFeatureNet',
    'build_extractor', 'inception_path', 'FrechetDistance', 'KernelDistance',
    'frechet_distance', 'kernel_distance', 'GenerativeMetric',
    'PerceptualPathLength', 'PrecisionRecall', 'precision_recall',
    'METRIC_NAMES', 'metric_configs', 'parse_features', 'ShapesNet',
    'load_shapes_net', 'save_shapes_net', 'train_shapes_net',
    'ShapesValidity', 'ChordDeviation', 'LinearPieces',
    'NormalisedContinuity', 'draw_segments', 'images_along',
    'FactorTrajectories', 'Ghosting', 'shape_brightness', 'TextAlignment',
    'alignment_figures', 'held_out_prompts'
]
