"""Prompt completion: fill in the attributes a prompt leaves out with values
drawn from the training data, before the prompt is encoded.

A caption that names "a red square" says nothing about size and place; in
the data, red squares come in every size and place. A text-conditioned
generator asked for "a red square" should draw that variety, but the
variety then has to come from ``z`` alone, and a generator trained with a
caption as its condition leans on the caption (docs/text.md). Completion
moves the choice out of the generator: each sample's prompt gets the
unnamed attributes of a random training item that shows what the prompt
names (the data's conditional distribution, as recorded in a bank of the
training batches' attribute values), written as keywords after the prompt,
e.g. ``"a red square"`` -> ``"a red square, large, left, top"``. This is
caption upsampling (DALL-E 3) done with the data's own statistics.
"""
from typing import List, Optional, Sequence

import torch
from torch import Tensor

from ..datasets.captions import keywords, to_names
from ..utils.errors import ShapeError


def draw_completions(named: Tensor, bank: Tensor,
                     generator: Optional[torch.Generator] = None) -> Tensor:
    """Complete attribute rows from recorded ones.

    Args:
        named: long [N, 5] value indices a prompt names, -1 where not named.
        bank: long [K, 5] attribute values of training items.
        generator: random stream of the draws.

    Returns:
        long [N, 5]: ``named`` where it names a value; elsewhere the values
        of a bank row drawn uniformly among those that agree with every
        named value (among all rows when none agrees: a combination the
        training data never showed).
    """
    named, bank = named.long(), bank.long().to(named.device)
    agree = ((named[:, None] < 0) | (named[:, None] == bank[None])).all(-1)
    none = ~agree.any(1, keepdim=True)
    weights = (agree | none).float()
    rows = torch.multinomial(weights.cpu(), 1, generator=generator)[:, 0]
    drawn = bank[rows.to(bank.device)]
    return torch.where(named < 0, drawn, named)


def complete_prompt(prompt: str, named: Sequence[int],
                    completed: Sequence[int]) -> str:
    """``prompt`` followed by the keywords of the attributes ``completed``
    [5] adds to ``named`` [5] (the prompt itself when it names all five)."""
    added = [v if int(n) < 0 else -1 for n, v in zip(named, completed)]
    words = keywords(to_names(added))
    return f'{prompt}, {words}' if words else prompt


def complete_prompts(prompts: Sequence[str], named: Tensor, bank: Tensor,
                     generator: Optional[torch.Generator] = None
                     ) -> List[str]:
    """Each prompt completed with a fresh draw (:func:`draw_completions`);
    ``named`` [N, 5] are the prompts' parsed values."""
    if len(prompts) != len(named):
        raise ShapeError(f'{len(prompts)} prompts but {len(named)} rows of '
                         'named values')
    filled = draw_completions(named, bank, generator)
    return [complete_prompt(p, n.tolist(), f.tolist())
            for p, n, f in zip(prompts, named, filled)]

