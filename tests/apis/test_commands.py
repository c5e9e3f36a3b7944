"""The installed console commands (mmlatent.apis.commands): one per script
of apps/ and tools/, listed in setup.py, each answering as its script does
(``--help`` without torch), one line when the checkout has no script."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from helpers import ROOT
from mmlatent.apis import commands


def test_one_command_per_script_and_in_setup_py():
    scripts = sorted(osp.relpath(p, ROOT) for p in
                     glob.glob(osp.join(ROOT, 'apps', '*.py')) +
                     glob.glob(osp.join(ROOT, 'tools', '*.py')))
    assert sorted(commands.COMMANDS.values()) == scripts
    with open(osp.join(ROOT, 'setup.py')) as f:
        setup = f.read()
    for entry in commands.console_scripts():
        assert f"'{entry}'" in setup
    assert setup.count('= mmlatent.apis.commands:') == len(commands.COMMANDS)
    for name in commands.COMMANDS:
        assert callable(getattr(commands, commands.entry_name(name)))


def test_help_of_every_command_without_torch():
    code = """
import contextlib, io, json, sys
from mmlatent.apis import commands
out = {}
for name in commands.COMMANDS:
    sys.argv = [name, '--help']
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        try:
            getattr(commands, commands.entry_name(name))()
        except SystemExit as e:
            out[name] = [e.code, text.getvalue()[:6]]
print(json.dumps(dict(out=out, torch='torch' in sys.modules)))
"""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    res = subprocess.run([sys.executable, '-c', code], cwd='/', env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads(res.stdout.strip().splitlines()[-1])
    assert result['torch'] is False
    assert result['out'] == {name: [0, 'usage:']
                             for name in commands.COMMANDS}


def test_missing_script_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(commands, 'ROOT', str(tmp_path))
    with pytest.raises(SystemExit) as info:
        commands.mutate()
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f'error: apps/mutate.py is not in {tmp_path}; the '
                   'mmlatent commands run the scripts of a source checkout:'
                   ' install it with pip install -e .']
