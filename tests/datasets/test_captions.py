"""Captions of Shapes images, parse_prompt and caption files."""
import cv2
import numpy as np
import pytest

from mmlatent.datasets.captions import (ATTRIBUTES, HELD_OUT_TEMPLATES,
                                        TRAIN_TEMPLATES, VALUES,
                                        attribute_values, keywords, matches,
                                        parse_prompt, random_caption,
                                        sentence, to_indices, to_names)
from mmlatent.registry import DATASETS
from mmlatent.utils.errors import ConfigError, DataError


def test_random_captions_round_trip_through_parse_prompt():
    rng = np.random.default_rng(0)
    sizes = [len(VALUES[a]) for a in ATTRIBUTES]
    forms = set()
    for _ in range(3000):
        values = np.array([rng.integers(k) for k in sizes])
        caption, named = random_caption(values, rng, drop_prob=0.4)
        assert (named >= 0).any()
        assert ((named < 0) | (named == values)).all()
        assert parse_prompt(caption) == to_names(named), caption
        forms.add(',' in caption or ' the ' not in caption)
    assert forms == {True, False}      # both keyword lists and sentences


@pytest.mark.parametrize('template', TRAIN_TEMPLATES + HELD_OUT_TEMPLATES)
def test_every_template_and_synonym_round_trips(template):
    rng = np.random.default_rng(1)
    for values in np.ndindex(*(len(VALUES[a]) for a in ATTRIBUTES)):
        attrs = to_names(values)
        for r in (None, rng):
            assert parse_prompt(sentence(attrs, template, r)) == attrs
            assert parse_prompt(keywords(attrs, r)) == attrs
    full = dict(shape='triangle', colour='red', size='large', x='left',
                y='top')
    assert sentence(full) == 'a large red triangle in the top left'
    assert sentence(dict(shape='ellipse', x='left')) == 'an ellipse on the ' \
        'left'
    assert keywords(dict(colour='blue', y='bottom')) == 'blue, bottom'


def test_synonyms_and_word_order_parse_to_the_same_attributes():
    want = dict(shape='triangle', colour='red', size='large')
    for text in ('big crimson triangle', 'Triangle, LARGE, scarlet',
                 'a huge red triangle'):
        assert parse_prompt(text) == want
    assert parse_prompt('an oval in the upper center') == dict(
        shape='ellipse', x='centre', y='top')


@pytest.mark.parametrize('text, match', [
    ('a purple triangle', "unknown word 'purple'"),
    ('a red blue square', "two values of colour: 'red' and 'blue'"),
    ('', 'names no attribute'),
    ('a picture of a shape', 'names no attribute'),
])
def test_bad_prompts_give_one_line_errors(text, match):
    with pytest.raises(ConfigError, match=match) as e:
        parse_prompt(text)
    assert '\n' not in str(e.value)


def test_attribute_values_bin_the_factors():
    # x, y, scale, rotation, hue
    factors = [[0.30, 0.70, 0.30, 0.0, 0.99],    # red (hue wraps)
               [0.50, 0.50, 0.45, 0.5, 1 / 3],   # green
               [0.60, 0.40, 0.40, 0.2, 0.62]]    # blue
    got = attribute_values([2, 0, 1], factors, scale_threshold=0.375)
    assert got.tolist() == [[2, 0, 0, 0, 2], [0, 2, 1, 1, 1],
                            [1, 4, 1, 2, 0]]
    sub = attribute_values([0], factors[:1], classes=('triangle',))
    assert sub[0, 0] == VALUES['shape'].index('triangle')


def test_indices_names_and_matches():
    attrs = dict(colour='cyan', y='bottom')
    assert to_names(to_indices(attrs)) == attrs
    img = np.array([[0, 3, 1, 0, 2], [0, 3, 1, 0, 1]])
    cap = np.array([to_indices(attrs), [-1] * 5, [1, -1, -1, -1, -1]])
    assert matches(img, cap).tolist() == [[True, True, False],
                                          [False, True, False]]


