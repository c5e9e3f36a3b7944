"""The text-image encoder as a scorer: prompts, gradients, the apps."""
import pytest
import torch

from mmlatent.control import build_scorer, check_guidance_scorer
from mmlatent.control.text import prompt_candidates
from mmlatent.datasets.captions import VALUES
from mmlatent.utils.errors import ConfigError

from helpers import ColourSquareG, ColourSquareW, squares  # noqa: I100

GUIDE = 'apps/classifier_guidance.py'
GEN = 'apps/generate_latents.py'


def test_prompt_candidates_cover_the_named_attributes():
    combos, target = prompt_candidates('a red triangle on the left')
    assert len(combos) == len(VALUES['shape']) * 6 * 3
    assert combos[target] == dict(shape='triangle', colour='red', x='left')
    assert len({tuple(c.values()) for c in combos}) == len(combos)


def test_text_scorer_gives_heads_and_prompts(text_image_file):
    s = build_scorer(f'text:checkpoint={text_image_file},prompt=red;'
                     'blue square')
    assert s.differentiable and s.name == 'text:ti.pth'
    assert {'is_red', 'is_triangle', 'is_left', 'is_middle', 'red',
            'blue square'} <= set(s.attributes)
    assert s.check_attribute('a big green oval') == 'a big green oval'
    out = s(squares([0.0, 2 / 3]))          # 32 px images, resized
    assert all(v.shape == (2, ) for v in out.values())
    total = sum(out[f'is_{c}'] for c in VALUES['colour'])
    assert torch.allclose(total, torch.ones(2), atol=1e-5)
    assert float(out['red'][0]) > float(out['red'][1])
    assert float(out['blue square'][1]) > float(out['blue square'][0])
    check_guidance_scorer(s, 'red')
    with pytest.raises(ConfigError, match="unknown word 'purple'") as e:
        s.check_attribute('a purple square')
    assert '\n' not in str(e.value)


def test_gradient_of_the_prompt_score_raises_it(text_image_file):
    """Signed gradient steps on the pixels of a blue square toward the
    prompt 'red' raise its score past 0.5 (the tiny model knows colour,
    not yet shape)."""
    s = build_scorer(f'text:{text_image_file}')
    prompt = s.check_attribute('red')
    img = squares([2 / 3])
    scores = []
    for _ in range(20):
        img.requires_grad_(True)
        score = s(img)[prompt]
        grad, = torch.autograd.grad(score.sum(), img)
        scores.append(float(score.detach()))
        img = (img + 0.05 * grad.sign()).clamp(-1, 1).detach()
    scores.append(float(s(img)[prompt]))
    assert scores[0] < 0.1 and scores[-1] > 0.5
    assert scores[10] > scores[0]


def test_shapes_scorer_judges_prompts():
    s = build_scorer('shapes:prompt=red square;blue')
    out = s(squares([0.0, 2 / 3]))
    assert out['red square'].tolist() == [1.0, 0.0]
    assert out['blue'].tolist() == [0.0, 1.0]
    assert s.check_attribute('a large square in the middle centre')
    with pytest.raises(ConfigError, match="unknown word 'sqare'"):
        s.check_attribute('red sqare')
    with pytest.raises(ConfigError, match="unknown attribute 'hues'"):
        s.check_attribute('hues')


def test_guidance_toward_a_prompt_end_to_end(tiny_ckpts, text_image_file,
                                             tmp_path, run_script, capsys):
    code, err = run_script(GUIDE, [
        tiny_ckpts['dcgan'], '--scorer', f'text:{text_image_file}',
        '--attribute', 'a red square', '--target', 1, '--verify', 'shapes',
        '--steps', 3, '--num', 2, '-o', tmp_path])
    assert code == 0, err
    out = capsys.readouterr().out
    assert 'guiding scorer text:ti.pth' in out
    assert 'verifying scorer shapes' in out
    assert (tmp_path / 'guidance_a_red_square.png').exists()
    code, err = run_script(GEN, [
        tiny_ckpts['dcgan'], '--num', 4, '--scorer',
        f'text:checkpoint={text_image_file},prompt=red square', '-o',
        tmp_path / 'gen'])
    assert code == 0, err
    code, err = run_script(GUIDE, [
        tiny_ckpts['dcgan'], '--scorer', f'text:{text_image_file}',
        '--attribute', 'a mauve square', '--target', 1, '-o', tmp_path])
    assert code == 2 and "unknown word 'mauve'" in err
    code, err = run_script(GUIDE, [
        tiny_ckpts['dcgan'], '--scorer', f'text:{text_image_file}',
        '--attribute', ' ', '--target', 1, '-o', tmp_path])
    assert code == 2 and 'names no attribute' in err


