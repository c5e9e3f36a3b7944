"""The attribute CNN, its training and tools/train_classifier.py."""
import cv2
import numpy as np
import torch

from mmlatent.control import (AttributeCNN, build_scorer, load_classifier,
                              train_classifier)
from mmlatent.datasets import ShapesDataset

TOOL = 'tools/train_classifier.py'


def test_attribute_cnn_outputs():
    m = AttributeCNN(resolution=16, base_channels=4, regression=['x'],
                     classes=['a', 'b', 'c'])
    assert m.attributes == dict(x='continuous', is_a='binary',
                                is_b='binary', is_c='binary')
    out = m(torch.zeros(2, 3, 16, 16))
    assert set(out) == set(m.attributes)
    probs = torch.stack([out[f'is_{k}'] for k in 'abc'], 1)
    assert torch.allclose(probs.sum(1), torch.ones(2))


def test_training_lowers_the_loss():
    torch.manual_seed(0)
    data = ShapesDataset(resolution=16, num_samples=200)
    m = AttributeCNN(resolution=16, base_channels=8, regression=['x', 'y'],
                     classes=data.shapes)
    before = train_classifier(m, data, iters=0, batch_size=32)
    after = train_classifier(m, data, iters=40, batch_size=32, lr=2e-3)
    assert after['mae_x'] < before['mae_x']
    assert set(after) == {'mae_x', 'mae_y', 'accuracy', 'loss'}


def test_tool_on_shapes(tmp_path, run_script, capsys):
    out = tmp_path / 'cls.pth'
    code, err = run_script(TOOL, ['--iters', 3, '--num-samples', 64,
                                  '--batch-size', 16, '--base-channels', 8,
                                  '-o', out])
    assert code == 0, err
    assert 'held-out: mae_x' in capsys.readouterr().out
    loaded = load_classifier(str(out))
    assert set(loaded.metrics) >= {'mae_x', 'accuracy'}
    assert build_scorer(str(out)).attributes['is_triangle'] == 'binary'


def write_folder(root, classes=('cats', 'dogs'), per_class=4):
    rng = np.random.default_rng(0)
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            img = rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)
            img[..., k] = 255
            cv2.imwrite(str(root / name / f'{i}.png'), img)


def test_tool_on_an_image_folder(tmp_path, run_script):
    write_folder(tmp_path / 'data')
    out = tmp_path / 'cls.pth'
    code, err = run_script(TOOL, ['--data', tmp_path / 'data',
                                  '--resolution', 16, '--iters', 3,
                                  '--base-channels', 4, '-o', out])
    assert code == 0, err
    scorer = build_scorer(f'classifier:{out}')
    assert scorer.attributes == dict(is_cats='binary', is_dogs='binary')
    assert scorer(torch.zeros(1, 3, 40, 40))['is_cats'].shape == (1, )


def test_tool_errors(tmp_path, run_script):
    write_folder(tmp_path / 'one', classes=('only', ))
    code, err = run_script(TOOL, ['--data', tmp_path / 'one'])
    assert code == 2 and 'has 1 class subfolder(s)' in err
    write_folder(tmp_path / 'two')
    code, err = run_script(TOOL, ['--data', tmp_path / 'two',
                                  '--regression', 'x'])
    assert code == 2 and "cannot regress ['x']" in err
    code, err = run_script(TOOL, ['--regression', 'size'])
    assert code == 2 and "cannot regress ['size']" in err
    code, err = run_script(TOOL, ['--data', tmp_path / 'missing'])
    assert code == 2 and 'does not exist' in err
