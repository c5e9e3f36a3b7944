"""apps/interpolate_sample.py end to end on checkpoints of 2-iteration
runs of every family."""
import os.path as osp

import imageio.v3 as iio
import pytest
import torch

from mmlatent.latent.codes import Codes, render_codes
from mmlatent.latent.io import load_codes
from mmlatent.latent.io import load_latents
from mmlatent.latent.paths import endpoint_positions, interpolation_path
from mmlatent.models.loading import load_generator
from mmlatent.utils.image import to_uint8

CONDITIONS = {
    'cgan': ['--label', '1'],
    'infogan': ['--label', '2', '--con', '0.5', '0', '0', '-0.5'],
}


def frame(out, k):
    return osp.join(out, f'frame_{k:05d}.png')


def rendered(ckpt, latent_file):
    """uint8 images of the codes of a latent file, rendered apart."""
    G = load_generator(ckpt).G
    return to_uint8(render_codes(G, load_codes([latent_file], G)))


@pytest.mark.parametrize('show_mode', ['sequence', 'group'])
def test_path_exact_ends_and_slerp_norms_per_layer(show_mode):
    g = torch.Generator().manual_seed(0)
    latent = torch.randn(4, 3, 8, generator=g)
    latent = latent / latent.norm(dim=-1, keepdim=True) * 2.5  # W+
    c = torch.eye(4)
    ends = Codes(latent, 'w+', c, [torch.randn(4, 1, 4, 4, generator=g)])
    path = interpolation_path(ends, interval=5, mode='slerp',
                              show_mode=show_mode)
    pos = endpoint_positions(4, interval=5, show_mode=show_mode)
    assert len(path) == (13 if show_mode == 'sequence' else 10)
    assert torch.equal(path.latent[pos], latent)
    assert torch.equal(path.c[pos], c) and torch.equal(path.noise[0][pos],
                                                       ends.noise[0])
    assert torch.allclose(path.latent.norm(dim=-1),
                          torch.full((len(path), 3), 2.5), atol=1e-5)


@pytest.mark.parametrize('family', ['dcgan', 'wgangp', 'cgan', 'infogan',
                                    'stylegan2', 'lgan'])
def test_sequence_hits_endpoints(family, tiny_ckpts, app, tmp_path,
                                 helpers):
    out = str(tmp_path)
    app('interpolate_sample').main([
        tiny_ckpts[family], '-o', out, '--endpoint', '3', '--interval', '3',
        *CONDITIONS.get(family, [])])
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ['endpoints.pt'] + [f'frame_{k:05d}.png' for k in range(5)]
    lf = load_latents(osp.join(out, 'endpoints.pt'))
    assert lf.space == 'z' and len(lf) == 3
    if family in CONDITIONS:
        c = lf.c
        assert torch.equal(c, c[:1].expand_as(c))  # the condition is fixed
        assert int(c[0, :3].argmax()) == int(CONDITIONS[family][1])
    ends = rendered(tiny_ckpts[family], osp.join(out, 'endpoints.pt'))
    for k, pos in enumerate([0, 2, 4]):
        img = helpers.read_rgb(frame(out, pos))
        assert img.shape == (32, 32, 3)
        helpers.assert_close_uint8(img, ends[k])