def test_guide_to_prompt_reaches_a_known_target(text_image_file):
    from mmlatent.control.prompt import guide_to_prompt, verify_prompt
    G = ColourSquareG()
    s = build_scorer(f'text:{text_image_file}')
    z = torch.tensor([[-2.0, -2.0, 2.0], [-2.0, 2.0, -2.0],
                      [-2.0, 2.0, 2.0], [2.0, -2.0, 2.0]])  # b, g, c, m
    res = guide_to_prompt(G, s, 'red', z, steps=60, lr=0.2, pull=0.0)
    assert res.path.shape == (61, 4, 3) and res.passes == 61 * 4
    assert (res.scores[-1] > res.scores[0]).all()
    check = verify_prompt(G, res, 'red', build_scorer('shapes'))
    assert int(check['reached'].sum()) >= 3
    assert not check['fooled'].any()
    assert torch.equal(check['unnamed'], torch.zeros(4))  # shape, place
    with pytest.raises(ConfigError, match='the prompt is empty'):
        guide_to_prompt(G, s, '  ', z)


def test_keep_loss_closed_form_and_scorers_without_heads():
    """keep_loss: minus the log-probability of each left-out attribute's
    start value, summed over the attributes; a scorer without is_<value>
    outputs for them is refused in one line."""
    import math

    from mmlatent.control.prompt import keep_loss, unnamed_heads
    s = build_scorer('shapes')
    with pytest.raises(ConfigError, match=r"keep > 0 \(for the attributes "
                       r"the prompt leaves out\) needs a scorer with "
                       r"is_<value> outputs; scorer 'shapes' has no "):
        unnamed_heads(s, 'a red triangle on the left')

    class Heads:
        name, attributes = 'heads', {f'is_{v}': 'binary' for a in VALUES
                                     for v in VALUES[a]}
    heads = unnamed_heads(Heads(), 'a red triangle on the left')
    assert heads == [['is_small', 'is_large'], ['is_top', 'is_middle',
                                                  'is_bottom']]
    out = {'is_small': torch.tensor([0.25, 0.5]),
           'is_large': torch.tensor([0.75, 0.5]),
           'is_top': torch.tensor([0.5, 0.2]),
           'is_middle': torch.tensor([0.25, 0.4]),
           'is_bottom': torch.tensor([0.25, 0.4])}
    start = [torch.tensor([1, 0]), torch.tensor([0, 2])]
    want = torch.tensor([-math.log(0.75) - math.log(0.5),
                         -math.log(0.5) - math.log(0.4)])
    assert torch.allclose(keep_loss(out, heads, start), want)


def test_keep_holds_the_attributes_the_prompt_leaves_out(text_image_file):
    """Guiding toward 'red' with keep: the loss has the keep term (the
    codes end elsewhere than without it) and a negative keep is refused."""
    from mmlatent.control.prompt import guide_to_prompt
    G = ColourSquareG()
    s = build_scorer(f'text:{text_image_file}')
    z = torch.tensor([[-2.0, -2.0, 2.0], [-2.0, 2.0, -2.0]])
    a = guide_to_prompt(G, s, 'red', z, steps=5, lr=0.2, pull=0.0)
    b = guide_to_prompt(G, s, 'red', z, steps=5, lr=0.2, pull=0.0,
                        keep=1.0)
    assert torch.equal(a.path[0], b.path[0])
    assert not torch.allclose(a.z, b.z)
    with pytest.raises(ConfigError, match='keep=-1.0 must be'):
        guide_to_prompt(G, s, 'red', z, keep=-1.0)


