"""The latent toolkit: interpolation, projection, SeFa, Jacobian-SVD
directions (global and local independent mutations) and latent files.

Every function reaches generators only through the latent interface
(DESIGN.md §3); see :mod:`mmlatent.latent.spaces` for the spaces.
"""
from .independence import (LocalDirections, global_directions,
                           local_directions, mutate, outside_energy,
                           split_rows)
from .interpolation import (interpolate, interpolation_weights, lerp,
                            path_through, render, slerp)
from .io import (FORMAT, LatentFile, LatentFileError, check_compatible,
                 load_latents, save_latents, to_ws)
from .jacobian import generator_jacobian, jacobian
from .projection import ProjectionResult, project
from .regions import PRESET_REGIONS, parse_region, region_mask
from .sefa import edit_ws, load_or_compute, sefa_directions, \
    select_directions
from .spaces import SPACES, noise_shapes, ws_of

__all__ = [
    'LocalDirections', 'global_directions', 'local_directions', 'mutate',
    'outside_energy', 'split_rows', 'interpolate', 'interpolation_weights',
    'lerp', 'path_through', 'render', 'slerp', 'FORMAT', 'LatentFile',
    'LatentFileError', 'check_compatible', 'load_latents', 'save_latents',
    'to_ws', 'generator_jacobian', 'jacobian', 'ProjectionResult', 'project',
    'PRESET_REGIONS', 'parse_region', 'region_mask', 'edit_ws',
    'load_or_compute', 'sefa_directions', 'select_directions', 'SPACES',
    'noise_shapes', 'ws_of'
]
