"""benchmarks/mmagic_apps.py and its MMagic ports of MMGeneration's apps:
the ports compute what mmlatent computes (checked here without MMagic)."""
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest
import torch
from helpers import ROOT, load_script

from mmlatent.latent.projection import learning_rate, noise_regularization


def test_sefa_port_factorises_the_style_convolutions_modulations():
    """Columns of the port's result are eigenvectors of A^T A, A the
    stacked ``style_modulation`` weights without toRGB and biases."""
    port = load_script('benchmarks/mmagic_ports/modified_sefa.py')
    torch.manual_seed(0)
    A = [torch.randn(6, 5), torch.randn(4, 5)]
    state = {'convs.0.conv.style_modulation.linear.weight_orig': A[0],
             'convs.0.conv.style_modulation.bias': torch.randn(6),
             'conv1.conv.style_modulation.linear.weight_orig': A[1],
             'to_rgbs.0.conv.style_modulation.linear.weight_orig':
                 torch.randn(3, 5),
             'convs.0.conv.weight': torch.randn(6, 6, 3, 3)}
    V = port.eigen_vectors(state)
    gram = torch.cat(A).T @ torch.cat(A)
    values = torch.linalg.eigvalsh(gram).flip(0)
    assert torch.allclose(V.T @ V, torch.eye(5), atol=1e-5)
    assert torch.allclose(gram @ V, V * values, atol=1e-4)


def test_projector_port_has_mmlatents_schedule_and_noise_term():
    port = load_script('benchmarks/mmagic_ports/stylegan_projector.py')
    for t in (0.0, 0.01, 0.3, 0.8, 0.99):
        assert port.lr_at(t) == pytest.approx(learning_rate(
            t, initial_lr=0.1, lr_rampdown=0.25, lr_rampup=0.05))
    torch.manual_seed(0)
    noise = [torch.randn(1, 1, s, s) for s in (4, 8, 16, 32)]
    assert float(port.autocorrelation(noise)) == pytest.approx(
        float(noise_regularization(noise)[0]), rel=1e-5)


def test_without_mmagic_it_stops_with_one_line_naming_the_fix():
    if importlib.util.find_spec('mmagic') is not None:
        pytest.skip('MMagic is installed here')
    run = subprocess.run([sys.executable, osp.join(
        ROOT, 'benchmarks', 'mmagic_apps.py'), '--apps', 'sefa'],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith('error: MMagic is not importable here')
