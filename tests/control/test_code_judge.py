"""The code judge: a scorer's attribute heads carried into code space, and
the prompt mapper trained against it without a generator pass."""
import pytest
import torch

from mmlatent.control import build_scorer
from mmlatent.control.code_judge import (SIZES, CodeJudge, code_judge_for,
                                         fit_code_judge, read_real)
from mmlatent.datasets.captions import ATTRIBUTES, VALUES
from mmlatent.utils.errors import ConfigError

from helpers import ColourSquareW, squares  # noqa: I100


def one_hot_probs(w: torch.Tensor) -> torch.Tensor:
    """Probabilities [N, sum of values] whose every attribute's value is
    fixed by the signs of the codes' first two coordinates."""
    k = (w[:, 0] > 0).long() + 2 * (w[:, 1] > 0).long()      # 0..3
    return torch.cat([torch.nn.functional.one_hot(k % s, s).float()
                      for s in SIZES], 1)


def test_judge_learns_what_the_codes_carry_and_reports_its_agreement():
    """Values given by the quadrant of the code: on held-out codes the
    judge agrees on every attribute; its outputs are the is_<value>
    probabilities of each attribute, summing to one."""
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(3000, 4, generator=gen)
    judge = fit_code_judge(w, one_hot_probs(w), steps=400, noise=0.05,
                           held_out=500, generator=gen)
    assert judge.agreement.shape == (len(ATTRIBUTES), )
    assert float(judge.agreement.min()) > 0.95
    out = judge(torch.randn(7, 4, generator=gen))
    assert set(out) == {f'is_{v}' for a in ATTRIBUTES for v in VALUES[a]}
    for a in ATTRIBUTES:
        total = sum(out[f'is_{v}'] for v in VALUES[a])
        assert torch.allclose(total, torch.ones(7), atol=1e-6)
    assert torch.equal(judge.codes, w)       # every code, held-out too
    with pytest.raises(ConfigError, match=r'steps=0 and batch_size=256 must '
                       r'be >= 1, lr=0.001 > 0 and noise=-1.0 >= 0'):
        fit_code_judge(w, one_hot_probs(w), steps=0, noise=-1.0)


def test_manifold_distance_is_the_squared_distance_to_the_nearest_code():
    judge = CodeJudge(2, torch.tensor([[0.0, 0.0], [3.0, 4.0], [10.0, 0]]))
    w = torch.tensor([[0.0, 1.0], [3.0, 0.0], [3.0, 4.0], [8.0, 0.0]])
    want = torch.tensor([1.0, 9.0, 0.0, 4.0])
    for chunk in (1, 2, 4096):
        assert torch.allclose(judge.manifold_distance(w, chunk), want)


