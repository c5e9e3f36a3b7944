"""Every control app end to end on tiny checkpoints, and their one-line
errors for bad input."""
import csv
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from mmlatent.control import load_boundary
from mmlatent.latent import load_latents, save_latents
from mmlatent.models.loading import load_generator

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GEN = 'apps/generate_latents.py'
TRAIN = 'apps/train_boundary.py'
EDIT = 'apps/edit_with_boundary.py'
GUIDE = 'apps/classifier_guidance.py'
TRAVERSE = 'apps/infogan_traversal.py'
COND = 'apps/conditional_sample.py'


def ok(result):
    code, err = result
    assert code == 0, err


def synthetic_scores(src, dst, seed=0, names=('syn', )):
    """Copy the latent file ``src`` to ``dst`` with linear scores."""
    lf = load_latents(src)
    g = torch.Generator().manual_seed(seed)
    scores = {}
    for name in names:
        n = F.normalize(torch.randn(lf.latent.shape[1], generator=g), dim=0)
        scores[name] = lf.latent @ n
    save_latents(dst, lf.latent, space=lf.space, c=lf.c, scores=scores)
    return dst


@pytest.fixture(scope='module')
def dcgan_latents(tiny_ckpts, tmp_path_factory, run_script,
                  shapes_classifier):
    out = tmp_path_factory.mktemp('gen')
    ok(run_script(GEN, [tiny_ckpts['dcgan'], '--num', 60, '--scorer',
                        'shapes', shapes_classifier, '-o', out,
                        '--batch-size', 25]))
    return out


def test_generate_latents_writes_scored_z_and_w(dcgan_latents):
    z = load_latents(str(dcgan_latents / 'latents_z.pt'))
    w = load_latents(str(dcgan_latents / 'latents_w.pt'))
    assert (z.space, w.space) == ('z', 'w')
    assert z.latent.shape == (60, 64) and w.latent.shape == (60, 64)
    assert {'x', 'valid', 'is_square', 'classifier:cls.pth.x'} <= \
        set(z.scores)
    assert torch.isfinite(z.scores['classifier:cls.pth.x']).all()
    assert z.meta['generator'] == 'DCGANGenerator'
    assert osp.isfile(dcgan_latents / 'samples.png')


@pytest.mark.parametrize('family', ['dcgan', 'wgangp', 'cgan', 'infogan',
                                    'stylegan2'])
def test_generate_and_edit_every_family(family, tiny_ckpts, tmp_path,
                                        run_script):
    ckpt = tiny_ckpts[family]
    ok(run_script(GEN, [ckpt, '--num', 20, '-o', tmp_path]))
    for space in ('z', 'w'):
        lat = synthetic_scores(str(tmp_path / f'latents_{space}.pt'),
                               str(tmp_path / f'syn_{space}.pt'))
        ok(run_script(TRAIN, [lat, '--attribute', 'syn', '--ratio', 0.2]))
        ok(run_script(EDIT, [ckpt, tmp_path / f'boundary_syn_{space}.pt',
                             '--steps', 2, '--num', 2, '-o', tmp_path,
                             '--overwrite']))
    lf = load_latents(str(tmp_path / 'edit_syn_latents.pt'))
    assert lf.space == 'w' and len(lf) == 4


def test_generate_latents_is_reproducible(tiny_ckpts, tmp_path, run_script):
    for name in ('a', 'b'):
        ok(run_script(GEN, [tiny_ckpts['cgan'], '--num', 5, '--seed', 3,
                            '--label', 1, '-o', tmp_path / name]))
    a = load_latents(str(tmp_path / 'a' / 'latents_z.pt'))
    b = load_latents(str(tmp_path / 'b' / 'latents_z.pt'))
    assert torch.equal(a.latent, b.latent) and a.c.shape == (5, 3)
    assert (a.c.argmax(1) == 1).all() and a.scores is None


