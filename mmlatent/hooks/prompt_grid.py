"""Sample grids of a text-conditioned GAN: one row per prompt."""
from typing import Sequence

import torch
from ..registry import HOOKS
from ..utils.model import unwrap
from .sample_grid import SampleGridHook

#: the default prompts of the grids (held-out templates among them)
DEFAULT_PROMPTS = (
    'a red triangle on the left', 'a large blue square',
    'a small green ellipse in the top right', 'yellow, bottom, triangle',
    'a photo of a magenta oval at the bottom', 'cyan square centre',
    'this is a big red shape', 'a drawing of a tiny square on the right')


@torch.no_grad()
def prompt_images(model, G, prompts: Sequence[str], z: torch.Tensor,
                  seed: int = 0) -> torch.Tensor:
    """[len(prompts) * n, C, H, W]: row p is ``G(z, t(prompt p))`` for the
    n codes ``z`` (a model that completes prompts draws the completions
    from a stream seeded by ``seed``)."""
    n = z.shape[0]
    gen = torch.Generator().manual_seed(seed)
    c = torch.cat([model.prompt_condition(p, n, generator=gen)
                   for p in prompts])
    return G(z.repeat(len(prompts), 1), c.to(z))


@HOOKS.register_module()
class PromptGridHook(SampleGridHook):
    """Every ``interval`` iterations and at the end of training, writes
    ``<work_dir>/<out_dir>/iter_<k>_prompts.png`` (and
    ``final_prompts.png``): one row per prompt, the same ``num_samples``
    codes ``z`` (seeded by ``seed``) in every row; schedule, ``sample_model``
    and outputs as :class:`SampleGridHook`. The model needs
    ``prompt_condition(prompt, n)`` (TextConditionalGAN)."""

    def __init__(self, interval: int = 1000,
                 prompts: Sequence[str] = DEFAULT_PROMPTS,
                 num_samples: int = 8, sample_model: str = 'ema',
                 seed: int = 2024, out_dir: str = 'samples'):
        super().__init__(interval, num_samples, sample_model, seed, out_dir)
        self.prompts = list(prompts)

    def grids(self, runner, G) -> dict:
        """``{'_prompts': (one row per prompt, num_samples)}``."""
        z, _ = self._fixed_latents(G)
        img = prompt_images(unwrap(runner.model), G, self.prompts, z,
                            self.seed)
        return {'_prompts': (img, self.num_samples)}
