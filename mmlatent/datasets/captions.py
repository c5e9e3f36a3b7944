"""Captions of Shapes images from their known factors, and prompt parsing.

Five attributes describe a Shapes image (:data:`ATTRIBUTES`), each with a
small set of values (:data:`VALUES`) binned from the factors:

=========  =========================================  ====================
attribute  values                                     from
=========  =========================================  ====================
shape      square, ellipse, triangle                  the class
colour     red, yellow, green, cyan, blue, magenta    hue, 60-degree bins
                                                      centred on k / 6
size       small, large                               scale vs
                                                      ``scale_threshold``
x          left, centre, right                        x < 0.45, x > 0.55
y          top, middle, bottom                        y < 0.45, y > 0.55
=========  =========================================  ====================

The position bins are near the tertiles of the default Shapes data (about
30% / 40% / 30%): a shape's centre stays at least its radius from the
border, so most centres lie near the middle.

A caption names some attributes, as a sentence (``"a large crimson
triangle in the top left"``) or a keyword list in random order
(``"left, triangle, top, red"``), with synonyms (:data:`SYNONYMS`).
:func:`parse_prompt` is its inverse: every word is an attribute word
(:data:`LEXICON`) or a filler word (:data:`FILLER`), so the attributes of
any caption made here are recovered exactly, and a word it does not know
is a one-line error.
"""
import re
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from ..utils.build import suggest
from ..utils.errors import ConfigError
from .shapes import SHAPES

ATTRIBUTES = ('shape', 'colour', 'size', 'x', 'y')
COLOURS = ('red', 'yellow', 'green', 'cyan', 'blue', 'magenta')
VALUES: Dict[str, tuple] = dict(
    shape=SHAPES, colour=COLOURS, size=('small', 'large'),
    x=('left', 'centre', 'right'), y=('top', 'middle', 'bottom'))
#: x and y bounds of the ``centre`` / ``middle`` bins (fractions of the side)
POSITION_BINS = (0.45, 0.55)
#: the words of each value, the canonical one first
SYNONYMS: Dict[str, tuple] = {
    'square': ('square',), 'ellipse': ('ellipse', 'oval'),
    'triangle': ('triangle',),
    'red': ('red', 'crimson', 'scarlet'), 'yellow': ('yellow', 'golden'),
    'green': ('green', 'emerald'), 'cyan': ('cyan', 'turquoise', 'aqua'),
    'blue': ('blue', 'azure'), 'magenta': ('magenta', 'pink', 'fuchsia'),
    'small': ('small', 'little', 'tiny'), 'large': ('large', 'big', 'huge'),
    'left': ('left',), 'centre': ('centre', 'center'), 'right': ('right',),
    'top': ('top', 'upper'), 'middle': ('middle',),
    'bottom': ('bottom', 'lower'),
}
#: word -> (attribute, value)
LEXICON: Dict[str, tuple] = {
    w: (a, v) for a in ATTRIBUTES for v in VALUES[a] for w in SYNONYMS[v]}
#: words that name no attribute
FILLER = frozenset(
    'a an the in on at of and with there is one single picture image photo '
    'drawing shape object thing side part corner half it this its to'
    .split())
#: sentence templates: ``{obj}`` is the noun phrase, ``{pos}`` the place
TRAIN_TEMPLATES = ('{obj}{pos}', 'a picture of {obj}{pos}',
                   'an image of {obj}{pos}', 'there is {obj}{pos}')
#: templates never used in training, for benchmarks
HELD_OUT_TEMPLATES = ('a photo of {obj}{pos}', 'a drawing of {obj}{pos}',
                      'this is {obj}{pos}')
_WORD = re.compile(r'[a-z]+')


def attribute_values(labels, factors, *, classes: Sequence[str] = SHAPES,
                     scale_threshold: float = 0.375) -> np.ndarray:
    """int64 [N, 5] value indices (into :data:`VALUES`, order
    :data:`ATTRIBUTES`) of images with class ``labels`` [N] (indices into
    ``classes``) and ``factors`` [N, 5] (x, y, scale, rotation, hue)."""
    f = np.asarray(factors, np.float64).reshape(-1, 5)
    labels = np.asarray(labels).reshape(-1)
    shape = np.array([SHAPES.index(c) for c in classes])[labels]
    colour = np.round(f[:, 4] * len(COLOURS)).astype(np.int64) % len(COLOURS)
    size = (f[:, 2] > scale_threshold).astype(np.int64)
    x, y = (np.digitize(f[:, k], POSITION_BINS) for k in (0, 1))
    return np.stack([shape, colour, size, x, y], 1).astype(np.int64)


def to_names(values: Sequence[int]) -> Dict[str, str]:
    """``{attribute: value name}`` of a [5] index row; -1 is left out."""
    return {a: VALUES[a][int(i)] for a, i in zip(ATTRIBUTES, values)
            if int(i) >= 0}


