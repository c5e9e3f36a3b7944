"""The end-of-training Shapes report: validity and fidelity."""
import json
import os.path as osp

from mmlatent.datasets.shapes import ShapesDataset
from mmlatent.hooks import generated_fidelity
from tests.evaluation.conftest import ShapesRenderGenerator
from tests.helpers import make_cfg, train


def test_fidelity_of_a_perfect_renderer():
    """ShapesRenderGenerator draws real shapes: validity 1, shape fit as
    the real images', classes as the data's."""
    ds = ShapesDataset(32, num_samples=200, seed=4)
    out = generated_fidelity(ShapesRenderGenerator().eval(), ds, 150)
    assert out['validity'] == 1.0
    assert out['shape_fit'] > 0.97 and out['real_shape_fit'] > 0.97
    assert out['class_distance'] < 0.15


def test_main_job_prints_its_fidelity_summary(tmp_path):
    cfg = make_cfg('dcgan/dcgan_continuity_shapes-32x32.py', tmp_path,
                   train_cfg__max_iters=2)
    cfg.custom_hooks = [dict(type='ShapesValidityHook', num_samples=20,
                             fidelity=True)]
    runner = train(cfg)
    with open(osp.join(runner.work_dir, 'validity.json')) as f:
        record = json.load(f)
    for key in ('validity', 'class_distance', 'shape_fit', 'ks_max',
                'real_shape_fit'):
        assert key in record
    assert record['real_shape_fit'] > 0.97
    # an untrained G draws no valid shape: the worst figures, not an error
    assert record['shape_fit'] <= record['real_shape_fit']
