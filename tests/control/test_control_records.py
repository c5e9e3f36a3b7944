"""What guidance and prompt runs record (mmlatent.control.guidance_record
and the output helpers of mmlatent.control.prompt, the library halves of
apps/classifier_guidance.py and apps/text_to_image.py): the recorded
steps, CSV rows, final scores, grids and report lines match the run."""
import pytest
import torch
from torch import nn

from mmlatent.control import ModuleScorer, build_scorer, guide
from mmlatent.control.guidance_record import (csv_rows, final_scores,
                                              record_guidance,
                                              recorded_steps, report_lines)
from mmlatent.control.prompt import (images_for_prompt, prompt_grid,
                                     prompt_report)
from mmlatent.control.scorers import single_attribute
from mmlatent.latent.interpolation import render
from mmlatent.models.generators import BaseGenerator
from mmlatent.utils.errors import ConfigError


class Bright(nn.Module):
    """Mean brightness and sigmoid(4 * brightness) as a probability."""
    attributes = dict(bright='continuous', bright_p='binary')

    def forward(self, img):
        m = img.mean((1, 2, 3))
        return dict(bright=m, bright_p=torch.sigmoid(4 * m))


class TanhLinearG(BaseGenerator):
    def __init__(self):
        super().__init__(6, 6, 1, resolution=4)
        g = torch.Generator().manual_seed(0)
        self.M = nn.Parameter(torch.randn(48, 6, generator=g) * 0.5)

    def mapping(self, z, c=None):
        return z[:, None]

    def synthesis(self, ws, **kwargs):
        return torch.tanh(ws[:, 0] @ self.M.t()).view(-1, 3, 4, 4)


@pytest.fixture
def G():
    return TanhLinearG().eval()


@pytest.fixture
def scorer():
    return build_scorer(ModuleScorer(Bright()))


def test_recorded_steps():
    assert recorded_steps(10, 4) == [0, 4, 8, 10]
    assert recorded_steps(8, 4) == [0, 4, 8]
    assert recorded_steps(0, 5) == [0]


def test_guidance_record_matches_the_run(G, scorer):
    z = G.sample_z(3, torch.Generator().manual_seed(1))
    res = guide(G, scorer, z, attribute='bright', target=0.5, steps=6)
    record = record_guidance(G, res, save_every=4, verifier=scorer,
                             verify_attribute='bright_p')
    assert record.steps == [0, 4, 6]
    assert record.img.shape == (3, 3, 3, 4, 4)
    for j, step in enumerate(record.steps):  # row i = code i along steps
        assert torch.allclose(record.img[:, j],
                              render(G, res.latents[step]), atol=1e-6)
    bright = record.img.mean((2, 3, 4))
    assert torch.allclose(record.verify, torch.sigmoid(4 * bright),
                          atol=1e-6)
    rows = csv_rows(res, record)
    assert rows[0] == ['step', 'sample', 'guide', 'verify']
    assert len(rows) == 1 + 7 * 3
    assert rows[1 + 4 * 3 + 2] == [4, 2, f'{float(res.scores[4, 2]):.6g}',
                                   f'{float(record.verify[2, 1]):.6g}']
    assert rows[1 + 3 * 3][3] == ''  # step 3 was not recorded
    scores = final_scores(res, record)
    assert torch.equal(scores['guide_bright'], res.scores[-1])
    assert torch.equal(scores['verify_bright'], record.verify[:, -1])
    lines = report_lines(res, record, guide_name='module',
                         verify_name='again')
    ok = int(res.reached().sum())
    assert lines[0].startswith(f'guiding scorer module: {ok}/3 reached '
                               'bright = 0.5 +- 0.05')
    assert lines[1].startswith('verifying scorer again: ')
    plain = record_guidance(G, res, save_every=4)
    assert plain.verify is None and 'verify_bright' not in final_scores(
        res, plain)
    assert len(report_lines(res, plain, guide_name='module')) == 1


def test_single_attribute(scorer):
    assert single_attribute(scorer, 'bright_p') == 'bright_p'
    with pytest.raises(ConfigError, match='pick one with --attribute'):
        single_attribute(scorer)
    with pytest.raises(ConfigError, match="unknown attribute 'x'"):
        single_attribute(scorer, 'x')


@pytest.mark.parametrize('method', ['guide', 'rerank'])
def test_prompt_outputs_match_the_result(G, scorer, method):
    res = images_for_prompt(G, scorer, 'bright_p', 2, method=method,
                            generator=torch.Generator().manual_seed(0),
                            steps=5, factor=4)
    grid = prompt_grid(G, res, method=method, save_every=2)
    if method == 'guide':
        assert res.passes == 6 * 2 and grid.shape == (2, 4, 3, 4, 4)
        for j, step in enumerate([0, 2, 4, 5]):
            assert torch.allclose(grid[:, j], render(G, res.path[step]),
                                  atol=1e-6)
    else:
        assert res.passes == 8 and grid.shape == (1, 2, 3, 4, 4)
        assert torch.allclose(grid[0], render(G, res.z), atol=1e-6)
    lines = prompt_report('bright_p', method, res)
    assert lines == [f"prompt 'bright_p', {method}: {res.passes} generator "
                     f'passes; guiding score '
                     f'{float(res.scores[0].mean()):.3f} -> '
                     f'{float(res.scores[-1].mean()):.3f}']
    check = dict(reached=torch.tensor([True, False]),
                 fooled=torch.tensor([False, True]),
                 unnamed=torch.tensor([0.0, 0.5]))
    assert prompt_report('bright_p', method, res, check, 'v')[1] == (
        'verifier v: 1/2 have every named attribute; 1/2 fooled the guide '
        'only; attributes not named changed in 25% of cases')
    with pytest.raises(ConfigError, match="method='x'"):
        images_for_prompt(G, scorer, 'bright_p', 2, method='x')
