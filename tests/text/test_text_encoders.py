"""Text encoders: shapes, determinism, order, and the optional ones."""
import importlib.util
import os.path as osp

import pytest
import torch

from mmlatent.registry import TEXT_ENCODERS
from mmlatent.text import pretrained
from mmlatent.utils.errors import ConfigError

TEXTS = ['a large red triangle in the top left', 'blue, square, red',
         'red, square, blue', 'a purple thing', '']
HAS_WORDLLAMA = importlib.util.find_spec('wordllama') is not None
HAS_OPENCLIP = importlib.util.find_spec('open_clip') is not None


@pytest.mark.parametrize('cfg', [dict(type='bow', dim=16),
                                 dict(type='sequence', dim=16, hidden=8)])
def test_trainable_encoders_are_shaped_and_deterministic(cfg):
    enc = TEXT_ENCODERS.build(cfg)
    out = enc(TEXTS)
    assert out.shape == (len(TEXTS), 16) and enc.dim == 16
    assert torch.isfinite(out).all()
    assert torch.equal(out, TEXT_ENCODERS.build(cfg)(TEXTS))
    # batch-independent, to float rounding (the sequence encoder's GRU
    # multiplies matrices whose shapes follow the batch: 4e-8 with torch
    # 2.14's CPU kernels)
    assert torch.allclose(out[:2], enc(TEXTS[:2]), rtol=0, atol=1e-6)
    assert not torch.equal(out, TEXT_ENCODERS.build(dict(cfg, seed=1))(TEXTS))
    out.sum().backward()                              # trainable
    assert any(p.grad is not None for p in enc.parameters())


def test_bag_of_words_ignores_order_and_the_sequence_encoder_does_not():
    bow = TEXT_ENCODERS.build(dict(type='bow', dim=8))
    seq = TEXT_ENCODERS.build(dict(type='sequence', dim=8))
    a, b = bow(TEXTS[1:3])
    assert torch.allclose(a, b)
    a, b = seq(TEXTS[1:3])
    assert not torch.allclose(a, b)
    assert torch.equal(bow(['']), torch.zeros(1, 8))
    unknown = bow.token_ids(['purple  red'])
    assert unknown.tolist() == [[1, bow.index['red']]]


def test_encoders_reject_a_single_string():
    with pytest.raises(ConfigError, match='give a list of strings'):
        TEXT_ENCODERS.build(dict(type='bow'))('a red square')


@pytest.mark.skipif(not HAS_WORDLLAMA, reason='wordllama not installed')
def test_wordllama_loads_from_the_package_folder(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))       # no cache to fall back on
    enc = TEXT_ENCODERS.build(dict(type='wordllama', dim=64))
    out = enc(TEXTS)
    assert out.shape == (len(TEXTS), 64) and enc.dim == 64
    assert torch.allclose(out[:4].norm(dim=1), torch.ones(4), atol=1e-5)
    assert torch.equal(out, enc(TEXTS))
    assert torch.equal(out[-1], torch.zeros(64))     # empty text
    assert not osp.exists(tmp_path / '.cache')
    near = float(out[0] @ enc(['a big crimson triangle top left'])[0])
    far = float(out[0] @ enc(['a small blue oval at the bottom'])[0])
    assert near > far


class FakeOpenClip:
    """Stands in for the open_clip package; must never be reached."""

    def create_model_and_transforms(self, *a, **k):
        raise AssertionError('no weights, so nothing may be built')


def _empty_caches(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    monkeypatch.setenv('HF_HOME', str(tmp_path / 'hf'))
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    monkeypatch.delenv('HF_HUB_CACHE', raising=False)


def test_missing_openclip_weights_give_a_one_line_message(monkeypatch,
                                                          tmp_path):
    _empty_caches(monkeypatch, tmp_path)
    monkeypatch.setattr(pretrained, '_import', lambda *a: FakeOpenClip())
    with pytest.raises(ConfigError) as e:
        TEXT_ENCODERS.build(dict(type='openclip', model='ViT-B-32'))
    msg = str(e.value)
    assert '\n' not in msg
    assert msg.startswith("no OpenCLIP weights for 'ViT-B-32' in ")
    for folder in (tmp_path / 'hf' / 'hub', tmp_path / 'home' / '.cache' /
                   'clip', tmp_path / 'torch' / 'hub' / 'checkpoints'):
        assert str(folder) in msg
    assert "create_model_and_transforms('ViT-B-32', pretrained=" \
        "'laion2b_s34b_b79k')" in msg and 'weights=PATH' in msg
    with pytest.raises(ConfigError, match="weights='nope.bin' is not a file"):
        TEXT_ENCODERS.build(dict(type='openclip', weights='nope.bin'))


def test_openclip_weights_are_found_in_the_standard_caches(monkeypatch,
                                                           tmp_path):
    _empty_caches(monkeypatch, tmp_path)
    assert pretrained.find_openclip_weights('ViT-B-32') is None
    snap = (tmp_path / 'hf' / 'hub' / 'models--laion--CLIP-ViT-B-32-'
            'laion2B-s34B-b79K' / 'snapshots' / 'abc')
    snap.mkdir(parents=True)
    (snap / 'open_clip_model.safetensors').write_bytes(b'x')
    found = pretrained.find_openclip_weights('ViT-B-32', 'laion2b_s34b_b79k')
    assert found == str(snap / 'open_clip_model.safetensors')
    assert pretrained.find_openclip_weights('ViT-L-14') is None
    clip_dir = tmp_path / 'home' / '.cache' / 'clip'
    clip_dir.mkdir(parents=True)
    (clip_dir / 'ViT-L-14.pt').write_bytes(b'x')
    assert pretrained.find_openclip_weights('ViT-L-14') == str(
        clip_dir / 'ViT-L-14.pt')


@pytest.mark.skipif(HAS_OPENCLIP, reason='open_clip is installed')
def test_openclip_without_the_package_names_the_extra():
    with pytest.raises(ConfigError, match=r"mmlatent\[clip\]"):
        TEXT_ENCODERS.build(dict(type='openclip'))
