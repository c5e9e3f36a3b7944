"""Export of an mmlatent StyleGAN2 to rosinality's stylegan2-pytorch
layout, and back (identity)."""
import os
import subprocess
import sys

import pytest
import torch

from mmlatent.converters import convert_checkpoint, export_rosinality
from mmlatent.utils.errors import CheckpointError
from test_convert import (DIM, ROOT, check_generator, load_converted,
                          rosinality_discriminator, rosinality_generator)


def source(tmp_path):
    """A rosinality checkpoint converted to mmlatent (g, g_ema, d)."""
    g, g_ema, d = rosinality_generator(0), rosinality_generator(1), \
        rosinality_discriminator(2)
    avg = torch.randn(DIM)
    torch.save(dict(g=g, g_ema=g_ema, d=d, latent_avg=avg),
               tmp_path / 'r.pt')
    convert_checkpoint(str(tmp_path / 'r.pt'), str(tmp_path / 'm.pth'),
                       'rosinality')
    return dict(g=g, g_ema=g_ema, d=d, latent_avg=avg)


def test_export_matches_rosinality_layout_and_round_trips(tmp_path):
    orig = source(tmp_path)
    written = export_rosinality(str(tmp_path / 'm.pth'),
                                str(tmp_path / 'back.pt'))
    assert set(written) == {'g_ema', 'g', 'd', 'args'}
    out = torch.load(tmp_path / 'back.pt', weights_only=True)
    for part in ('g', 'g_ema', 'd'):  # same keys, shapes and values
        assert out[part].keys() == orig[part].keys()
        for k, v in orig[part].items():
            assert out[part][k].shape == v.shape, k
            assert torch.equal(out[part][k], v), k
    assert torch.equal(out['latent_avg'], orig['latent_avg'])
    # export -> import gives identical mmlatent weights
    convert_checkpoint(str(tmp_path / 'back.pt'), str(tmp_path / 'm2.pth'),
                       'rosinality')
    a = torch.load(tmp_path / 'm.pth', weights_only=True)['state_dict']
    b = torch.load(tmp_path / 'm2.pth', weights_only=True)['state_dict']
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    model, _ = load_converted(tmp_path / 'm2.pth')
    check_generator(model.generator_ema.module, orig['g_ema'])


def test_export_refusals_and_cli(tmp_path):
    source(tmp_path)
    ckpt = torch.load(tmp_path / 'm.pth', weights_only=True)
    ckpt['meta']['cfg'] = ckpt['meta']['cfg'].replace(
        "type='StyleGAN2Generator',",
        "type='StyleGAN2Generator', conv_clamp=256,")
    torch.save(ckpt, tmp_path / 'clamp.pth')
    with pytest.raises(CheckpointError, match='conv_clamp=256.*--drop-conv'):
        export_rosinality(str(tmp_path / 'clamp.pth'), str(tmp_path / 'x.pt'))
    assert not (tmp_path / 'x.pt').exists()
    tool = os.path.join(ROOT, 'tools', 'export_checkpoint.py')
    run = subprocess.run([sys.executable, tool, str(tmp_path / 'clamp.pth'),
                          str(tmp_path / 'y.pt'), '--no-d',
                          '--drop-conv-clamp'], capture_output=True,
                         text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert 'g_ema: the EMA generator' in run.stdout
    assert 'd' not in torch.load(tmp_path / 'y.pt', weights_only=True)
