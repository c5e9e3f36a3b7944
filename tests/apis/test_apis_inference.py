"""The inference API and tools/generate.py: seeds as NVIDIA's
gen_images.py, foreign formats read directly, EMA picking, errors."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from helpers import ROOT
from mmlatent.apis import (init_generator, parse_seeds, sample_conditional,
                           sample_images)
from mmlatent.models.loading import load_generator
from mmlatent.utils.errors import ConfigError
from mmlatent.utils.image import read_image, to_uint8
from nvidia_standins import (Z, dump, nv_discriminator, nv_generator,
                             ref_mapping, ref_synthesis)

TOOL = os.path.join(ROOT, 'tools', 'generate.py')


def const_noise(nv):
    s = nv.synthesis
    return [s.b4.conv1.noise_const, s.b8.conv0.noise_const,
            s.b8.conv1.noise_const, s.b16.conv0.noise_const,
            s.b16.conv1.noise_const]


def nvidia_reference(nv, seeds, c=None, psi=1.0):
    """NVIDIA gen_images.py: z = RandomState(seed).randn(1, z_dim),
    G(z, c, truncation_psi, noise_mode='const')."""
    z = torch.from_numpy(np.concatenate([np.random.RandomState(s).randn(
        1, Z) for s in seeds])).float()
    with torch.no_grad():
        ws = ref_mapping(nv.mapping, z, c, psi)
        noise = [n.expand(len(seeds), 1, -1, -1) for n in const_noise(nv)]
        return ref_synthesis(nv.synthesis, ws, noise)


def test_parse_seeds():
    assert parse_seeds('0-3,7') == [0, 1, 2, 3, 7]
    assert parse_seeds('5') == [5]
    with pytest.raises(ConfigError, match="'x' is not a seed"):
        parse_seeds('1,x')
    with pytest.raises(ConfigError, match="'5-2' is not a range"):
        parse_seeds('5-2')


def test_nvidia_pickle_read_directly_gives_nvidia_images(tmp_path):
    nv, nv_c = nv_generator(0), nv_generator(1, c_dim=3)
    path = dump(dict(G=nv, G_ema=nv, D=nv_discriminator(2)),
                tmp_path / 'a.pkl')
    loaded = init_generator(path, format='nvidia')
    assert loaded.which == 'ema' and 'nvidia file' in loaded.message
    img = sample_images(loaded.G, seeds=[5, 9], truncation_psi=0.7)
    assert (img - nvidia_reference(nv, [5, 9], psi=0.7)).abs().max() < 1e-4
    # a seed's image does not depend on the batch it is drawn in
    assert torch.allclose(sample_images(loaded.G, seeds=[9],
                                        truncation_psi=0.7)[0], img[1],
                          atol=1e-6)
    path = dump(dict(G_ema=nv_c), tmp_path / 'c.pkl')
    G = init_generator(path, format='nvidia').G
    img = sample_conditional(G, 2, seeds=[1, 4])
    c = torch.eye(3)[[2, 2]]
    assert (img - nvidia_reference(nv_c, [1, 4], c)).abs().max() < 1e-4
    with pytest.raises(ConfigError, match='conditional .*--class'):
        sample_images(G, seeds=[1])


def test_mmlatent_checkpoint_and_noise(tiny_ckpts):
    ckpt = tiny_ckpts['stylegan2']
    loaded = init_generator(ckpt)
    assert loaded.which == load_generator(ckpt).which
    G = loaded.G
    a = sample_images(G, seeds=[0, 1], noise_mode='random')
    b = sample_images(G, seeds=[0, 1], noise_mode='random')
    assert torch.equal(a, b)
    c = sample_images(G, seeds=[0, 1])          # const noise
    assert not torch.equal(a, c)
    n = sample_images(G, 3, generator=torch.Generator().manual_seed(0))
    assert n.shape == (3, 3, G.resolution, G.resolution)
    with pytest.raises(ConfigError, match='either a number of images n or '
                       'seeds'):
        sample_images(G, 2, seeds=[1])


def generate_main():
    spec = importlib.util.spec_from_file_location('generate_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda *args: module.main([str(a) for a in args])


def test_generate_tool(tmp_path, tiny_ckpts):
    generate = generate_main()
    nv_c = nv_generator(3, c_dim=3)
    path = dump(dict(G_ema=nv_c), tmp_path / 'c.pkl')
    for name in ('a', 'b'):
        generate(path, '--format', 'nvidia', '--seeds', '0-2,7', '--class',
                 1, '--trunc', 0.5, '--out-dir', tmp_path / name)
    a, b = tmp_path / 'a', tmp_path / 'b'
    names = ['seed0000.png', 'seed0001.png', 'seed0002.png', 'seed0007.png']
    assert sorted(os.listdir(a)) == names
    for f in names:
        assert (a / f).read_bytes() == (b / f).read_bytes()
    ref = to_uint8(nvidia_reference(nv_c, [7], torch.eye(3)[[1]], 0.5))[0]
    got = read_image(str(a / 'seed0007.png'))
    assert np.abs(got.astype(int) - ref.astype(int)).max() <= 1
    generate(tiny_ckpts['stylegan2'], '--seeds', '3', '-o', tmp_path / 'd')
    assert os.listdir(tmp_path / 'd') == ['seed0003.png']
    # the command line: a conditional network without --class
    bad = subprocess.run([sys.executable, TOOL, path, '--format', 'nvidia',
                          '--seeds', '0', '--out-dir', tmp_path / 'c'],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and not (tmp_path / 'c').exists()
    assert bad.stderr.strip().splitlines()[-1].startswith(
        'error: the generator is conditional')
