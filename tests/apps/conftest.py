"""Shared fixtures of the app tests: the apps as modules, one CPU thread,
grid cells, and a projection of a generated image reused by the chain
tests (projection -> interpolation / SeFa / mutation)."""
import importlib.util
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from mmlatent.models.loading import load_generator
from mmlatent.utils.cli import run_cli
from mmlatent.utils.image import to_uint8, write_image

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_APPS = {}


def load_app(name: str):
    """``apps/<name>.py`` imported as a module (once)."""
    if name not in _APPS:
        spec = importlib.util.spec_from_file_location(
            f'app_{name}', osp.join(ROOT, 'apps', f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _APPS[name] = module
    return _APPS[name]


@pytest.fixture
def app():
    return load_app


@pytest.fixture
def cli_error(capsys):
    """Run ``app.main(argv)`` as the command line would and return the
    one-line error it prints (asserting exit status 2)."""
    def run(module, argv):
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            run_cli(lambda: module.main(argv))
        assert info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.startswith('error: ')
        return err
    return run


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread, and oneDNN's worker threads
    slow down badly when the cores are shared with other processes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def read_rgb(path: str) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert img is not None, path
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def grid_cells(path: str, rows: int, cols: int, size: int,
               pad: int = 2) -> np.ndarray:
    """The cells of an annotated grid: uint8 [rows, cols, size, size, 3]."""
    grid = read_rgb(path)
    assert grid.shape[:2] == (rows * (size + pad) + pad,
                              cols * (size + pad) + pad)
    return np.stack([np.stack([
        grid[pad + r * (size + pad):pad + r * (size + pad) + size,
             pad + c * (size + pad):pad + c * (size + pad) + size]
        for c in range(cols)]) for r in range(rows)])


def assert_close_uint8(a: np.ndarray, b: np.ndarray, tol: int = 1) -> None:
    diff = np.abs(a.astype(int) - b.astype(int)).max()
    assert diff <= tol, diff


@pytest.fixture
def helpers():
    """Image helpers for the tests (conftest modules are not importable
    by name when several share it)."""
    return SimpleNamespace(read_rgb=read_rgb, grid_cells=grid_cells,
                           assert_close_uint8=assert_close_uint8)


@pytest.fixture(scope='session')
def generated_image(tiny_ckpts, tmp_path_factory):
    """``family -> (png path, z, c)``: an image made by the generator of
    ``tiny_ckpts[family]`` from a known z."""
    cache = {}

    def make(family: str):
        if family not in cache:
            G = load_generator(tiny_ckpts[family], sample_model='orig').G
            g = torch.Generator().manual_seed(7)
            z, c = G.sample_z(1, g), G.sample_c(1, g)
            with torch.no_grad():
                img = G(z, c, **({'noise_mode': 'const'}
                                 if G.has_w_space else {}))
            path = tmp_path_factory.mktemp(f'img_{family}') / 'target.png'
            write_image(str(path), to_uint8(img)[0])
            cache[family] = (str(path), z, c)
        return cache[family]
    return make


@pytest.fixture(scope='session')
def projected(tiny_ckpts, generated_image, tmp_path_factory):
    """``family -> latent file`` written by the projector (few steps)."""
    cache = {}

    def make(family: str):
        if family not in cache:
            out = tmp_path_factory.mktemp(f'proj_{family}')
            image = generated_image(family)[0]
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            load_app('stylegan_projector').main([
                tiny_ckpts[family], image, '-o', str(out), '--perceptual',
                'none', '--mse', '1', '--total-iters', '5',
                '--w-avg-samples', '200', '--sample-model', 'orig'])
            torch.set_num_threads(threads)
            cache[family] = str(out / 'target-project.pt')
        return cache[family]
    return make
