"""benchmarks/data_fidelity.py keeps its results file: new runs replace
the runs of the same name, the others and the file's notes stay, and a
file that is not a results file is named in one line and left alone."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def bench():
    path = osp.join(ROOT, 'benchmarks', 'data_fidelity.py')
    spec = importlib.util.spec_from_file_location('data_fidelity', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runs_are_merged_by_name(bench, tmp_path):
    out = tmp_path / 'results' / 'data_fidelity.json'
    bench.save_results(str(out), [dict(name='a', x=1), dict(name='b', x=2)])
    data = json.loads(out.read_text())
    data['note'] = 'how the rows were made'
    out.write_text(json.dumps(data))
    bench.save_results(str(out), [dict(name='b', x=3), dict(name='c', x=4)])
    data = json.loads(out.read_text())
    assert data['note'] == 'how the rows were made'
    assert [(r['name'], r['x']) for r in data['runs']] == \
        [('a', 1), ('b', 3), ('c', 4)]


@pytest.mark.parametrize('text', ['{"runs": [', '[1, 2]', '{"runs": 3}'])
def test_a_file_that_is_not_a_results_file_is_left_alone(bench, tmp_path,
                                                          text):
    out = tmp_path / 'data_fidelity.json'
    out.write_text(text)
    with pytest.raises(SystemExit) as err:
        bench.save_results(str(out), [dict(name='a')])
    msg = str(err.value)
    assert str(out) in msg and '--out' in msg and '\n' not in msg
    assert out.read_text() == text
    with pytest.raises(SystemExit):  # before any training
        bench.main([f'--out={out}', '--ckpt', 'missing.pth'])
    assert out.read_text() == text


def test_the_table_gives_the_class_distance_with_its_sampling_error(bench):
    figures = dict(validity=1.0, class_distance=0.052, shape_fit=0.91,
                   fit_ratio=0.912, ks_max=0.08, precision=0.8, recall=0.92,
                   fd=19.9)
    new = dict(figures, class_distance_se=0.0143)
    real = dict(figures, class_distance=0.009)
    fake = dict(new, targets=dict(class_distance=False, ks=True))
    entry = dict(name='run', iter=3000, real=real, fake=fake)
    text = bench.table([entry])
    assert '| 0.052 ± 0.014 |' in text and 'missed: class_distance' in text
    # rows made before the error was kept show the figure alone
    assert '| 0.009 |' in text


def test_a_bad_input_is_one_line_and_writes_nothing(tmp_path):
    bad, out = tmp_path / 'net.pth', tmp_path / 'rows.json'
    bad.write_text('not a checkpoint')
    r = subprocess.run(
        [sys.executable, osp.join(ROOT, 'benchmarks', 'data_fidelity.py'),
         '--ckpt', 'missing.pth', '--feature-net', str(bad),
         '--out', str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert 'Traceback' not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and str(bad) in last
    assert not out.exists()


def test_a_figure_on_its_target_meets_it_despite_float_rounding(bench):
    real = dict(precision=0.95, recall=0.95)
    on = dict(class_distance=0.05000000000000002, fit_ratio=0.9,
              precision=0.8 * 0.95, recall=0.76, ks_max=0.1)
    assert all(bench.targets(on, real).values())
    off = dict(class_distance=0.0505, fit_ratio=0.8995, precision=0.7595,
               recall=0.7595, ks_max=0.1005)   # half a 2000th beyond
    assert not any(bench.targets(off, real).values())


class _Autoencoder:
    """An l-GAN stand-in: the code is the image; ``blur`` > 1 makes the
    decoder draw it from a ``32 // blur``-pixel thumbnail."""

    def __init__(self, blur: int = 1):
        self.blur = blur
        self.G = self

    def real_codes(self, img):
        return img.flatten(1)

    def synthesis(self, w):
        import torch.nn.functional as F
        img = w.view(-1, 3, 32, 32)
        if self.blur > 1:
            img = F.interpolate(F.avg_pool2d(img, self.blur), size=32,
                                mode='bilinear', align_corners=False)
        return img


@pytest.mark.parametrize('blur', [1, 8])
def test_reconstructions_are_measured_like_samples(bench, blur):
    """A perfect autoencoder's reconstructions of held-out images score as
    real images do (class distance near 0, shape fit near 1); one that
    draws from a 4-pixel thumbnail draws blobs (low shape fit)."""
    from mmlatent.datasets.shapes import ShapesDataset
    from mmlatent.evaluation import ShapesFidelity, ShapesValidity
    from mmlatent.evaluation.evaluator import evaluate_images, real_images
    real = ShapesDataset(32, num_samples=300, seed=5)
    other = ShapesDataset(32, num_samples=300, seed=6)
    res = evaluate_images(
        [ShapesValidity(), ShapesFidelity()],
        real=real_images(real, 300),
        fake=bench.reconstructions(_Autoencoder(blur),
                                   real_images(other, 300)),
        num_samples=300, dataset_meta=real.metainfo)
    if blur == 1:
        assert res['validity'] == 1.0
        assert res['class_distance'] < 0.1 and res['shape_fit'] > 0.99
    else:
        assert res['shape_fit'] < 0.8


def test_the_table_gives_the_reconstructions_row(bench):
    figures = dict(validity=1.0, class_distance=0.02, shape_fit=0.94,
                   fit_ratio=0.94, ks_max=0.03, precision=0.9, recall=0.9,
                   fd=5.0, targets=dict(ks=True))
    entry = dict(name='run', iter=10, real=figures, fake=figures,
                 reconstructions=dict(figures, shape_fit=0.897))
    lines = bench.table([entry]).splitlines()
    assert lines[-1].startswith('| reconstructions (run) |')
    assert '| 0.897 |' in lines[-1]


def test_reconstructions_need_an_lgan_checkpoint(bench, tmp_path):
    """A checkpoint without an encoder, or a config to train, is one line
    before anything is trained or written."""
    from helpers import tiny_checkpoint
    ckpt = tiny_checkpoint('dcgan', tmp_path / 'dcgan')
    out = tmp_path / 'rows.json'
    with pytest.raises(SystemExit) as err:
        bench.main(['--ckpt', ckpt, '--reconstructions',
                    '--feature-net', 'missing.pth', f'--out={out}'])
    msg = str(err.value)
    assert msg.startswith('error: ') and ckpt in msg and 'l-GAN' in msg
    assert 'encoder' in msg and '\n' not in msg
    with pytest.raises(SystemExit) as err:
        bench.main(['configs/lgan/lgan_dcgan_shapes-32x32.py',
                    '--reconstructions', f'--out={out}'])
    assert '--ckpt' in str(err.value)
    assert not out.exists()


def test_an_lgan_checkpoint_reconstructs_real_images(bench, tmp_path):
    """The real road: a tiny l-GAN checkpoint's encoder and decoder give
    one image for each real image, without building a graph."""
    import torch
    from helpers import tiny_checkpoint
    model = bench.autoencoder(tiny_checkpoint('lgan', tmp_path))
    img = torch.rand(5, 3, 32, 32) * 2 - 1
    out, = bench.reconstructions(model, [img])
    assert out.shape == img.shape and not out.requires_grad
    with torch.no_grad():
        assert torch.equal(out, model.G.synthesis(model.real_codes(img)))
