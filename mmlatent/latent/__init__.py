"""The latent toolkit: interpolation, projection, SeFa, Jacobian-SVD
directions (global and local independent mutations) and latent files;
codes, paths, annotated grids and videos for the apps.

Every function reaches generators only through the latent interface
(DESIGN.md §3); see :mod:`mmlatent.latent.spaces` for the spaces.
"""
from .annotate import annotated_grid, side_by_side
from .codes import (Codes, cat_codes, render_codes, require_w_space,
                    sample_codes, to_space)
from .directions import (DirectionSet, direction_matrix,
                         jacobian_directions, load_directions,
                         save_directions)
from .independence import (LocalDirections, global_directions,
                           global_directions_from_gram, local_directions,
                           local_directions_from_grams, mutate,
                           outside_energy, split_rows)
from .interpolation import (interpolate, interpolation_weights, lerp,
                            path_through, render, slerp)
from .io import (FORMAT, LatentFile, LatentFileError, check_compatible,
                 load_codes, load_latents, save_codes, save_latents, to_ws)
from .jacobian import generator_jacobian, jacobian
from .paths import endpoint_positions, interpolation_path
from .pieces import check_piecewise_linear, linear_pieces, piece_slopes
from .projection import ProjectionResult, project
from .regions import PRESET_REGIONS, parse_region, region_mask
from .sefa import (cached_directions, default_cache_path, degree_range,
                   edit_ws, load_or_compute, sefa_directions,
                   select_directions)
from .spaces import SPACES, const_noise, noise_shapes, ws_of
from .start import sample_condition, start_codes
from .video import write_video

__all__ = [
    'annotated_grid', 'side_by_side', 'Codes', 'cat_codes', 'load_codes',
    'render_codes', 'require_w_space', 'sample_codes', 'save_codes',
    'to_space', 'DirectionSet', 'direction_matrix', 'jacobian_directions',
    'load_directions',
    'save_directions', 'global_directions_from_gram',
    'local_directions_from_grams', 'endpoint_positions',
    'interpolation_path', 'cached_directions', 'default_cache_path',
    'degree_range', 'const_noise', 'write_video', 'LocalDirections',
    'global_directions', 'local_directions', 'mutate',
    'outside_energy', 'split_rows', 'interpolate', 'interpolation_weights',
    'lerp', 'path_through', 'render', 'slerp', 'FORMAT', 'LatentFile',
    'LatentFileError', 'check_compatible', 'load_latents', 'save_latents',
    'to_ws', 'generator_jacobian', 'jacobian', 'ProjectionResult', 'project',
    'PRESET_REGIONS', 'parse_region', 'region_mask', 'edit_ws',
    'load_or_compute', 'sefa_directions', 'select_directions', 'SPACES',
    'noise_shapes', 'ws_of', 'sample_condition', 'start_codes',
    'check_piecewise_linear', 'linear_pieces', 'piece_slopes'
]