def test_rerank_keeps_the_best_samples(text_image_file):
    from mmlatent.control.prompt import rerank_for_prompt
    G = ColourSquareG()
    s = build_scorer(f'text:{text_image_file}')
    res = rerank_for_prompt(G, s, 'red', 4, factor=16,
                            generator=torch.Generator().manual_seed(0))
    assert res.z.shape == (4, 3) and res.passes == 64
    all_scores = s(G.synthesis(G.mapping(G.sample_z(
        64, torch.Generator().manual_seed(0)))))['red']
    top = all_scores.sort(descending=True).values[:4]
    assert torch.allclose(res.scores[0], top, atol=1e-5)


def test_text_to_image_app(tiny_ckpts, text_image_file, tmp_path,
                           run_script, capsys):
    from mmlatent.latent import load_latents
    app = 'apps/text_to_image.py'
    base = [tiny_ckpts['dcgan'], '--scorer', f'text:{text_image_file}',
            '--num', 2, '-o', tmp_path]
    code, err = run_script(app, base + ['--prompt', 'a red square',
                                        '--steps', 4, '--save-every', 2])
    assert code == 0, err
    out = capsys.readouterr().out
    assert "prompt 'a red square', guide: 10 generator passes" in out
    assert 'verifier shapes:' in out
    lf = load_latents(str(tmp_path / 'text_a_red_square_guide_latents.pt'))
    assert lf.latent.shape == (2, 64) and set(lf.scores) == {'guide',
                                                             'verify'}
    assert lf.meta['prompt'] == 'a red square'
    code, err = run_script(app, base + ['--prompt', 'blue', '--method',
                                        'rerank', '--factor', 3])
    assert code == 0, err
    assert (tmp_path / 'text_blue_rerank.png').exists()
    for prompt, msg in (('  ', '--prompt is empty'),
                        ('a mauve square', "unknown word 'mauve'")):
        code, err = run_script(app, base + ['--prompt', prompt])
        assert code == 2 and msg in err, err
    code, err = run_script(app, base + ['--prompt', 'red', '--method',
                                        'conditional'])
    assert code == 2 and 'text-conditioned GAN' in err


def test_verify_prompt_takes_the_grids_images(text_image_file):
    """Given the start and final images of the result's grid, verify_prompt
    finds what it finds when it renders them itself, and G renders
    nothing (guide and rerank)."""
    from mmlatent.control.prompt import (grid_ends, guide_to_prompt,
                                         prompt_grid, rerank_for_prompt,
                                         verify_prompt)
    G = ColourSquareG()
    s, shapes = build_scorer(f'text:{text_image_file}'), build_scorer('shapes')
    z = torch.tensor([[-2.0, -2.0, 2.0], [-2.0, 2.0, -2.0],
                      [2.0, -2.0, -2.0], [2.0, -2.0, 2.0]])  # b, g, r, m
    for method, res, every in (
            ('guide', guide_to_prompt(G, s, 'red', z, steps=6, lr=0.2), 4),
            ('rerank', rerank_for_prompt(
                G, s, 'red', 3, factor=4,
                generator=torch.Generator().manual_seed(0)), 1)):
        grid = prompt_grid(G, res, method=method, save_every=every)
        ends = grid_ends(grid, method)
        want = verify_prompt(G, res, 'red', shapes)
        calls, synthesis = [], G.synthesis
        G.synthesis = lambda *a, **k: calls.append(1) or synthesis(*a, **k)
        got = verify_prompt(G, res, 'red', shapes, images=ends)
        del G.synthesis
        assert calls == [] and want.keys() == got.keys()
        for key in want:
            assert torch.equal(want[key], got[key]), (method, key)
        n = len(res.z)
        assert grid.shape[:2] == ((n, 3) if method == 'guide' else (1, n))
        assert torch.equal(ends[1], grid[:, -1] if method == 'guide'
                           else grid[0])


def test_text_to_image_renders_each_image_once(tiny_ckpts, text_image_file,
                                               tmp_path, script,
                                               monkeypatch):
    """The app verifies the grid's own start and final images: guide
    renders the (steps + 1) x num scored images and the grid's columns,
    rerank the factor x num ranked samples and the kept ones, no more."""
    app = script('apps/text_to_image.py')
    counts, load = [], app.load_app_generator

    def counted(args):
        loaded = load(args)
        G = loaded.G

        def wrap(*a, _f=G.synthesis, **k):
            counts.append(a[0].shape[0])
            return _f(*a, **k)
        monkeypatch.setattr(G, 'synthesis', wrap)
        return loaded
    monkeypatch.setattr(app, 'load_app_generator', counted)
    base = [tiny_ckpts['dcgan'], '--scorer', f'text:{text_image_file}',
            '--num', '2', '--overwrite', '-o', str(tmp_path)]
    app.main(base + ['--prompt', 'red', '--steps', '4', '--save-every', '2'])
    assert sum(counts) == 5 * 2 + 3 * 2
    counts.clear()
    app.main(base + ['--prompt', 'red', '--method', 'rerank', '--factor',
                     '3'])
    assert sum(counts) == 3 * 2 + 2


