"""Shared test helpers: tiny configs, in-process training runs and small
checkpoints from 2-iteration runs of every model family."""
import importlib.util
import itertools
import os
import os.path as osp

import torch

from mmlatent.datasets.shapes import ShapesDataset

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
_run_ids = itertools.count()


def load_script(relpath: str):
    """The module of the script at ``relpath`` under the repository root
    (``benchmarks/`` and ``tools/`` are not packages), imported afresh."""
    name = osp.splitext(osp.basename(relpath))[0]
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(ROOT, relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BatchOnlyShapes(ShapesDataset):
    """ShapesDataset that counts its batched reads (``calls``) and refuses
    single ones, to check that a wrapper keeps reading whole batches."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = 0

    def __getitems__(self, indices):
        self.calls += 1
        return super().__getitems__(indices)

    def __getitem__(self, index):
        raise AssertionError('read one item at a time')


#: --cfg-options that shrink any config to a few fast iterations.
TINY = {
    'train_cfg.max_iters': 4,
    'default_hooks.logger.interval': 1,
    'default_hooks.checkpoint.interval': 2,
    'train_dataloader.batch_size': 8,
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
}

#: A config of each generator family, for tiny checkpoints.
FAMILY_CONFIGS = {
    'dcgan': 'dcgan/dcgan_continuity_shapes-32x32.py',
    'wgangp': 'wgangp/wgangp_small_shapes-32x32.py',
    'cgan': 'cgan/cgan_dcgan_shapes-32x32.py',
    'infogan': 'infogan/infogan_dcgan_shapes-32x32.py',
    'stylegan2': 'stylegan2/stylegan2_small_shapes-32x32.py',
    'lgan': 'lgan/lgan_dcgan_shapes-32x32.py',
}
#: Options a family's tiny run needs beyond TINY (the l-GAN reaches its
#: code-GAN phase after one autoencoder iteration).
FAMILY_OPTIONS = {
    'lgan': dict(model__ae_iters=1, model__code_batch=8,
                 model__bank_size=32),
}


def config_path(rel: str) -> str:
    return osp.join(ROOT, 'configs', rel)


def make_cfg(rel: str, work_dir: str, **options):
    """Load a config with TINY and ``options`` merged (``a__b`` means
    ``a.b``), ready for a run in ``work_dir``."""
    from mmlatent.training import load_config, prepare_config
    opts = dict(TINY)
    opts.update({k.replace('__', '.'): v for k, v in options.items()})
    path = config_path(rel)
    cfg = load_config(path, opts)
    cfg = prepare_config(cfg, config_path=path, work_dir=str(work_dir))
    cfg.experiment_name = f'test_{os.getpid()}_{next(_run_ids)}'
    return cfg


def train(cfg):
    """Build and run a runner in-process; returns the runner."""
    from mmlatent.training import build_runner
    runner = build_runner(cfg)
    runner.train()
    return runner


def tiny_checkpoint(family: str, work_dir: str, iters: int = 2) -> str:
    """Train ``family`` for ``iters`` iterations without hooks that write
    images and without evaluation; returns the path of the final
    checkpoint."""
    cfg = make_cfg(FAMILY_CONFIGS[family], work_dir,
                   train_cfg__max_iters=iters,
                   default_hooks__checkpoint__interval=iters,
                   custom_hooks=[dict(type='IterationSeedHook')],
                   val_evaluator=None, **FAMILY_OPTIONS.get(family, {}))
    train(cfg)
    return osp.join(str(work_dir), f'iter_{iters}.pth')


def tiny_text_image(path: str):
    """Train a small text-image encoder on 16 px Shapes for ~5 s on one
    thread and save it to ``path``; returns (model, held-out pool)."""
    from mmlatent.registry import MODELS
    from mmlatent.text.dual_encoder import save_text_image
    from mmlatent.text.training import (shapes_pool, text_image_config,
                                        train_text_image)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        cfg = text_image_config('bow', text_dim=16, resolution=16,
                                embed_dim=16, base_channels=8,
                                max_channels=16, hidden=64)
        model = MODELS.build(cfg['model'])
        losses = train_text_image(model, shapes_pool(1000, resolution=16),
                                  iters=200, batch_size=64, lr=5e-3)
        save_text_image(path, model, cfg, losses)
    finally:
        torch.set_num_threads(threads)
    return model, shapes_pool(200, resolution=16, offset=1000)


def assert_resume_exact(rel: str, folder, cut: int, **options) -> dict:
    """Train config ``rel`` with ``options`` (which set
    ``train_cfg__max_iters`` and checkpoint often enough) in
    ``folder/full``; train it to iteration ``cut`` in ``folder/cut`` and
    resume it there. Assert both runs end with equal state dicts; returns
    the last checkpoint of the uninterrupted run."""
    from mmlatent.utils.checkpoint import load_checkpoint_file
    total = options['train_cfg__max_iters']
    train(make_cfg(rel, folder / 'full', **options))
    train(make_cfg(rel, folder / 'cut',
                   **dict(options, train_cfg__max_iters=cut)))
    cfg = make_cfg(rel, folder / 'cut', **options)
    cfg.resume = True
    assert train(cfg).iter == total
    name = f'iter_{total}.pth'
    a = load_checkpoint_file(str(folder / 'full' / name))
    b = load_checkpoint_file(str(folder / 'cut' / name))
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for k, v in a['state_dict'].items():
        assert torch.equal(v, b['state_dict'][k]), k
    return a


def squares(hues, resolution=32):
    """Centred squares of the given hues, [N, 3, H, W] in [-1, 1]."""
    from mmlatent.datasets.shapes import render_shapes
    from mmlatent.utils.image import from_uint8
    factors = [[0.5, 0.5, 0.35, 0.0, h] for h in hues]
    return from_uint8(render_shapes([0] * len(hues), factors, resolution))


class ColourSquareG(torch.nn.Module):
    """A toy generator: a centred square whose RGB is tanh(z) (z_dim 3)."""
    z_dim, c_dim, num_ws, has_w_space = 3, 0, 1, False

    def __init__(self, resolution=32):
        super().__init__()
        mask = squares([0.0], resolution)[0, :1]     # red: R is the mask
        self.register_buffer('mask', (mask + 1) / 2)

    @property
    def device(self):
        return self.mask.device

    def sample_z(self, n, generator=None):
        return torch.randn(n, 3, generator=generator)

    def mapping(self, z, c=None):
        return z[:, None]

    def synthesis(self, ws):
        rgb = torch.tanh(ws[:, 0])[:, :, None, None]
        return -1 + (1 + rgb) * self.mask


class ColourSquareW(ColourSquareG):
    """ColourSquareG with the latent interface's w_dim (w = z)."""
    w_dim = 3


