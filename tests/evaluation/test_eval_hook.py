"""GenerativeEvalHook during training: figures and the best checkpoint."""
import json
import os.path as osp

import pytest
import torch
from helpers import make_cfg, train

import mmlatent.hooks.evaluation  # noqa: F401 (registers the hook)
from mmlatent.models.loading import load_generator
from mmlatent.utils.checkpoint import load_checkpoint_file
from mmlatent.utils.errors import CheckpointError, ConfigError

METRICS = [dict(type='FrechetDistance',
                extractor=dict(type='PixelFeatures', size=4)),
           dict(type='ShapesValidity'), dict(type='ContinuityMetric')]


def test_hook_writes_figures_and_keeps_the_best_checkpoint(tmp_path):
    hook = dict(type='GenerativeEvalHook', metrics=METRICS, interval=2,
                num_samples=24, batch_size=12, save_best='fd_pixel')
    cfg = make_cfg('dcgan/dcgan_continuity_shapes-32x32.py', tmp_path,
                   train_cfg__max_iters=4,
                   custom_hooks=[dict(type='IterationSeedHook'), hook])
    runner = train(cfg)
    figures = {}
    for it in (2, 4):
        with open(osp.join(str(tmp_path), 'eval', f'iter_{it}.json')) as f:
            record = json.load(f)
        assert record['iter'] == it and record['generator'] == 'orig'
        assert set(record['metrics']) == {'fd_pixel', 'validity',
                                          'continuity'}
        figures[it] = record['metrics']['fd_pixel']
    best_iter = min(figures, key=figures.get)
    path = osp.join(str(tmp_path), 'best_fd_pixel.pth')
    meta = load_checkpoint_file(path)['meta']
    assert meta['best_metric'] == 'fd_pixel' and meta['iter'] == best_iter
    assert meta['best_score'] == pytest.approx(figures[best_iter])
    hub = runner.message_hub
    assert hub.get_info('eval_best_fd_pixel') == pytest.approx(
        figures[best_iter])
    assert 0 <= hub.get_scalar('eval/validity').current() <= 1
    # the regular checkpoints carry the best value for --resume
    hub_state = load_checkpoint_file(osp.join(str(tmp_path), 'iter_2.pth'))[
        'message_hub']
    assert hub_state['runtime_info']['eval_best_fd_pixel'] == \
        pytest.approx(figures[2])
    loaded = load_generator(path)               # a usable checkpoint
    assert loaded.G(torch.zeros(1, loaded.G.z_dim)).shape == (1, 3, 32, 32)


def test_bad_save_best_names_the_outputs():
    from mmlatent.hooks.evaluation import GenerativeEvalHook
    with pytest.raises(ConfigError, match="save_best='fid'.*fd_pixel"):
        GenerativeEvalHook(metrics=METRICS, save_best='fid')
    with pytest.raises(ConfigError, match='rule'):
        GenerativeEvalHook(metrics=METRICS, save_best='fd_pixel',
                           rule='lower')
    with pytest.raises(ConfigError, match="unknown metric type 'FID'"):
        GenerativeEvalHook(metrics=[dict(type='FID')])
    with pytest.raises(ConfigError, match='sample_model'):
        GenerativeEvalHook(metrics=METRICS, sample_model='best')


def test_example_config_builds(tmp_path):
    from helpers import config_path

    from mmlatent.registry import HOOKS
    from mmlatent.training import load_config, validate_config
    cfg = load_config(config_path('eval/dcgan_eval_shapes-32x32.py'))
    validate_config(cfg)
    hook = [h for h in cfg.custom_hooks
            if h['type'] == 'GenerativeEvalHook'][0]
    for m in hook['metrics']:
        if 'extractor' in m:
            m['extractor']['checkpoint'] = 'random'
    built = HOOKS.build(hook)
    assert built.rule == 'less' and built.save_best == 'fd_shapes'
    missing = str(tmp_path / 'none.pth')
    hook['metrics'][0]['extractor']['checkpoint'] = missing
    with pytest.raises(CheckpointError, match='train_feature_net'):
        HOOKS.build(hook)         # a missing network fails at build time
