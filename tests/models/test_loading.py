"""The generator-only road of apps (``load_generator``): it builds
``cfg.model.generator`` alone, yet gives the generator, weights, outputs,
choice and messages of the whole model's ``pick_generator``; one-line
errors; users' generators registered through ``custom_imports``."""
import importlib
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmlatent.models.ema import loaded_generator, pick_generator
from mmlatent.models.loading import load_generator, load_model
from mmlatent.registry import MODELS
from mmlatent.utils.checkpoint import atomic_save, load_checkpoint_file
from mmlatent.utils.errors import CheckpointError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def outputs(G, seed: int = 0) -> torch.Tensor:
    """G's images of 3 seeded codes (global RNG seeded too, for noise)."""
    gen = torch.Generator().manual_seed(seed)
    z, c = G.sample_z(3, gen), G.sample_c(3, gen)
    torch.manual_seed(seed)
    with torch.no_grad():
        return G(z, c)


#: What 'ema' picks in each family's 2-iteration checkpoint: the DCGAN's
#: and StyleGAN2's EMA averaged from iteration 0; the cGAN has no EMA.
EMA_PICK = {'dcgan': 'ema', 'stylegan2': 'ema', 'cgan': 'orig'}


@pytest.mark.parametrize('family', sorted(EMA_PICK))
@pytest.mark.parametrize('sample_model', ['ema', 'orig'])
def test_generator_alone_is_the_whole_models_pick(tiny_ckpts, family,
                                                  sample_model):
    ckpt = tiny_ckpts[family]
    loaded = load_generator(ckpt, sample_model=sample_model)
    model, cfg, meta = load_model(ckpt)
    whole = loaded_generator(model, cfg, meta, sample_model)
    assert (loaded.which, loaded.message) == (whole.which, whole.message)
    assert loaded.which == (EMA_PICK[family] if sample_model == 'ema'
                            else 'orig')
    assert type(loaded.G) is type(whole.G) and not loaded.G.training
    a, b = loaded.G.state_dict(), whole.G.state_dict()
    assert list(a) == list(b)
    assert all(torch.equal(a[k], b[k]) for k in a)
    other = pick_generator(model, 'orig' if sample_model == 'ema' else 'ema')
    if other.G is not whole.G:  # the test can tell the two apart
        assert not all(torch.equal(a[k], v)
                       for k, v in other.G.state_dict().items())
    assert not any(p.requires_grad for p in loaded.G.parameters())
    for (name, p), q in zip(loaded.G.named_parameters(),
                            whole.G.parameters()):
        assert p.stride() == q.stride(), name  # same memory format
    assert torch.equal(outputs(loaded.G), outputs(whole.G))


def test_loaded_generator_is_channels_last_on_a_cpu_only(tiny_ckpts):
    """The StyleGAN2 checkpoint's config sets channels_last: kept on the
    CPU, contiguous on any other device (as on a GPU)."""
    convs = {}
    for device in ('cpu', 'meta'):
        G = load_generator(tiny_ckpts['stylegan2'], device=device).G
        convs[device] = [p for p in G.parameters() if p.dim() == 4
                         and p.shape[-1] > 1 and p.shape[1] > 1]
    assert convs['cpu'] and all(
        p.is_contiguous(memory_format=torch.channels_last)
        and not p.is_contiguous() for p in convs['cpu'])
    assert all(p.device.type == 'meta' and p.is_contiguous()
               for p in convs['meta'])


def test_generator_is_read_through_a_file_map_and_old_files_still_load(
        tiny_ckpts, tmp_path, monkeypatch):
    """load_generator maps the checkpoint (only G's tensors are read);
    a file of torch's old non-zip format, which cannot be mapped, loads
    the same weights."""
    calls, torch_load = [], torch.load

    def spy(*a, **k):
        calls.append(k.get('mmap'))
        return torch_load(*a, **k)
    monkeypatch.setattr(torch, 'load', spy)
    mapped = load_generator(tiny_ckpts['dcgan']).G
    assert calls == [True]
    old = str(tmp_path / 'old.pth')
    torch.save(torch_load(tiny_ckpts['dcgan'], weights_only=True), old,
               _use_new_zipfile_serialization=False)
    read = load_generator(old).G
    assert calls[-1] is False
    assert torch.equal(outputs(mapped), outputs(read))


