"""Start-up cost: importing mmlatent and setting up its registries loads no
heavy optional stack, and every app and tool answers ``--help`` without
importing torch (each check runs in a fresh interpreter)."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmlatent.utils.image import make_grid, to_uint8

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SCRIPTS = sorted(osp.relpath(p, ROOT) for p in
                 glob.glob(osp.join(ROOT, 'apps', '*.py')) +
                 glob.glob(osp.join(ROOT, 'tools', '*.py')))
HEAVY = ('sklearn', 'scipy', 'lpips', 'torchvision')


def run_python(code: str) -> dict:
    """Run ``code`` in a fresh interpreter (cwd: the repository); it prints
    one JSON line last."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_registry_setup_imports_no_heavy_stack():
    """Everything the registries import on demand (their ``locations``),
    plus the training and evaluation entry points, without sklearn, scipy,
    lpips or torchvision."""
    loaded = run_python(f"""
import importlib, json, sys
from mmengine.registry import Registry
import mmlatent.registry as r
locations = sorted({{loc for v in vars(r).values() if isinstance(v, Registry)
                    for loc in v._locations}})
for name in locations + ['mmlatent.training', 'mmlatent.apis.train',
                         'mmlatent.apis.evaluate', 'mmlatent.latent',
                         'mmlatent.apis.app']:
    importlib.import_module(name)
print(json.dumps(dict(locations=locations,
                      heavy=[m for m in {HEAVY!r} if m in sys.modules])))
""")
    assert {'mmlatent.models.generators', 'mmlatent.models.gans'} <= \
        set(loaded['locations'])
    assert loaded['heavy'] == []


def test_inference_loads_no_runner_or_control_stack(tiny_ckpts):
    """An app that loads a generator from a checkpoint and renders (as
    apps/modified_sefa.py) imports neither mmengine's runner (about 1 s:
    FSDP, sympy) nor the control package (scorers, boundaries)."""
    loaded = run_python(f"""
import json, sys
from mmlatent.apis.app import load_app_generator
from mmlatent.latent.sefa import cached_directions, sefa_grid
from mmlatent.latent.start import start_codes
from mmlatent.models.loading import load_generator
G = load_generator({tiny_ckpts['dcgan']!r}).G
G.synthesis(G.mapping(G.sample_z(1)))
print(json.dumps(sorted(m for m in ('mmengine.runner', 'mmlatent.control',
                                    'mmlatent.engine') if m in sys.modules)))
""")
    assert loaded == []


#: What building the whole GAN imports and an app does without.
GAN_STACK = ('mmengine.model', 'mmengine.optim', 'mmlatent.models.gans',
             'mmlatent.models.base_gan', 'mmlatent.models.discriminators')


@pytest.mark.parametrize('argv', ['--help', 'run'])
def test_sefa_app_builds_the_generator_alone(tiny_ckpts, tmp_path, argv):
    """apps/modified_sefa.py, answering --help or run on a StyleGAN2
    checkpoint (after a DCGAN was loaded too), imports neither the GAN
    classes nor mmengine's model package (about 1 s)."""
    args = ['--help'] if argv == '--help' else [
        tiny_ckpts['stylegan2'], '-i', '0', '-d', '1', '--num-samples', '1',
        '-o', str(tmp_path / 'out'), '--eigen-vector',
        str(tmp_path / 'eigen.pt')]
    loaded = run_python(f"""
import contextlib, io, json, runpy, sys
sys.argv = ['apps/modified_sefa.py'] + {args!r}
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        runpy.run_path(sys.argv[0], run_name='__main__')
    except SystemExit as e:
        assert not e.code, e.code
if {argv == 'run'!r}:
    from mmlatent.models.loading import load_generator
    load_generator({tiny_ckpts['dcgan']!r})
print(json.dumps(dict(out=out.getvalue()[:9], heavy=[
    m for m in {GAN_STACK!r} if m in sys.modules])))
""")
    assert loaded == dict(out='usage: mo' if argv == '--help' else
                          'direction', heavy=[])


