"""Sample grids of a text-conditioned GAN: one row per prompt."""
import os.path as osp
from typing import Sequence

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..models.ema import check_sample_model, pick_generator
from ..registry import HOOKS
from ..utils.image import make_grid, write_image
from ..utils.model import unwrap

#: the default prompts of the grids (held-out templates among them)
DEFAULT_PROMPTS = (
    'a red triangle on the left', 'a large blue square',
    'a small green ellipse in the top right', 'yellow, bottom, triangle',
    'a photo of a magenta oval at the bottom', 'cyan square centre',
    'this is a big red shape', 'a drawing of a tiny square on the right')


@torch.no_grad()
def prompt_images(model, G, prompts: Sequence[str], z: torch.Tensor
                  ) -> torch.Tensor:
    """[len(prompts) * n, C, H, W]: row p is ``G(z, t(prompt p))`` for the
    n codes ``z``."""
    n = z.shape[0]
    c = torch.cat([model.prompt_condition(p, n) for p in prompts])
    return G(z.repeat(len(prompts), 1), c.to(z))


@HOOKS.register_module()
class PromptGridHook(Hook):
    """Every ``interval`` iterations and at the end of training, writes
    ``<work_dir>/<out_dir>/iter_<k>_prompts.png`` (and
    ``final_prompts.png``): one row per prompt, the same ``num_samples``
    codes ``z`` (seeded by ``seed``) in every row; ``sample_model`` as
    :class:`SampleGridHook`. The model needs ``prompt_condition(prompt,
    n)`` (TextConditionalGAN)."""
    priority = 'LOW'

    def __init__(self, interval: int = 1000,
                 prompts: Sequence[str] = DEFAULT_PROMPTS,
                 num_samples: int = 8, sample_model: str = 'ema',
                 seed: int = 2024, out_dir: str = 'samples'):
        self.interval, self.prompts = interval, list(prompts)
        self.num_samples = num_samples
        self.sample_model = check_sample_model(sample_model)
        self.seed, self.out_dir = seed, out_dir

    def write(self, runner, tag: str, step: int) -> None:
        if not is_main_process():
            return
        model = unwrap(runner.model)
        G = pick_generator(model, self.sample_model).G
        gen = torch.Generator(device=G.device).manual_seed(self.seed)
        z = G.sample_z(self.num_samples, gen)
        was_training = G.training
        G.eval()
        try:
            img = prompt_images(model, G, self.prompts, z)
        finally:
            G.train(was_training)
        grid = make_grid(img, self.num_samples)
        write_image(osp.join(runner.work_dir, self.out_dir,
                             f'{tag}_prompts.png'), grid)
        runner.visualizer.add_image('samples_prompts', grid, step=step)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            self.write(runner, f'iter_{runner.iter + 1}', runner.iter + 1)

    def after_train(self, runner) -> None:
        self.write(runner, 'final', runner.iter)