def test_prompt_mapper_starts_as_the_identity_and_learns_a_prompt(
        text_image_file):
    """A fresh mapper leaves every code where it is; trained toward 'red'
    it turns the toy squares red (judged by the analytic measurer) and
    keeps their size and place; each edit costs two passes (start and
    edit) beside the training's two per code and step."""
    from mmlatent.control.prompt import prompt_images, verify_prompt
    from mmlatent.control.prompt_mapper import (PromptMapper, map_to_prompt,
                                                train_prompt_mapper)
    from mmlatent.datasets.captions import ATTRIBUTES
    G = ColourSquareW()
    s = build_scorer(f'text:{text_image_file}')
    z = torch.tensor([[-2.0, -2.0, 2.0], [-2.0, 2.0, -2.0],
                      [-2.0, 2.0, 2.0], [2.0, -2.0, 2.0]])  # b, g, c, m
    res = map_to_prompt(G, PromptMapper(3), s, 'red', z)
    assert torch.equal(res.path[0], res.path[-1]) and res.passes == 8
    assert res.space == 'w' and res.path.shape == (2, 4, 3)

    def no_opinion(w, img, c):      # a discriminator that likes every w
        return torch.full((len(w), ), 10.0)
    mapper, passes = train_prompt_mapper(
        G, no_opinion, s, 'red', steps=80, batch_size=16, lr=0.02,
        generator=torch.Generator().manual_seed(0))
    assert passes == 2 * 80 * 16
    res = map_to_prompt(G, mapper, s, 'red', z, passes=passes)
    assert res.passes == passes + 8
    assert (res.scores[-1] > res.scores[0]).all()
    measurer = build_scorer('shapes')
    check = verify_prompt(G, res, 'red', measurer)
    assert int(check['reached'].sum()) >= 3 and not check['fooled'].any()
    # the toy square cannot move or grow: its size and place read the same
    # at both ends; its shape may not, since the measurer can read a dim
    # red square (red channel about 0.1 in [-1, 1], seen on an AVX-512
    # CPU) as an ellipse, so at most that one of the four unnamed
    # attributes may change
    ends = [prompt_images(G, x, None, res.space)
            for x in (res.path[0], res.path[-1])]
    values = measurer.measured_values(torch.cat(ends))
    place = [ATTRIBUTES.index(a) for a in ('size', 'x', 'y')]
    assert torch.equal(values[:4, place], values[4:, place])
    assert (check['unnamed'] <= 0.25).all()


def test_prompt_mapper_realism_term_holds_codes_back(text_image_file):
    """With a discriminator that calls a code less real the redder its
    square, the realism term keeps the mapped codes less red than
    without it."""
    from mmlatent.control.prompt_mapper import train_prompt_mapper
    G = ColourSquareW()
    s = build_scorer(f'text:{text_image_file}')

    def dislikes_red(w, img, c):
        return -4.0 * w[:, 0]
    z = G.sample_z(32, torch.Generator().manual_seed(1))
    red = []
    for weight in (0.0, 20.0):
        mapper, _ = train_prompt_mapper(
            G, dislikes_red, s, 'red', steps=30, batch_size=16, lr=0.02,
            realism_weight=weight,
            generator=torch.Generator().manual_seed(0))
        red.append(float(mapper(z)[:, 0].mean()))
    assert red[1] < red[0] - 0.5


