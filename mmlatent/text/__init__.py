"""Text: encoders of prompts and the text-image dual encoder trained on
Shapes captions (see docs/text.md)."""
from .dual_encoder import TextImageEncoder
from .encoders import (BagOfWordsEncoder, SequenceEncoder, TextEncoder,
                       default_words)
from .pretrained import (OpenCLIPEncoder, WordLlamaEncoder,
                         find_openclip_weights, openclip_cache_dirs)

__all__ = ['TextImageEncoder', 'BagOfWordsEncoder', 'SequenceEncoder', 'TextEncoder',
           'default_words', 'OpenCLIPEncoder', 'WordLlamaEncoder',
           'find_openclip_weights', 'openclip_cache_dirs']
