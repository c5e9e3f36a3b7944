"""Layers point down only (docs/design.md, section 2): utils imports
nothing above it, only apis imports apis, the latent toolkit reaches
generators through the latent interface alone (no models), and no own
module is imported inside a function."""
import ast
import glob
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGE = osp.join(ROOT, 'mmlatent')


def modules():
    return sorted(osp.relpath(p, PACKAGE) for p in
                  glob.glob(osp.join(PACKAGE, '**', '*.py'), recursive=True))


def own_imports(rel: str):
    """``(target, inside_a_function)`` of every import of an mmlatent
    module in ``mmlatent/<rel>``; target as ``a.b`` under mmlatent."""
    with open(osp.join(PACKAGE, rel)) as f:
        tree = ast.parse(f.read())
    package = osp.dirname(rel).replace(osp.sep, '.').split('.') \
        if osp.dirname(rel) else []
    inner = {id(n) for fn in ast.walk(tree)
             if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(fn)}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                names = ['.'.join(base + ([node.module] if node.module
                                          else []))]
            elif (node.module or '').startswith('mmlatent'):
                names = [node.module[len('mmlatent.'):]]
        elif isinstance(node, ast.Import):
            names = [a.name[len('mmlatent.'):] for a in node.names
                     if a.name.startswith('mmlatent.')]
        for name in names:
            yield name, id(node) in inner


def top(name: str) -> str:
    return name.split('.')[0]


@pytest.mark.parametrize('rel', modules())
def test_imports_point_down(rel):
    layer = top(rel.replace(osp.sep, '.'))
    for target, inside in own_imports(rel):
        if layer == 'utils':
            assert top(target) == 'utils', (rel, target)
        if layer != 'apis':
            assert top(target) != 'apis', (rel, target)
        if layer == 'latent':
            assert top(target) in ('latent', 'utils', 'registry'), \
                (rel, target)
        assert not inside, f'{rel} imports {target} inside a function'
