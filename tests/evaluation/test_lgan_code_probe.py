"""benchmarks/lgan_code_probe.py: where an l-GAN's class lives in its
code."""
import json
import math
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from helpers import load_script

from mmlatent.utils.errors import ConfigError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'benchmarks', 'lgan_code_probe.py')


@pytest.fixture(scope='module')
def probe():
    return load_script('benchmarks/lgan_code_probe.py')


def shuffled(w, labels, seed=0):
    order = np.random.default_rng(seed).permutation(len(w))
    return w[order], labels[order]


def test_a_class_along_a_direction_is_read_by_both(probe):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 300)
    # three bands of x, 2 apart, each 1 wide; y is noise
    w = np.stack([labels * 2.0 + rng.uniform(0, 1, 900),
                  rng.normal(size=900)], 1)
    acc, _ = probe.class_readability(*shuffled(w, labels), k=5)
    assert acc == {'linear': 1.0, 'knn': 1.0}


def test_a_class_in_rings_is_read_by_neighbours_only(probe):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 600)
    # concentric rings of radius 1-2, 3-4 and 5-6: no direction separates
    # them, neighbours do
    r = labels * 2.0 + 1 + rng.uniform(0, 1, 1800)
    angle = rng.uniform(0, 2 * math.pi, 1800)
    w = np.stack([r * np.cos(angle), r * np.sin(angle)], 1)
    acc, knn = probe.class_readability(*shuffled(w, labels), k=5)
    assert acc['linear'] < 0.5
    assert acc['knn'] > 0.97
    assert knn.predict(np.array([[0.0, 1.5], [3.5, 0.0], [0.0, -5.5]])
                       ).tolist() == [0, 1, 2]


def test_histogram_leaves_invalid_samples_out(probe):
    assert probe.histogram([0, 0, 1, 2, -1]) == [0.5, 0.25, 0.25]
    assert probe.histogram([-1, -1]) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize('fraction', [0, 1.0, 1.5])
def test_fit_fraction_outside_the_open_interval_is_refused(probe, fraction):
    with pytest.raises(ConfigError, match=f'--fit-fraction {fraction}'):
        probe.class_readability(np.zeros((50, 2)), np.zeros(50), fraction)


def run(args):
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True,
        cwd=ROOT, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1'))


def test_probe_prints_one_json_line(tiny_ckpts, tmp_path):
    out_file = tmp_path / 'probe.json'
    out = run(['--ckpt', tiny_ckpts['lgan'], '--num-images', '200',
               '--num-samples', '50', '--k', '5', '--threads', '1',
               '--out', str(out_file)])
    assert out.returncode == 0, out.stderr[-2000:]
    row = json.loads(out.stdout.strip())
    assert row == json.loads(out_file.read_text())
    assert row['classes'] == ['square', 'ellipse', 'triangle']
    assert set(row['accuracy']) == {'linear', 'knn'}
    assert all(0 <= v <= 1 for v in row['accuracy'].values())
    # 200 fresh images of three equally likely classes
    assert all(abs(p - 1 / 3) < 0.15 for p in row['real_labels'])
    assert sum(row['mapped_knn']) == pytest.approx(1, abs=1e-3)
    assert 0 <= row['valid'] <= 1


def test_a_checkpoint_without_an_encoder_is_one_line(tiny_ckpts):
    out = run(['--ckpt', tiny_ckpts['dcgan'], '--num-images', '100',
               '--num-samples', '10', '--k', '5'])
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        'error: the checkpoint is not an unconditional LatentGAN (it needs '
        'an encoder and no condition c)']