def test_captioned_shapes_items_are_deterministic_and_consistent():
    ds = DATASETS.build(dict(type='CaptionedShapesDataset', num_samples=50,
                             resolution=32, drop_prob=0.5))
    again = DATASETS.build(dict(type='CaptionedShapesDataset',
                                num_samples=50, resolution=32,
                                drop_prob=0.5))
    for i in range(20):
        it = ds[i]
        assert it['caption'] == again[i]['caption']
        named = it['named'].numpy()
        assert parse_prompt(it['caption']) == to_names(named)
        assert ((named < 0) | (named == it['values'].numpy())).all()
        assert it['values'][0] == it['label']
    with pytest.raises(ConfigError, match='drop_prob=1.5'):
        DATASETS.build(dict(type='CaptionedShapesDataset', drop_prob=1.5))


def test_exclude_leaves_a_combination_out_and_keeps_the_rest():
    plain = DATASETS.build(dict(type='CaptionedShapesDataset',
                                num_samples=600, resolution=16))
    ds = DATASETS.build(dict(type='CaptionedShapesDataset', num_samples=600,
                             resolution=16, exclude=['red triangle']))
    red_triangle = to_indices(dict(shape='triangle', colour='red'))[:2]
    was = [i for i in range(600)
           if (plain.values_of(i)[:2] == red_triangle).all()]
    assert len(was) > 10              # about 1 in 18 of the items
    items = ds.__getitems__(list(range(600)))
    for i, it in enumerate(items):
        v = it['values'].numpy()
        assert not (v[:2] == red_triangle).all(), i
        assert (v == ds.values_of(i)).all()
        if i not in was:              # every other item is unchanged
            assert np.array_equal(v, plain.values_of(i))
            assert np.array_equal(it['factors'].numpy(),
                                  plain[i]['factors'].numpy())
    # red squares and blue triangles are still drawn
    pairs = {tuple(it['values'][:2].tolist()) for it in items}
    assert (0, 0) in pairs and (2, 4) in pairs


@pytest.mark.parametrize('exclude, match', [
    ('red triangle', r"must be a list of prompts, e.g. exclude=\['red "),
    (['mauve triangle'], "unknown word 'mauve'"),
])
def test_bad_exclude_is_one_line(exclude, match):
    with pytest.raises(ConfigError, match=match) as e:
        DATASETS.build(dict(type='CaptionedShapesDataset', exclude=exclude))
    assert '\n' not in str(e.value)


def test_excluding_a_whole_class_of_one_class_data_is_refused():
    ds = DATASETS.build(dict(type='CaptionedShapesDataset', num_samples=4,
                             resolution=16, shapes=('square', ),
                             exclude=['square']))
    with pytest.raises(ConfigError, match='leaves .almost. no image'):
        ds[0]


def _write(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.zeros((8, 8, 3), np.uint8))


def test_image_folder_serves_caption_pairs(tmp_path):
    _write(tmp_path / 'a' / 'x.png')
    _write(tmp_path / 'a' / 'y.png')
    _write(tmp_path / 'b' / 'z.png')
    (tmp_path / 'a' / 'captions.txt').write_text(
        '# comment\nx.png\ta red square\n\nx.png\tred, square\n'
        'y.png\ta blue oval\n')
    (tmp_path / 'b' / 'captions.txt').write_text('z.png\tanything at all\n')
    ds = DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                             resolution=8, captions=True))
    got = sorted((ds.files[ds.pairs[i][0]].split('/')[-1], ds[i]['caption'])
                 for i in range(len(ds)))
    assert got == [('x.png', 'a red square'), ('x.png', 'red, square'),
                   ('y.png', 'a blue oval'), ('z.png', 'anything at all')]
    assert ds[0]['img'].shape == (3, 8, 8)


@pytest.mark.parametrize('text, match', [
    ('x.png a red square\n', r'captions.txt:1: .* is not FILE<TAB>CAPTION'),
    ('x.png\tred\nq.png\tblue\n', "'q.png' is not an image of this folder"),
    ('', r'1 image\(s\) have no caption'),
])
def test_bad_caption_files_are_named(tmp_path, text, match):
    _write(tmp_path / 'x.png')
    (tmp_path / 'captions.txt').write_text(text)
    with pytest.raises(DataError, match=match) as e:
        DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                            resolution=8, captions=True))
    assert '\n' not in str(e.value)
    with pytest.raises(ConfigError, match='xflip'):
        DATASETS.build(dict(type='ImageFolderDataset', root=str(tmp_path),
                            resolution=8, captions=True, xflip=True))