def test_loading_leaves_the_global_random_state(tiny_ckpts):
    torch.manual_seed(5)
    expected = torch.rand(4)
    torch.manual_seed(5)
    load_generator(tiny_ckpts['stylegan2'])
    assert torch.equal(torch.rand(4), expected)


def test_mismatched_generator_keys_give_the_whole_models_message(
        tiny_ckpts, tmp_path):
    ckpt = load_checkpoint_file(tiny_ckpts['dcgan'])
    state = ckpt['state_dict']
    key = next(k for k in state if k.startswith('generator_ema.module.'))
    state['generator_ema.module.extra'] = state.pop(key)
    path = str(tmp_path / 'bad.pth')
    atomic_save(ckpt, path)
    with pytest.raises(CheckpointError) as alone:
        load_generator(path)
    with pytest.raises(CheckpointError) as whole:
        load_model(path)
    assert str(alone.value) == str(whole.value) == (
        f"checkpoint '{path}' does not match its model: missing keys "
        f'[{key}], unexpected keys [generator_ema.module.extra]; pass the '
        'config it was trained with via --config')
    load_generator(path, sample_model='orig')  # G's own keys are intact


def test_config_without_a_generator(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    atomic_save({'state_dict': {}, 'meta': {'cfg': Config(dict(
        model=dict(type='UnconditionalGAN'))).pretty_text}}, path)
    with pytest.raises(CheckpointError, match=(
            f"the config of '{path}' has no model.generator; give here a "
            'checkpoint of tools/train.py')):
        load_generator(path)


USER_MODULE = '''
from mmlatent.models.generators import DCGANGenerator
from mmlatent.registry import MODELS


@MODELS.register_module()
class LoadingTestGenerator(DCGANGenerator):
    """A user's generator: DCGAN with its output halved."""

    def forward(self, z, c=None):
        return super().forward(z, c) / 2
'''
LOAD_IN_FRESH_PYTHON = '''
import json, sys, torch
from mmlatent.models.loading import load_generator
loaded = load_generator(sys.argv[1])
z = torch.randn(2, 4, generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    torch.save(loaded.G(z), sys.argv[2])
print(json.dumps(dict(
    type=type(loaded.G).__name__, which=loaded.which,
    heavy=[m for m in ('mmengine.model', 'mmlatent.models.gans')
           if m in sys.modules])))
'''


def test_user_generator_of_custom_imports(tmp_path, monkeypatch):
    """A generator type registered by the config's ``custom_imports``
    loads alone too (in a fresh interpreter: still no GAN classes)."""
    (tmp_path / 'loading_user_gen.py').write_text(USER_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module('loading_user_gen')  # registers it here too
    cfg = Config(dict(
        custom_imports=dict(imports=['loading_user_gen']),
        model=dict(type='UnconditionalGAN',
                   generator=dict(type='LoadingTestGenerator', resolution=8,
                                  z_dim=4, base_channels=4),
                   discriminator=dict(type='DCGANDiscriminator',
                                      resolution=8, base_channels=4),
                   ema=dict(momentum=0.5))))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.generator_ema.steps.fill_(3)
    with torch.no_grad():
        for p in model.generator_ema.module.parameters():
            p.add_(0.1)
    ckpt = str(tmp_path / 'ckpt.pth')
    atomic_save({'state_dict': model.state_dict(),
                 'meta': {'cfg': cfg.pretty_text, 'iter': 3}}, ckpt)
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([ROOT, str(tmp_path)]))
    out = subprocess.run(
        [sys.executable, '-c', LOAD_IN_FRESH_PYTHON, ckpt,
         str(tmp_path / 'img.pt')], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == dict(type='LoadingTestGenerator', which='ema',
                          heavy=[])
    z = torch.randn(2, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = pick_generator(model.eval()).G(z)
    assert torch.equal(torch.load(str(tmp_path / 'img.pt')), expected)
