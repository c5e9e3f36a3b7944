"""TextAlignment: closed-form figures on hand-made measurements, and the
analytic measurer against the captions of real Shapes images."""
import math

import numpy as np
import pytest
import torch

from mmlatent.datasets.captions import parse_prompt, sentence, to_names
from mmlatent.evaluation import (TextAlignment, alignment_figures,
                                 held_out_prompts)
from mmlatent.evaluation.text_alignment import (retrieval_precision,
                                                unnamed_entropy)
from mmlatent.text.training import shapes_pool
from mmlatent.utils.errors import ConfigError


def test_figures_on_hand_made_measurements():
    # prompt 0 names shape=square(0), colour=red(0); prompt 1 names x=left(0)
    named = torch.tensor([[0, 0, -1, -1, -1]] * 4 + [[-1, -1, -1, 0, -1]] * 4)
    ids = torch.tensor([0] * 4 + [1] * 4)
    measured = torch.tensor([
        [0, 0, 0, 0, 0], [0, 0, 1, 1, 1],      # both right
        [1, 0, 0, 0, 0], [-1, -1, -1, -1, -1],  # wrong shape; invalid
        [0, 0, 0, 0, 0], [1, 1, 1, 0, 1],      # left, left
        [2, 2, 0, 0, 2], [0, 0, 0, 2, 0]])     # left; right (wrong)
    f = alignment_figures(measured, named, ids)
    assert f['validity'] == pytest.approx(7 / 8)
    assert f['acc_shape'] == pytest.approx(2 / 4)
    assert f['acc_colour'] == pytest.approx(3 / 4)
    assert f['acc_x'] == pytest.approx(3 / 4)
    assert math.isnan(f['acc_size']) and math.isnan(f['acc_y'])
    assert f['acc_all'] == pytest.approx(5 / 8)
    # retrieval: for prompt 0 the measurer retrieves images 0, 1, 4, 7
    # (red squares), two drawn for it; for prompt 1 images 0, 2, 4, 5, 6,
    # three drawn for it
    assert f['retrieval_precision'] == pytest.approx((2 / 4 + 3 / 5) / 2)
    # entropy: prompt 0 leaves size, x, y out; its valid images have size
    # (0, 1, 0): H = h(1/3) / log 2, x and y the same
    h = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3))
    e0 = h / math.log(2) + 2 * h / math.log(3)
    # prompt 1: shape (0, 1, 2, 0), colour the same (of 6 values), size
    # (0, 1, 0, 0), y (0, 1, 2, 0)
    h4 = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    hs = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    e1 = 2 * h4 / math.log(3) + h4 / math.log(6) + hs / math.log(2)
    want = (e0 + e1) / 7
    assert unnamed_entropy(measured, named, ids) == pytest.approx(want)
    assert f['entropy_unnamed'] == pytest.approx(want)
    # per attribute: size and y are left out by both prompts, x by prompt
    # 0, shape and colour by prompt 1
    assert f['entropy_unnamed_size'] == pytest.approx(
        (h / math.log(2) + hs / math.log(2)) / 2)
    assert f['entropy_unnamed_x'] == pytest.approx(h / math.log(3))
    assert f['entropy_unnamed_y'] == pytest.approx(
        (h / math.log(3) + h4 / math.log(3)) / 2)
    assert f['entropy_unnamed_shape'] == pytest.approx(h4 / math.log(3))
    assert f['entropy_unnamed_colour'] == pytest.approx(h4 / math.log(6))
    assert retrieval_precision(measured, named, ids) == \
        f['retrieval_precision']


def test_real_images_with_their_own_captions_are_aligned():
    """Real Shapes images fed as the samples of their own full captions:
    the measurer agrees with the captions (it misreads a few images at a
    bin boundary)."""
    pool = shapes_pool(120, resolution=32, offset=50000)
    prompts = [sentence(to_names(v), 'a photo of {obj}{pos}')
               for v in pool.values.numpy()]
    m = TextAlignment(prompts=prompts, encode=lambda t: None)
    m.prepare(None)
    m.feed_prompted(pool.img, torch.arange(len(prompts)))
    out = m.summary()
    assert out['text/validity'] == 1.0
    assert out['text/acc_all'] >= 0.95
    assert out['text/retrieval_precision'] >= 0.95
    # shuffled prompts: chance level
    m.reset_fake()
    m.feed_prompted(pool.img.flip(0), torch.arange(len(prompts)))
    assert m.summary()['text/acc_all'] < 0.1


def test_held_out_prompts_and_errors():
    p = held_out_prompts(50, seed=3)
    assert p == held_out_prompts(50, seed=3) and len(set(p)) > 40
    assert all(len(parse_prompt(x)) == 5 for x in p)
    assert all(x.split()[0] in ('a', 'this') for x in p)
    partial = held_out_prompts(200, drop_prob=0.5, seed=3)
    assert np.mean([len(parse_prompt(x)) for x in partial]) < 4
    with pytest.raises(ConfigError, match="unknown word 'mauve'"):
        TextAlignment(prompts=['a mauve square'])
    m = TextAlignment(prompts=['red'])
    with pytest.raises(ConfigError, match='set_encoder'):
        m.prepare(None)