def test_models_registry_imports_its_modules_on_demand():
    """MODELS builds a type already registered without importing its other
    locations; another name imports them all, then builds or fails as
    mmengine's registry would."""
    result = run_python(f"""
import json, sys
from mmlatent.models.generators import DCGANGenerator
from mmlatent.registry import MODELS
from mmlatent.utils.errors import ConfigError
G = MODELS.build(dict(type='DCGANGenerator', resolution=8, z_dim=4,
                      base_channels=4))
before = [m for m in {GAN_STACK!r} if m in sys.modules]
try:
    MODELS.build(dict(type='DCGANGenerater'))
except ConfigError as e:
    error = str(e)
loss = MODELS.build(dict(type='NonSaturatingGANLoss'))
print(json.dumps(dict(G=type(G).__name__, before=before, error=error,
                      loss=type(loss).__name__, after=[
                          m for m in {GAN_STACK!r} if m in sys.modules])))
""")
    assert result == dict(
        G='DCGANGenerator', before=[], loss='NonSaturatingGANLoss',
        after=list(GAN_STACK), error=(
            "unknown model type 'DCGANGenerater' (did you mean "
            "'DCGANGenerator'?); register it or import it with "
            "custom_imports=dict(imports=['your_module'])"))


@pytest.mark.parametrize('order', ['mmlatent first', 'mmengine first'])
def test_runner_reads_checkpoints_with_the_safe_loader(order):
    """mmengine's local checkpoint loader (load_from, resume) is
    mmlatent's weights_only loader once the runner module is imported,
    whichever of mmlatent and mmengine's runner was imported first."""
    first = ('import mmlatent.utils.checkpoint as ck\n'
             'from mmengine.runner.checkpoint import CheckpointLoader')
    if order == 'mmengine first':
        first = '\n'.join(reversed(first.split('\n')))
    result = run_python(f"""
import json
{first}
import mmlatent.engine.runner
print(json.dumps(CheckpointLoader._schemes[''] is ck._load_local))
""")
    assert result is True


@pytest.mark.parametrize('script', SCRIPTS)
def test_help_does_not_import_torch(script):
    """``--help`` is answered from the parser alone (torch alone takes
    1-2 s to import on a small CPU machine)."""
    result = run_python(f"""
import contextlib, io, json, runpy, sys
sys.argv = [{script!r}, '--help']
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        runpy.run_path({script!r}, run_name='__main__')
    except SystemExit as e:
        code = e.code
print(json.dumps(dict(code=code, usage=out.getvalue()[:6],
                      torch='torch' in sys.modules)))
""")
    assert result == dict(code=0, usage='usage:', torch=False)


def test_usage_error_before_torch():
    """A bad option is reported by argparse before the library loads."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    code = ("import runpy, sys; sys.argv = ['apps/modified_sefa.py', "
            "'x.pth', '--degree-step', '-1']\n"
            "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
            "finally:\n    print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert '--degree-step -1 must be > 0' in out.stderr
    assert out.stdout.strip() == 'False'


def test_make_grid_layout():
    """Cells of h + padding, image after the padding, a closing pad; the
    last row filled with pad_value; one image unpadded."""
    x = torch.tensor([1.0, -1.0, 1.0]).view(3, 1, 1, 1)
    grid = make_grid(x, nrow=2, padding=1, pad_value=0.0)
    pad, white, black = 128, 255, 0
    expected = [[pad, pad, pad, pad, pad],
                [pad, white, pad, black, pad],
                [pad, pad, pad, pad, pad],
                [pad, white, pad, pad, pad],
                [pad, pad, pad, pad, pad]]
    assert grid.shape == (5, 5, 1)
    assert grid[..., 0].tolist() == expected
    one = torch.rand(1, 3, 4, 5) * 2 - 1
    assert (make_grid(one, nrow=4) == to_uint8(one)[0]).all()


@pytest.mark.parametrize('n,c,nrow,padding', [(7, 3, 3, 2), (8, 1, 4, 2),
                                               (5, 3, 8, 0), (6, 1, 2, 3)])
def test_make_grid_matches_torchvision(n, c, nrow, padding):
    torchvision = pytest.importorskip('torchvision')
    x = torch.rand(n, c, 5, 6) * 2 - 1
    ref = torchvision.utils.make_grid(x, nrow=nrow, padding=padding,
                                      pad_value=-1.0)[:c]
    assert (make_grid(x, nrow, padding) == to_uint8(ref[None])[0]).all()


def test_parser_names_match_the_library():
    """The torch-free names the parsers list are the library's."""
    from mmlatent.latent.sefa import VARIANTS
    from mmlatent.utils.choices import SEFA_VARIANTS
    assert tuple(VARIANTS) == SEFA_VARIANTS
    from mmlatent.apis.inference import FOREIGN_FORMATS, INPUT_FORMATS
    assert INPUT_FORMATS == ('mmlatent', ) + FOREIGN_FORMATS
