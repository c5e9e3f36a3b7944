"""The explorer page in a real browser (the system Chromium through
playwright): it loads offline, the x boundary moves the shape right as
the analytic measurer sees it, a dragged box gives local directions that
change (almost) only the box, and upload -> projection -> save writes a
latent file that apps/interpolate_sample.py accepts."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from explorer_helpers import (BlockGenerator, ShapesXGenerator,
                              decode_data_url, running, serving)

from mmlatent.apis.inference import seed_z
from mmlatent.control.boundary import save_boundary, train_boundary
from mmlatent.datasets.measure import measure_factors
from mmlatent.explorer import View, build_session
from mmlatent.latent.directions import load_directions
from mmlatent.latent.io import load_latents
from mmlatent.models.loading import load_generator
from mmlatent.utils.image import to_uint8, write_image

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_app(name: str):
    spec = importlib.util.spec_from_file_location(
        f'explorer_test_{name}', osp.join(ROOT, 'apps', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def open_page(browser):
    """``open_page(server)``: a fresh page on the server, after its first
    render; records every URL the page requests."""
    pages = []

    def open_(server):
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        page.requested = []
        page.on('request', lambda r: page.requested.append(r.url))
        page.goto(server.url)
        page.wait_for_function('window.explorer && window.explorer.renders '
                               '>= 1 && !window.explorer.busy')
        pages.append(page)
        return page
    yield open_
    for page in pages:
        page.close()


def renders(page) -> int:
    return page.evaluate('window.explorer.renders')


def settle(page, before: int) -> None:
    """Wait until a render newer than ``before`` finished and none is
    queued."""
    page.wait_for_function(
        'n => window.explorer.renders > n && !window.explorer.busy && '
        '!window.explorer.pending', arg=before)


def shown(page) -> np.ndarray:
    """The image on the page: uint8 [H, W, 3]."""
    return decode_data_url(page.get_attribute('#image', 'src'))


def drag_slider(page, selector: str, fraction: float) -> float:
    """Click a range input at ``fraction`` of its width (as a user drags
    its thumb there); returns the value it took."""
    before = renders(page)
    box = page.locator(selector).bounding_box()
    page.mouse.click(box['x'] + fraction * box['width'],
                     box['y'] + box['height'] / 2)
    settle(page, before)
    return float(page.locator(selector).input_value())


def test_page_loads_offline(tmp_path, open_page):
    session = build_session(BlockGenerator(), out_dir=str(tmp_path),
                            num_sefa=3)
    with serving(session) as server:
        page = open_page(server)
        assert page.title() == 'mmlatent latent explorer'
        img = shown(page)
        assert img.shape == (16, 16, 3)
        assert 'ms per render' in page.inner_text('#status')
        assert page.inner_text('#error') == ''
        assert page.locator('input[data-slider]').count() == 3
        # seed + changes the image
        before = renders(page)
        page.click('#seed-next')
        settle(page, before)
        assert not np.array_equal(shown(page), img)
    assert page.requested and all(u.startswith(server.url)
                                  for u in page.requested), page.requested


def x_boundary(G, path: str) -> str:
    """An InterFaceGAN boundary of the measured x of G's images."""
    z = G.sample_z(400, torch.Generator().manual_seed(1))
    with torch.no_grad():
        x = measure_factors(G(z))['x']
    return save_boundary(path, train_boundary(z, x, ratio=0.1,
                                              attribute='x'))


def central_seed(G) -> int:
    """A seed whose square lies between the clipped extremes."""
    z0 = seed_z(G, range(50))[:, 0].numpy()
    return int(np.argmin(np.abs(np.array(z0))))


def test_x_boundary_slider_moves_the_shape_right(tmp_path, open_page):
    G = ShapesXGenerator()
    boundary = x_boundary(G, str(tmp_path / 'x.pt'))
    session = build_session(G, out_dir=str(tmp_path / 'out'), num_sefa=0,
                            boundaries=[boundary], measure=True)
    with serving(session) as server:
        page = open_page(server)
        before = renders(page)
        page.fill('#seed', str(central_seed(G)))
        page.dispatch_event('#seed', 'change')
        settle(page, before)
        x0 = float(measure_factors(shown(page)[None])['x'][0])
        slider = 'input[data-slider="boundary0"]'
        right = drag_slider(page, slider, 0.9)
        x1 = float(measure_factors(shown(page)[None])['x'][0])
        assert right > 2
        assert x1 > x0 + 0.1, (x0, x1)
        shown_x = float(page.inner_text('td[data-factor="x"]'))
        assert shown_x == pytest.approx(x1, abs=2e-3)
        drag_slider(page, slider, 0.1)
        x2 = float(measure_factors(shown(page)[None])['x'][0])
        assert x2 < x0 - 0.1, (x0, x2)


