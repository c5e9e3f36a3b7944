"""End-to-end training runs: every config family, resume, failures,
custom_imports, multi-process and the command line's one-line errors."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch

from helpers import ROOT, config_path, make_cfg, train
from mmlatent.utils.checkpoint import load_checkpoint_file
from mmlatent.utils.errors import NonFiniteLossError

TRAIN = osp.join(ROOT, 'tools', 'train.py')
FAMILIES = [
    'dcgan/dcgan_continuity_shapes-32x32.py',
    'dcgan/dcgan_r1-wide_shapes-32x32.py',
    'stylegan2/stylegan2_small_shapes-32x32.py',
    'dcgan/dcgan_vanilla_digits-32x32.py',
    'wgangp/wgangp_small_shapes-32x32.py',
    'cgan/cgan_dcgan_digits-32x32.py',
    'infogan/infogan_dcgan_digits-32x32.py',
    'infogan/ssinfogan_dcgan_shapes-32x32.py',
    'infogan/infogan_dcgan-clusters_shapes-32x32.py',
]
# A user's module outside mmlatent: a generator, a loss and hooks that
# kill or poison a run at a given iteration.
USER_MODULE = '''
import os, signal
from mmengine.hooks import Hook
from mmlatent.registry import HOOKS, MODELS
from mmlatent.models.generators import DCGANGenerator
from mmlatent.models.losses.adversarial import NonSaturatingGANLoss


@MODELS.register_module()
class UserGenerator(DCGANGenerator):
    user_marker = True


@MODELS.register_module()
class UserGANLoss(NonSaturatingGANLoss):
    user_marker = True


@HOOKS.register_module()
class KillAtIterHook(Hook):
    def __init__(self, at_iter):
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class PoisonAtIterHook(Hook):
    def __init__(self, at_iter):
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at_iter:
            runner.model.continuity.loss_weight = float('nan')


@HOOKS.register_module()
class WeightsSumHook(Hook):
    def after_train(self, runner):
        from mmlatent.utils.model import unwrap
        from mmengine.dist import get_rank
        model = unwrap(runner.model)
        total = sum(float(p.double().sum()) for p in model.parameters())
        path = os.path.join(runner.work_dir, f'sum_{get_rank()}.txt')
        with open(path, 'w') as f:
            f.write(repr(total))
        buffers = sum(float(b.double().sum()) for b in model.G.buffers()
                      if b.is_floating_point())
        path = os.path.join(runner.work_dir, f'buffers_{get_rank()}.txt')
        with open(path, 'w') as f:
            f.write(repr(buffers))


@HOOKS.register_module()
class FiguresHook(Hook):
    """Appends each evaluation's figures, and the best score at the end,
    to figures_<rank>.txt."""
    def _write(self, runner, text):
        from mmengine.dist import get_rank
        path = os.path.join(runner.work_dir, f'figures_{get_rank()}.txt')
        with open(path, 'a') as f:
            f.write(text + '\\n')

    def after_val_epoch(self, runner, metrics=None):
        self._write(runner, repr(sorted(metrics.items())))

    def after_train(self, runner):
        self._write(runner, repr(runner.message_hub.get_info('best_score')))
'''
FAST = ['train_cfg.max_iters=6', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=2', 'train_dataloader.batch_size=8']


def user_config(folder, *hooks: str,
                base='dcgan/dcgan_continuity_shapes-32x32.py') -> str:
    """A config next to the user's module extending ``base``, with the
    standard hooks plus ``hooks`` (config source text)."""
    (folder / 'user_modules.py').write_text(USER_MODULE)
    path = folder / 'user_config.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = ['{config_path(base)}']
        custom_imports = dict(imports=['user_modules'])
        custom_hooks = [dict(type='IterationSeedHook'),
                        dict(type='SampleGridHook', interval=500),
                        {', '.join(hooks)}]
    '''))
    return str(path)


def cli(*args, cwd=ROOT, env=None, launcher=None, timeout=240):
    cmd = launcher or [sys.executable]
    # a fixed thread count: the thread policy follows the machine's load,
    # and runs compared bit for bit must not differ in their reductions
    full_env = dict(os.environ)
    full_env.setdefault('OMP_NUM_THREADS', '1')
    full_env.update(env or {})
    return subprocess.run(cmd + [TRAIN, *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def state(path):
    return load_checkpoint_file(str(path))['state_dict']


@pytest.mark.parametrize('rel', FAMILIES)
def test_each_config_family_trains_and_writes_outputs(rel, tmp_path):
    runner = train(make_cfg(rel, tmp_path, train_cfg__max_iters=6,
                            default_hooks__checkpoint__interval=6))
    assert runner.iter == 6
    ckpt = load_checkpoint_file(str(tmp_path / 'iter_6.pth'))
    assert {'meta', 'state_dict', 'optimizer', 'message_hub'} <= set(ckpt)
    assert 'generator_ema.steps' in ckpt['state_dict']
    assert "type='" in ckpt['meta']['cfg']  # the resolved config travels
    samples = os.listdir(tmp_path / 'samples')
    assert 'final.png' in samples
    log = open(next(tmp_path.glob('*/*.log'))).read()
    assert 'eta:' in log and 'd_loss' in log and 'g_loss' in log
    if 'ssinfogan' in rel or 'clusters' in rel:  # real labels teach Q
        assert 'd_loss_sup' in log
    if 'r1-wide' in rel:    # R1 at every D step
        assert log.count('d_loss_r1') >= 6


def test_resume_after_kill_equals_uninterrupted_run(tmp_path):
    (tmp_path / 'plain').mkdir()
    plain = user_config(tmp_path / 'plain', 'dict(type="WeightsSumHook")')
    cfg = user_config(tmp_path, 'dict(type="KillAtIterHook", at_iter=5)')
    full = cli(plain, '--work-dir', str(tmp_path / 'full'),
               '--cfg-options', *FAST)
    assert full.returncode == 0, full.stderr[-2000:]
    killed = cli(cfg, '--work-dir', str(tmp_path / 'cut'), '--cfg-options',
                 *FAST)
    assert killed.returncode == -9
    assert (tmp_path / 'cut' / 'iter_4.pth').exists()
    assert not (tmp_path / 'cut' / 'iter_6.pth').exists()
    resumed = cli(plain, '--work-dir', str(tmp_path / 'cut'), '--resume',
                  '--cfg-options', *FAST)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    out = resumed.stdout + resumed.stderr
    assert 'Auto resumed from the latest checkpoint' in out
    # the sampler skipped the trained batches; none was loaded to drop it
    assert 'Resuming at iteration 4: skipped the sampler indices' in out
    assert 'Advance dataloader' not in out
    a, b = state(tmp_path / 'full' / 'iter_6.pth'), \
        state(tmp_path / 'cut' / 'iter_6.pth')
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_kill_while_saving_leaves_previous_checkpoint_loadable(
        tmp_path, monkeypatch):
    cfg = make_cfg('dcgan/dcgan_vanilla_digits-32x32.py', tmp_path,
                   train_cfg__max_iters=4)
    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(fd)
        # each save syncs the checkpoint, then last_checkpoint: call 3 is
        # the second checkpoint, which dies mid-write
        if len(calls) == 3:
            raise KeyboardInterrupt('killed while saving')
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', fsync)
    with pytest.raises(KeyboardInterrupt):
        train(cfg)
    monkeypatch.setattr(os, 'fsync', real_fsync)
    files = sorted(os.listdir(tmp_path))
    assert 'iter_2.pth' in files and 'iter_4.pth' not in files
    assert not [f for f in files if f.endswith('.partial')]
    assert open(tmp_path / 'last_checkpoint').read().endswith('iter_2.pth')
    assert state(tmp_path / 'iter_2.pth')
    cfg = make_cfg('dcgan/dcgan_vanilla_digits-32x32.py', tmp_path,
                   train_cfg__max_iters=4)
    cfg.resume = True
    assert train(cfg).iter == 4


def test_nan_loss_stops_with_one_line_and_keeps_checkpoint(tmp_path):
    cfg = user_config(tmp_path, 'dict(type="PoisonAtIterHook", at_iter=3)')
    r = cli(cfg, '--work-dir', str(tmp_path / 'wd'), '--cfg-options', *FAST,
            'model.continuity.interval=1')
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert err[-1].startswith("error: loss 'g_loss_continuity' became nan "
                              'at iteration 4'), r.stderr[-1500:]
    assert 'Traceback' not in r.stderr
    assert not (tmp_path / 'wd' / 'iter_4.pth').exists()
    assert state(tmp_path / 'wd' / 'iter_2.pth')


def test_custom_imports_registers_user_modules_next_to_the_config(
        tmp_path):
    cfg = user_config(tmp_path, 'dict(type="WeightsSumHook")',
                      base='dcgan/dcgan_vanilla_digits-32x32.py')
    r = cli(cfg, '--work-dir', str(tmp_path / 'wd'), '--cfg-options', *FAST,
            'model.generator.type=UserGenerator',
            'model.gan_loss.type=UserGANLoss')
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / 'wd' / 'sum_0.txt').exists()
    ckpt = load_checkpoint_file(str(tmp_path / 'wd' / 'iter_6.pth'))
    assert "type='UserGenerator'" in ckpt['meta']['cfg']
    assert "type='UserGANLoss'" in ckpt['meta']['cfg']


LGAN_FAST = ['model.ae_iters=3', 'model.code_steps=2',
             'model.continuity.interval=2', 'val_cfg.num_samples=40']


@pytest.mark.parametrize('base, extra', [
    ('dcgan/dcgan_continuity_shapes-32x32.py', []),
    ('stylegan2/stylegan2_small_shapes-32x32.py', []),
    ('lgan/lgan_continuity_shapes-32x32.py', LGAN_FAST)])
def test_two_process_gloo_training_keeps_replicas_in_sync(tmp_path,
                                                         monkeypatch, base,
                                                         extra):
    # StyleGAN2 runs R1 and the path-length term (two G passes before one
    # backward) at iteration 0 and 4. The l-GAN (the main job) runs its
    # decoder and mapping past any DDP wrapper: its optimizers average the
    # gradients, through both phases (autoencoder until 3, then codes).
    cfg = user_config(tmp_path, 'dict(type="WeightsSumHook")', base=base)
    torchrun = [sys.executable, '-m', 'torch.distributed.run',
                '--nproc_per_node', '2', '--master_port', str(free_port())]
    r = cli(cfg, '--launcher', 'pytorch', '--work-dir', str(tmp_path / 'wd'),
            '--cfg-options', *FAST, *extra, launcher=torchrun, timeout=400)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    assert 'Distributed training: True' in out
    s0 = float((tmp_path / 'wd' / 'sum_0.txt').read_text())
    s1 = float((tmp_path / 'wd' / 'sum_1.txt').read_text())
    assert s0 == s1
    if base.startswith('lgan/'):
        assert ('LatentGAN averages its own gradients over the processes '
                '(SelfSyncWrapper, no DDP)') in out
        # batch-norm and code statistics are averaged as well
        b0, b1 = ((tmp_path / 'wd' / f'buffers_{k}.txt').read_text()
                  for k in (0, 1))
        assert b0 == b1
    # the checkpoint has the keys of a single-process run
    from mmlatent.models.loading import load_model
    monkeypatch.syspath_prepend(str(tmp_path))  # the config's user module
    model, _, meta = load_model(str(tmp_path / 'wd' / 'iter_6.pth'))
    assert meta['iter'] == 6 and not any(
        '.module.' in k and not k.startswith('generator_ema.module.')
        for k in state(tmp_path / 'wd' / 'iter_6.pth'))


def test_two_process_gloo_evaluation_gives_every_rank_the_figures(
        tmp_path):
    cfg = user_config(tmp_path, 'dict(type="FiguresHook")')
    torchrun = [sys.executable, '-m', 'torch.distributed.run',
                '--nproc_per_node', '2', '--master_port', str(free_port())]
    wd = tmp_path / 'wd'
    r = cli(cfg, '--launcher', 'pytorch', '--work-dir', str(wd),
            '--cfg-options', *FAST, 'train_cfg.val_interval=3',
            'val_cfg.num_samples=40',
            'default_hooks.checkpoint.save_best=class_distance',
            launcher=torchrun, timeout=400)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert ('Evaluation at iteration 6: the ema generator, 40 samples, '
            'seed 0, on rank 0 for all 2 processes') in r.stdout + r.stderr
    figures = [(wd / f'figures_{rank}.txt').read_text() for rank in (0, 1)]
    assert figures[0] == figures[1] and len(figures[0].splitlines()) == 3
    assert 'class_distance' in figures[0]
    assert len(list(wd.glob('best_class_distance_iter_*.pth'))) == 1
    assert (wd / 'validity.json').exists()


@pytest.mark.parametrize('args,expected', [
    (['--cfg-options', 'model.generator.z_dimm=3'],
     "unknown key 'z_dimm' for DCGANGenerator (did you mean 'z_dim'?)"),
    (['--cfg-options', 'model.continuity.wieght=3'],
     "unknown key 'wieght' for ContinuityRegularizer"),
    (['--cfg-options', 'model.type=DCGANN'], "unknown model type 'DCGANN'"),
    (['--cfg-options', 'custom_hooks=[dict(type=X)]'],
     'custom_hooks must be a list of dicts'),
])
def test_bad_config_keys_give_one_line_errors(args, expected, tmp_path):
    r = cli(config_path('dcgan/dcgan_continuity_shapes-32x32.py'),
            '--work-dir', str(tmp_path), *args)
    assert r.returncode == 2
    assert expected in r.stderr.strip().splitlines()[-1], r.stderr[-1500:]
    assert 'Traceback' not in r.stderr


def test_missing_data_folder_and_unreadable_image(tmp_path):
    cfg = config_path('dcgan/dcgan_vanilla_digits-32x32.py')
    base = ['--work-dir', str(tmp_path / 'wd'), '--cfg-options', *FAST,
            'train_dataloader.dataset.type=ImageFolderDataset']
    r = cli(cfg, *base, f'train_dataloader.dataset.root={tmp_path}/nope')
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(
        f"error: image folder '{tmp_path}/nope' does not exist")
    folder = tmp_path / 'imgs'
    folder.mkdir()
    (folder / 'broken.png').write_bytes(b'not a png')
    r = cli(cfg, *base, f'train_dataloader.dataset.root={folder}')
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(
        f"error: cannot read image '{folder}/broken.png'")


def test_non_finite_error_type_is_a_user_error():
    from mmlatent.utils.cli import is_user_error
    assert is_user_error(NonFiniteLossError('x'))


def test_close_distributed_destroys_the_group_and_is_a_no_op_without(
        tmp_path):
    import torch.distributed as dist

    from mmlatent.training import close_distributed
    close_distributed()  # no group: nothing to do, no error
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    assert dist.is_initialized()
    close_distributed()
    assert not dist.is_initialized()
