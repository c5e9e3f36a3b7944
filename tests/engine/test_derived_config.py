"""Values the engine derives instead of configs typing them: the lazy
regularisation ratios of StyleGAN2's optimizers, the seed hook the runner
registers itself, and config bases that are all used at their resolution."""
import glob
import os.path as osp
import re

import pytest
from mmengine.optim import OptimWrapperDict

from helpers import ROOT, make_cfg
from mmlatent.engine import GANOptimWrapperConstructor, IterationSeedHook
from mmlatent.registry import MODELS
from mmlatent.training import build_runner, load_config

STYLEGAN2 = 'stylegan2/stylegan2_small_shapes-32x32.py'


def optimizers(rel: str, **options) -> OptimWrapperDict:
    cfg = load_config(osp.join(ROOT, 'configs', rel), options)
    optim_cfg = dict(cfg.optim_wrapper)
    optim_cfg.pop('constructor')
    model = MODELS.build(cfg.model)
    return GANOptimWrapperConstructor(optim_cfg)(model)


def adam(wrappers: OptimWrapperDict, name: str):
    group = wrappers[name].optimizer.param_groups[0]
    return group['lr'], tuple(group['betas'])


def test_lazy_ratios_follow_the_intervals():
    wrappers = optimizers(STYLEGAN2)
    # exactly the values the configs used to type: 0.002 * (16 / 17) ...
    assert adam(wrappers, 'discriminator') == (0.002 * (16 / 17),
                                               (0.0, 0.99**(16 / 17)))
    assert adam(wrappers, 'generator') == (0.002 * (4 / 5),
                                           (0.0, 0.99**(4 / 5)))
    wrappers = optimizers(STYLEGAN2, **{'model.r1_interval': 8,
                                        'model.pl_interval': 2})
    assert adam(wrappers, 'discriminator') == (0.002 * (8 / 9),
                                               (0.0, 0.99**(8 / 9)))
    assert adam(wrappers, 'generator') == (0.002 * (2 / 3),
                                           (0.0, 0.99**(2 / 3)))


def test_a_switched_off_regulariser_leaves_adam_plain():
    wrappers = optimizers(STYLEGAN2, **{'model.r1_gamma': 0.0,
                                        'model.pl_weight': 0.0})
    assert adam(wrappers, 'discriminator') == (0.002, (0.0, 0.99))
    assert adam(wrappers, 'generator') == (0.002, (0.0, 0.99))


def test_gans_without_lazy_regularisers_keep_their_values():
    wrappers = optimizers('dcgan/dcgan_continuity_shapes-32x32.py')
    cfg = load_config(osp.join(ROOT, 'configs',
                               'dcgan/dcgan_continuity_shapes-32x32.py'))
    for name in ('generator', 'discriminator'):
        optimizer = cfg.optim_wrapper[name].optimizer
        assert adam(wrappers, name) == (optimizer.lr, tuple(optimizer.betas))


def seed_hooks(runner) -> int:
    return sum(isinstance(h, IterationSeedHook) for h in runner.hooks)


@pytest.mark.parametrize('hooks', [
    [], [dict(type='SampleGridHook', interval=500)],
    [dict(type='IterationSeedHook')]])
def test_runner_registers_the_seed_hook_once(hooks, tmp_path):
    cfg = make_cfg('dcgan/dcgan_continuity_shapes-32x32.py', tmp_path,
                   custom_hooks=hooks)
    assert seed_hooks(build_runner(cfg)) == 1


def _bases(path: str) -> list:
    """The ``_base_`` files a config names (resolved paths)."""
    text = open(path).read()
    match = re.search(r'_base_ = (\[.*?\]|\'.*?\')', text, re.S)
    names = re.findall(r"'([^']+\.py)'", match.group(1)) if match else []
    return [osp.normpath(osp.join(osp.dirname(path), n)) for n in names]


def test_every_base_config_is_used():
    leaves = [p for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
              if '_base_' not in p]
    used, todo = set(), list(leaves)
    while todo:
        for base in _bases(todo.pop()):
            if base not in used:
                used.add(base)
                todo.append(base)
    bases = glob.glob(osp.join(ROOT, 'configs', '_base_', '*', '*.py'))
    assert sorted(set(map(osp.normpath, bases)) - used) == []


@pytest.mark.parametrize('path', sorted(
    glob.glob(osp.join(ROOT, 'configs', '_base_', '*', '*-*x*.py'))))
def test_a_base_config_has_the_resolution_of_its_name(path):
    res = int(re.search(r'-(\d+)x\1\.py$', path).group(1))
    cfg = load_config(path)
    if 'model' in cfg:
        assert cfg.model.generator.get('resolution', res) == res
    if 'train_dataloader' in cfg:
        assert cfg.train_dataloader.dataset.resolution == res
