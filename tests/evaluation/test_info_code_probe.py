"""benchmarks/info_code_probe.py: InfoGAN's code on a trained l-GAN."""
import json
import os
import os.path as osp
import subprocess
import sys

import torch
from helpers import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'benchmarks', 'info_code_probe.py')


def load_probe():
    return load_script('benchmarks/info_code_probe.py')


def test_init_starts_from_the_trained_mapping_and_critic(tiny_ckpts):
    from mmlatent.models.loading import load_model
    probe = load_probe()
    model = load_model(tiny_ckpts['lgan'])[0]
    M, D = probe.build_networks(model, init=True)
    z = torch.randn(5, model.G.z_dim)
    for k in range(probe.K):
        cat = torch.eye(probe.K)[[k] * 5]
        with torch.no_grad():
            assert torch.allclose(M(torch.cat([z, cat], 1)),
                                  model.G.mapping_net(z), atol=1e-6)
    w = torch.randn(4, model.G.w_dim)
    with torch.no_grad():
        assert torch.equal(D(w), model.discriminator.net(w))
    fresh, _ = probe.build_networks(model, init=False)
    assert not torch.allclose(fresh(torch.cat([z, cat], 1)),
                              model.G.mapping_net(z))


def test_probe_runs_and_prints_its_figures(tiny_ckpts, tmp_path):
    out = subprocess.run(
        [sys.executable, SCRIPT, '--ckpt', tiny_ckpts['lgan'], '--steps',
         '4', '--batch', '16', '--q-batch', '4', '--init'],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    steps, cats = rows[:4], rows[4:]
    assert [r['step'] for r in steps] == [1, 2, 3, 4]
    for r in steps:
        acc = r['cat_class_accuracy']
        assert acc is None or 1 / 3 - 0.05 < acc <= 1
        assert sum(map(sum, r['confusion'])) == r['valid']
    assert [r['cat'] for r in cats] == [0, 1, 2]
