"""The explorer's HTTP server: a bad request gets one clear line and a 4xx
status, nothing outside its page / API / written files is served, uploads
are bounded and decoded as images only, the render endpoint returns the
library's image, and the app binds to 127.0.0.1 unless told otherwise."""
import importlib.util
import io
import os.path as osp

import numpy as np
import pytest
import torch
from explorer_helpers import BlockGenerator, decode_data_url

from mmlatent.apis.inference import seed_z
from mmlatent.explorer import build_session, is_loopback, make_server
from mmlatent.latent.codes import Codes, render_codes
from mmlatent.latent.sefa import default_cache_path
from mmlatent.utils.cli import run_cli
from mmlatent.utils.image import to_uint8

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture
def server(tmp_path, serve):
    session = build_session(BlockGenerator(), out_dir=str(tmp_path / 'out'),
                            num_sefa=2, project_steps=3, max_upload=4096)
    with serve(session) as srv:
        yield srv


def url(server, path: str) -> str:
    return server.url.rstrip('/') + path


BAD = [
    ('/api/render', {'seed': -1}, 400, 'seed=-1 must be an integer'),
    ('/api/render', {'seed': 'x'}, 400, "seed='x' must be an integer"),
    ('/api/render', {'psi': 3}, 400, 'psi=3 must be a number in [0, 2]'),
    ('/api/render', {'space': 'q'}, 400, "space='q' is not one of z, w"),
    ('/api/render', {'colour': 1}, 400, "unknown key 'colour'"),
    ('/api/render', {'sliders': {'nope': 1}}, 400,
     "unknown direction 'nope'"),
    ('/api/render', {'sliders': {'sefa0': 'big'}}, 400,
     "sliders['sefa0']='big' must be a number"),
    ('/api/render', {'base': 'code99'}, 400, "base='code99' is not a "
     'stored code'),
    ('/api/render', {'target': 'seed:x', 't': 0.5}, 400, "write 'seed:N'"),
    ('/api/render', {'t': 2}, 400, 't=2 must be a number in [0, 1]'),
    ('/api/render', {'space': 'w+'}, 200, ''),    # ignored until used
    ('/api/save', {'space': 'w+'}, 400, 'has no W+ space'),
    ('/api/render', {'labels': [1]}, 400, 'the generator is unconditional'),
    ('/api/render', [1, 2], 400, 'must be a JSON object'),
    ('/api/local', {'view': {}}, 400, 'local directions need a box'),
    ('/api/local', {'box': {'x0': 0, 'y0': 0, 'x1': 0.2, 'y1': 5}}, 400,
     'smaller than a pixel'),
    ('/api/local', {'box': {'x0': 0, 'y0': 0, 'x1': 99, 'y1': 5}}, 400,
     'box.x1=99 must be a number in [0, 16]'),
    ('/api/jacobian', {'num': 0}, 400, 'num=0 must be an integer in'),
    ('/api/export', {'id': 'nope'}, 404, "unknown direction 'nope'"),
    ('/api/text', {'prompt': 'red'}, 404, 'text prompts need the text'),
    ('/api/nothing', {}, 404, 'not found: POST /api/nothing'),
]


@pytest.mark.parametrize('path,body,status,message', BAD)
def test_bad_requests_get_one_line(server, http, path, body, status,
                                   message):
    got, data = http(url(server, path), body)
    assert got == status, data
    if status != 200:
        assert message in data['error']
        assert '\n' not in data['error'] and 'Traceback' not in \
            data['error']


def test_other_sites_are_refused(server, http):
    port = server.server_address[1]
    render = url(server, '/api/render')
    for host in ('evil.example', f'evil.example:{port}', '10.0.0.1'):
        got, data = http(url(server, '/api/info'), headers={'Host': host})
        assert got == 403 and 'DNS rebinding' in data['error']
    for host in (f'localhost:{port}', f'127.0.0.1:{port}', f'[::1]:{port}',
                 'localhost:9000'):       # an SSH tunnel's local port
        assert http(url(server, '/api/info'), headers={'Host': host})[0] \
            == 200
    got, data = http(render, {}, headers={'Origin': 'http://evil.example',
                                          'Content-Type': 'application/json'})
    assert got == 403 and "cross-site request from 'http://evil.example'" \
        in data['error']
    got, _ = http(render, {}, headers={
        'Origin': f'http://127.0.0.1:{port}',
        'Content-Type': 'application/json'})
    assert got == 200
    got, data = http(render, b'{}', raw=True,
                     headers={'Content-Type': 'text/plain'})
    assert got == 415 and "Content-Type 'text/plain'" in data['error']
    got, data = http(url(server, '/api/upload'), png_bytes(8), raw=True,
                     headers={'Content-Type': 'multipart/form-data'})
    assert got == 415 and 'image/* or application/octet-stream' in \
        data['error']


def test_malformed_bodies(server, http):
    got, data = http(url(server, '/api/render'), b'{seed: 1', raw=True,
                     headers={'Content-Type': 'application/json'})
    assert got == 400 and 'not valid JSON' in data['error']
    got, data = http(url(server, '/api/render'))
    assert got == 405 and 'takes POST' in data['error']
    got, data = http(url(server, '/api/job/job99'))
    assert got == 404 and "no projection job 'job99'" in data['error']