def test_dragged_box_gives_local_directions(tmp_path, open_page):
    G = BlockGenerator()
    session = build_session(G, out_dir=str(tmp_path), num_sefa=0)
    with serving(session) as server:
        page = open_page(server)
        page.fill('#relax', '0')
        stage = page.locator('#stage').bounding_box()
        cell = stage['width'] / 16     # the box: pixels 0..7 of 16
        page.mouse.move(stage['x'] + 0.2 * cell, stage['y'] + 0.2 * cell)
        page.mouse.down()
        page.mouse.move(stage['x'] + 7.8 * cell, stage['y'] + 7.8 * cell,
                        steps=5)
        page.mouse.up()
        local = 'input[data-slider^="local"]'
        page.wait_for_selector(local)
        assert page.locator(local).count() == 2   # z 0-1 span the null space
        img0 = shown(page).astype(float)
        drag_slider(page, f'{local} >> nth=0', 0.95)
        img1 = shown(page).astype(float)
        change = ((img1 - img0) ** 2).sum(2)
        inside = G.region().numpy()
        assert change.sum() > 0
        assert change[~inside].sum() / change.sum() < 0.05
        assert page.inner_text('#error') == ''


def test_upload_project_save_then_interpolate(tiny_ckpts, tmp_path,
                                              open_page):
    ckpt = tiny_ckpts['dcgan']
    G = load_generator(ckpt, sample_model='orig').G
    with torch.no_grad():
        target = G(G.sample_z(1, torch.Generator().manual_seed(5)))
    image = str(tmp_path / 'target.png')
    write_image(image, to_uint8(target)[0])
    app = load_app('latent_explorer')
    server = app.build([ckpt, '--port', '0', '-o', str(tmp_path / 'out'),
                        '--project-steps', '15', '--num-sefa', '2'])
    with running(server):
        page = open_page(server)
        page.set_input_files('#upload', image)
        page.wait_for_selector('#project-status[data-code]', timeout=60000)
        assert 'projected target.png' in page.inner_text('#project-status')
        assert page.get_attribute('#progress', 'value') == '1'
        code = page.get_attribute('#project-status', 'data-code')
        assert page.input_value('#base') == code
        page.wait_for_function('!window.explorer.busy')
        page.click('#save-btn')
        page.wait_for_selector('#files a[data-file]')
        name = page.get_attribute('#files a[data-file]', 'data-file')
    saved = osp.join(str(tmp_path / 'out'), name)
    lf = load_latents(saved)
    assert lf.space == 'z' and lf.latent.shape == (1, G.z_dim)
    out = tmp_path / 'interp'
    load_app('interpolate_sample').main([
        ckpt, '--proj-latent', saved, '--endpoint', '2', '--interval', '3',
        '-o', str(out), '--sample-model', 'orig'])
    assert (out / 'frame_00000.png').exists()
    ends = load_latents(str(out / 'endpoints.pt'))
    assert torch.allclose(ends.latent[0], lf.latent[0])


def test_page_of_an_lgan_starts_in_w(tiny_ckpts, tmp_path, open_page):
    """The l-GAN's SeFa sliders move w (its code), so the page starts in w:
    after a SeFa move the Jacobian button works without a space change."""
    app = load_app('latent_explorer')
    server = app.build([tiny_ckpts['lgan'], '--port', '0', '-o',
                        str(tmp_path / 'out'), '--num-sefa', '2'])
    with running(server):
        page = open_page(server)
        assert page.input_value('#space') == 'w'
        drag_slider(page, 'input[data-slider^="sefa"] >> nth=0', 0.8)
        page.fill('#num', '2')
        page.click('#jacobian-btn')
        jac = 'input[data-slider^="jacobian"]'
        page.wait_for_selector(jac)
        assert page.locator(jac).count() == 2
        assert page.inner_text('#error') == ''


def test_page_controls_of_a_style_generator(tiny_ckpts, tmp_path,
                                            open_page):
    app = load_app('latent_explorer')
    out = tmp_path / 'out'
    server = app.build([tiny_ckpts['stylegan2'], '--port', '0', '-o',
                        str(out), '--num-sefa', '2', '--sample-model',
                        'orig'])
    session = server.session
    with running(server):
        page = open_page(server)
        assert page.input_value('#space') == 'w'
        assert page.is_hidden('#layers-row')
        page.fill('#num', '3')
        page.click('#jacobian-btn')
        jac = 'input[data-slider^="jacobian"]'
        page.wait_for_selector(jac)
        assert page.locator(jac).count() == 3
        page.click('button[data-export^="jacobian"] >> nth=0')
        link = '#files a[data-file^="direction_jacobian"]'
        page.wait_for_selector(link)
        ds = load_directions(str(out / page.get_attribute(link,
                                                          'data-file')))
        assert ds.space == 'w' and ds.directions[0].shape == (
            1, session.G.w_dim)
        page.select_option('#space', 'w+')
        assert page.is_visible('#layers-row')
        # the scrubber at t = 1 shows the target seed's image
        page.fill('#target-seed', '9')
        page.dispatch_event('#target-seed', 'change')
        before = renders(page)
        page.focus('#t')
        page.keyboard.press('End')        # the scrubber to its end, t = 1
        settle(page, before)
        assert page.input_value('#t') == '1'
        want = to_uint8(session.render(View(seed=9)))[0]
        assert np.array_equal(shown(page), want)
        # a saved code becomes a choice of the code menu
        page.click('#save-btn')
        page.wait_for_selector('#files a[data-file^="code_"]')
        options = page.eval_on_selector_all('#base option',
                                            'os => os.map(o => o.text)')
        assert any(o.startswith('code_001') for o in options), options
        assert page.inner_text('#error') == ''
