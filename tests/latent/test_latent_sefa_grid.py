"""The SeFa grid of apps/modified_sefa.py (mmlatent.latent.sefa.sefa_grid):
its degree-0 column is the unedited codes, framed; the others are the
edits."""
import numpy as np
import torch

from mmlatent.latent.annotate import MARK_COLOR, _cell_origin
from mmlatent.latent.codes import Codes, render_codes
from mmlatent.latent.sefa import degree_range, sefa_grid
from mmlatent.utils.image import to_uint8


def test_grid_columns_are_the_edits(style_G):
    ws = style_G.mapping(torch.randn(2, 8, generator=torch.Generator()
                                     .manual_seed(0)))
    codes = Codes(ws, 'w+')
    direction = torch.zeros(8)
    direction[0] = 1.0
    degrees = degree_range([2.0], 1.0)  # -2 .. 2, 0 in column 2
    grid = sefa_grid(style_G, codes, direction, degrees, batch_size=3)
    assert grid.shape == (2 + 2 * 10, 2 + 5 * 10, 3)
    plain = to_uint8(render_codes(style_G, codes))
    for col, d in enumerate(degrees.tolist()):
        edited = to_uint8(render_codes(style_G, Codes(ws + d * direction,
                                                      'w+')))
        for row in range(2):
            y, x = _cell_origin(row, col, 8, 8, 2)
            cell = grid[y:y + 8, x:x + 8]
            assert np.abs(cell.astype(int) -
                          edited[row].astype(int)).max() <= 1
            if d == 0:
                assert np.array_equal(cell, plain[row])
                assert tuple(grid[y - 1, x]) == MARK_COLOR
