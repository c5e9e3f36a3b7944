"""Evaluation during training through mmengine's loop: GenerativeValLoop,
the val_evaluator and the best checkpoint of AtomicCheckpointHook."""
import json
import os
import os.path as osp
import random
from typing import Dict

import numpy as np
import pytest
import torch
from helpers import make_cfg, train

from mmlatent.evaluation import (GenerativeEvaluator, GenerativeMetric,
                                 evaluate_generator, real_images)
from mmlatent.models.ema import pick_generator
from mmlatent.models.loading import load_generator
from mmlatent.registry import METRICS
from mmlatent.utils.checkpoint import load_checkpoint_file
from mmlatent.utils.errors import CheckpointError, ConfigError
from mmlatent.utils.model import unwrap

MAIN = 'dcgan/dcgan_continuity_shapes-32x32.py'
METRIC_CFGS = [dict(type='FrechetDistance',
                    extractor=dict(type='PixelFeatures', size=4)),
               dict(type='ShapesValidity'), dict(type='ContinuityMetric'),
               dict(type='ShapesFidelity')]


@METRICS.register_module()
class ScriptedScore(GenerativeMetric):
    """Test metric: the next of ``values`` at each evaluation (made to
    improve and worsen), with the better-is ``rule`` given."""
    needs_fake = True

    def __init__(self, values=(1.0, ), rule: str = 'less',
                 num_samples=None, prefix=None):
        super().__init__(num_samples=num_samples, prefix=prefix)
        self.values, self.rule, self.calls = list(values), rule, 0

    @property
    def default_prefix(self) -> str:
        return 'score'

    @property
    def rules(self) -> Dict[str, str]:
        return {self.name: self.rule}

    def process_fake(self, img) -> None:
        pass

    def summary(self) -> Dict[str, float]:
        self.calls += 1
        return {self.name: self.values[self.calls - 1]}


@METRICS.register_module()
class GlobalRNGEater(ScriptedScore):
    """Test metric that draws from every global RNG."""

    def process_fake(self, img) -> None:
        torch.rand(3), np.random.rand(3), random.random()


def scripted_run(tmp_path, values, iters=6, metric='ScriptedScore',
                 **options):
    cfg = make_cfg(MAIN, tmp_path, train_cfg__max_iters=iters,
                   train_cfg__val_interval=2,
                   val_evaluator=[dict(type=metric, values=values)],
                   val_cfg__num_samples=4,
                   custom_hooks=[dict(type='IterationSeedHook')], **options)
    return train(cfg)


def test_val_loop_figures_equal_evaluate_generator(tmp_path):
    cfg = make_cfg(MAIN, tmp_path, train_cfg__max_iters=2,
                   val_evaluator=METRIC_CFGS,
                   val_cfg=dict(num_samples=24, batch_size=12, seed=3,
                                out_json='eval/iter_{iter}.json'),
                   custom_hooks=[dict(type='IterationSeedHook')])
    runner = train(cfg)
    with open(tmp_path / 'eval' / 'iter_2.json') as f:
        record = json.load(f)
    assert (record['iter'], record['generator'], record['num_samples'],
            record['seed']) == (2, 'ema', 24, 3)  # averaged from iter 0
    G, _ = pick_generator(unwrap(runner.model))
    dataset = runner.train_dataloader.dataset
    expected = evaluate_generator(
        G, METRIC_CFGS, real=real_images(dataset, 24, batch_size=12, seed=3),
        num_samples=24, batch_size=12, seed=3,
        dataset_meta=dataset.metainfo)
    assert set(expected) < set(record)
    for key, value in expected.items():
        assert record[key] == pytest.approx(value, rel=1e-6, nan_ok=True)
    assert 0.9 < record['real_shape_fit'] <= 1   # reference of shape fit
    hub = runner.message_hub
    assert hub.get_scalar('val/fd_pixel').current() == pytest.approx(
        expected['fd_pixel'])


@pytest.mark.parametrize('save_best,rule,best_iter', [
    ('score', None, 4),          # the metric's rule: less
    ('score', 'greater', 2),     # the config's rule wins
    ('auto', None, 4),           # the first output
])
def test_save_best_keeps_the_checkpoint_of_the_best_figure(
        tmp_path, save_best, rule, best_iter):
    runner = scripted_run(tmp_path, [3.0, 1.0, 2.0],
                          default_hooks__checkpoint__save_best=save_best,
                          default_hooks__checkpoint__rule=rule)
    best = [f for f in os.listdir(tmp_path) if f.startswith('best_')]
    assert best == [f'best_score_iter_{best_iter}.pth']
    path = str(tmp_path / best[0])
    ckpt = load_checkpoint_file(path)
    assert ckpt['meta']['iter'] == best_iter
    score = {2: 3.0, 4: 1.0}[best_iter]
    hub = runner.message_hub
    assert hub.get_info('best_score') == score
    assert hub.get_info('best_ckpt') == path
    # the regular checkpoints carry the best value for --resume
    later = load_checkpoint_file(str(tmp_path / 'iter_6.pth'))
    assert later['message_hub']['runtime_info']['best_score'] == score
    # the best checkpoint holds the weights of its iteration
    same = load_checkpoint_file(str(tmp_path / f'iter_{best_iter}.pth'))
    for key, value in ckpt['state_dict'].items():
        assert torch.equal(value, same['state_dict'][key]), key
    loaded = load_generator(path)               # a usable checkpoint
    assert loaded.G(torch.zeros(1, loaded.G.z_dim)).shape == (1, 3, 32, 32)


def test_new_best_is_written_before_the_old_one_is_removed(tmp_path,
                                                          monkeypatch):
    from mmlatent.engine.runner import LatentRunner
    seen = {}
    save = LatentRunner.save_checkpoint

    def spy(self, out_dir, filename, *args, **kwargs):
        if filename.startswith('best_'):  # the best files present now
            seen[filename] = sorted(f for f in os.listdir(out_dir)
                                    if f.startswith('best_'))
        return save(self, out_dir, filename, *args, **kwargs)

    monkeypatch.setattr(LatentRunner, 'save_checkpoint', spy)
    scripted_run(tmp_path, [3.0, 1.0], iters=4,
                 default_hooks__checkpoint__save_best='score')
    assert seen == {'best_score_iter_2.pth': [],
                    'best_score_iter_4.pth': ['best_score_iter_2.pth']}
    assert [f for f in os.listdir(tmp_path) if f.startswith('best_')] == \
        ['best_score_iter_4.pth']


def test_resumed_run_keeps_the_best_of_before(tmp_path):
    scripted_run(tmp_path, [3.0, 1.0], iters=4,
                 default_hooks__checkpoint__save_best='score')
    cfg = make_cfg(MAIN, tmp_path, train_cfg__max_iters=6,
                   train_cfg__val_interval=2,
                   val_evaluator=[dict(type='ScriptedScore', values=[2.0])],
                   val_cfg__num_samples=4,
                   default_hooks__checkpoint__save_best='score',
                   custom_hooks=[dict(type='IterationSeedHook')])
    cfg.resume = True
    runner = train(cfg)
    assert runner.message_hub.get_info('best_score') == 1.0  # not 2.0
    assert [f for f in os.listdir(tmp_path) if f.startswith('best_')] == \
        ['best_score_iter_4.pth']


@pytest.mark.parametrize('options,message', [
    (dict(default_hooks__checkpoint__save_best='fid'),
     "save_best='fid' is not an output of val_evaluator; choose from "
     'fd_pixel, validity, continuity'),
    (dict(default_hooks__checkpoint__save_best='validity',
          default_hooks__checkpoint__rule='lower'),
     "rule='lower' is not one of"),
    (dict(val_evaluator=[dict(type='FID')]), "unknown metric type 'FID'"),
    (dict(val_evaluator=[dict(type='ShapesValidity', num_sample=3)]),
     "unknown key 'num_sample' for ShapesValidity"),
    (dict(val_cfg__sample_model='best'), "sample_model='best'"),
    (dict(val_cfg__out_json='eval/{it}.json'), 'out_json'),
    (dict(val_evaluator=None, default_hooks__checkpoint__save_best='x'),
     "save_best='x' needs a val_evaluator"),
])
def test_bad_evaluation_options_are_one_line_errors(tmp_path, options,
                                                    message):
    options = dict(dict(val_evaluator=METRIC_CFGS[:3]), **options)
    cfg = make_cfg(MAIN, tmp_path, train_cfg__max_iters=1, **options)
    with pytest.raises(ConfigError, match=message.replace('(', r'\(')):
        train(cfg)
    assert not osp.exists(tmp_path / 'iter_1.pth')  # before any iteration


def test_config_without_val_evaluator_trains_as_before(tmp_path):
    plain = train(make_cfg(MAIN, tmp_path / 'plain', val_evaluator=None,
                           train_cfg__val_interval=1))
    assert plain.val_loop is None
    assert not osp.exists(tmp_path / 'plain' / 'validity.json')
    # evaluating after every iteration, with a metric that draws from
    # every global RNG, changes no weight
    evaluated = train(make_cfg(
        MAIN, tmp_path / 'evaluated', train_cfg__val_interval=1,
        val_evaluator=[dict(type='GlobalRNGEater', values=[0.0] * 4)]))
    assert evaluated.val_loop.evaluator.metrics[0].calls == 4
    a, b = (unwrap(r.model).state_dict() for r in (plain, evaluated))
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_evaluation_leaves_the_global_rng_untouched(tmp_path):
    runner = scripted_run(tmp_path, [0.0] * 4, iters=2,
                          metric='GlobalRNGEater')
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    before = (torch.get_rng_state(), np.random.get_state()[1].copy(),
              random.getstate())
    runner.val_loop.run()
    assert runner.val_loop.evaluator.metrics[0].calls == 2
    assert torch.equal(torch.get_rng_state(), before[0])
    assert np.array_equal(np.random.get_state()[1], before[1])
    assert random.getstate() == before[2]


def test_generative_evaluator_is_not_run_by_mmengines_val_loop():
    evaluator = GenerativeEvaluator([dict(type='ShapesValidity')])
    assert evaluator.rules == {'validity': 'greater'}
    with pytest.raises(ConfigError, match='GenerativeValLoop'):
        evaluator.process([], {})
    with pytest.raises(ConfigError, match='at least one metric'):
        GenerativeEvaluator([])


def test_example_config_builds(tmp_path):
    from helpers import config_path

    from mmlatent.registry import EVALUATOR
    from mmlatent.training import load_config, validate_config
    cfg = load_config(config_path('eval/dcgan_eval_shapes-32x32.py'))
    validate_config(cfg)
    assert cfg.train_cfg.val_interval == 500
    assert cfg.default_hooks.checkpoint.save_best == 'fd_shapes'
    metrics = cfg.val_evaluator
    metrics[0]['extractor']['checkpoint'] = 'random'
    built = EVALUATOR.build(dict(type='GenerativeEvaluator', metrics=metrics))
    assert built.rules['fd_shapes'] == 'less'     # the best rule's source
    metrics[0]['extractor']['checkpoint'] = str(tmp_path / 'none.pth')
    with pytest.raises(CheckpointError, match='train_feature_net'):
        EVALUATOR.build(dict(type='GenerativeEvaluator', metrics=metrics))
