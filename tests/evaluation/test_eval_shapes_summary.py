"""The main job's end-of-training Shapes report: validity and fidelity."""
import json
import os.path as osp

from mmlatent.datasets.shapes import ShapesDataset
from mmlatent.evaluation import (ShapesFidelity, ShapesValidity,
                                 evaluate_generator, real_images)
from tests.evaluation.conftest import ShapesRenderGenerator
from tests.helpers import make_cfg, train


def test_fidelity_of_a_perfect_renderer():
    """ShapesRenderGenerator draws real shapes: validity 1, shape fit as
    the real images', classes as the data's."""
    ds = ShapesDataset(32, num_samples=200, seed=4)
    fid = ShapesFidelity()
    out = evaluate_generator(
        ShapesRenderGenerator().eval(), [ShapesValidity(), fid],
        real=real_images(ds, 150), num_samples=150,
        dataset_meta=ds.metainfo)
    out.update(fid.reference())
    assert out['validity'] == 1.0
    assert out['shape_fit'] > 0.97 and out['real_shape_fit'] > 0.97
    assert out['class_distance'] < 0.15
    assert fid.report(out).startswith('Shapes fidelity: class distance ')


def test_main_job_prints_its_fidelity_summary(tmp_path):
    cfg = make_cfg('dcgan/dcgan_continuity_shapes-32x32.py', tmp_path,
                   train_cfg__max_iters=2, val_cfg__num_samples=20)
    cfg.custom_hooks = []
    runner = train(cfg)
    with open(osp.join(runner.work_dir, 'validity.json')) as f:
        record = json.load(f)
    for key in ('validity', 'class_distance', 'shape_fit', 'ks_max',
                'real_shape_fit', 'class_distance_se'):
        assert key in record
    assert (record['iter'], record['num_samples']) == (2, 20)
    assert record['real_shape_fit'] > 0.97
    # an untrained G draws no valid shape: the worst figures, not an error
    assert record['shape_fit'] <= record['real_shape_fit']
    log = next(tmp_path.glob('*/*.log')).read_text()
    # the EMA averages from iteration 0: averaged weights after 2 iterations
    assert 'Evaluation at iteration 2: the ema generator, 20 samples' in log
    assert f"Shapes validity: {record['validity']:.1%} of 20 samples" in log
    # no valid sample: no sampling error to give (NaN, null in the JSON)
    assert record['class_distance_se'] is None
    assert (f"Shapes fidelity: class distance "
            f"{record['class_distance']:.3f} (sampling error nan), shape fit "
            f"{record['shape_fit']:.3f} (median; real images "
            f"{record['real_shape_fit']:.3f})") in log
