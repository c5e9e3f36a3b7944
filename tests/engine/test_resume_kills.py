"""Plain --resume after a kill at any point of training, including around
every step of a checkpoint save, continues and ends with the weights of
the uninterrupted run (fault injection in kill_points.py)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from helpers import ROOT
from kill_points import KILL_POINTS  # noqa: F401 (tests/engine on path)

DRIVER = osp.join(osp.dirname(osp.abspath(__file__)), 'kill_points.py')
NAMES = list(KILL_POINTS)


@pytest.fixture(scope='module')
def outcomes(tmp_path_factory):
    """{kill point: outcome} from one driver process (forks per run)."""
    root = tmp_path_factory.mktemp('kills')
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([ROOT, os.environ.get(
                   'PYTHONPATH', '')]))
    r = subprocess.run([sys.executable, DRIVER, str(root)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [json.loads(ln) for ln in r.stdout.splitlines()
            if ln.startswith('{')]
    return {row['name']: row for row in rows}


@pytest.mark.parametrize('name', NAMES)
def test_plain_resume_after_kill_ends_as_uninterrupted_run(outcomes, name):
    out = outcomes[name]
    assert out['killed'] == 137, out  # the kill point was reached
    assert out['resumed'] == 0, out
    assert out['equal'], out  # iter_6.pth equals the uninterrupted run's
    assert not [f for f in out['after'] if f.endswith('.partial')], out


def test_partial_files_of_a_killed_save_are_removed_and_reported(outcomes):
    out = outcomes['checkpoint_synced_not_renamed']
    partial = [f for f in out['left'] if f.endswith('.partial')]
    assert len(partial) == 1 and partial[0].startswith('.iter_4.pth.')
    assert any(f'Removed 1 unfinished checkpoint file(s) of a killed save: '
               f'{partial[0]}' in line for line in out['said']), out['said']


def test_resume_falls_back_to_newest_loadable_checkpoint(outcomes):
    empty = outcomes['empty_last_checkpoint']
    assert any("'iter_4.pth', the newest checkpoint of the work dir that "
               'loads (last_checkpoint is missing or empty)' in line
               for line in empty['said']), empty['said']
    broken = outcomes['named_checkpoint_broken']
    assert any("'iter_2.pth', the newest checkpoint of the work dir that "
               "loads (last_checkpoint names '" in line and
               "iter_4.pth', which does not load)" in line
               for line in broken['said']), broken['said']


def test_kill_before_the_first_checkpoint_restarts_from_zero(outcomes):
    out = outcomes['first_save_serialising']
    assert not [f for f in out['left'] if f.endswith('.pth')]
    assert any('starting at iteration 0' in line for line in out['said'])
