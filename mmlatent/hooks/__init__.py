from .evaluation import GenerativeEvalHook
from .sample_grid import SampleGridHook, code_grids, pick_generator
from .validity import (ShapesValidityHook, generated_fidelity,
                       generated_validity)

__all__ = ['GenerativeEvalHook', 'SampleGridHook', 'code_grids',
           'pick_generator', 'ShapesValidityHook', 'generated_validity',
           'generated_fidelity']
