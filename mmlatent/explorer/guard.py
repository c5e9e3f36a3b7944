"""Checks that keep other web sites out of a local explorer.

A page on another site, open in the user's browser, can send requests to
``http://127.0.0.1:PORT``. So, for a server bound to a loopback address:

* the ``Host`` header must name a loopback host (``127.0.0.1``,
  ``localhost``, ``::1``), which defeats DNS rebinding;
* a POST that carries an ``Origin`` header must come from the page's own
  origin;
* POST bodies must have the content type of their endpoint (JSON, or an
  image), which a cross-site form cannot send without a CORS preflight
  (which the explorer never grants).
"""
from typing import Mapping, Sequence

from .view import RequestError

LOOPBACK_NAMES = ('127.0.0.1', 'localhost', '::1')
JSON_TYPES = ('application/json', )
UPLOAD_TYPES = ('image/*', 'application/octet-stream')


def host_name(host: str) -> str:
    """``'name'`` of a Host header ``'name:port'`` or ``'[v6]:port'``."""
    host = host.strip().lower()
    if host.startswith('['):
        return host[1:host.find(']')] if ']' in host else host
    return host.rsplit(':', 1)[0] if host.count(':') == 1 else host


def check_host(headers: Mapping[str, str], port: int) -> None:
    """403 unless the Host header names a loopback host."""
    host = headers.get('Host')
    if not host:
        raise RequestError('the request has no Host header', status=400)
    if host_name(host) not in LOOPBACK_NAMES:
        raise RequestError(
            f"Host '{host}' is not a loopback address: this explorer only "
            'answers requests for 127.0.0.1 / localhost (a guard against '
            f'DNS rebinding); open http://127.0.0.1:{port}/', status=403)


def check_origin(headers: Mapping[str, str]) -> None:
    """403 when the Origin header is not the page's own origin."""
    origin = headers.get('Origin')
    if origin is None:
        return
    if origin.lower() != f"http://{headers.get('Host', '')}".lower():
        raise RequestError(f"cross-site request from '{origin}' refused; "
                           "use the explorer's own page", status=403)


def check_type(headers: Mapping[str, str], types: Sequence[str]) -> None:
    """415 unless the body's Content-Type is one of ``types``."""
    ctype = headers.get('Content-Type', '').split(';')[0].strip().lower()
    for t in types:
        if ctype == t or (t.endswith('/*') and ctype.startswith(t[:-1])):
            return
    raise RequestError(f"Content-Type '{ctype or 'none'}' is not accepted "
                       f"here; send {' or '.join(types)}", status=415)
