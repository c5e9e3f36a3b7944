from .sample_grid import SampleGridHook, code_grids, pick_generator

__all__ = ['SampleGridHook', 'code_grids', 'pick_generator']
