"""The README's statements hold, and those of the pages it links to.

The documents are README.md, docs/*.md and configs/*/README.md.

* Command blocks marked with the line ``<!-- readme-test -->`` just above
  the fence run here, in a temporary folder that links ``configs``,
  ``tools`` and ``apps``. In a block whose lines start with ``$ `` each
  command's last stderr lines must equal the lines that follow it (error
  examples, exit status 2); in other blocks every command must exit 0.
  ``python`` is this interpreter and ``tools/train.py`` commands of the
  bash blocks get ``--cfg-options`` that shorten training to 2 iterations
  (``$`` commands run exactly as shown). Commands run
  without a shell: no variables, pipes or globs in marked blocks.
  The README's blocks run first (its training block makes the main job's
  work dir), then the other documents' in the workspace they left.
* Every relative link and image path of a document resolves, and so does
  its ``#anchor`` when it points into a markdown file (GitHub's heading
  slugs); docs/README.md links every page of docs/, and some document
  shows every image of docs/images/.
* Every repository path a document names exists; every
  ``work_dirs/<name>/iter_<k>.pth`` is the default work dir of a config and
  a checkpoint that config writes; the main job's time agrees with the
  config header; the offline hint of the projection example is what the
  projector says.
"""
import glob
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
DOCUMENTS = ['README.md'] + sorted(
    osp.relpath(p, ROOT) for pattern in ('docs/*.md', 'configs/*/README.md')
    for p in glob.glob(osp.join(ROOT, pattern)))
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
def documents() -> dict:
    """{path relative to the root: text}, README.md first."""
    out = {}
    for name in DOCUMENTS:
        with open(osp.join(ROOT, name)) as f:
            out[name] = f.read()
    return out


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


def test_marked_readme_blocks_run_as_shown(documents, workspace):
    for name, text in documents.items():  # README.md first
        for block in marked_blocks(text):
            if any(ln.startswith('$ ') for ln in block):
                check_transcript(block, workspace, name)
            else:
                for command in commands(block):
                    r = run(command, workspace)
                    assert r.returncode == 0, (name, command,
                                               r.stderr[-2000:])
    main = workspace / 'work_dirs' / 'lgan_continuity_shapes-32x32'
    for name in ('iter_2.pth', 'last_checkpoint', 'samples/final.png',
                 'validity.json'):  # the quick start's table
        assert (main / name).exists(), name


def check_transcript(block: list, cwd, name: str = 'README.md') -> None:
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
        assert got == expected, (name, command, r.stderr[-2000:])
        if expected[-1].startswith('error: '):
            assert r.returncode == 2 and r.stdout == '', (name, command)


def repository_paths(text: str) -> set:
    """The repository paths (from the root) that a text names."""
    return set(re.findall(
        r'(?<![\w/])((?:configs|tools|apps|docs|benchmarks|mmlatent|tests|'
        r'shared)/[\w./-]+\.(?:py|md|png|json))', text))


def test_repository_paths_named_in_the_readme_exist(readme):
    paths = repository_paths(readme)
    assert len(paths) > 20
    missing = sorted(p for p in paths if not osp.exists(osp.join(ROOT, p)))
    assert not missing


def test_repository_paths_named_in_the_docs_exist(documents):
    assert len(documents) > 10
    missing = sorted((name, p) for name, text in documents.items()
                     for p in repository_paths(text)
                     if not osp.exists(osp.join(ROOT, p)))
    assert not missing


def test_example_checkpoints_are_default_work_dirs_of_configs(readme):
    check_example_checkpoints(readme)


def test_example_checkpoints_of_the_docs_are_work_dirs_of_configs(
        documents):
    for name, text in documents.items():
        if re.search(r'work_dirs/[\w.-]+/iter_\d+\.pth', text):
            check_example_checkpoints(text)


def check_example_checkpoints(text: str) -> None:
    configs = {osp.splitext(name)[0]: osp.join(folder, name)
               for folder, _, names in os.walk(osp.join(ROOT, 'configs'))
               for name in names if name.endswith('.py')}
    found = set(re.findall(r'work_dirs/([\w.-]+)/iter_(\d+)\.pth', text))
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
    header = open(osp.join(ROOT, 'configs', 'lgan',
                           'lgan_continuity_shapes-32x32.py')).read()
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


LINK = re.compile(r'\]\(([^)\s]+)\)|<img [^>]*src="([^"]+)"')


def links(text: str) -> list:
    """The link and image targets of a markdown text."""
    return [a or b for a, b in LINK.findall(text)]


def heading_slugs(text: str) -> set:
    """The anchors GitHub gives the headings of a markdown text (code
    blocks skipped): lower case, punctuation dropped, spaces to hyphens,
    ``-1``, ``-2``, ... for repeats."""
    slugs, fence = set(), False
    for line in text.splitlines():
        if line.lstrip().startswith('```'):
            fence = not fence
        m = None if fence else re.match(r'#{1,6} +(.*?)\s*$', line)
        if m:
            words = re.sub(r'[^\w\- ]', '', m.group(1).lower())
            slug = words.replace(' ', '-')
            unique, k = slug, 0
            while unique in slugs:
                k += 1
                unique = f'{slug}-{k}'
            slugs.add(unique)
    return slugs


def test_heading_slugs_follow_github():
    text = ('# A `b.py` & C\n```\n# not a heading\n```\n## 3. X (y)\n'
            '## 3. X (y)\n')
    assert heading_slugs(text) == {'a-bpy--c', '3-x-y', '3-x-y-1'}


def test_relative_links_and_anchors_resolve(documents):
    bad, checked = [], 0
    for name, text in documents.items():
        for target in links(text):
            if re.match(r'[a-z]+:', target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition('#')
            dest = (osp.normpath(osp.join(osp.dirname(name), path)) if path
                    else name)
            checked += 1
            if not osp.exists(osp.join(ROOT, dest)):
                bad.append((name, target, 'no such file'))
            elif anchor and dest.endswith('.md'):
                with open(osp.join(ROOT, dest)) as f:
                    if anchor not in heading_slugs(f.read()):
                        bad.append((name, target, 'no such heading'))
    assert checked > 100
    assert not bad


def test_docs_index_links_every_page(documents):
    index = {osp.normpath(osp.join('docs', t.partition('#')[0]))
             for t in links(documents['docs/README.md'])}
    pages = {n for n in documents if n.startswith('docs/')} - {
        'docs/README.md'}
    assert pages and not pages - index


def test_every_image_of_the_docs_is_shown(documents):
    shown = {osp.normpath(osp.join(osp.dirname(name), t))
             for name, text in documents.items() for t in links(text)}
    images = {osp.join('docs', 'images', f)
              for f in os.listdir(osp.join(ROOT, 'docs', 'images'))}
    assert images and not images - shown
