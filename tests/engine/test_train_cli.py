"""tools/train.py as a person meets it: option types checked before
anything is printed or created, a work dir never mixes two runs, Ctrl-C
keeps the checkpoints in one line, early logs, a progress bar, visualizer
backends and the thread policy."""
import glob
import os
import os.path as osp
import sys
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.visualization import BaseVisBackend

from helpers import ROOT, config_path, make_cfg, train
from mmlatent.engine import ProgressBarHook
from mmlatent.registry import HOOKS, VISBACKENDS
from mmlatent.apis.train import main
from mmlatent.utils.cfg_options import check_option_types
from mmlatent.utils.cli import run_cli
from mmlatent.utils.errors import ConfigError
from mmlatent.utils.threads import choose_threads

CONFIG = config_path('dcgan/dcgan_vanilla_digits-32x32.py')
SHORT = ['train_cfg.max_iters=2', 'default_hooks.checkpoint.interval=2',
         'train_dataloader.batch_size=4']


@pytest.fixture
def cli(capsys, monkeypatch):
    """``cli(*argv)`` runs tools/train.py in-process; returns (exit code,
    stdout, stderr)."""
    threads = torch.get_num_threads()
    monkeypatch.setattr(sys, 'argv', [osp.join(ROOT, 'tools', 'train.py')])

    def run(*argv):
        capsys.readouterr()
        code = 0
        try:
            run_cli(lambda: main([str(a) for a in argv]))
        except SystemExit as e:
            code = e.code
        finally:
            torch.set_num_threads(threads)
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.mark.parametrize('option,message', [
    ('train_cfg.max_iters=abc', "--cfg-options train_cfg.max_iters='abc': "
     'expected a positive integer, got a string'),
    ('train_dataloader.batch_size=[1,2]', '--cfg-options '
     'train_dataloader.batch_size=[1, 2]: expected a positive integer, got '
     'a list'),
    ('optim_wrapper.generator.optimizer.lr=x', "--cfg-options "
     "optim_wrapper.generator.optimizer.lr='x': expected a number like the "
     "config's 0.0002, got a string"),
    ('optim_wrapper.generator.optimizer.type=Adamm',
     "unknown optimizer type 'Adamm' (did you mean 'Adam'?)"),
    ('default_hooks.logger.intervall=3', "unknown key 'intervall' for "
     "EarlyLoggerHook (did you mean 'interval'?)"),
    # mmengine's parser recurses without end on a dict inside a list
    ("param_scheduler=[dict(type='LinearLR',begin=1,end=2)]",
     "--cfg-options cannot read 'param_scheduler=[dict(type='LinearLR',"
     "begin=1,end=2)]' (RecursionError); give numbers, strings and lists "
     'only, and put dicts'),
    ('max_iters', "--cfg-options 'max_iters' is not KEY=VALUE, e.g. "
     'train_cfg.max_iters=100'),
    # mmengine ignores unknown env_cfg keys: a typo would change nothing
    ('env_cfg.num_thread=1', "unknown key 'num_thread' for env_cfg (did you "
     "mean 'num_threads'?); valid keys: cudnn_benchmark, dist_cfg, "),
    ('env_cfg.num_threads=0', 'env_cfg.num_threads must be a whole number '
     'of at least 1, got 0; e.g. --cfg-options env_cfg.num_threads=1'),
    ('env_cfg.num_threads=two', 'env_cfg.num_threads must be a whole '
     "number of at least 1, got 'two'"),
    ('env_cfg.keep_freed_memory=yes', 'env_cfg.keep_freed_memory must be '
     "True or False, got 'yes'; e.g. --cfg-options "
     'env_cfg.keep_freed_memory=False'),
    # these failed with a TypeError traceback after the runner's dump
    ('randomness.sed=1', "unknown key 'sed' for randomness (did you mean "
     "'seed'?); valid keys: deterministic, diff_rank_seed, seed"),
    ('train_dataloader.batch_sise=4', "unknown key 'batch_sise' for "
     "train_dataloader (did you mean 'batch_size'?); valid keys: "),
    ('train_dataloader.sampler.shufle=True', "unknown key 'shufle' for "
     "InfiniteSampler (did you mean 'shuffle'?)"),
    ('optim_wrapper.generator.clip_gradd=1', "unknown key 'clip_gradd' for "
     "OptimWrapper (did you mean 'clip_grad'?)"),
    ('log_processor.window_sise=5', "unknown key 'window_sise' for "
     "LogProcessor (did you mean 'window_size'?)"),
    ('visualizer.save_dirr=x', "unknown key 'save_dirr' for Visualizer "
     "(did you mean 'save_dir'?)"),
])
def test_option_errors_come_first_in_one_line(cli, tmp_path, option,
                                              message):
    wd = tmp_path / 'wd'
    code, out, err = cli(CONFIG, '--work-dir', wd, '--cfg-options', option)
    assert code == 2
    assert out == '' and err.count('\n') == 1, err[-2000:]
    assert err.startswith('error: ' + message), err
    assert not wd.exists()  # nothing created