def test_group_w_video_truncation_reproducible(tiny_ckpts, app, tmp_path,
                                               helpers):
    ckpt = tiny_ckpts['stylegan2']
    args = [ckpt, '--show-mode', 'group', '--endpoint', '4', '--interval',
            '4', '--space', 'w', '--interp-mode', 'slerp', '--export-video',
            '--sample-cfg', 'truncation_psi=0.7', '--seed', '3']
    runs = [str(tmp_path / name) for name in ('a', 'b')]
    for out in runs:
        app('interpolate_sample').main(args + ['-o', out])
    a, b = runs
    assert sorted(p.name for p in (tmp_path / 'a').iterdir()) == [
        'endpoints.pt', 'interpolation.gif', 'interpolation.mp4',
        'interpolation_group.png']
    cells = helpers.grid_cells(osp.join(a, 'interpolation_group.png'),
                               rows=2, cols=4, size=32)
    assert open(osp.join(a, 'interpolation_group.png'), 'rb').read() == \
        open(osp.join(b, 'interpolation_group.png'), 'rb').read()
    lf = load_latents(osp.join(a, 'endpoints.pt'))
    assert lf.space == 'w' and lf.latent.shape == (4, 128)
    assert torch.equal(lf.latent, load_latents(osp.join(b, 'endpoints.pt'))
                       .latent)
    # truncation took effect: w = w_avg + 0.7 (mapping(z) - w_avg) for the
    # z drawn from --seed
    G = load_generator(ckpt).G
    z = G.sample_z(4, torch.Generator().manual_seed(3))
    with torch.no_grad():
        w = G.mapping(z)[:, 0]
    assert torch.allclose(lf.latent, G.w_avg.lerp(w, 0.7), atol=1e-5)
    ends = rendered(ckpt, osp.join(a, 'endpoints.pt'))
    for k in range(4):
        helpers.assert_close_uint8(cells[k // 2, 3 * (k % 2)], ends[k])
    gif = iio.imread(osp.join(a, 'interpolation.gif'), index=None)
    assert gif.shape[0] == 4
    assert osp.getsize(osp.join(a, 'interpolation.mp4')) > 0


def test_space_w_without_w_space(tiny_ckpts, app, tmp_path, capsys,
                                 cli_error):
    interp = app('interpolate_sample')
    interp.main([tiny_ckpts['cgan'], '--space', 'w', '--endpoint', '2',
                 '--interval', '3', '-o', str(tmp_path), '--label', '0'])
    assert 'has no learned W space; --space w interpolates its input' in \
        capsys.readouterr().err
    lf = load_latents(str(tmp_path / 'endpoints.pt'))
    assert lf.space == 'w' and lf.latent.shape == (2, 64 + 3)
    err = cli_error(interp, [tiny_ckpts['dcgan'], '-o', str(tmp_path),
                             '--sample-cfg', 'truncation_psi=0.7'])
    assert 'needs a generator with a learned W space' in err


def test_from_projection(tiny_ckpts, projected, app, tmp_path, helpers,
                         cli_error):
    ckpt, latent = tiny_ckpts['stylegan2'], projected('stylegan2')
    interp = app('interpolate_sample')
    interp.main([ckpt, '--proj-latent', latent, '--endpoint', '2',
                 '--interval', '3', '-o', str(tmp_path), '--sample-model',
                 'orig'])
    ends = load_latents(str(tmp_path / 'endpoints.pt'))
    proj = load_latents(latent)
    assert ends.space == 'w' and torch.equal(ends.latent[0], proj.latent[0])
    assert torch.equal(ends.noise[0][0], proj.noise[0][0])
    result = helpers.read_rgb(latent.replace('.pt', '.png'))[2:34, 36:68]
    helpers.assert_close_uint8(helpers.read_rgb(tmp_path / 'frame_00000.png'),
                               result)
    err = cli_error(interp, [ckpt, '--proj-latent', latent, '--space', 'z',
                             '-o', str(tmp_path)])
    assert "'w' codes cannot be mapped back to z" in err
    # z codes with their condition from a projection of a conditional GAN
    out = tmp_path / 'cgan'
    interp.main([tiny_ckpts['cgan'], '--proj-latent', projected('cgan'),
                 '--interval', '2', '-o', str(out), '--sample-model',
                 'orig'])
    lf = load_latents(str(out / 'endpoints.pt'))
    assert lf.space == 'z' and len(lf) == 2 and lf.c.shape == (2, 3)
    assert torch.equal(lf.latent[0], load_latents(projected('cgan'))
                       .latent[0])


def test_bad_inputs(tiny_ckpts, app, tmp_path, cli_error):
    interp, ckpt = app('interpolate_sample'), tiny_ckpts['dcgan']
    assert 'is odd' in cli_error(interp, [ckpt, '--show-mode', 'group',
                                          '--endpoint', '3', '-o',
                                          str(tmp_path)])
    file = tmp_path / 'taken'
    file.write_text('x')
    assert 'is an existing file' in cli_error(interp, [ckpt, '-o',
                                                       str(file)])
    assert "'noise' is not one of" in cli_error(
        interp, [tiny_ckpts['stylegan2'], '-o', str(tmp_path),
                 '--sample-cfg', 'noise=1'])


def test_help_documents_options_and_files(app, capsys):
    interp = app('interpolate_sample')
    with pytest.raises(SystemExit):
        interp.parse_args(['--help'])
    text = capsys.readouterr().out
    for option in ('--show-mode', '--endpoint', '--interval', '--space',
                   '--interp-mode', '--batch-size', '--proj-latent',
                   '--export-video', '--fps', '--sample-cfg', '--seed',
                   '--device', '--out-dir', '--sample-model', '--label',
                   '--con', '--config'):
        assert option in text
    for name, _ in interp.FILES:
        assert name in text
