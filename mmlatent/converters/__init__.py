"""Converters between mmlatent StyleGAN2 checkpoints and those of other
tools: rosinality's stylegan2-pytorch (both ways), MMGeneration 0.x and
NVIDIA's stylegan2-ada-pytorch / stylegan3 network pickles (read without
running code from the file). See docs/formats.md."""
from .build import (build_model, convert_checkpoint, convert_to_model,
                    estimate_w_avg, fill_discriminator, fill_generator,
                    fill_model, stylegan2_config)
from .export import export_rosinality
from .layout import (MMGEN_RENAMES, discriminator_pairs, fir_buffers,
                     fit_channels, generator_pairs, infer_discriminator,
                     infer_generator, source_key)
from .nvidia import read_nvidia
from .nvidia_pickle import load_nvidia_pickle
from .sources import FORMATS, read_source
from .strict import map_state_dict

__all__ = [
    'FORMATS', 'MMGEN_RENAMES', 'build_model', 'convert_checkpoint',
    'convert_to_model', 'discriminator_pairs', 'estimate_w_avg',
    'export_rosinality', 'fill_discriminator', 'fill_generator',
    'fill_model', 'fir_buffers', 'fit_channels', 'generator_pairs',
    'infer_discriminator', 'infer_generator', 'load_nvidia_pickle',
    'map_state_dict', 'read_nvidia', 'read_source', 'source_key',
    'stylegan2_config'
]