@pytest.mark.parametrize('option, message', [
    ('param_scheduler.encoder.0.phase=decoder', "PhaseLinearLR "
     "phase='decoder' is not a training phase of this model; use one of "
     "['autoencoder', 'code', 'training']"),
    ('param_scheduler.mapping.0.start=1.5', 'PhaseLinearLR start=1.5 must '
     'be a fraction of the phase in [0, 1), e.g. start=2/3 for its last '
     'third'),
    ('param_scheduler.decoder.0.end=3000', 'PhaseLinearLR end=3000: the '
     'phase places the end; set phase= and start=, or use LinearLR with '
     'begin and end'),
    # mmengine looked the names up one by one: a KeyError traceback after
    # the runner's dump, and a misspelled name was dropped in silence
    ("param_scheduler.encoderr=[]", "param_scheduler has schedules for "
     "['decoder', 'discriminator', 'encoder', 'encoderr', 'mapping'] but "
     "the optimizers are ['decoder', 'discriminator', 'encoder', "
     "'mapping']; give one list per optimizer by its name, or one list "
     "for all"),
])
def test_schedule_errors_come_first_in_one_line(cli, tmp_path, option,
                                                message):
    wd = tmp_path / 'wd'
    code, out, err = cli(config_path('lgan/lgan_continuity_shapes-32x32.py'),
                         '--work-dir', wd, '--cfg-options', option)
    assert code == 2
    assert out == '' and err.count('\n') == 1, err[-2000:]
    assert err.strip() == 'error: ' + message, err
    assert not wd.exists()  # nothing created


def test_option_types_follow_the_config():
    cfg = {'a': {'n': 3, 'x': 0.5, 's': 'uniform', 'l': [1, 2], 'none': None}}
    check_option_types(cfg, {'a.n': 4.5, 'a.x': 2, 'a.s': 'normal',
                             'a.l': (3, ), 'a.none': 'x', 'a.new': 'y'})
    for key, value in [('a.n', 'abc'), ('a.s', 3), ('a.l', 1),
                       ('a.x', True)]:
        with pytest.raises(ConfigError, match=f'--cfg-options {key}='):
            check_option_types(cfg, {key: value})


def test_work_dir_of_an_earlier_run_is_refused_then_overwritten(cli,
                                                               tmp_path):
    wd = tmp_path / 'wd'
    (wd / 'samples').mkdir(parents=True)
    (wd / '20250101_000000').mkdir()
    for name in ('iter_4.pth', 'last_checkpoint', 'samples/iter_4.png',
                 'notes.txt'):
        (wd / name).write_text('earlier run')
    code, out, err = cli(CONFIG, '--work-dir', wd, '--cfg-options', *SHORT)
    assert code == 2 and out == ''
    assert err.strip() == (
        f"error: --work-dir '{wd}' already holds 3 file(s) of an earlier run "
        "(e.g. 'iter_4.pth'); pass --resume to continue it or --overwrite to "
        'delete them first, or choose another --work-dir')
    assert (wd / 'iter_4.pth').exists()
    code, out, err = cli(CONFIG, '--work-dir', wd, '--overwrite',
                         '--cfg-options', *SHORT)
    assert code == 0, err[-2000:]
    left = set(os.listdir(wd))
    assert {'iter_2.pth', 'last_checkpoint', 'notes.txt'} <= left
    assert not {'iter_4.pth', '20250101_000000'} & left
    assert os.listdir(wd / 'samples') == ['final.png']
    # the first log line came after 2 (not 50) iterations
    log = open(glob.glob(str(wd / '*' / '*.log'))[0]).read()
    assert 'Iter(train) [2/2]' in log