@pytest.mark.parametrize('path', [
    '/files/../../setup.py', '/files/%2e%2e/%2e%2e/setup.py',
    '/files/..%2f..%2fsetup.py', '/files//etc/passwd', '/etc/passwd',
    '/../setup.py', '/page.html', '/mmlatent/explorer/page.html',
    '/files/code_001.pt'])
def test_refuses_paths_outside_its_folders(server, http, path):
    got, data = http(url(server, path))
    assert got == 404
    assert 'serves only' in data['error']


def test_serves_the_files_it_wrote(server, http):
    got, saved = http(url(server, '/api/save'), {'seed': 1, 'space': 'z'})
    assert got == 200
    got, data = http(url(server, saved['url']))
    assert got == 200
    with open(saved['path'], 'rb') as f:
        assert data == f.read()


def test_render_returns_the_library_image(server, http):
    got, data = http(url(server, '/api/render'), {'seed': 5})
    assert got == 200 and data['factors'] is None
    G = server.session.G
    z = seed_z(G, [5])
    want = to_uint8(render_codes(G, Codes(z, 'z')))[0]
    assert np.array_equal(decode_data_url(data['image']), want)


def png_bytes(size: int) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.full((size, size, 3), 128, np.uint8)).save(
        buf, format='PNG')
    return buf.getvalue()


def test_uploads_are_bounded_and_images_only(server, http, tmp_path):
    upload = url(server, '/api/upload')
    pickled = io.BytesIO()
    torch.save({'evil': torch.zeros(3)}, pickled)
    got, data = http(upload, pickled.getvalue(), raw=True)
    assert got == 400 and 'not a PNG, JPEG, BMP or WebP' in data['error']
    got, data = http(upload, b'\x89PNG\r\n\x1a\n' + b'\0' * 64, raw=True)
    assert got == 400
    got, data = http(upload, b'', raw=True)
    assert got == 400 and 'empty' in data['error']
    got, data = http(upload, b'\0' * 5000, raw=True)
    assert got == 413 and 'larger than the limit of 4096' in data['error']
    got, data = http(upload + '?steps=x', png_bytes(16), raw=True)
    assert got == 400 and "steps='x'" in data['error']
    got, job = http(upload, png_bytes(40), raw=True)
    assert got == 200 and job['steps'] == 3


def test_projection_job_reports_progress(server, http):
    import time
    got, job = http(url(server, '/api/upload?steps=4'), png_bytes(16),
                    raw=True)
    assert got == 200
    for _ in range(200):
        got, job = http(url(server, f"/api/job/{job['id']}"))
        if job['done']:
            break
        time.sleep(0.05)
    assert job['error'] is None and job['step'] == 4
    got, data = http(url(server, '/api/render'), {'base': job['code']})
    assert got == 200


def test_host_warning_and_loopback(tmp_path):
    session = build_session(BlockGenerator(), out_dir=str(tmp_path),
                            num_sefa=0)
    warnings = []
    srv = make_server(session, '127.0.0.1', 0, warn=warnings.append)
    srv.server_close()
    assert warnings == []
    srv = make_server(session, '0.0.0.0', 0, warn=warnings.append)
    srv.server_close()
    assert len(warnings) == 1 and 'reachable from other machines' in \
        warnings[0]
    assert is_loopback('127.0.0.1') and is_loopback('::1') and \
        is_loopback('localhost') and not is_loopback('0.0.0.0')


def load_app():
    spec = importlib.util.spec_from_file_location(
        'explorer_app', osp.join(ROOT, 'apps', 'latent_explorer.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_defaults_and_errors(tiny_ckpts, tmp_path, capsys):
    app = load_app()
    args = app.parse_args(['ckpt.pth'])
    assert args.host == '127.0.0.1'
    server = app.build([tiny_ckpts['dcgan'], '--port', '0', '-o',
                        str(tmp_path), '--seed', '5'])
    try:
        assert server.session.info()['start']['seed'] == 5
        assert server.server_address[0] == '127.0.0.1'
        assert server.session.measure is True       # a Shapes config
        assert len(server.session.sliders) == 8
        assert server.session.sefa_status in ('cached', 'read')
    finally:
        server.server_close()
    # the main job's EMA averages from iteration 0: SeFa reads its weights
    cache = default_cache_path(tiny_ckpts['dcgan'], which='ema')
    assert osp.isfile(cache)
    again = app.build([tiny_ckpts['dcgan'], '--port', '0', '-o',
                       str(tmp_path)])
    again.server_close()
    assert again.session.sefa_status == 'read'
    for argv, message in [
            (['--port', '70000'], '--port 70000 must be in 0..65535'),
            (['--boundary', str(tmp_path / 'no.pt')], 'no.pt'),
            (['--host', '256.1.1.1'], 'cannot serve on 256.1.1.1'),
            (['--label', '1'], 'the generator is unconditional'),
            (['--seed', '-3'], 'seed=-3 must be an integer')]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            run_cli(lambda: app.build([tiny_ckpts['dcgan'], '-o',
                                       str(tmp_path), '--port', '0'] + argv))
        assert info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.startswith('error: ') and message in err, err


def test_page_needs_nothing_from_outside():
    with open(osp.join(ROOT, 'mmlatent', 'explorer', 'page.html')) as f:
        page = f.read()
    for needle in ('http://', 'https://', '//cdn', '@import', 'url(',
                   '<link', 'src="http'):
        assert needle not in page, needle
