from .evaluation import GenerativeEvalHook
from .sample_grid import SampleGridHook, code_grids
from .validity import (ShapesValidityHook, generated_fidelity,
                       generated_validity)

__all__ = ['GenerativeEvalHook', 'SampleGridHook', 'code_grids',
           'ShapesValidityHook', 'generated_validity',
           'generated_fidelity']