@HOOKS.register_module(force=True)
class CtrlCAtIterHook(Hook):
    """Raises KeyboardInterrupt (what Ctrl-C does) before iteration 3."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == 3:
            raise KeyboardInterrupt


def test_ctrl_c_in_training_is_one_line_that_names_the_checkpoint(
        cli, tmp_path):
    wd, config = tmp_path / 'wd', tmp_path / 'ctrl_c.py'
    config.write_text(f"_base_ = ['{CONFIG}']\n"
                      "custom_hooks = [dict(type='CtrlCAtIterHook')]\n")
    code, out, err = cli(config, '--work-dir', wd, '--cfg-options',
                         'train_cfg.max_iters=6',
                         'default_hooks.checkpoint.interval=2',
                         'train_dataloader.batch_size=4')
    assert code == 130
    assert err.strip().splitlines()[-1] == (
        'interrupted: tools/train.py stopped by Ctrl-C; kept iter_2.pth in '
        f'{wd}; continue with --resume')
    assert 'Traceback' not in err and 'Traceback' not in out


def test_log_line_after_five_iterations_then_at_the_interval(tmp_path):
    train(make_cfg('dcgan/dcgan_vanilla_digits-32x32.py', tmp_path,
                   train_cfg__max_iters=12, train_dataloader__batch_size=4,
                   default_hooks__logger__interval=10,
                   default_hooks__checkpoint__interval=12,
                   custom_hooks=[dict(type='IterationSeedHook')]))
    log = open(glob.glob(str(tmp_path / '*' / '*.log'))[0]).read()
    lines = [ln for ln in log.splitlines() if 'Iter(train)' in ln]
    assert [ln.split('Iter(train) [')[1].split(']')[0].strip()
            for ln in lines] == ['5/12', '10/12']
    assert all('eta:' in ln for ln in lines)


def test_progress_bar_counts_from_the_resumed_iteration(capsys):
    hook = ProgressBarHook()
    runner = SimpleNamespace(max_iters=10, iter=4)
    hook.before_train(runner)
    for _ in range(6):
        hook.after_train_iter(runner, 0)
    assert hook.bar.n == 10
    hook.after_train(runner)
    err = capsys.readouterr().err
    assert 'training: 100%' in err and '10/10' in err


class RecordingVisBackend(BaseVisBackend):
    """Keeps (name, shape, dtype, step) of every image it receives."""
    images = []

    def _init_env(self):
        pass

    @property
    def experiment(self):
        return self

    def add_image(self, name, image, step=0, **kwargs):
        self.images.append((name, image.shape, image.dtype, step))


def test_sample_grids_reach_the_visualizer_backends(tmp_path):
    VISBACKENDS.register_module(module=RecordingVisBackend, force=True)
    RecordingVisBackend.images.clear()
    cfg = make_cfg('infogan/infogan_dcgan_digits-32x32.py', tmp_path,
                   train_cfg__max_iters=2, train_dataloader__batch_size=4,
                   default_hooks__checkpoint__interval=2,
                   custom_hooks=[dict(type='IterationSeedHook'),
                                 dict(type='SampleGridHook', interval=2,
                                      num_samples=4)])
    cfg.visualizer = dict(type='Visualizer', vis_backends=[
        dict(type='RecordingVisBackend', save_dir=str(tmp_path / 'vis'))])
    train(cfg)
    got = {(name, step) for name, _, _, step in RecordingVisBackend.images}
    codes = {'samples', 'samples_cat0', 'samples_con0'}
    assert codes <= {name for name, _ in got}
    assert {step for _, step in got} == {2}  # iteration 2 and the end
    assert len(RecordingVisBackend.images) == 2 * len(
        {name for name, _ in got})
    for _, shape, dtype, _ in RecordingVisBackend.images:
        assert dtype == 'uint8' and len(shape) == 3


def test_vis_backend_tensorboard_gets_scalars_and_images(cli, tmp_path):
    pytest.importorskip('tensorboard')
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    wd = tmp_path / 'wd'
    code, _, err = cli(CONFIG, '--work-dir', wd, '--vis-backend',
                       'tensorboard', '--cfg-options', *SHORT)
    assert code == 0, err[-2000:]
    events = glob.glob(str(wd / '*' / 'vis_data' / 'events.out.tfevents.*'))
    assert len(events) == 1
    acc = EventAccumulator(events[0], size_guidance={'images': 0})
    acc.Reload()
    assert 'samples' in acc.Tags()['images']
    assert 'g_loss' in acc.Tags()['scalars']
    assert glob.glob(str(wd / '*' / 'vis_data' / 'scalars.json'))


def test_vis_backend_without_its_package_is_one_line(cli, tmp_path,
                                                     monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name, *a:
                        None if name == 'wandb' else real(name, *a))
    code, out, err = cli(CONFIG, '--work-dir', tmp_path / 'wd',
                         '--vis-backend', 'wandb')
    assert code == 2 and out == '' and not (tmp_path / 'wd').exists()
    assert err.strip() == ("error: --vis-backend wandb needs the 'wandb' "
                           "package; install it with pip install 'wandb' "
                           "(or pip install -e '.[wandb]')")


@pytest.mark.parametrize('cores,procs,load,env,configured,threads', [
    (8, 1, 0.5, None, None, 8),    # an idle machine: every core
    (8, 2, 0.5, None, None, 4),    # shared by the processes of torchrun
    (2, 1, 2.4, None, None, 1),    # busy: one thread beats two
    (2, 1, 2.4, '2', None, 2),     # OMP_NUM_THREADS wins
    (2, 1, 0.1, '2', 1, 1),        # env_cfg.num_threads wins over both
    (2, 1, 2.4, None, 2, 2),
    (1, 1, 5.0, None, None, 1),
    (4, 1, None, None, None, 4),   # no load average on this OS
])
def test_thread_policy(cores, procs, load, env, configured, threads):
    got, reason = choose_threads(cores, procs, load, env, configured)
    assert got == threads
    assert ('busy' in reason) == (load is not None and load >= cores
                                  and env is None and configured is None
                                  and cores > 1)
    if 'busy' in reason:
        assert reason.endswith('set env_cfg.num_threads or OMP_NUM_THREADS '
                               'to choose')


def test_config_threads_are_used(cli, tmp_path, monkeypatch):
    """``env_cfg.num_threads`` sets the training's torch threads (it used
    to be ignored without a word)."""
    calls, real = [], torch.set_num_threads
    monkeypatch.setattr(torch, 'set_num_threads',
                        lambda n: (calls.append(n), real(n)))
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    code, out, err = cli(CONFIG, '--work-dir', tmp_path / 'wd',
                         '--cfg-options', *SHORT, 'env_cfg.num_threads=1')
    assert code == 0, err[-2000:]
    assert calls[0] == 1


@pytest.mark.parametrize('option,applied', [
    ((), True), (('env_cfg.keep_freed_memory=False', ), False)])
def test_training_keeps_freed_memory_unless_told(cli, tmp_path, monkeypatch,
                                                 option, applied):
    """tools/train.py keeps freed memory for reuse (mmlatent.utils.malloc)
    unless ``env_cfg.keep_freed_memory=False``."""
    import mmlatent.training as training
    calls = []
    monkeypatch.setattr(training, 'keep_freed_memory',
                        lambda: calls.append(1) or True)
    code, out, err = cli(CONFIG, '--work-dir', tmp_path / 'wd',
                         '--cfg-options', *SHORT, *option)
    assert code == 0, err[-2000:]
    assert calls == ([1] if applied else [])


@pytest.mark.parametrize('schedulers', [
    "[dict(type='LinearLR', end_factr=0.1, end=2, by_epoch=False)]",
    "dict(generator=[dict(type='LinearLR', end_factr=0.1, by_epoch=False)],"
    " discriminator=[])",
])
def test_misspelled_scheduler_key_is_one_line(cli, tmp_path, schedulers):
    """A scheduler's key used to fail with a TypeError traceback after the
    runner's environment dump."""
    config = tmp_path / 'typo.py'
    config.write_text(f'_base_ = [{CONFIG!r}]\nparam_scheduler = '
                      f'{schedulers}\n')
    code, out, err = cli(config, '--work-dir', tmp_path / 'wd')
    assert code == 2 and out == '' and err.count('\n') == 1, err[-2000:]
    assert err.startswith("error: unknown key 'end_factr' for LinearLR (did "
                          "you mean 'end_factor'?)"), err
    assert not (tmp_path / 'wd').exists()