def test_prompt_mapper_refuses_bad_scorers_and_options(text_image_file):
    from mmlatent.control.prompt_mapper import train_prompt_mapper
    G = ColourSquareW()
    shapes = build_scorer('shapes')
    with pytest.raises(ConfigError, match="scorer 'shapes' is not "
                       'differentiable; train the mapper with text:PATH'):
        train_prompt_mapper(G, None, shapes, 'red')
    s = build_scorer(f'text:{text_image_file}')
    with pytest.raises(ConfigError, match=r'steps=0 and batch_size=64 must '
                       r'be >= 1'):
        train_prompt_mapper(G, None, s, 'red', steps=0)
    with pytest.raises(ConfigError, match='the prompt is empty'):
        train_prompt_mapper(G, None, s, ' ')


def test_prompt_heads_name_the_prompt_and_the_rest():
    from mmlatent.control.prompt_mapper import prompt_heads

    class Heads:
        name, attributes = 'heads', {f'is_{v}': 'binary' for a in VALUES
                                     for v in VALUES[a]}
    named, targets, left = prompt_heads(Heads(), 'a red triangle on the left')
    assert named == [['is_square', 'is_ellipse', 'is_triangle'],
                     ['is_red', 'is_yellow', 'is_green', 'is_cyan',
                      'is_blue', 'is_magenta'],
                     ['is_left', 'is_centre', 'is_right']]
    assert targets == [2, 0, 0]
    assert left == [['is_small', 'is_large'], ['is_top', 'is_middle',
                                                 'is_bottom']]
    with pytest.raises(ConfigError, match=r"the prompt mapper needs a scorer "
                       r"with is_<value> outputs; scorer 'shapes' has no "
                       r"'is_red' \(use text:PATH, made by "
                       r"tools/train_text_image.py\)"):
        prompt_heads(build_scorer('shapes'), 'a red triangle on the left')


@pytest.mark.parametrize('family', ['lgan', 'dcgan'])
def test_text_to_image_app_mapper(family, tiny_ckpts, text_image_file,
                                  tmp_path, run_script, capsys):
    """--method mapper on an l-GAN (its code discriminator judges
    realism; by default it trains against a code judge, with no generator
    pass) and on a DCGAN (its image discriminator; it trains on images):
    a grid of start and edit per code and a latent file of w codes; a
    scorer without heads, or a code judge for a model without an encoder,
    is refused in one line before anything is written."""
    from mmlatent.latent import load_latents
    from mmlatent.models.loading import load_generator
    app = 'apps/text_to_image.py'
    base = [tiny_ckpts[family], '--num', 3, '-o', tmp_path, '--method',
            'mapper', '--prompt', 'a red square']
    code, err = run_script(app, base + ['--scorer', f'text:{text_image_file}',
                                        '--steps', 2, '--judge-images', 40])
    assert code == 0, err
    out = capsys.readouterr().out
    n = 2 * 2 * 64
    if family == 'lgan':
        assert 'code judge: agreement with the scorer on held-out real ' \
            'codes shape ' in out
        assert ("prompt 'a red square', mapper: 6 generator passes (none "
                'to train the mapper: it trained on codes against a code '
                'judge, then 2 a code: start and edit)') in out
        assert 'text_code_judge.pt (--code-judge for the next prompt)' in out
        # the judge serves the next prompt without being taught again
        judge = tmp_path / 'text_code_judge.pt'
        code, err = run_script(app, base[:-1] + [
            'a blue square', '--scorer', f'text:{text_image_file}',
            '--steps', 2, '--code-judge', judge, '-o', tmp_path / 'next'])
        assert code == 0, err
        out2 = capsys.readouterr().out
        assert 'code judge: agreement' not in out2
        assert "prompt 'a blue square', mapper: 6 generator passes" in out2
        assert not (tmp_path / 'next' / judge.name).exists()
        for extra, why in (
                (['--judge', 'image'], 'with --judge code'),
                (['--mapper', tmp_path / 'text_a_red_square_mapper.pt'],
                 'with --judge code, and --mapper FILE trains none')):
            code, err = run_script(app, base + [
                '--scorer', f'text:{text_image_file}', '--code-judge', judge,
                '-o', tmp_path / 'no'] + extra)
            assert code == 2 and err.strip().endswith(
                '--code-judge FILE is for training a mapper ' + why), err
        assert not (tmp_path / 'no').exists()
    else:
        assert (f"prompt 'a red square', mapper: {n + 6} generator passes "
                f'({n} to train the mapper, then 2 a code: start and edit)'
                ) in out
        code, err = run_script(app, base + [
            '--scorer', f'text:{text_image_file}', '--judge', 'code', '-o',
            tmp_path / 'no'])
        assert code == 2 and ('--judge code needs a generator with an '
                              "encoder (an l-GAN, configs/lgan/); this "
                              "checkpoint's UnconditionalGAN has none: use "
                              '--judge image') in err, err
        assert not (tmp_path / 'no').exists()
    assert ('text_a_red_square_mapper_latents.pt, '
            'text_a_red_square_mapper.pt') in out
    lf = load_latents(str(tmp_path / 'text_a_red_square_mapper_latents.pt'))
    G = load_generator(tiny_ckpts[family]).G
    assert lf.space == 'w' and lf.latent.shape == (3, G.w_dim)
    assert lf.meta['method'] == 'mapper'
    assert (tmp_path / 'text_a_red_square_mapper.png').exists()
    # the saved mapper edits more codes without training
    saved = tmp_path / 'text_a_red_square_mapper.pt'
    again = base[:-6] + ['-o', tmp_path / 'again', '--method', 'mapper',
                         '--scorer', f'text:{text_image_file}']
    code, err = run_script(app, again + ['--prompt', 'a red square',
                                         '--mapper', saved])
    assert code == 0, err
    assert ("prompt 'a red square', mapper: 6 generator passes (a saved "
            'mapper: none to train it, then 2 a code: start and edit)'
            ) in capsys.readouterr().out
    assert not (tmp_path / 'again' / saved.name).exists()
    code, err = run_script(app, again + ['--prompt', 'a blue square',
                                         '--mapper', saved])
    assert code == 2 and "was trained toward 'a red square', not 'a blue " \
        "square'" in err, err
    code, err = run_script(app, base[:-4] + [
        '--prompt', 'a red square', '--scorer', f'text:{text_image_file}',
        '--mapper', saved])
    assert code == 2 and '--mapper FILE needs --method mapper' in err, err
    code, err = run_script(app, base + ['--scorer', 'shapes', '-o',
                                        tmp_path / 'no'])
    assert code == 2 and "the prompt mapper needs a scorer with " \
        "is_<value> outputs; scorer 'shapes'" in err, err
    assert not (tmp_path / 'no').exists()


