"""The explorer's session: renders equal the library's images for the same
code, a slider move costs one synthesis forward (mapping cached), codes
save and reload, directions export and come back as sliders."""
import numpy as np
import pytest
import torch
from explorer_helpers import BlockGenerator

from mmlatent.control.boundary import (Boundary, edit_latents, load_boundary,
                                       save_boundary)
from mmlatent.explorer import RequestError, View, build_session
from mmlatent.explorer.actions import (export_direction, jacobian_sliders,
                                       text_slider)
from mmlatent.apis.inference import sample_images, seed_z
from mmlatent.latent.codes import Codes, render_codes, to_space
from mmlatent.latent.directions import load_directions
from mmlatent.latent.io import load_latents
from mmlatent.latent.sefa import edit_ws, load_or_compute
from mmlatent.models.loading import load_generator
from mmlatent.utils.image import to_uint8


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def image(session, **view) -> np.ndarray:
    return to_uint8(session.render(View(**view)))[0]


def library(G, codes) -> np.ndarray:
    return to_uint8(render_codes(G, codes))[0]


@pytest.fixture(scope='module')
def G_of(tiny_ckpts):
    cache = {}

    def make(family):
        if family not in cache:
            cache[family] = load_generator(tiny_ckpts[family],
                                           sample_model='orig').G
        return cache[family]
    return make


@pytest.mark.parametrize('family', ['dcgan', 'stylegan2', 'infogan'])
def test_seed_render_equals_library(family, G_of, tmp_path):
    G = G_of(family)
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0)
    z = seed_z(G, [4])                    # tools/generate.py's seed 4
    c = G.sample_c(1, gen(4))
    want = library(G, Codes(z, 'z', c))
    assert np.array_equal(image(session, seed=4), want)
    if not G.c_dim:
        assert np.array_equal(image(session, seed=4),
                              to_uint8(sample_images(G, seeds=[4]))[0])


def test_truncation_and_sefa_layers_equal_library(G_of, tmp_path):
    G = G_of('stylegan2')
    session = build_session(G, out_dir=str(tmp_path), num_sefa=2)
    codes = to_space(Codes(seed_z(G, [2]), 'z'), G, 'w+',
                     mapping_kwargs={'truncation_psi': 0.7})
    assert np.array_equal(image(session, seed=2, psi=0.7),
                          library(G, codes))
    assert np.array_equal(image(session, seed=2, psi=0.7), to_uint8(
        sample_images(G, seeds=[2], truncation_psi=0.7))[0])
    V, _ = load_or_compute(G)
    ws = edit_ws(codes.latent, V[1], [1.5], layers=[1, 2, 3])[:, 0]
    got = image(session, seed=2, psi=0.7, space='w+', layers=(1, 3),
                sliders={'sefa1': 1.5})
    assert np.array_equal(got, library(G, Codes(ws, 'w+')))
    assert not np.array_equal(got, library(G, codes))


def test_boundary_slider_and_interpolation_equal_library(G_of, tmp_path):
    G = G_of('dcgan')
    normal = torch.nn.functional.normalize(
        torch.randn(G.z_dim, generator=gen(0)), dim=0)
    path = save_boundary(str(tmp_path / 'b.pt'),
                         Boundary(normal, 0.1, 'z', 'thing'))
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0,
                            boundaries=[path])
    z = seed_z(G, [1])
    edited = edit_latents(z, load_boundary(path), [2.0])[:, 0]
    assert np.array_equal(image(session, seed=1,
                                sliders={'boundary0': 2.0}),
                          library(G, Codes(edited, 'z')))
    # interpolation: t = 1 lands on the target, t = 0.5 lerps ws in w
    assert np.array_equal(image(session, seed=1, target='seed:2', t=1.0,
                                space='w'), image(session, seed=2))
    z2 = seed_z(G, [2])
    mid = Codes(((z + z2) / 2), 'w')
    assert np.array_equal(image(session, seed=1, target='seed:2', t=0.5,
                                space='w'), library(G, mid))


class Counting(BlockGenerator):
    def __init__(self):
        super().__init__()
        self.calls = {'mapping': 0, 'synthesis': 0}

    def mapping(self, z, c=None):
        self.calls['mapping'] += 1
        return super().mapping(z, c)

    def synthesis(self, ws, **kwargs):
        self.calls['synthesis'] += 1
        return super().synthesis(ws, **kwargs)


