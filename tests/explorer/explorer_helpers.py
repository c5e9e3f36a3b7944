"""Helpers of the explorer tests: generators with known answers, servers
running in a thread, HTTP and image helpers, the Chromium settings."""
import base64
import contextlib
import json
import os
import threading
import urllib.error
import urllib.request
from typing import Optional

import cv2
import numpy as np
import pytest
import torch
from torch import Tensor, nn

from mmlatent.datasets.shapes import render_shapes
from mmlatent.explorer import make_server
from mmlatent.models.generators import BaseGenerator
from mmlatent.utils.image import from_uint8

CHROMIUM = os.environ.get('MMLATENT_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
                 '--disable-background-networking',
                 '--disable-component-update', '--no-first-run']


class ShapesXGenerator(BaseGenerator):
    """Draws one square per z in U(-1, 1)^4: z[0] -> x in [0.3, 0.7],
    z[1] -> y in [0.35, 0.65] (clipped, so edits stay inside the image);
    z[2:] are ignored. Not differentiable (drawn with OpenCV)."""
    w_is_input = True

    def __init__(self):
        super().__init__(4, 4, 1, resolution=32, prior='uniform')
        self.dummy = nn.Parameter(torch.zeros(()))

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return z[:, None]

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        u = ((ws[:, 0].detach().double().cpu().numpy() + 1) / 2).clip(0, 1)
        n = len(u)
        factors = np.stack([0.3 + 0.4 * u[:, 0], 0.35 + 0.3 * u[:, 1],
                            np.full(n, 0.3), np.zeros(n),
                            np.full(n, 0.3)], 1)
        img = render_shapes(np.zeros(n, int), factors, self.resolution)
        return from_uint8(img).to(ws.device)


class BlockGenerator(BaseGenerator):
    """``img = tanh(reshape(M z))``, 3 x 16 x 16: z coords 0-1 move only the
    top-left 8 x 8 block, 2-3 the block and the background, 4-5 only the
    background. Local directions of that block are exactly z 0-1."""
    w_is_input = True

    def __init__(self):
        super().__init__(6, 6, 1, resolution=16)
        g = torch.Generator().manual_seed(0)
        region = self.region().flatten().repeat(3)
        M = torch.randn(3 * 256, 6, generator=g) * 0.3
        M[region, 4:] = 0
        M[~region, :2] = 0
        self.register_buffer('M', M)
        self.dummy = nn.Parameter(torch.zeros(()))

    @staticmethod
    def region() -> Tensor:
        mask = torch.zeros(16, 16, dtype=torch.bool)
        mask[:8, :8] = True
        return mask

    def mapping(self, z: Tensor, c: Optional[Tensor] = None) -> Tensor:
        return z[:, None]

    def synthesis(self, ws: Tensor, **kwargs) -> Tensor:
        return torch.tanh(ws[:, 0] @ self.M.t()).view(-1, 3, 16, 16)

    def direction_weights(self, layers=None) -> Tensor:
        return self.M


@contextlib.contextmanager
def serving(session, host: str = '127.0.0.1'):
    """``session`` served on a free port in a thread; yields the server."""
    with running(make_server(session, host, 0)) as server:
        yield server


@contextlib.contextmanager
def running(server):
    """``server`` (already bound) serving in a thread while inside."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def request(url: str, body=None, *, raw: bool = False, method=None,
            headers=None):
    """(status, parsed JSON or bytes) of a GET (body None) or POST."""
    data = None if body is None else (body if raw else
                                      json.dumps(body).encode())
    headers = dict(headers or {})
    if data is not None and 'Content-Type' not in headers:
        headers['Content-Type'] = 'image/png' if raw else 'application/json'
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            status, payload, ctype = res.status, res.read(), \
                res.headers.get('Content-Type', '')
    except urllib.error.HTTPError as e:
        status, payload, ctype = e.code, e.read(), \
            e.headers.get('Content-Type', '')
    if ctype.startswith('application/json'):
        return status, json.loads(payload)
    return status, payload


def decode_data_url(url: str) -> np.ndarray:
    """uint8 RGB [H, W, 3] of a ``data:image/png;base64,...`` URL."""
    assert url.startswith('data:image/png;base64,'), url[:40]
    buf = np.frombuffer(base64.b64decode(url.split(',', 1)[1]), np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)




def browser_missing(chromium: str) -> Optional[str]:
    """Why the browser tests cannot run, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ('the playwright package is missing: pip install -e '
                "'.[tests]'")
    if not os.path.isfile(chromium):
        return f'no Chromium at {chromium}: apt-get install chromium'
    return None


def require_browser(chromium: str) -> None:
    """Skip when the browser is missing, or fail under
    MMLATENT_REQUIRE_BROWSER=1 (as .ci/run sets it)."""
    why = browser_missing(chromium)
    if why:
        if os.environ.get('MMLATENT_REQUIRE_BROWSER') == '1':
            pytest.fail(f'MMLATENT_REQUIRE_BROWSER=1 but {why}')
        pytest.skip(why)
