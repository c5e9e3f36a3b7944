"""Controllable generation: attribute scorers, InterFaceGAN boundaries
(conditional ones included), classifier-gradient guidance, InfoGAN code
traversals and class-conditioned sampling.

Everything reaches generators through the latent interface (DESIGN.md §3).
"""
from .boundary import (BOUNDARY_SPACES, EDIT_MODES, SOLVERS, Boundary,
                       BoundaryFileError, accuracy_warning, check_boundary,
                       condition_boundary, edit_latents, load_boundary,
                       project_normal, save_boundary, split_classes,
                       train_boundary)
from .classifier import (AttributeCNN, LoadedClassifier, evaluate_classifier,
                         load_classifier, save_classifier, train_classifier)
from .digits import digit_classifier, digit_features
from .guidance import (CONSTRAINTS, GuidanceResult, check_guidance_scorer,
                       guide)
from .sampling import ScoredSamples, format_summary, path_summary, \
    sample_scored
from .scorers import (BINARY, CONTINUOUS, ClassifierScorer, ModuleScorer,
                      Scorer, ShapesScorer, attribute_kinds, build_scorer,
                      build_scorers, output_names, parse_scorer,
                      score_images)
from .text import TextScorer, prompt_candidates
from .traversal import (categorical_code_accuracy, class_interpolation,
                        conditional_accuracy,
                        code_sweep, hungarian_accuracy, infogan_traversals,
                        measured_class)

__all__ = [
    'BOUNDARY_SPACES', 'EDIT_MODES', 'SOLVERS', 'Boundary',
    'BoundaryFileError', 'accuracy_warning', 'split_classes',
    'check_boundary', 'condition_boundary', 'edit_latents', 'load_boundary',
    'project_normal', 'save_boundary', 'train_boundary', 'AttributeCNN',
    'LoadedClassifier', 'evaluate_classifier', 'load_classifier',
    'save_classifier', 'train_classifier', 'digit_classifier',
    'digit_features', 'CONSTRAINTS', 'GuidanceResult',
    'check_guidance_scorer', 'guide', 'ScoredSamples', 'format_summary',
    'path_summary', 'sample_scored', 'BINARY', 'CONTINUOUS',
    'ClassifierScorer', 'ModuleScorer', 'Scorer', 'ShapesScorer',
    'attribute_kinds', 'build_scorer', 'build_scorers', 'output_names',
    'parse_scorer', 'score_images', 'TextScorer', 'prompt_candidates',
    'categorical_code_accuracy', 'conditional_accuracy',
    'class_interpolation', 'code_sweep', 'hungarian_accuracy',
    'infogan_traversals', 'measured_class'
]