def test_slider_move_costs_one_forward(tmp_path):
    G = Counting()
    session = build_session(G, out_dir=str(tmp_path), num_sefa=2)
    for value in (0.0, 0.5, 1.0, -1.0):
        session.render(View(seed=7, space='w', sliders={'sefa0': value}))
    assert G.calls == {'mapping': 1, 'synthesis': 4}
    session.render(View(seed=8))
    assert G.calls == {'mapping': 2, 'synthesis': 5}


def test_save_and_reload_codes(G_of, tmp_path):
    G = G_of('stylegan2')
    session = build_session(G, out_dir=str(tmp_path), num_sefa=2)
    view = dict(seed=3, space='w+', layers=(0, 2), sliders={'sefa0': 2.0})
    shown = image(session, **view)
    (tmp_path / 'code_001.pt').write_bytes(b'an earlier session')
    saved = session.save(View(**view))
    assert saved['file'] == 'code_002.pt'         # nothing is overwritten
    assert (tmp_path / 'code_001.pt').read_bytes() == b'an earlier session'
    lf = load_latents(saved['path'])
    assert lf.space == 'w+' and lf.latent.shape == (1, G.num_ws, G.w_dim)
    assert np.array_equal(image(session, base=saved['code']), shown)
    with pytest.raises(RequestError, match='choose space w\\+'):
        session.save(View(base=saved['code'], space='w'))
    with pytest.raises(RequestError, match='w edits'):
        session.save(View(**{**view, 'space': 'z'}))
    # a z code saves as z, and the app's --latent option reads it back
    z_file = session.save(View(seed=3, space='z'))['path']
    again = build_session(G, out_dir=str(tmp_path), num_sefa=0,
                          latents=[z_file])
    key = next(iter(again.codes))
    assert np.array_equal(image(again, base=key), image(session, seed=3))


def test_w_edits_of_a_vector_input_generator_stay_z_codes(G_of, tmp_path):
    G = G_of('infogan')                    # w = [z | c]
    session = build_session(G, out_dir=str(tmp_path), num_sefa=2)
    view = View(seed=2, space='z', sliders={'sefa0': 2.0})
    saved = load_latents(session.save(view)['path'])
    assert saved.space == 'z' and saved.c.shape == (1, G.c_dim)
    assert np.array_equal(library(G, Codes(saved.latent, 'z', saved.c)),
                          image(session, seed=2, sliders={'sefa0': 2.0}))
    jac = jacobian_sliders(session, {'view': {'seed': 2, 'space': 'z',
                                              'sliders': {'sefa0': 2.0}},
                                     'num': 2}, local=False)
    assert jac['space'] == 'z' and len(jac['sliders']) == 2


def test_w_edits_of_an_lgan_leave_no_z_code(G_of, tmp_path):
    G = G_of('lgan')              # w = mapping(z): the autoencoder's code
    assert not G.w_is_input and G.w_dim != G.z_dim
    session = build_session(G, out_dir=str(tmp_path), num_sefa=2)
    assert session.sliders['sefa0'].space == 'w'
    moved = {'seed': 2, 'sliders': {'sefa0': 2.0}}
    for action in (lambda: session.save(View(space='z', **moved)),
                   lambda: jacobian_sliders(session, {
                       'view': {'space': 'z', **moved}, 'num': 2},
                       local=False)):
        with pytest.raises(RequestError) as err:
            action()
        assert str(err.value).endswith('choose space w to use it')
    saved = load_latents(session.save(View(space='w', **moved))['path'])
    assert saved.space == 'w' and saved.latent.shape == (1, G.w_dim)
    assert np.array_equal(library(G, Codes(saved.latent, 'w')),
                          image(session, **moved))
    box = {'x0': 0, 'y0': 0, 'x1': G.resolution // 2,
           'y1': G.resolution // 2}
    local = jacobian_sliders(session, {'view': {'space': 'w', **moved},
                                       'num': 2, 'box': box, 'relax': 1.0},
                             local=True)
    assert local['space'] == 'w' and len(local['sliders']) >= 1, local


def test_condition_of_infogan(G_of, tmp_path):
    G = G_of('infogan')
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0)
    k = G.codes.cat_dims[0]
    a = image(session, seed=1, labels=[0], con=[0.5] * G.codes.con_dim)
    b = image(session, seed=1, labels=[k - 1], con=[0.5] * G.codes.con_dim)
    assert not np.array_equal(a, b)
    with pytest.raises(RequestError, match=f'use 0..{k - 1}'):
        image(session, seed=1, labels=[k])
    with pytest.raises(RequestError, match='must give 1 value'):
        image(session, seed=1, labels=[0, 0])


