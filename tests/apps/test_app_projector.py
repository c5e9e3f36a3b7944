"""apps/stylegan_projector.py end to end on checkpoints of 2-iteration
runs: outputs, input formats, reproducibility, recovery of a generated
image, and the one-line errors."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmlatent.latent.io import FORMAT, load_latents
from mmlatent.models.loading import load_generator


@pytest.fixture(scope='module')
def odd_images(tmp_path_factory):
    """A gray non-square PNG, an RGBA PNG and a JPEG, plus a broken file."""
    folder = tmp_path_factory.mktemp('odd_images')
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    paths = {'gray': folder / 'gray.png', 'rgba': folder / 'rgba.png',
             'jpeg': folder / 'photo.jpg', 'broken': folder / 'broken.png'}
    cv2.imwrite(str(paths['gray']), rgb[:, :, 0])
    cv2.imwrite(str(paths['rgba']), np.concatenate([rgb, rgb[:, :, :1]], 2))
    cv2.imwrite(str(paths['jpeg']), rgb)
    paths['broken'].write_bytes(b'not an image at all')
    return {k: str(v) for k, v in paths.items()}


def test_stylegan2_outputs(tiny_ckpts, projected, helpers):
    latent = projected('stylegan2')
    folder = osp.dirname(latent)
    assert sorted(p for p in __import__('os').listdir(folder)) == [
        'target-project.png', 'target-project.pt']
    assert helpers.read_rgb(osp.join(folder, 'target-project.png')).shape \
        == (36, 70, 3)
    data = torch.load(latent, weights_only=True)  # plain tensors only
    assert data['format'] == FORMAT and data['space'] == 'w'
    lf = load_latents(latent)
    assert lf.latent.shape == (1, 128)
    G = load_generator(tiny_ckpts['stylegan2']).G
    assert [tuple(v.shape[2:]) for v in lf.noise] == G.noise_shapes()
    assert set(lf.losses) == {'mse', 'noise_reg', 'total'}
    assert all(v.shape == (1, ) for v in lf.losses.values())
    assert lf.meta['source'].endswith('target.png') and lf.meta['steps'] == 5


def test_recovers_generated_image(tiny_ckpts, generated_image, app,
                                  tmp_path, helpers):
    ckpt = tiny_ckpts['stylegan2']
    image = generated_image('stylegan2')[0]
    app('stylegan_projector').main([
        ckpt, image, '-o', str(tmp_path), '--perceptual', 'none', '--mse',
        '1', '--total-iters', '80', '--w-avg-samples', '500',
        '--sample-model', 'orig'])
    lf = load_latents(str(tmp_path / 'target-project.pt'))
    G = load_generator(ckpt, sample_model='orig').G
    target = torch.from_numpy(helpers.read_rgb(image)).permute(2, 0, 1) \
        .float().div(127.5).sub(1)[None]
    with torch.no_grad():
        start = G.synthesis(G.w_avg[None], noise_mode='const').clamp(-1, 1)
    start_mse = float((start - target).square().mean())
    assert float(lf.losses['mse']) < 0.1 * start_mse
    pair = helpers.read_rgb(tmp_path / 'target-project.png')
    result = pair[2:34, 36:68].astype(float) / 127.5 - 1
    assert np.square(result - target[0].permute(1, 2, 0).numpy()).mean() \
        < 0.1 * start_mse


def test_formats_wplus_random_lpips_reproducible(tiny_ckpts, odd_images,
                                                 app, tmp_path):
    ckpt = tiny_ckpts['stylegan2']
    images = [odd_images[k] for k in ('gray', 'rgba', 'jpeg')]
    args = [ckpt, *images, '--w-plus', '--perceptual', 'random',
            '--total-iters', '2', '--w-avg-samples', '100', '--batch-size',
            '2']
    for name in ('a', 'b'):
        app('stylegan_projector').main(args + ['-o', str(tmp_path / name)])
    for stem in ('gray', 'rgba', 'photo'):
        a = load_latents(str(tmp_path / 'a' / f'{stem}-project.pt'))
        b = load_latents(str(tmp_path / 'b' / f'{stem}-project.pt'))
        assert a.space == 'w+' and a.latent.shape == (1, 8, 128)
        assert 'perceptual' in a.losses
        assert torch.equal(a.latent, b.latent)
        assert all(torch.equal(x, y) for x, y in zip(a.noise, b.noise))
        assert (tmp_path / 'a' / f'{stem}-project.png').read_bytes() == \
            (tmp_path / 'b' / f'{stem}-project.png').read_bytes()


def test_non_style_generators_in_z(tiny_ckpts, projected, generated_image,
                                   app, tmp_path, capsys):
    lf = load_latents(projected('cgan'))
    assert lf.space == 'z' and lf.latent.shape == (1, 64)
    assert lf.c.shape == (1, 3) and lf.noise is None
    app('stylegan_projector').main([
        tiny_ckpts['infogan'], generated_image('cgan')[0],
        '-o', str(tmp_path), '--perceptual', 'none', '--mse', '1',
        '--total-iters', '3', '--w-avg-samples', '50', '--label', '2',
        '--con', '0', '0.5', '0', '0'])
    assert 'inverting in z space' in capsys.readouterr().err
    lf = load_latents(str(tmp_path / 'target-project.pt'))
    assert lf.space == 'z' and lf.c[0].tolist() == [0, 0, 1, 0, 0.5, 0, 0]


def test_errors(tiny_ckpts, odd_images, app, tmp_path, monkeypatch,
                cli_error):
    projector, ckpt = app('stylegan_projector'), tiny_ckpts['stylegan2']
    out = ['-o', str(tmp_path)]
    err = cli_error(projector, [ckpt, odd_images['gray'],
                                odd_images['broken'], *out])
    assert f"cannot read image '{odd_images['broken']}'" in err
    err = cli_error(projector, [ckpt, odd_images['gray'], odd_images['gray']
                                + '.missing', *out])
    assert 'gray.png.missing' in err
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'empty_torch_home'))
    err = cli_error(projector, [ckpt, odd_images['gray'], *out])
    assert 'vgg16-397923af.pth' in err and 'IMAGENET1K_V1' in err
    assert '--perceptual random' in err
    err = cli_error(projector, [tiny_ckpts['dcgan'], odd_images['gray'],
                                '--w-plus', '--perceptual', 'none', '--mse',
                                '1', *out])
    assert '--w-plus needs a generator with a learned W space' in err
    err = cli_error(projector, [ckpt, odd_images['gray'], '--perceptual',
                                'none', *out])
    assert 'give --mse > 0' in err
    assert not list(tmp_path.glob('*-project.*'))


def test_help_documents_options_and_files(app, capsys):
    projector = app('stylegan_projector')
    with pytest.raises(SystemExit):
        projector.parse_args(['--help'])
    text = capsys.readouterr().out
    for option in ('--total-iters', '--w-plus', '--perceptual', '--mse',
                   '--lr', '--lr-rampup', '--lr-rampdown', '--noise',
                   '--noise-ramp', '--noise-regularize', '--w-avg-samples',
                   '--batch-size', '--seed', '--device', '--out-dir',
                   '--sample-model', '--label', '--con', '--config'):
        assert option in text
    for name, _ in projector.FILES:
        assert name in text
