"""The text-image dual encoder: losses, training, figures and its file."""
import math

import pytest
import torch

from mmlatent.registry import MODELS
from mmlatent.text.dual_encoder import (contrastive_loss, head_loss,
                                        load_text_image, text_image_config_of)
from mmlatent.text.training import (caption_batch, head_accuracy,
                                    retrieval_r1, shapes_pool,
                                    zero_shot_accuracy)
from mmlatent.utils.errors import CheckpointError


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_contrastive_loss_has_its_closed_form_on_the_diagonal():
    e = torch.eye(2)
    s = 2.0
    loss = contrastive_loss(e, e, torch.tensor(math.log(s)))
    assert float(loss) == pytest.approx(math.log(1 + math.exp(-s)))


def test_contrastive_loss_spreads_targets_over_several_positives():
    # images 0 and 1 show what text 0 says, image 2 what text 1 says
    e1, e2 = torch.eye(2)
    img, txt = torch.stack([e1, e1, e2]), torch.stack([e1, e2])
    pos = torch.tensor([[1, 0], [1, 0], [0, 1]], dtype=torch.bool)
    s = 3.0
    loss = contrastive_loss(img, txt, torch.tensor(math.log(s)), pos)
    i2t = math.log(1 + math.exp(-s))
    t2i = (math.log(2 + math.exp(-s)) + math.log(1 + 2 * math.exp(-s))) / 2
    assert float(loss) == pytest.approx(0.5 * (i2t + t2i))
    # swapping the captions can only be worse
    worse = contrastive_loss(img, txt.flip(0), torch.tensor(math.log(s)),
                             pos)
    assert float(worse) > float(loss) + 1


def test_head_loss_is_the_sum_of_cross_entropies():
    values = torch.tensor([[0, 1, 0, 2, 1]])
    sizes = dict(shape=3, colour=6, size=2, x=3, y=3)
    logits = {a: torch.zeros(1, k) for a, k in sizes.items()}
    want = sum(math.log(k) for k in sizes.values())
    assert float(head_loss(logits, values)) == pytest.approx(want)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A small model trained for a few seconds, and one as built."""
    from helpers import tiny_text_image
    path = str(tmp_path_factory.mktemp('ti') / 'ti.pth')
    model, val = tiny_text_image(path)
    cfg = text_image_config_of(path)
    torch.manual_seed(0)
    before = zero_shot_accuracy(MODELS.build(cfg.model), val)
    return model, val, before, load_text_image(path)[1], path


def test_training_learns_colour_and_position_zero_shot(trained):
    model, val, before, losses, _ = trained
    after = zero_shot_accuracy(model, val)
    # colour (6 values) and x (3 values) become far better than chance
    assert after['colour'] > max(0.6, before['colour'] + 0.25)
    assert after['x'] > 0.75 and after['y'] > 0.75
    heads = head_accuracy(model, val)
    assert heads['colour'] > 0.8 and heads['size'] > 0.8
    assert 0 <= retrieval_r1(model, val) <= 1
    assert losses['loss'] == pytest.approx(losses['contrastive']
                                           + losses['heads'])


def test_file_round_trip_and_bad_files(trained, tmp_path):
    model, val, _, _, path = trained
    loaded, metrics = load_text_image(path)
    assert set(metrics) == {'contrastive', 'heads', 'loss'}
    img = val.img[:5]
    with torch.no_grad():
        assert torch.allclose(loaded.encode_image(img),
                              model.encode_image(img))
        texts = ['a red square', 'left, top']
        assert torch.allclose(loaded.encode_text(texts),
                              model.encode_text(texts))
    with pytest.raises(CheckpointError, match='does not exist'):
        load_text_image(str(tmp_path / 'none.pth'))
    torch.save(dict(format='other'), tmp_path / 'other.pth')
    with pytest.raises(CheckpointError, match="format 'other'"):
        load_text_image(str(tmp_path / 'other.pth'))


def test_captions_of_a_batch_name_only_true_values():
    import numpy as np
    values = shapes_pool(20, resolution=16).values
    captions, named = caption_batch(values, np.random.default_rng(0))
    assert len(captions) == 20 and named.shape == (20, 5)
    assert ((named < 0) | (named == values)).all()


def _tool():
    import importlib.util
    import os.path as osp
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        'train_text_image', osp.join(root, 'tools', 'train_text_image.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_text_image_tool_writes_a_scorer_file(tmp_path, capsys):
    out = str(tmp_path / 'ti.pth')
    _tool().main(['--iters', '2', '--num-train', '64', '--num-val', '100',
                  '--resolution', '16', '--batch-size', '16', '--text-dim',
                  '8', '--embed-dim', '8', '--base-channels', '4', '-o', out])
    text = capsys.readouterr().out
    assert 'zeroshot_shape' in text and 'r1' in text
    assert f'--scorer text:{out}' in text
    model, metrics = load_text_image(out)
    assert {'zeroshot_colour', 'r1', 'head_x', 'loss'} <= set(metrics)
    cfg = text_image_config_of(out)
    assert cfg.train_data.num_train == 64
    assert cfg.model.text_encoder.words[0] == 'aqua'    # stored vocabulary
    with pytest.raises(Exception, match='must be positive'):
        _tool().main(['--iters', '0', '-o', out])
