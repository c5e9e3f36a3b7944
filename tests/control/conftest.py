"""Shared pieces of the control tests: one thread, a tiny classifier file,
and app runners that capture the one-line error of run_cli."""
import importlib.util
import os.path as osp

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread, and steadily when the cores
    are shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def load_script(rel: str):
    """Import ``apps/x.py`` / ``tools/x.py`` as a module."""
    path = osp.join(ROOT, rel)
    name = 'script_' + rel.replace('/', '_').replace('.py', '')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def script():
    """``script('apps/x.py')``: the script imported as a module."""
    return load_script


@pytest.fixture(scope='session')
def run_script():
    """``run_script('apps/x.py', argv)`` runs main(argv) in-process under
    run_cli; returns (exit code, stderr's error line or '')."""
    import contextlib
    import io

    from mmlatent.utils.cli import run_cli
    cache = {}

    def run(rel, argv):
        if rel not in cache:
            cache[rel] = load_script(rel)
        err = io.StringIO()
        code = 0
        with contextlib.redirect_stderr(err):
            try:
                run_cli(lambda: cache[rel].main([str(a) for a in argv]))
            except SystemExit as e:
                code = e.code
        lines = [ln for ln in err.getvalue().splitlines()
                 if ln.startswith('error:')]
        return code, lines[0] if lines else ''
    return run


@pytest.fixture(scope='session')
def shapes_classifier(tmp_path_factory):
    """A classifier file from a few iterations on Shapes (x, y, scale and
    the shape class)."""
    from mmlatent.control.classifier import (classifier_config,
                                             classifier_data,
                                             save_classifier,
                                             train_classifier)
    from mmlatent.registry import MODELS
    torch.manual_seed(0)
    data = classifier_data('shapes', resolution=32, num_samples=64)
    cfg = classifier_config(data, regression=['x', 'y', 'scale'],
                            base_channels=8)
    model = MODELS.build(cfg['model'])
    metrics = train_classifier(model, data, iters=3, batch_size=16)
    path = str(tmp_path_factory.mktemp('cls') / 'cls.pth')
    return save_classifier(path, model, cfg, metrics)


@pytest.fixture(scope='module')
def text_image_file(tmp_path_factory):
    """A small text-image file trained for a few seconds on 16 px."""
    from helpers import tiny_text_image
    path = str(tmp_path_factory.mktemp('ti') / 'ti.pth')
    tiny_text_image(path)
    return path