def test_jacobian_directions_are_cached_and_exported(tmp_path):
    G = BlockGenerator()
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0)
    body = {'view': {'seed': 0, 'space': 'z'}, 'num': 3}
    first = jacobian_sliders(session, body, local=False)
    again = jacobian_sliders(session, body, local=False)
    assert [s['id'] for s in first['sliders']] == \
        [s['id'] for s in again['sliders']]
    local = jacobian_sliders(session, {**body, 'relax': 0.0, 'box': {
        'x0': 0, 'y0': 0, 'x1': 8, 'y1': 8}}, local=True)
    assert len(local['sliders']) == 2
    assert all(s['outside'] < 1e-6 for s in local['sliders'])
    key = local['sliders'][0]['id']
    out = export_direction(session, {'id': key})
    ds = load_directions(out['path'])
    assert ds.kind == 'local' and ds.space == 'z'
    assert torch.allclose(ds.directions[0][0], session.sliders[key].vector)
    back = build_session(G, out_dir=str(tmp_path), num_sefa=0,
                         directions=[out['path']])
    (s, ) = back.sliders.values()
    assert torch.allclose(s.vector, session.sliders[key].vector)
    assert s.vector[2:].abs().max() < 1e-6    # only z 0-1 move the box


def test_text_hook(tmp_path):
    G = BlockGenerator()
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0)
    with pytest.raises(RequestError, match='text tools'):
        text_slider(session, {'prompt': 'a red square'})
    session.text_direction = lambda prompt: ('z', torch.arange(6.0))
    out = text_slider(session, {'prompt': 'a red square'})
    (s, ) = out['sliders']
    assert s['group'] == 'text' and s['space'] == 'z'
    assert float(session.sliders[s['id']].vector.norm()) == \
        pytest.approx(1.0)
    assert session.info()['text'] is True


def test_interpolation_target_is_mapped_once(tmp_path):
    G = Counting()
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0)
    frames = [image(session, seed=1, target='seed:2', t=t, space='w')
              for t in (0.25, 0.5, 0.75)]
    # seed 1 and the target seed 2 are mapped once each, not per frame
    assert G.calls == {'mapping': 2, 'synthesis': 3}
    image(session, seed=2)  # the target's ws serve as a base too
    assert G.calls == {'mapping': 2, 'synthesis': 4}
    fresh = build_session(Counting(), out_dir=str(tmp_path), num_sefa=0)
    assert np.array_equal(frames[1], image(fresh, seed=1, target='seed:2',
                                           t=0.5, space='w'))


def test_sefa_directions_are_computed_once_per_checkpoint(tmp_path,
                                                          monkeypatch):
    import mmlatent.latent.sefa as sefa
    calls, compute = [], sefa.sefa_directions
    monkeypatch.setattr(sefa, 'sefa_directions',
                        lambda *a, **k: calls.append(1) or compute(*a, **k))
    cache = str(tmp_path / 'ckpt_sefa-ema-all.pt')
    first = build_session(Counting(), out_dir=str(tmp_path), num_sefa=2,
                          sefa_cache=cache)
    again = build_session(Counting(), out_dir=str(tmp_path), num_sefa=2,
                          sefa_cache=cache)
    assert (first.sefa_status, again.sefa_status) == ('cached', 'read')
    assert len(calls) == 1
    assert torch.equal(first.sliders['sefa1'].vector,
                       again.sliders['sefa1'].vector)


def test_projections_estimate_the_mean_code_once(G_of, tmp_path,
                                                 monkeypatch):
    from mmlatent.explorer.jobs import ProjectionJob, run_projection
    from mmlatent.latent.projection import project
    G = G_of('stylegan2')
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0,
                            w_avg_samples=50)
    target = session.render(View(seed=3)).clamp(-1, 1)
    sizes, mapping = [], G.mapping

    def counted(z, *args, **kwargs):
        sizes.append(z.shape[0])
        return mapping(z, *args, **kwargs)
    monkeypatch.setattr(G, 'mapping', counted)
    got = []
    for i in range(2):
        run_projection(ProjectionJob(f'job{i}', 2), G, target,
                       mse_weight=1.0, w_avg_samples=50,
                       done=lambda job, codes: got.append(codes),
                       starts=session.projection_starts)
    assert len(got) == 2 and sizes == [50]  # the second job maps nothing
    monkeypatch.setattr(G, 'mapping', mapping)
    want = project(G, target, steps=2, mse_weight=1.0, w_avg_samples=50,
                   generator=torch.Generator().manual_seed(0))
    for codes in got:  # each as a fresh seed-0 projection
        assert torch.equal(codes.latent, want.latent)
        assert all(torch.equal(a, b) for a, b in zip(codes.noise,
                                                     want.noise))
