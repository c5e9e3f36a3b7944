"""Prompt completion: the unnamed attributes of a prompt are drawn from
recorded training values that agree with what the prompt names."""
import pytest
import torch

from mmlatent.datasets.captions import parse_prompt, to_indices
from mmlatent.text.completion import (complete_prompt, complete_prompts,
                                      draw_completions)
from mmlatent.utils.errors import ShapeError

# (shape, colour, size, x, y): red is index 0, square 0, large 1, left 0
BANK = torch.tensor([
    [0, 0, 1, 0, 0],    # a large red square, top left
    [0, 0, 1, 2, 2],    # a large red square, bottom right
    [0, 0, 1, 2, 2],    # the same again: twice as likely
    [1, 4, 0, 1, 1],    # a small blue ellipse in the centre
])


def test_named_values_are_kept_and_unnamed_ones_drawn_from_agreeing_rows():
    named = torch.tensor([[0, 0, -1, -1, -1]]).repeat(3000, 1)  # red square
    gen = torch.Generator().manual_seed(0)
    out = draw_completions(named, BANK, gen)
    assert (out[:, :2] == 0).all()
    assert (out[:, 2] == 1).all()            # every red square is large
    bottom_right = (out[:, 3:] == 2).all(1).float().mean()
    top_left = (out[:, 3:] == 0).all(1).float().mean()
    assert float(bottom_right + top_left) == 1.0
    assert abs(float(bottom_right) - 2 / 3) < 0.03   # rows 1 and 2 of 3


def test_a_combination_never_recorded_draws_from_every_row():
    named = torch.tensor([[2, 4, -1, -1, -1]]).repeat(2000, 1)  # blue tri.
    out = draw_completions(named, BANK, torch.Generator().manual_seed(1))
    assert (out[:, :2] == torch.tensor([2, 4])).all()
    share_small = float((out[:, 2] == 0).float().mean())
    assert abs(share_small - 1 / 4) < 0.03         # row 3 of 4 is small


def test_a_full_prompt_is_left_as_it_is():
    named = torch.tensor([[1, 4, 0, 1, 1]])
    assert torch.equal(draw_completions(named, BANK), named)
    assert complete_prompt('a small blue ellipse in the centre',
                           named[0].tolist(), named[0].tolist()) == \
        'a small blue ellipse in the centre'


def test_completed_prompts_parse_to_the_prompt_plus_the_drawn_values():
    prompts = ['a red square', 'a photo of a shape at the bottom',
               'large, left']
    named = torch.stack([torch.from_numpy(to_indices(parse_prompt(p)))
                         for p in prompts])
    texts = complete_prompts(prompts, named, BANK,
                             torch.Generator().manual_seed(0))
    for prompt, text, row in zip(prompts, texts, named):
        assert text.startswith(prompt)
        values = to_indices(parse_prompt(text))
        assert (values >= 0).all(), text                 # all five named
        kept = row >= 0
        assert (torch.from_numpy(values)[kept] == row[kept]).all(), text
    assert texts[0] in ('a red square, large, left, top',
                        'a red square, large, right, bottom')
    with pytest.raises(ShapeError, match='2 prompts but 3 rows'):
        complete_prompts(prompts[:2], named, BANK)