def test_train_condition_and_edit(tiny_ckpts, dcgan_latents, tmp_path,
                                  run_script, capsys):
    lat = synthetic_scores(str(dcgan_latents / 'latents_z.pt'),
                           str(tmp_path / 'syn.pt'), names=('a', 'b', 'c'))
    for attr in ('a', 'b'):
        ok(run_script(TRAIN, [lat, '--attribute', attr, '--ratio', 0.1]))
    # 6 per class, 2 validating: the accuracy is moot and the app says so
    assert 'warning: only 2 validation sample(s) per class' in \
        capsys.readouterr().out
    ba, bb = (str(tmp_path / f'boundary_{a}_z.pt') for a in 'ab')
    ok(run_script(TRAIN, [lat, '--attribute', 'c', '--ratio', 0.1,
                          '--condition', ba, bb]))
    cond = load_boundary(str(tmp_path / 'boundary_c_z_cond_a_b.pt'))
    assert cond.conditions == ['a', 'b']
    for other in (ba, bb):
        assert abs(float(cond.normal @ load_boundary(other).normal)) < 1e-5

    out = tmp_path / 'edit'
    ok(run_script(EDIT, [tiny_ckpts['dcgan'], ba, '--steps', 3, '--num', 2,
                         '--scorer', 'shapes', '-o', out]))
    table = capsys.readouterr().out
    assert 'change' in table and 'scale' in table
    edited = load_latents(str(out / 'edit_a_latents.pt'))
    assert edited.latent.shape == (6, 64) and 'x' in edited.scores
    assert osp.isfile(out / 'edit_a.png')
    assert osp.isfile(out / 'edit_a_summary.json')
    # absolute mode on the codes of a latent file: exact distances
    ok(run_script(EDIT, [tiny_ckpts['dcgan'], ba, '--steps', 3, '--start',
                         -1, '--end', 1, '--mode', 'absolute', '--latent',
                         lat, '-o', out, '--overwrite']))
    edited = load_latents(str(out / 'edit_a_latents.pt'))
    dist = load_boundary(ba).distance(edited.latent).view(60, 3)
    assert torch.allclose(dist, torch.tensor([-1.0, 0.0, 1.0]).expand(60, -1),
                          atol=1e-4)


def test_edit_stylegan2_w_plus_layers(tiny_ckpts, tmp_path, run_script):
    ok(run_script(GEN, [tiny_ckpts['stylegan2'], '--num', 30, '-o',
                        tmp_path]))
    lat = synthetic_scores(str(tmp_path / 'latents_w.pt'),
                           str(tmp_path / 'syn_w.pt'))
    ok(run_script(TRAIN, [lat, '--attribute', 'syn', '--ratio', 0.2]))
    b = str(tmp_path / 'boundary_syn_w.pt')
    ok(run_script(EDIT, [tiny_ckpts['stylegan2'], b, '--steps', 2, '--num',
                         2, '--layers', 0, 1, '-o', tmp_path / 'e']))
    edited = load_latents(str(tmp_path / 'e' / 'edit_syn_latents.pt'))
    assert edited.space == 'w+' and edited.latent.shape[:2] == (4, 8)
    same = edited.latent[:, 2:]
    assert torch.equal(same, same[:, :1].expand_as(same))
    # z codes of a file map to w for a w boundary
    ok(run_script(EDIT, [tiny_ckpts['stylegan2'], b, '--steps', 2, '--latent',
                         tmp_path / 'latents_z.pt', '-o', tmp_path / 'e',
                         '--overwrite']))
    # the noise maps of a file (a projection) travel with its codes
    G = load_generator(tiny_ckpts['stylegan2']).G
    lf = load_latents(lat)
    noise = G.make_noise(3, generator=torch.Generator().manual_seed(0))
    save_latents(str(tmp_path / 'proj.pt'), lf.latent[:3], space='w',
                 noise=noise)
    ok(run_script(EDIT, [tiny_ckpts['stylegan2'], b, '--steps', 2, '--latent',
                         tmp_path / 'proj.pt', '-o', tmp_path / 'n']))
    edited = load_latents(str(tmp_path / 'n' / 'edit_syn_latents.pt'))
    assert torch.equal(edited.noise[0], noise[0].repeat_interleave(2, 0))


