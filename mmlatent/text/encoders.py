"""Text encoders trained here: a bag of words and a small GRU.

A text encoder is an ``nn.Module`` with ``dim`` and ``forward(texts) ->
Tensor [N, dim]`` for a sequence of N strings; both encoders here are
deterministic (weights drawn from ``seed``) and trainable. Their
vocabulary is the caption vocabulary of
:mod:`mmlatent.datasets.captions` unless ``words`` is given; other words
map to one unknown token.
"""
from typing import List, Optional, Sequence

import torch
from torch import Tensor, nn

from ..datasets.captions import FILLER, LEXICON, tokenize
from ..registry import TEXT_ENCODERS
from ..utils.errors import ConfigError

PAD, UNK = 0, 1


def default_words() -> List[str]:
    """The caption vocabulary: attribute words, then filler words."""
    return sorted(LEXICON) + sorted(FILLER)


class TextEncoder(nn.Module):
    """Base class: ``forward(texts: Sequence[str]) -> [N, dim]``."""

    dim: int

    def forward(self, texts: Sequence[str]) -> Tensor:
        raise NotImplementedError


class VocabularyEncoder(TextEncoder):
    """A text encoder with a word list: token ids ``PAD`` = 0, ``UNK`` =
    1, word ``i`` = ``i + 2``."""

    def __init__(self, dim: int, words: Optional[Sequence[str]],
                 seed: int) -> None:
        super().__init__()
        if not isinstance(dim, int) or dim < 1:
            raise ConfigError(f'dim={dim!r} must be a positive int')
        self.dim, self.seed = dim, seed
        self.words = list(default_words() if words is None else words)
        if len(set(self.words)) != len(self.words) or not self.words:
            raise ConfigError('words must be a non-empty list of distinct '
                              'words')
        self.index = {w: i + 2 for i, w in enumerate(self.words)}

    @property
    def num_tokens(self) -> int:
        return len(self.words) + 2

    def token_ids(self, texts: Sequence[str]) -> Tensor:
        """int64 [N, L] ids, right-padded with PAD (L >= 1)."""
        if isinstance(texts, str):
            raise ConfigError(f'texts={texts!r}: give a list of strings')
        ids = [[self.index.get(w, UNK) for w in tokenize(t)] for t in texts]
        out = torch.full((len(ids), max([1] + [len(i) for i in ids])), PAD)
        for row, seq in zip(out, ids):
            row[:len(seq)] = torch.as_tensor(seq, dtype=torch.int64)
        return out

    def _init_weights(self) -> None:
        """Normal(0, 1 / sqrt(fan-in)) weights, zero biases, from seed."""
        g = torch.Generator().manual_seed(self.seed)
        with torch.no_grad():
            for name, p in sorted(self.named_parameters()):
                if p.ndim < 2:
                    p.zero_()
                else:
                    p.copy_(torch.randn(p.shape, generator=g)
                            / p.shape[-1] ** 0.5)


@TEXT_ENCODERS.register_module(name=['BagOfWordsEncoder', 'bow'])
class BagOfWordsEncoder(VocabularyEncoder):
    """Mean of learned word embeddings (word order is lost): the default,
    no dependency. An empty text embeds to zeros."""

    def __init__(self, dim: int = 64, words: Optional[Sequence[str]] = None,
                 seed: int = 0) -> None:
        super().__init__(dim, words, seed)
        self.embedding = nn.EmbeddingBag(self.num_tokens, dim, mode='mean',
                                         padding_idx=PAD)
        self._init_weights()

    def forward(self, texts: Sequence[str]) -> Tensor:
        ids = self.token_ids(texts).to(self.embedding.weight.device)
        return self.embedding(ids)


@TEXT_ENCODERS.register_module(name=['SequenceEncoder', 'sequence'])
class SequenceEncoder(VocabularyEncoder):
    """Word embeddings read in order by a one-layer GRU; the last hidden
    state, projected to ``dim``. Keeps word order ("red square, blue" and
    "blue square, red" differ)."""

    def __init__(self, dim: int = 64, hidden: int = 64,
                 words: Optional[Sequence[str]] = None,
                 seed: int = 0) -> None:
        super().__init__(dim, words, seed)
        self.embedding = nn.Embedding(self.num_tokens, hidden,
                                      padding_idx=PAD)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, dim)
        self._init_weights()

    def forward(self, texts: Sequence[str]) -> Tensor:
        ids = self.token_ids(texts).to(self.out.weight.device)
        lengths = (ids != PAD).sum(1).clamp_min(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.embedding(ids), lengths, batch_first=True,
            enforce_sorted=False)
        _, h = self.gru(packed)
        return self.out(h[-1])
