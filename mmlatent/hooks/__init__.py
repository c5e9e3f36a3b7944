from .sample_grid import SampleGridHook, code_grids

__all__ = ['SampleGridHook', 'code_grids']
