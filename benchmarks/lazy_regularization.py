"""Lazy regularisation: R1 and path length in the main optimizer step (what
mmlatent does) against their own optimizer steps (NVIDIA's ``Dreg`` /
``Greg`` phases, the reason for the ``k / (k + 1)`` Adam ratio).

Trains the reduced StyleGAN2 of the Shapes 32 px config from the same seed
in each mode and prints seconds per iteration, the mean loss terms over the
last quarter of the run and the Shapes validity of 256 samples of G.

    python benchmarks/lazy_regularization.py [--iters 300] [--batch 8]
        [--modes main separate main-plain]

Modes: ``main`` (regularisers in the main step, derived ratio),
``separate`` (own steps, derived ratio: NVIDIA's scheme), ``main-plain``
(main step, unscaled Adam).
"""
import argparse
import os.path as osp
import sys
import time
from collections import defaultdict

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmlatent.utils.cli import run_cli  # noqa: E402

CONFIG = 'stylegan2/stylegan2_small_shapes-32x32.py'


def separate_step_model(cfg):
    """A StyleGAN2 whose regularisers take their own optimizer steps."""
    from mmlatent.models.base_gan import UnconditionalGAN, current_iter
    from mmlatent.models.gans.stylegan2 import StyleGAN2
    from mmlatent.utils.model import no_param_grads

    class SeparateRegStyleGAN2(StyleGAN2):
        def d_regularizers(self, *args, **kwargs):
            return {}

        def g_regularizers(self, z, c, fake, aux, it):
            return UnconditionalGAN.g_regularizers(self, z, c, fake, aux, it)

        def train_step(self, data, optim_wrapper):
            log = super().train_step(data, optim_wrapper)
            it = current_iter()
            real = self.data_preprocessor(data, True)['img']
            D = lambda x: self.d_forward(x, None)[0]  # noqa: E731
            if self.r1.active(it):
                log.update(self._step(
                    'dreg', optim_wrapper['discriminator'],
                    self.discriminator, lambda: dict(r1=self.r1(D, real)),
                    it))
            if self.path_length.active(it // self.discriminator_steps):
                with no_param_grads(self.discriminator):
                    log.update(self._step(
                        'greg', optim_wrapper['generator'], self.generator,
                        lambda: dict(
                            pl=self.path_length_loss(real.shape[0])), it))
            return log

    return SeparateRegStyleGAN2(
        **{k: v for k, v in cfg.model.items() if k != 'type'})


def run(mode: str, iters: int, batch: int, seed: int) -> dict:
    """Train one mode; returns its figures."""
    import torch
    from mmengine.logging import MessageHub

    from mmlatent.datasets.measure import validity_rate
    from mmlatent.engine import GANOptimWrapperConstructor
    from mmlatent.registry import DATASETS, MODELS
    from mmlatent.training import load_config
    cfg = load_config(osp.join(ROOT, 'configs', CONFIG))
    torch.manual_seed(seed)
    model = separate_step_model(cfg) if mode == 'separate' \
        else MODELS.build(cfg.model)
    if mode == 'main-plain':  # no lazy ratio: plain Adam values
        model.lazy_intervals = dict
    optim_cfg = {k: v for k, v in cfg.optim_wrapper.items()
                 if k != 'constructor'}
    optim = GANOptimWrapperConstructor(optim_cfg)(model)
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    hub = MessageHub.get_current_instance()
    sums, counts = defaultdict(float), defaultdict(int)
    start = time.perf_counter()
    for it in range(iters):
        hub.update_info('iter', it)
        torch.manual_seed(seed * 100003 + it)
        idx = torch.randint(len(ds), (batch, ))
        data = dict(img=torch.stack([ds[int(i)]['img'] for i in idx]))
        log = model.train_step(data, optim)
        if it >= iters - iters // 4:
            for k, v in log.items():
                sums[k] += float(v)
                counts[k] += 1
    seconds = (time.perf_counter() - start) / iters
    torch.manual_seed(seed)
    with torch.no_grad():
        G = model.G.eval()
        img = torch.cat([G(G.sample_z(64)) for _ in range(4)])
    figures = {k: v / counts[k] for k, v in sorted(sums.items())}
    return dict(mode=mode, s_per_iter=seconds, validity=validity_rate(img),
                **figures)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=300)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--modes', nargs='+',
                   default=['main', 'separate', 'main-plain'])
    args = p.parse_args()
    import torch
    torch.set_num_threads(1)
    for mode in args.modes:
        figures = run(mode, args.iters, args.batch, args.seed)
        print(' '.join(f'{k}={v:.4g}' if isinstance(v, float) else
                       f'{k}={v}' for k, v in figures.items()), flush=True)


if __name__ == '__main__':
    run_cli(main)
