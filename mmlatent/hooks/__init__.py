from .prompt_grid import PromptGridHook, prompt_images
from .sample_grid import SampleGridHook, code_grids

__all__ = ['PromptGridHook', 'prompt_images', 'SampleGridHook', 'code_grids']