def test_classifier_guidance_end_to_end(tiny_ckpts, tmp_path, run_script,
                                        shapes_classifier, capsys):
    ok(run_script(GUIDE, [tiny_ckpts['dcgan'], '--scorer', shapes_classifier,
                          '--attribute', 'x', '--target', 0.8, '--verify',
                          'shapes', '--steps', 4, '--save-every', 2,
                          '--num', 3, '-o', tmp_path]))
    text = capsys.readouterr().out
    assert 'guiding scorer' in text and 'verifying scorer shapes' in text
    with open(tmp_path / 'guidance_x.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5 * 3
    assert {r['step'] for r in rows if r['verify']} == {'0', '2', '4'}
    assert all(float(r['guide']) == float(r['guide']) for r in rows)
    lf = load_latents(str(tmp_path / 'guidance_x_latents.pt'))
    assert set(lf.scores) == {'guide_x', 'verify_x'}
    ok(run_script(GUIDE, [tiny_ckpts['stylegan2'], '--scorer',
                          shapes_classifier, '--attribute', 'is_square',
                          '--target', 1, '--space', 'w', '--steps', 2,
                          '--num', 2, '-o', tmp_path]))


def test_traversal_and_conditional_apps(tiny_ckpts, tmp_path, run_script):
    ok(run_script(TRAVERSE, [tiny_ckpts['infogan'], '--num-rows', 2,
                             '--num-values', 3, '-o', tmp_path / 'i']))
    names = {'cat0.png'} | {f'cat0_{k}_con{j}.png' for k in range(3)
                            for j in range(4)}
    assert all(osp.isfile(tmp_path / 'i' / n) for n in names)
    ok(run_script(COND, [tiny_ckpts['cgan'], '--num-rows', 2,
                         '--interp-steps', 3, '-o', tmp_path / 'c']))
    assert all(osp.isfile(tmp_path / 'c' / n) for n in (
        'classes.png', 'interp_0_to_1.png', 'interp_2_to_0.png'))
    ok(run_script(COND, [tiny_ckpts['infogan'], '--num-rows', 2, '--source',
                         2, '--target', 1, '--con', 0.5, 0, 0, -0.5, '-o',
                         tmp_path / 'c2']))
    assert osp.isfile(tmp_path / 'c2' / 'interp_2_to_1.png')


def test_bad_inputs_are_one_line(tiny_ckpts, dcgan_latents, tmp_path,
                                 run_script, monkeypatch):
    monkeypatch.chdir(tmp_path)              # default --out-dir stays here
    zfile = str(dcgan_latents / 'latents_z.pt')
    dc, sg = tiny_ckpts['dcgan'], tiny_ckpts['stylegan2']
    lat = synthetic_scores(zfile, str(tmp_path / 'syn.pt'))
    ok(run_script(TRAIN, [lat, '--attribute', 'syn', '--ratio', 0.1]))
    zb = str(tmp_path / 'boundary_syn_z.pt')
    wplus = str(tmp_path / 'wplus.pt')
    save_latents(wplus, torch.zeros(4, 8, 128), space='w+')
    cases = [
        (TRAIN, [zfile, '--attribute', 'sclae'],
         "unknown attribute 'sclae' (did you mean 'scale'?)"),
        (TRAIN, [wplus, '--attribute', 'x'], "holds 'w+' codes"),
        (TRAIN, [str(dcgan_latents / 'latents_z.pt'), '--attribute', 'x',
                 '--condition', str(tmp_path / 'nope.pt')],
         'does not exist'),
        (GEN, [dc, '--num', 2, '--scorer', 'shape'],
         "unknown scorer 'shape'"),
        (EDIT, [tiny_ckpts['infogan'], zb], "'z' boundary of size 64 but "
         'DCGANGenerator has z codes of size 32'),
        (EDIT, [sg, zb], "'z' boundary of size 64"),
        (EDIT, [dc, zb, '--layers', 0], 'has no W+ space'),
        (EDIT, [dc, zfile], "has format 'mmlatent.latent/1'"),
        (EDIT, [dc, zb, '--latent', str(dcgan_latents / 'latents_w.pt')],
         "lives in 'z' but"),
        (GUIDE, [dc, '--scorer', 'shapes', '--attribute', 'x', '--target',
                 0.5], "scorer 'shapes' is not differentiable"),
        (TRAVERSE, [dc], 'takes no condition codes'),
        (COND, [tiny_ckpts['cgan'], '--source', 5, '--target', 0],
         'class 5 is out of range'),
    ]
    for app, argv, message in cases:
        code, err = run_script(app, argv)
        assert code == 2 and message in err, (app, argv, err)


def test_layers_need_a_w_boundary(tiny_ckpts, tmp_path, run_script,
                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    ok(run_script(GEN, [tiny_ckpts['stylegan2'], '--num', 30, '-o',
                        tmp_path]))
    lat = synthetic_scores(str(tmp_path / 'latents_z.pt'),
                           str(tmp_path / 'syn.pt'))
    ok(run_script(TRAIN, [lat, '--attribute', 'syn', '--ratio', 0.2]))
    code, err = run_script(EDIT, [tiny_ckpts['stylegan2'],
                                  str(tmp_path / 'boundary_syn_z.pt'),
                                  '--layers', 0])
    assert code == 2 and "lives in 'z'; train it on w codes" in err


@pytest.mark.parametrize('app', [GEN, TRAIN, EDIT, GUIDE, TRAVERSE, COND,
                                 'tools/train_classifier.py'])
def test_help_documents_outputs(app, script, capsys):
    with pytest.raises(SystemExit) as e:
        script(app).main(['--help'])
    assert e.value.code == 0
    text = capsys.readouterr().out
    assert 'output' in text and '--seed' in text


def test_script_entry_point_prints_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, TRAIN), str(tmp_path / 'none.pt'),
         '--attribute', 'x'], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count('\n') == 0
    assert proc.stderr.startswith('error: latent file')
