"""The latent explorer: a local web page that shows a generator's image
live and edits its code with the latent toolkit (SeFa, Jacobian and local
directions, boundaries, interpolation, projection, latent files).

See docs/latent_explorer.md and apps/latent_explorer.py.
"""
from .build import build_session, is_shapes_config
from .server import ExplorerServer, is_loopback, make_server
from .images import png_bytes, shapes_factors
from .session import Current, ExplorerSession
from .sliders import Slider
from .view import RequestError, View, parse_view

__all__ = [
    'build_session', 'is_shapes_config', 'ExplorerServer', 'is_loopback',
    'make_server', 'Current', 'ExplorerSession', 'png_bytes',
    'shapes_factors', 'Slider',
    'RequestError', 'View', 'parse_view'
]