class SquareCodes(torch.nn.Module):
    """Stands in for an l-GAN's encoder: the code of a ColourSquareW image
    is atanh of the colour at its centre."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def real_codes(self, img):
        r = img.shape[-1] // 2
        return torch.atanh(img[:, :, r, r].clamp(-0.999, 0.999))


def test_mapper_against_a_code_judge_needs_no_generator_pass(
        text_image_file):
    """Taught on real squares of every hue, the code judge lets a mapper
    learn 'red' with no call of G's synthesis; the edits it makes are red
    squares by the analytic measurer, the shape and place kept."""
    from mmlatent.control.prompt import verify_prompt
    from mmlatent.control.prompt_mapper import (map_to_prompt,
                                                train_prompt_mapper)
    s = build_scorer(f'text:{text_image_file}')
    hues = torch.linspace(0, 1, 241)[:-1].tolist()
    real = squares(hues * 4)
    gen = torch.Generator().manual_seed(0)
    judge = code_judge_for(SquareCodes(), s, real.split(240), steps=600,
                           noise=0.05, held_out=120, generator=gen)
    assert float(judge.agreement[ATTRIBUTES.index('colour')]) > 0.8

    G = ColourSquareW()
    calls = []
    synthesis = G.synthesis
    G.synthesis = lambda ws: calls.append(len(ws)) or synthesis(ws)
    mapper, passes = train_prompt_mapper(
        G, lambda w, img, c: torch.full((len(w), ), 10.0), s, 'red',
        steps=150, batch_size=32, lr=0.02, judge=judge, generator=gen)
    assert passes == 0 and calls == []
    z = torch.tensor([[-2.0, -2.0, 2.0], [-2.0, 2.0, -2.0],
                      [-2.0, 2.0, 2.0], [2.0, -2.0, 2.0]])  # b, g, c, m
    res = map_to_prompt(G, mapper, s, 'red', z, passes=passes,
                        trained='code')
    assert res.passes == 8 and res.mapper == 'code' and sum(calls) == 8
    check = verify_prompt(G, res, 'red', build_scorer('shapes'))
    assert int(check['reached'].sum()) >= 3 and not check['fooled'].any()
    assert torch.equal(check['unnamed'], torch.zeros(4))


def test_read_real_refuses_models_without_an_encoder_and_headless_scorers(
        text_image_file):
    img = squares([0.0, 0.5])
    s = build_scorer(f'text:{text_image_file}')
    with pytest.raises(ConfigError, match=r'a code judge needs a generator '
                       r'with an encoder \(an l-GAN, configs/lgan/\); '
                       r'Linear has none: use --judge image'):
        read_real(torch.nn.Linear(2, 2), s, [img])
    with pytest.raises(ConfigError, match=r"a code judge needs a scorer with "
                       r"is_<value> outputs; scorer 'shapes' has no"):
        read_real(SquareCodes(), build_scorer('shapes'), [img])
    with pytest.raises(ConfigError, match='needs real images; none were '
                       'given'):
        read_real(SquareCodes(), s, [])
    w, probs = read_real(SquareCodes(), s, [img, img])
    assert w.shape == (4, 3) and probs.shape == (4, sum(SIZES))


def test_mapper_defaults_depend_on_the_judge(text_image_file):
    """Without --steps the mapper trains 600 batches on images and 1500
    against a code judge (MAPPER_DEFAULTS)."""
    from mmlatent.control.prompt_mapper import (MAPPER_DEFAULTS,
                                                train_prompt_mapper)
    s = build_scorer(f'text:{text_image_file}')
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(64, 3, generator=gen)
    judge = fit_code_judge(w, one_hot_probs(w), steps=1, held_out=0)
    seen = []

    def count(steps):
        seen.append(len(steps))
        return steps
    for j in (None, judge):
        train_prompt_mapper(ColourSquareW(), lambda w, img, c: w[:, 0], s,
                            'red', batch_size=1, judge=j, progress=count,
                            generator=gen)
    assert seen == [MAPPER_DEFAULTS['image']['steps'],
                    MAPPER_DEFAULTS['code']['steps']] == [600, 1500]


class CodeStats(torch.nn.Module):
    """A generator's code statistics, all a saved judge is checked
    against."""
    w_dim = 4

    def __init__(self, shift=0.0):
        super().__init__()
        self.register_buffer('w_mean', torch.arange(4.0) + shift)
        self.register_buffer('w_std', torch.ones(4))

    @property
    def device(self):
        return self.w_mean.device


def test_saved_judge_round_trips_and_checks_what_it_judges(tmp_path):
    from mmlatent.control.code_judge import load_code_judge, save_code_judge
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(300, 4, generator=gen)
    judge = fit_code_judge(w, one_hot_probs(w), steps=20, held_out=100,
                           generator=gen)
    path = save_code_judge(str(tmp_path / 'j.pt'), judge, CodeStats(),
                           'text:ti.pth', meta=dict(images=300))
    back = load_code_judge(path, CodeStats(), 'text:ti.pth')
    x = torch.randn(5, 4, generator=gen)
    for k, v in judge(x).items():
        assert torch.equal(v, back(x)[k])
    assert torch.equal(back.codes, w)
    assert torch.equal(back.agreement, judge.agreement)
    with pytest.raises(ConfigError, match=r"code judge '.*j.pt' was taught "
                       r"on another checkpoint's codes; teach a new one "
                       r'\(leave --code-judge out\)'):
        load_code_judge(path, CodeStats(shift=0.5), 'text:ti.pth')
    with pytest.raises(ConfigError, match=r"was taught from scorer "
                       r"'text:ti.pth', not 'text:other.pth'"):
        load_code_judge(path, CodeStats(), 'text:other.pth')
    with pytest.raises(ConfigError, match=r"code judge file '.*nope.pt' "
                       r'does not exist; give the text_code_judge.pt'):
        load_code_judge(str(tmp_path / 'nope.pt'), CodeStats(), 'text:ti')
