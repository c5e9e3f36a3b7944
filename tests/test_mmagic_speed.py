"""benchmarks/mmagic_speed.py: the networks it times against MMagic's."""
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest
from helpers import ROOT, load_script

SCRIPT = osp.join(ROOT, 'benchmarks', 'mmagic_speed.py')


@pytest.mark.parametrize('name', ['dcgan64', 'stylegan2-64'])
def test_mmlatent_builds_the_parameter_counts_of_mmagics_networks(name):
    """MMAGIC_PARAMS were read off MMagic's builds (the script checks both
    sides again when it runs); mmlatent's side must keep them."""
    import mmlatent.models  # noqa: F401 (registers)
    from mmlatent.registry import MODELS
    bench = load_script('benchmarks/mmagic_speed.py')
    model = MODELS.build(dict(bench.CASES[name]))
    counts = (bench.count(model.G), bench.count(model.D))
    assert counts == bench.MMAGIC_PARAMS[name]


def test_without_mmagic_it_stops_with_one_line_naming_the_fix():
    if importlib.util.find_spec('mmagic') is not None:
        pytest.skip('MMagic is installed here')
    run = subprocess.run([sys.executable, SCRIPT, '--no-startup'],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith('error: MMagic is not importable here')
    assert 'docs/speed.md' in lines[0]


def test_a_timed_mmlatent_sample_reports_times_and_parameter_counts():
    """The per-process sample of mmlatent's side (what ``--time-one`` runs
    in a fresh interpreter): one warm-up and one timed iteration at batch
    2, with the parameter counts the parent compares with MMagic's."""
    bench = load_script('benchmarks/mmagic_speed.py')
    args = bench.parse_args(['--batch', '2', '--iters', '1', '--threads',
                             '1', '--no-keep-memory'])
    got = bench.time_side(args, 'dcgan64', 'mmlatent')
    assert got['iter'] > 0 and got['forward'] > 0
    assert tuple(got['params']) == bench.MMAGIC_PARAMS['dcgan64']
