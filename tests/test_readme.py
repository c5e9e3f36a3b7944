"""The README's statements hold.

* Command blocks marked with the line ``<!-- readme-test -->`` just above
  the fence run here, in a temporary folder that links ``configs``,
  ``tools`` and ``apps``. In a block whose lines start with ``$ `` each
  command's last stderr lines must equal the lines that follow it (error
  examples, exit status 2); in other blocks every command must exit 0.
  ``python`` is this interpreter and ``tools/train.py`` commands of the
  bash blocks get ``--cfg-options`` that shorten training to 2 iterations
  (``$`` commands run exactly as shown). Commands run
  without a shell: no variables, pipes or globs in marked blocks.
* Every repository path the README names exists; every
  ``work_dirs/<name>/iter_<k>.pth`` is the default work dir of a config and
  a checkpoint that config writes; the main job's time agrees with the
  config header; the offline hint of the projection example is what the
  projector says.
"""
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from helpers import ROOT

README = osp.join(ROOT, 'README.md')
MARKER = '<!-- readme-test -->'
SHORT = ['--cfg-options', 'train_cfg.max_iters=2',
         'default_hooks.checkpoint.interval=2',
         'train_dataloader.batch_size=8']


def marked_blocks(text: str) -> list:
    """The contents (lines, dedented) of the fenced blocks marked with
    MARKER."""
    lines, blocks = text.splitlines(), []
    for i, line in enumerate(lines):
        if line.strip() != MARKER:
            continue
        start = i + 1
        assert lines[start].strip().startswith('```'), lines[start]
        indent = len(lines[start]) - len(lines[start].lstrip())
        end = next(j for j in range(start + 1, len(lines))
                   if lines[j].strip() == '```')
        blocks.append([ln[indent:] for ln in lines[start + 1:end]])
    return blocks


def commands(block: list) -> list:
    """Command lines of a bash block (continuations joined, comments
    dropped)."""
    out, cur = [], ''
    for line in block:
        cur += line.rstrip('\\').strip() + ' '
        if line.rstrip().endswith('\\'):
            continue
        if cur.strip() and not cur.strip().startswith('#'):
            out.append(cur.strip())
        cur = ''
    return out


def run(command: str, cwd, shorten: bool = True
        ) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    assert argv[0] == 'python', command
    argv[0] = sys.executable
    if shorten and argv[1] == 'tools/train.py':
        argv += SHORT
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope='module')
def readme():
    with open(README) as f:
        return f.read()


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp('readme')
    for name in ('configs', 'tools', 'apps'):
        os.symlink(osp.join(ROOT, name), folder / name)
    return folder


def test_readme_has_marked_blocks(readme):
    blocks = marked_blocks(readme)
    assert len(blocks) >= 3
    assert any(ln.startswith('$ ') for b in blocks for ln in b)


def test_marked_readme_blocks_run_as_shown(readme, workspace):
    for block in marked_blocks(readme):
        if any(ln.startswith('$ ') for ln in block):
            check_transcript(block, workspace)
        else:
            for command in commands(block):
                r = run(command, workspace)
                assert r.returncode == 0, (command, r.stderr[-2000:])
    main = workspace / 'work_dirs' / 'dcgan_continuity_shapes-32x32'
    for name in ('iter_2.pth', 'last_checkpoint', 'samples/final.png',
                 'validity.json'):  # the quick start's table
        assert (main / name).exists(), name


def check_transcript(block: list, cwd) -> None:
    i = 0
    while i < len(block):
        command = block[i][2:]
        expected = []
        i += 1
        while i < len(block) and not block[i].startswith('$ '):
            expected.append(block[i])
            i += 1
        r = run(command, cwd, shorten=False)  # exactly as shown
        got = r.stderr.strip().splitlines()[-len(expected):]
        assert got == expected, (command, r.stderr[-2000:])
        if expected[-1].startswith('error: '):
            assert r.returncode == 2 and r.stdout == '', command


def test_repository_paths_named_in_the_readme_exist(readme):
    paths = set(re.findall(
        r'(?<![\w/])((?:configs|tools|apps|docs|benchmarks|mmlatent|tests|'
        r'shared)/[\w./-]+\.(?:py|md|png|json))', readme))
    assert len(paths) > 20
    missing = sorted(p for p in paths if not osp.exists(osp.join(ROOT, p)))
    assert not missing


def test_example_checkpoints_are_default_work_dirs_of_configs(readme):
    configs = {osp.splitext(name)[0]: osp.join(folder, name)
               for folder, _, names in os.walk(osp.join(ROOT, 'configs'))
               for name in names if name.endswith('.py')}
    found = set(re.findall(r'work_dirs/([\w.-]+)/iter_(\d+)\.pth', readme))
    assert found
    for name, k in found:
        assert name in configs, f'work_dirs/{name}/ is no config'
        cfg = Config.fromfile(configs[name])
        interval = cfg.default_hooks.checkpoint.interval
        last = cfg.train_cfg.max_iters
        assert int(k) <= last and (int(k) % interval == 0 or
                                   int(k) == last), (name, k)


def test_main_job_time_agrees_with_its_config(readme):
    took = re.search(r'took\s+\*\*(\d+ min \d+ s)\*\*', readme).group(1)
    header = open(osp.join(ROOT, 'configs', 'dcgan',
                           'dcgan_continuity_shapes-32x32.py')).read()
    assert took in header.split('_base_')[0]


def test_offline_projection_hint_is_what_the_projector_says(
        readme, tmp_path, monkeypatch):
    import importlib.util
    from mmlatent.utils.perceptual import MissingWeightsError
    assert '--perceptual none --mse 1' in readme
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))  # no weights there
    spec = importlib.util.spec_from_file_location(
        'readme_projector', osp.join(ROOT, 'apps', 'stylegan_projector.py'))
    projector = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(projector)
    with pytest.raises(MissingWeightsError) as e:
        projector.perceptual_distance(SimpleNamespace(perceptual='vgg',
                                                      device='cpu'))
    assert str(e.value).endswith('or project with the pixel loss alone: '
                                 '--perceptual none --mse 1')
