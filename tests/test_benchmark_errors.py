"""Benchmark scripts report a user's mistake (a missing checkpoint or
config) in one ``error:`` line with exit status 2, as the apps and tools
do, not in a traceback: each runs its ``main`` through
``mmlatent.utils.cli.run_cli``."""
import glob
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
BENCHMARKS = osp.join(ROOT, 'benchmarks')


def scripts_with_main():
    for path in sorted(glob.glob(osp.join(BENCHMARKS, '*.py'))):
        with open(path) as f:
            text = f.read()
        if "if __name__ == '__main__':" in text:
            yield osp.basename(path), text


@pytest.mark.parametrize('name,text', list(scripts_with_main()),
                         ids=lambda v: v if v.endswith('.py') else '')
def test_every_benchmark_runs_its_main_through_run_cli(name, text):
    tail = text.rstrip().splitlines()[-2:]
    assert tail == ["if __name__ == '__main__':", '    run_cli(main)'], name


@pytest.mark.parametrize('script,args', [
    ('info_code_probe.py', ['--ckpt', '{missing}']),
    ('control_quality.py', ['--ckpt', '{missing}']),
    ('text_quality.py', ['--gan-ckpt', '{missing}']),
    ('code_accuracy_curve.py', ['{missing}.py']),
])
def test_a_missing_file_is_one_line(script, args, tmp_path):
    missing = str(tmp_path / 'missing.pth')
    r = subprocess.run(
        [sys.executable, osp.join(BENCHMARKS, script)]
        + [a.format(missing=missing) for a in args],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 2, r.stderr
    assert 'Traceback' not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith('error: ') and missing in lines[-1], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == []
