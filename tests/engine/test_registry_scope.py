"""mmlatent's registries build mmlatent's classes even when another
toolbox's default scope is active (as after MMagic's
``register_all_modules()``) and a class of the same name is registered
there."""
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope, Registry
from torch import nn

from mmlatent.models.generators import DCGANGenerator
from mmlatent.registry import MODELS

FOREIGN = Registry('model', parent=MMENGINE_MODELS,
                   scope='mmlatent_test_foreign')


@FOREIGN.register_module(name='DCGANGenerator')
class Impostor(nn.Module):
    """Another toolbox's class of the same name."""

    def __init__(self, **kwargs):
        super().__init__()


CFG = dict(type='DCGANGenerator', resolution=8, z_dim=4, base_channels=8)


def test_another_default_scope_does_not_redirect_mmlatent_builds():
    with DefaultScope.overwrite_default_scope('mmlatent_test_foreign'):
        G = MODELS.build(dict(CFG))
        assert isinstance(G, DCGANGenerator)
        # the other toolbox's own registry still builds its class
        assert isinstance(FOREIGN.build(dict(CFG)), Impostor)


def test_an_explicit_scope_is_still_honoured():
    assert isinstance(MODELS.build(dict(CFG, _scope_='mmlatent_test_foreign')),
                      Impostor)


def test_a_scoped_type_name_is_still_honoured():
    assert isinstance(MODELS.build(dict(
        CFG, type='mmlatent_test_foreign.DCGANGenerator')), Impostor)
