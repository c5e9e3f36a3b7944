"""benchmarks/generator_capacity.py: by default the main job's DCGAN, with
``--config`` a training config's generator, whose ``z`` is the 10-number
factor code and which trains in that config's precision; a config of
another image size is refused in one line."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys
from argparse import Namespace

import pytest
import torch

from mmlatent.models.precision import autocast_dtype

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'benchmarks', 'generator_capacity.py')
SG2_32 = osp.join(ROOT, 'configs', 'stylegan2',
                  'stylegan2_small_shapes-32x32.py')


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('generator_capacity',
                                                  SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def args(config=None, **options):
    return Namespace(config=config, g_channels=32, upsample='deconv',
                     cfg_options=options)


def test_default_is_the_dcgan_in_float32(bench):
    G, dtype = bench.build_generator(args(), 10)
    assert type(G).__name__ == 'DCGANGenerator' and G.z_dim == 10
    assert dtype is None


def test_config_generator_reads_the_factor_code(bench):
    G, dtype = bench.build_generator(args(SG2_32), 10)
    assert type(G).__name__ == 'StyleGAN2Generator'
    assert (G.z_dim, G.w_dim, G.resolution) == (10, 128, 32)
    # the config's autocast='auto', resolved for this CPU
    assert dtype == autocast_dtype('auto', 'cpu')
    assert G(torch.randn(2, 10)).shape == (2, 3, 32, 32)


def test_cfg_options_override_the_config(bench):
    G, dtype = bench.build_generator(
        args(SG2_32, **{'model.generator.channel_max': 64,
                        'model.autocast': None}), 10)
    assert G.synthesis_net.blocks[0].conv1.weight.shape[0] == 64
    assert dtype is None
    with pytest.raises(SystemExit, match='overrides a --config'):
        bench.build_generator(args(None, **{'model.autocast': None}), 10)


def test_other_sizes_are_refused(bench):
    cfg = SG2_32.replace('32x32', '64x64')
    with pytest.raises(SystemExit, match='draws 64 px.*give a 32-px config'):
        bench.build_generator(args(cfg), 10)


def test_runs_and_prints_json_lines():
    out = subprocess.run(
        [sys.executable, SCRIPT, '--iters', '2', '--eval', '2',
         '--train-images', '16', '--threads', '1', '--config', SG2_32,
         '--lr', '2e-3', '--betas', '0', '0.99'],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    head, row = [json.loads(line) for line in out.stdout.splitlines()]
    assert head['generator'] == 'StyleGAN2Generator'
    assert head['betas'] == [0.0, 0.99] and head['lr'] == 2e-3
    assert row['iter'] == 2 and row['l1'] > 0
    assert {'shape_fit', 'class_distance', 'validity'} <= set(row)