def test_prompt_mapper_is_reproducible_from_its_generator(text_image_file):
    from mmlatent.control.prompt_mapper import train_prompt_mapper
    G = ColourSquareW()
    s = build_scorer(f'text:{text_image_file}')
    maps = []
    for _ in range(2):
        torch.manual_seed(len(maps))   # the global stream must not matter
        m, _ = train_prompt_mapper(G, lambda w, img, c: w[:, 0] * 0, s,
                                   'red', steps=3, batch_size=4,
                                   generator=torch.Generator().manual_seed(5))
        maps.append(m)
    for a, b in zip(maps[0].parameters(), maps[1].parameters()):
        assert torch.equal(a, b)


def test_saved_mapper_round_trips_and_checks_what_it_edits(tmp_path):
    from mmlatent.control.prompt_mapper import (PromptMapper,
                                                load_prompt_mapper,
                                                save_prompt_mapper)
    G = ColourSquareW()
    m = PromptMapper(3, width=8)
    torch.nn.init.normal_(m.delta[-1].weight)
    path = save_prompt_mapper(str(tmp_path / 'm.pt'), m, 'red',
                              meta=dict(steps=5))
    back = load_prompt_mapper(path, G, 'red')
    w = torch.randn(4, 3)
    assert torch.equal(back(w), m(w)) and back.width == 8
    with pytest.raises(ConfigError, match="was trained toward 'red', not "
                       "'blue'; give that prompt"):
        load_prompt_mapper(path, G, 'blue')

    class Wide(ColourSquareW):
        w_dim = 5
    with pytest.raises(ConfigError, match='edits codes of 3 numbers; this '
                       "generator's w has 5"):
        load_prompt_mapper(path, Wide(), 'red')
    torch.save({'format': 'other'}, tmp_path / 'x.pt')
    with pytest.raises(ConfigError, match="has format 'other', expected "
                       "'mmlatent.prompt_mapper/1'"):
        load_prompt_mapper(str(tmp_path / 'x.pt'), G, 'red')
