"""Without a browser the browser tests skip, unless
MMLATENT_REQUIRE_BROWSER=1 makes them fail (as in .ci/run)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST = 'tests/explorer/test_explorer_browser.py::test_page_loads_offline'


@pytest.mark.parametrize('require,code,word', [('0', 0, 'skipped'),
                                               ('1', 1, 'failed')])
def test_missing_browser_skips_or_fails(tmp_path, require, code, word):
    env = dict(os.environ, MMLATENT_CHROMIUM=str(tmp_path / 'no-chromium'),
               MMLATENT_REQUIRE_BROWSER=require, OMP_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH',
                                                             ''))
    run = subprocess.run([sys.executable, '-m', 'pytest', TEST, '-rsE',
                          '-p', 'no:cacheprovider'], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == code, out[-2000:]
    assert f'1 {word}' in out or (word == 'failed' and '1 error' in out), \
        out[-2000:]
    assert 'no Chromium at' in out
