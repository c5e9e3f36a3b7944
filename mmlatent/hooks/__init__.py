from .evaluation import GenerativeEvalHook
from .prompt_grid import PromptGridHook, prompt_images
from .sample_grid import SampleGridHook, code_grids, pick_generator
from .validity import (ShapesValidityHook, generated_fidelity,
                       generated_validity)

__all__ = ['GenerativeEvalHook', 'PromptGridHook', 'prompt_images',
           'SampleGridHook', 'code_grids',
           'pick_generator', 'ShapesValidityHook', 'generated_validity',
           'generated_fidelity']
