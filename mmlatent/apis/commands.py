"""Installed console commands (``setup.py`` entry points): each runs one
script of ``apps/`` or ``tools/`` as ``python <script>`` would, so the
command and the script behave the same (options, outputs, messages, exit
codes, and ``--help`` without importing torch).

The scripts live in the source checkout, so the commands need an editable
install (``pip install -e .``, as the README installs mmlatent).
"""
import os.path as osp
import runpy
import sys
from typing import Callable, Dict

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: console command -> script (relative to the repository root).
COMMANDS: Dict[str, str] = {
    'mmlatent-train': 'tools/train.py',
    'mmlatent-evaluate': 'tools/evaluate.py',
    'mmlatent-generate': 'tools/generate.py',
    'mmlatent-convert': 'tools/convert_checkpoint.py',
    'mmlatent-export': 'tools/export_checkpoint.py',
    'mmlatent-train-classifier': 'tools/train_classifier.py',
    'mmlatent-train-feature-net': 'tools/train_feature_net.py',
    'mmlatent-train-text-image': 'tools/train_text_image.py',
    'mmlatent-interpolate': 'apps/interpolate_sample.py',
    'mmlatent-project': 'apps/stylegan_projector.py',
    'mmlatent-sefa': 'apps/modified_sefa.py',
    'mmlatent-mutate': 'apps/mutate.py',
    'mmlatent-explorer': 'apps/latent_explorer.py',
    'mmlatent-generate-latents': 'apps/generate_latents.py',
    'mmlatent-train-boundary': 'apps/train_boundary.py',
    'mmlatent-edit': 'apps/edit_with_boundary.py',
    'mmlatent-guide': 'apps/classifier_guidance.py',
    'mmlatent-text-to-image': 'apps/text_to_image.py',
    'mmlatent-infogan-traversal': 'apps/infogan_traversal.py',
    'mmlatent-conditional-sample': 'apps/conditional_sample.py',
}


def run_script(rel: str) -> None:
    """Run ``<repository>/<rel>`` as ``__main__`` with the command's
    arguments; one line (exit 2) when the checkout has no such script."""
    path = osp.join(ROOT, rel)
    if not osp.isfile(path):
        print(f'error: {rel} is not in {ROOT}; the mmlatent commands run '
              'the scripts of a source checkout: install it with pip '
              'install -e .', file=sys.stderr)
        sys.exit(2)
    runpy.run_path(path, run_name='__main__')


def command(name: str) -> Callable[[], None]:
    """The entry point of console command ``name``."""
    rel = COMMANDS[name]

    def main() -> None:
        run_script(rel)
    main.__doc__ = f'``{name}``: ``python {rel}``.'
    return main


#: The entry points, one per command (``mmlatent.apis.commands:<name>``).
train = command('mmlatent-train')
evaluate = command('mmlatent-evaluate')
generate = command('mmlatent-generate')
convert = command('mmlatent-convert')
export = command('mmlatent-export')
train_classifier = command('mmlatent-train-classifier')
train_feature_net = command('mmlatent-train-feature-net')
train_text_image = command('mmlatent-train-text-image')
interpolate = command('mmlatent-interpolate')
project = command('mmlatent-project')
sefa = command('mmlatent-sefa')
mutate = command('mmlatent-mutate')
explorer = command('mmlatent-explorer')
generate_latents = command('mmlatent-generate-latents')
train_boundary = command('mmlatent-train-boundary')
edit = command('mmlatent-edit')
guide = command('mmlatent-guide')
text_to_image = command('mmlatent-text-to-image')
infogan_traversal = command('mmlatent-infogan-traversal')
conditional_sample = command('mmlatent-conditional-sample')


def entry_name(command_name: str) -> str:
    """``mmlatent-train-boundary`` -> ``train_boundary``."""
    return command_name[len('mmlatent-'):].replace('-', '_')


def console_scripts() -> list:
    """The ``console_scripts`` entry points of :data:`COMMANDS`."""
    return [f'{name} = mmlatent.apis.commands:{entry_name(name)}'
            for name in COMMANDS]
