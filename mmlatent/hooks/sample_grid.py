"""Sample grids written during training from fixed latents."""
import math
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..models.ema import pick_generator
from ..models.sample_model import check_sample_model
from ..registry import HOOKS
from ..utils.image import make_grid, write_image

@torch.no_grad()
def code_grids(G, z: torch.Tensor, c: Optional[torch.Tensor],
               num_values: int = 8) -> dict:
    """Images for the sample grids of ``G`` from fixed ``z`` [n, z_dim]
    and ``c``: ``{'': [n, ...]}`` plus, per categorical code ``i``, a grid
    ``'_cat{i}'`` with one row per category, and per continuous code ``j``
    a grid ``'_con{j}'`` with one row per z sweeping the code from -1 to 1.
    Returns ``{suffix: (images [rows*cols, C, H, W], cols)}``."""
    grids = {'': (G(z, c), math.ceil(z.shape[0]**0.5))}
    codes = G.codes
    z, c = z[:num_values], None if c is None else c[:num_values]
    n = z.shape[0]
    for i, k in enumerate(codes.cat_dims):
        cs = codes.sweep(c, 'cat', i)  # [k, n, c_dim]
        imgs = G(z.repeat(k, 1), cs.flatten(0, 1))
        grids[f'_cat{i}'] = (imgs, n)
    for j in range(codes.con_dim):
        cs = codes.sweep(c, 'con', j, torch.linspace(-1, 1, num_values))
        imgs = G(z.repeat(num_values, 1), cs.flatten(0, 1))
        order = torch.arange(num_values * n).view(num_values, n).t()
        grids[f'_con{j}'] = (imgs[order.flatten()], num_values)
    return grids


@HOOKS.register_module()
class SampleGridHook(Hook):
    """Every ``interval`` iterations and at the end of training, writes
    ``<work_dir>/samples/iter_<k>.png`` from fixed latents (seeded by
    ``seed``), and for conditional / InfoGAN generators one grid per code
    (``iter_<k>_cat<i>.png``: one row per class; ``iter_<k>_con<j>.png``:
    each row sweeps code j from -1 to 1 with the rest fixed). The same
    grids go to the runner's visualizer as images ``samples``,
    ``samples_cat<i>``, ``samples_con<j>`` at the current iteration, so
    they reach every backend (TensorBoard, W&B, ...).

    Args:
        interval: iterations between grids.
        num_samples: latents per grid (per row for the code grids).
        sample_model: ``ema`` (the EMA generator once it holds averaged
            weights, else the original) or ``orig`` (see
            :func:`~mmlatent.models.ema.pick_generator`).
        seed: seed of the fixed latents.
        out_dir: folder relative to the work dir.
    """
    priority = 'LOW'

    def __init__(self, interval: int = 500, num_samples: int = 64,
                 sample_model: str = 'ema', seed: int = 2024,
                 out_dir: str = 'samples'):
        self.interval, self.num_samples = interval, num_samples
        self.sample_model = check_sample_model(sample_model)
        self.seed, self.out_dir = seed, out_dir
        self._z = self._c = None

    def _fixed_latents(self, G):
        if self._z is None:
            gen = torch.Generator(device=G.device).manual_seed(self.seed)
            self._z = G.sample_z(self.num_samples, gen)
            self._c = G.sample_c(self.num_samples, gen)
        return self._z, self._c

    def grids(self, runner, G) -> dict:
        """``{suffix: (images, cols)}`` of one write (G in eval mode)."""
        z, c = self._fixed_latents(G)
        return code_grids(G, z, c)

    def write(self, runner, tag: str, step: int) -> None:
        if not is_main_process():
            return
        G = pick_generator(runner.model, self.sample_model).G
        was_training = G.training
        G.eval()
        try:
            grids = self.grids(runner, G)
        finally:
            G.train(was_training)
        for suffix, (imgs, cols) in grids.items():
            grid = make_grid(imgs, cols)
            write_image(osp.join(runner.work_dir, self.out_dir,
                                 f'{tag}{suffix}.png'), grid)
            # every visualizer backend (TensorBoard, W&B, local) gets it
            runner.visualizer.add_image(f'samples{suffix}', grid,
                                        step=step)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            self.write(runner, f'iter_{runner.iter + 1}', runner.iter + 1)

    def after_train(self, runner) -> None:
        self.write(runner, 'final', runner.iter)
