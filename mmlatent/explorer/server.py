"""The explorer's HTTP server (standard library only): one page, a small
JSON API and the files the session wrote; nothing else.

==========================  ===============================================
``GET /``                   the page (page.html, no external resources)
``GET /api/info``           generator, sliders, stored codes, limits
``POST /api/render``        view -> ``{image: data URL, factors, ms}``
``POST /api/jacobian``      ``{view, num}`` -> global Jacobian sliders
``POST /api/local``         ``{view, box, relax, num}`` -> local sliders
``POST /api/text``          ``{prompt}`` -> a slider (needs the text hook)
``POST /api/save``          view -> the code as a latent file
``POST /api/export``        ``{id}`` -> the slider as a directions file
``POST /api/upload``        image bytes -> a projection job
``GET /api/job/ID``         the job's progress and, when done, its code
``GET /files/NAME``         a file the session wrote (nothing else)
==========================  ===============================================

Errors are JSON ``{"error": "<one line>"}`` with a 4xx status (5xx for a
bug, without a traceback). Request bodies are bounded; JSON bodies are
parsed with :mod:`json` and uploads decoded as images only. On a loopback
address, requests from other sites are refused (see :mod:`.guard`).
"""
import ipaddress
import json
import logging
import os.path as osp
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from ..utils.cli import user_message
from . import actions
from .guard import (JSON_TYPES, UPLOAD_TYPES, check_host, check_origin,
                    check_type)
from .session import ExplorerSession
from .view import RequestError, parse_view

PAGE = osp.join(osp.dirname(osp.abspath(__file__)), 'page.html')
MAX_JSON = 1 << 20
logger = logging.getLogger(__name__)


def _json_body(handler: 'ExplorerHandler') -> Dict:
    raw = handler.read_body(MAX_JSON)
    try:
        return json.loads(raw.decode('utf-8') or '{}')
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RequestError(f'the body is not valid JSON ({e}); send a JSON '
                           'object') from None


def _render(s, h):
    return s.render_json(parse_view(_json_body(h)))


def _save(s, h):
    return s.save(parse_view(_json_body(h)))


def _upload(s, h):
    query = parse_qs(urlsplit(h.path).query)
    steps = query.get('steps', [None])[0]
    if steps is not None:
        try:
            steps = int(steps)
        except ValueError:
            raise RequestError(f'steps={steps!r} must be an integer') \
                from None
    body = h.read_body(s.max_upload)
    return actions.start_upload(s, body, steps)


POST: Dict[str, Callable] = {
    '/api/render': _render,
    '/api/save': _save,
    '/api/jacobian': lambda s, h: actions.jacobian_sliders(
        s, _json_body(h), local=False),
    '/api/local': lambda s, h: actions.jacobian_sliders(
        s, _json_body(h), local=True),
    '/api/text': lambda s, h: actions.text_slider(s, _json_body(h)),
    '/api/export': lambda s, h: actions.export_direction(s, _json_body(h)),
    '/api/upload': _upload,
}
NOT_FOUND = ('the explorer serves only its page (/), its API (/api/...) and '
             'the files it wrote (/files/NAME)')


