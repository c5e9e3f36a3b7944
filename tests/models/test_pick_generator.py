"""The one policy that picks the generator to sample (issue 12): the EMA
generator when the model or checkpoint really holds averaged EMA weights,
else the original, with 'orig' as the explicit override; the same answer
for training hooks, the model's own sampling, apps and evaluation."""
import pytest
import torch
from mmengine.config import Config

from mmlatent.apis.app import load_app_generator
from mmlatent.hooks import SampleGridHook
from mmlatent.models.ema import has_averaged_ema, pick_generator
from mmlatent.models.loading import load_generator
from mmlatent.models.sample_model import check_sample_model
from mmlatent.registry import MODELS
from mmlatent.utils.checkpoint import atomic_save
from mmlatent.utils.errors import ConfigError


def model_cfg(ema: bool) -> dict:
    return dict(type='UnconditionalGAN',
                generator=dict(type='DCGANGenerator', resolution=8, z_dim=4,
                               base_channels=4),
                discriminator=dict(type='DCGANDiscriminator', resolution=8,
                                   base_channels=4),
                ema=dict(momentum=0.5) if ema else None)


def build(state: str):
    """A GAN whose EMA is ``absent``, ``copy`` (never averaged) or
    ``averaged`` (its weights differ from G's)."""
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(state != 'absent'))
    if state == 'averaged':
        model.generator_ema.steps.fill_(3)
        with torch.no_grad():
            for p in model.generator_ema.module.parameters():
                p.add_(1.0)
    return model


def save(model, path, it=7) -> str:
    cfg = Config(dict(model=model_cfg(model.generator_ema is not None)))
    atomic_save({'state_dict': model.state_dict(),
                 'meta': {'cfg': cfg.pretty_text, 'iter': it}}, str(path))
    return str(path)


@pytest.mark.parametrize('state,which', [('averaged', 'ema'),
                                         ('copy', 'orig'),
                                         ('absent', 'orig')])
def test_ema_only_when_averaged(state, which):
    model = build(state)
    G, picked = pick_generator(model)
    assert picked == which
    assert has_averaged_ema(model) == (which == 'ema')
    expected = model.generator_ema.module if which == 'ema' else \
        model.generator
    assert G is expected
    # the model's own sampling and every training hook agree
    assert model.sample_model is G
    assert pick_generator(model, 'orig') == (model.generator, 'orig')


@pytest.mark.parametrize('state', ['averaged', 'copy', 'absent'])
def test_checkpoint_follows_the_same_policy(tmp_path, state):
    model = build(state)
    path = save(model, tmp_path / 'ckpt.pth')
    loaded = load_generator(path)
    which = 'ema' if state == 'averaged' else 'orig'
    assert loaded.which == which
    z = torch.randn(2, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(loaded.G(z), pick_generator(model).G.eval()(z))
    if which == 'ema':
        assert loaded.message == 'using the EMA generator (iteration 7)'
    else:
        assert loaded.message == (
            'using the original generator (the checkpoint holds no '
            'averaged EMA weights) (iteration 7)')


def test_explicit_orig_overrides_averaged_ema(tmp_path, capsys):
    model = build('averaged')
    path = save(model, tmp_path / 'ckpt.pth')
    loaded = load_generator(path, sample_model='orig')
    assert loaded.which == 'orig'
    assert loaded.message == 'using the original generator (iteration 7)'
    z = torch.randn(2, 4)
    with torch.no_grad():
        assert torch.equal(loaded.G(z), model.generator.eval()(z))
    # apps say which one they used, on stderr
    args = type('Args', (), dict(checkpoint=path, config=None,
                                 sample_model='ema', device='cpu'))
    assert load_app_generator(args).which == 'ema'
    assert 'ckpt.pth: using the EMA generator (iteration 7)' in \
        capsys.readouterr().err


def test_one_set_of_names():
    assert check_sample_model('ema') == 'ema'
    for bad in ('auto', 'best'):
        with pytest.raises(ConfigError, match=f"sample_model='{bad}' is not "
                           r"one of \('ema', 'orig'\)"):
            check_sample_model(bad)
        with pytest.raises(ConfigError, match=f"sample_model='{bad}'"):
            load_generator('unused.pth', sample_model=bad)
        with pytest.raises(ConfigError, match=f"sample_model='{bad}'"):
            SampleGridHook(sample_model=bad)
