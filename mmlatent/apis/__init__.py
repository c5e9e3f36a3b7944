"""The top layer: the inference API (init_generator, sample_images,
sample_conditional) over every supported checkpoint format."""
from .inference import (FOREIGN_FORMATS, INPUT_FORMATS, NOISE_MODES,
                        init_generator, parse_seeds, sample_conditional,
                        sample_images, seed_z)

__all__ = [
    'FOREIGN_FORMATS', 'INPUT_FORMATS', 'NOISE_MODES', 'init_generator',
    'parse_seeds', 'sample_conditional', 'sample_images', 'seed_z'
]