class ExplorerHandler(BaseHTTPRequestHandler):
    """Routes requests to the server's :class:`ExplorerSession`."""

    server: 'ExplorerServer'
    server_version = 'mmlatent-explorer'
    sys_version = ''

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    # -- responses --------------------------------------------------------
    def send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Cache-Control', 'no-store')
        self.send_header('X-Content-Type-Options', 'nosniff')
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def send_json(self, status: int, data: Dict) -> None:
        self.send(status, json.dumps(data).encode('utf-8'),
                  'application/json')

    def fail(self, status: int, message: str) -> None:
        self.send_json(status, {'error': message})

    def read_body(self, limit: int) -> bytes:
        """The request body, at most ``limit`` bytes (413 beyond)."""
        length = self.headers.get('Content-Length')
        if length is None:
            raise RequestError('the request has no Content-Length; send '
                               'the body with its length', status=411)
        try:
            n = int(length)
        except ValueError:
            raise RequestError(f'Content-Length {length!r} is not a '
                               'number') from None
        if n > limit:
            self.close_connection = True
            raise RequestError(f'the body of {n} bytes is larger than the '
                               f'limit of {limit} bytes', status=413)
        return self.rfile.read(n) if n > 0 else b''

    # -- dispatch ---------------------------------------------------------
    def handle_safely(self, action: Callable[[], Tuple[int, bytes, str]]
                      ) -> None:
        try:
            self.send(*action())
        except RequestError as e:
            self.fail(e.status, user_message(e))
        except Exception as e:  # noqa: BLE001 - a bug: one line, logged
            logger.exception('explorer request %s failed', self.path)
            self.fail(500, f'internal error ({type(e).__name__}: '
                      f'{user_message(e)}); see the server log')

    def do_GET(self) -> None:  # noqa: N802
        self.handle_safely(self.get)

    def do_HEAD(self) -> None:  # noqa: N802
        self.handle_safely(self.get)

    def do_POST(self) -> None:  # noqa: N802
        self.handle_safely(self.post)

    def check_host(self) -> None:
        if self.server.loopback:
            check_host(self.headers, self.server.server_address[1])

    def get(self) -> Tuple[int, bytes, str]:
        self.check_host()
        path, s = urlsplit(self.path).path, self.server.session
        if path in ('/', '/index.html'):
            return 200, self.server.page, 'text/html; charset=utf-8'
        if path == '/api/info':
            return self.ok(s.info())
        if path.startswith('/api/job/'):
            return self.ok(actions.job_info(s, path[len('/api/job/'):]))
        if path.startswith('/files/'):
            return self.file(unquote(path[len('/files/'):]))
        if path in POST:
            raise RequestError(f'{path} takes POST, not GET', status=405)
        raise RequestError(f'not found: {path}; {NOT_FOUND}', status=404)

    def post(self) -> Tuple[int, bytes, str]:
        self.check_host()
        check_origin(self.headers)
        path = urlsplit(self.path).path
        if path not in POST:
            raise RequestError(f'not found: POST {path}; {NOT_FOUND}',
                               status=404)
        check_type(self.headers,
                   UPLOAD_TYPES if path == '/api/upload' else JSON_TYPES)
        return self.ok(actions.run_action(POST[path], self.server.session,
                                          self))

    def ok(self, data: Dict) -> Tuple[int, bytes, str]:
        return 200, json.dumps(data).encode('utf-8'), 'application/json'

    def file(self, name: str) -> Tuple[int, bytes, str]:
        """A file the session wrote, looked up by exact name (so no path
        can reach anything else)."""
        path = self.server.session.files.get(name)
        if path is None or not osp.isfile(path):
            raise RequestError(f'no file {name!r}: the explorer serves only '
                               'the files it wrote', status=404)
        with open(path, 'rb') as f:
            data = f.read()
        return 200, data, 'application/octet-stream'


class ExplorerServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`ExplorerSession`."""

    daemon_threads = True

    def __init__(self, session: ExplorerSession, host: str = '127.0.0.1',
                 port: int = 0, *, verbose: bool = False):
        self.session, self.verbose = session, verbose
        self.loopback = is_loopback(host)
        with open(PAGE, 'rb') as f:
            self.page = f.read()
        super().__init__((host, port), ExplorerHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f'http://{host}:{port}/'


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(session: ExplorerSession, host: str = '127.0.0.1',
                port: int = 0, *, verbose: bool = False,
                warn: Optional[Callable[[str], None]] = None
                ) -> ExplorerServer:
    """An :class:`ExplorerServer` on ``host:port`` (0: a free port); warns
    (on stderr by default) when ``host`` is not a loopback address."""
    if not is_loopback(host):
        (warn or (lambda m: print(m, file=sys.stderr)))(
            f'warning: serving on {host}, reachable from other machines: '
            'anyone who can reach it can use the generator and write files '
            'to the output folder; use the default 127.0.0.1 with an SSH '
            'tunnel (ssh -L) unless you need this')
    return ExplorerServer(session, host, port, verbose=verbose)
