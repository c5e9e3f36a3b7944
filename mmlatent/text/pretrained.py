"""Pretrained text encoders behind optional extras; nothing is downloaded.

* ``wordllama`` (``pip install 'mmlatent[wordllama]'``): the WordLlama
  token embeddings, whose weights ship inside the package; they are read
  from the package folder only.
* ``openclip`` (``pip install 'mmlatent[clip]'``): an OpenCLIP text tower,
  with weights found in the standard cache folders
  (:func:`openclip_cache_dirs`) or given as a file. When none is there the
  encoder fails with one line that says how to get them.

Both are frozen: their weights are not parameters of the module, so a
model that holds one saves only what it trains on top.
"""
import glob
import os
import os.path as osp
import re
from typing import List, Optional, Sequence

import torch
from torch import Tensor

from ..registry import TEXT_ENCODERS
from ..utils.errors import ConfigError
from .encoders import TextEncoder

#: OpenCLIP's usual pretrained tag per model, for the download hint
OPENCLIP_TAGS = {'ViT-B-32': 'laion2b_s34b_b79k',
                 'ViT-B-16': 'laion2b_s34b_b88k',
                 'ViT-L-14': 'laion2b_s32b_b82k'}
_WEIGHT_EXT = ('.bin', '.safetensors', '.pt', '.pth')


def _import(name: str, extra: str):
    """The optional package ``name``, or a one-line install hint."""
    try:
        return __import__(name)
    except ImportError as e:
        raise ConfigError(
            f"text encoder needs the '{name}' package ({e}); install it "
            f"with pip install 'mmlatent[{extra}]'") from e


@TEXT_ENCODERS.register_module(name=['WordLlamaEncoder', 'wordllama'])
class WordLlamaEncoder(TextEncoder):
    """WordLlama (average of token embeddings trained on LLM data),
    L2-normalised, from the weights inside the ``wordllama`` package.

    Args:
        dim: 64, 128 or 256 (leading dimensions of the 256-d embedding).
        config: the WordLlama config whose weights the package ships.
    """

    def __init__(self, dim: int = 256, config: str = 'l2_supercat') -> None:
        super().__init__()
        wordllama = _import('wordllama', 'wordllama')
        folder = osp.dirname(wordllama.__file__)
        try:
            self.model = wordllama.WordLlama.load(
                config=config, dim=256, trunc_dim=dim, cache_dir=folder,
                disable_download=True)
        except (FileNotFoundError, ValueError) as e:
            raise ConfigError(
                f"wordllama: no weights for config '{config}' in the "
                f'package folder {folder} ({str(e).splitlines()[0]}); use '
                "config='l2_supercat' (shipped) or reinstall wordllama"
            ) from e
        self.dim = dim

    def forward(self, texts: Sequence[str]) -> Tensor:
        if isinstance(texts, str):
            raise ConfigError(f'texts={texts!r}: give a list of strings')
        emb = torch.from_numpy(
            self.model.embed(list(texts), norm=False).copy()).float()
        return emb / emb.norm(dim=1, keepdim=True).clamp_min(1e-12)


def _normalise(name: str) -> str:
    return re.sub(r'[^a-z0-9]', '', name.lower())


def openclip_cache_dirs() -> List[str]:
    """The folders searched for OpenCLIP weights: the Hugging Face hub
    cache (``HF_HUB_CACHE`` or ``HF_HOME/hub``, default
    ``~/.cache/huggingface/hub``), ``~/.cache/clip`` (OpenAI weights) and
    torch hub's checkpoints (``TORCH_HOME/hub/checkpoints``)."""
    hf = os.environ.get('HF_HUB_CACHE') or osp.join(
        os.environ.get('HF_HOME', '~/.cache/huggingface'), 'hub')
    torch_home = os.environ.get('TORCH_HOME', '~/.cache/torch')
    return [osp.expanduser(d) for d in (
        hf, '~/.cache/clip', osp.join(torch_home, 'hub', 'checkpoints'))]


def find_openclip_weights(model: str, pretrained: Optional[str] = None
                          ) -> Optional[str]:
    """The first weight file of ``model`` (e.g. ``ViT-B-32``; its name
    must contain the model name and, if given, the ``pretrained`` tag) in
    :func:`openclip_cache_dirs`, or None."""
    keys = [_normalise(model)] + ([_normalise(pretrained)]
                                  if pretrained else [])
    hf, clip_dir, hub = openclip_cache_dirs()
    candidates = sorted(glob.glob(osp.join(
        hf, 'models--*', 'snapshots', '*', 'open_clip_*')))
    candidates += sorted(glob.glob(osp.join(clip_dir, '*')))
    candidates += sorted(glob.glob(osp.join(hub, '*')))
    for path in candidates:
        rel = path[len(hf):] if path.startswith(hf) else osp.basename(path)
        if path.endswith(_WEIGHT_EXT) and osp.isfile(path) and all(
                k in _normalise(rel) for k in keys):
            return path
    return None


def missing_weights_message(model: str, pretrained: Optional[str]) -> str:
    """One line: where weights were looked for and how to get them."""
    tag = pretrained or OPENCLIP_TAGS.get(model, 'TAG')
    return (f"no OpenCLIP weights for '{model}' in "
            f"{', '.join(openclip_cache_dirs())}; nothing is downloaded "
            'here: on a machine with internet run python -c "import '
            f"open_clip; open_clip.create_model_and_transforms('{model}', "
            f"pretrained='{tag}')\" and copy the file it fetched (from "
            "~/.cache/huggingface/hub) into one of those folders, or give "
            'weights=PATH')


@TEXT_ENCODERS.register_module(name=['OpenCLIPEncoder', 'openclip'])
class OpenCLIPEncoder(TextEncoder):
    """The text tower of an OpenCLIP model, L2-normalised.

    Args:
        model: OpenCLIP architecture name, e.g. ``ViT-B-32``.
        pretrained: tag the weight file's name must contain (optional).
        weights: a weight file; default: searched in the cache folders.
        device: where the (frozen) tower runs.
    """

    def __init__(self, model: str = 'ViT-B-32',
                 pretrained: Optional[str] = None,
                 weights: Optional[str] = None, device: str = 'cpu') -> None:
        super().__init__()
        open_clip = _import('open_clip', 'clip')
        if weights is not None and not osp.isfile(weights):
            raise ConfigError(f"OpenCLIP weights='{weights}' is not a file; "
                              'give the path of a weight file')
        path = weights or find_openclip_weights(model, pretrained)
        if path is None:
            raise ConfigError(missing_weights_message(model, pretrained))
        clip, _, _ = open_clip.create_model_and_transforms(
            model, pretrained=path, device=device)
        self.weights, self.device = path, device
        self.clip = [clip.eval().requires_grad_(False)]  # not a submodule
        self.tokenizer = open_clip.get_tokenizer(model)
        self.dim = int(self(['a shape']).shape[1])

    @torch.no_grad()
    def forward(self, texts: Sequence[str]) -> Tensor:
        if isinstance(texts, str):
            raise ConfigError(f'texts={texts!r}: give a list of strings')
        tokens = self.tokenizer(list(texts)).to(self.device)
        emb = self.clip[0].encode_text(tokens).float().cpu()
        return emb / emb.norm(dim=1, keepdim=True).clamp_min(1e-12)