def to_indices(attrs: Mapping[str, str]) -> np.ndarray:
    """int64 [5] value indices of ``{attribute: value}``, -1 where not
    named (the inverse of :func:`to_names`)."""
    return np.array([VALUES[a].index(attrs[a]) if a in attrs else -1
                     for a in ATTRIBUTES], np.int64)


def _article(word: str) -> str:
    return 'an' if word[0] in 'aeiou' else 'a'


def _word(value: str, rng: Optional[np.random.Generator]) -> str:
    words = SYNONYMS[value]
    return words[0] if rng is None else words[rng.integers(len(words))]


def _place(attrs: Mapping[str, str], rng) -> str:
    """`` in the top left`` / `` on the left`` / `` at the top`` / ``''``."""
    x, y = attrs.get('x'), attrs.get('y')
    if x and y:
        return f' in the {_word(y, rng)} {_word(x, rng)}'
    if x:
        return f" {'in' if x == 'centre' else 'on'} the {_word(x, rng)}"
    if y:
        return f" {'in' if y == 'middle' else 'at'} the {y}"
    return ''


def sentence(attrs: Mapping[str, str], template: str = '{obj}{pos}',
             rng: Optional[np.random.Generator] = None) -> str:
    """A sentence naming exactly ``attrs`` ({attribute: value}); ``rng``
    picks synonyms (canonical words without it)."""
    words = [_word(attrs[a], rng) for a in ('size', 'colour') if a in attrs]
    noun = _word(attrs['shape'], rng) if 'shape' in attrs else 'shape'
    words.append(noun)
    obj = f'{_article(words[0])} {" ".join(words)}'
    return template.format(obj=obj, pos=_place(attrs, rng))


def keywords(attrs: Mapping[str, str],
             rng: Optional[np.random.Generator] = None) -> str:
    """The words of ``attrs`` as a keyword list (shuffled, synonyms and
    ', ' or ' ' separated with ``rng``)."""
    words = [_word(attrs[a], rng) for a in ATTRIBUTES if a in attrs]
    if rng is None:
        return ', '.join(words)
    return (', ' if rng.random() < 0.5 else ' ').join(
        words[i] for i in rng.permutation(len(words)))


def random_caption(values: Sequence[int], rng: np.random.Generator, *,
                   drop_prob: float = 0.3, keyword_prob: float = 0.3,
                   synonym_prob: float = 0.5,
                   templates: Sequence[str] = TRAIN_TEMPLATES
                   ) -> tuple:
    """(caption, int64 [5] named values, -1 where dropped) for an image
    with value indices ``values`` [5]: each attribute is dropped with
    ``drop_prob`` (at least one stays), a keyword list with
    ``keyword_prob``, else a sentence of a random template; synonyms with
    ``synonym_prob``."""
    keep = rng.random(len(ATTRIBUTES)) >= drop_prob
    if not keep.any():
        keep[rng.integers(len(ATTRIBUTES))] = True
    named = np.where(keep, np.asarray(values, np.int64), -1)
    attrs = to_names(named)
    word_rng = rng if rng.random() < synonym_prob else None
    if rng.random() < keyword_prob:
        return keywords(attrs, word_rng), named
    template = templates[rng.integers(len(templates))]
    return sentence(attrs, template, word_rng), named


def tokenize(text: str) -> List[str]:
    """Lower-case words of ``text`` (letters only)."""
    return _WORD.findall(text.lower())


def parse_prompt(text: str) -> Dict[str, str]:
    """``{attribute: value}`` that ``text`` names (order
    :data:`ATTRIBUTES`).

    Raises a one-line :class:`ConfigError` for a word that is neither an
    attribute word nor a filler word, for two values of one attribute,
    and for a prompt that names no attribute.
    """
    found: Dict[str, str] = {}
    for word in tokenize(text):
        if word in FILLER:
            continue
        if word not in LEXICON:
            raise ConfigError(
                f"prompt '{text}': unknown word '{word}'"
                f'{suggest(word, LEXICON)}; known words: '
                f'{", ".join(sorted(LEXICON))}')
        attr, value = LEXICON[word]
        if found.get(attr, value) != value:
            raise ConfigError(
                f"prompt '{text}' names two values of {attr}: "
                f"'{found[attr]}' and '{value}'; keep one")
        found[attr] = value
    if not found:
        raise ConfigError(
            f"prompt '{text}' names no attribute; name a shape, colour, "
            "size or place, e.g. 'a red triangle on the left'")
    return {a: found[a] for a in ATTRIBUTES if a in found}


def matches(image_values, caption_values) -> np.ndarray:
    """bool [N, M]: image i (values [N, 5]) has every attribute caption j
    (values [M, 5], -1 = not named) names."""
    img = np.asarray(image_values)[:, None]
    cap = np.asarray(caption_values)[None]
    return ((cap < 0) | (cap == img)).all(-1)


def split_prompts(prompt) -> List[str]:
    """A ``;``-separated string (or a list) of prompts as a list."""
    if prompt is None:
        return []
    items = prompt.split(';') if isinstance(prompt, str) else list(prompt)
    return [p.strip() for p in items if p.strip()]
