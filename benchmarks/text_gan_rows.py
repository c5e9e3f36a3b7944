"""The text-conditioned GAN rows of issue 17's part 6 table (imported by
benchmarks/text_quality.py --gan-ckpt): accuracy of the analytic measurer
against held-out prompts, diversity of the attributes a prompt leaves
out, retrieval precision, the paraphrase drop; with a Shapes feature
network (and an unconditional DCGAN checkpoint), the fidelity of samples
for the captions of held-out images and the Fréchet distance ratio."""
import math
from typing import Dict, List

import numpy as np
import torch

from mmlatent.datasets import CaptionedShapesDataset, ShapesDataset
from mmlatent.datasets.captions import (ATTRIBUTES, HELD_OUT_TEMPLATES,
                                        VALUES, keywords, parse_prompt,
                                        sentence, to_indices)
from mmlatent.evaluation import (FrechetDistance, ShapesFidelity,
                                 ShapesValidity, TextAlignment,
                                 alignment_figures, evaluate_generator,
                                 evaluate_images, held_out_prompts,
                                 real_images)
from mmlatent.evaluation.text_alignment import measured_values
from mmlatent.models.ema import loaded_generator
from mmlatent.models.loading import load_generator, load_model


def keyword_versions(prompts: List[str], seed: int = 0) -> List[str]:
    """The same attributes as shuffled keyword lists with synonyms."""
    rng = np.random.default_rng([seed, 5])
    return [keywords(parse_prompt(p), rng) for p in prompts]


def encoder(model, complete: bool = True):
    """``texts -> c`` as the model turns prompts into G's condition
    (``TextConditionalGAN.condition``: completed first when the model
    completes prompts, the draws seeded), or, with ``complete=False``,
    the prompts' own embeddings (G alone varies what they leave out)."""
    if not complete:
        return model.encode_text
    gen = torch.Generator().manual_seed(0)
    return lambda texts: model.condition(texts, gen)


def completes(model) -> bool:
    return getattr(model, 'value_bank', None) is not None


def alignment(model, G, prompts: List[str], num: int,
              complete: bool = True) -> Dict[str, float]:
    metric = TextAlignment(prompts=prompts, encode=encoder(model, complete))
    out = evaluate_generator(G, [metric], num_samples=num, batch_size=250,
                             seed=0)
    return {k.split('/', 1)[1]: v for k, v in out.items()}


def gan_figures(ckpt: str, *, num: int = 2000, sample_model: str = 'orig'
                ) -> Dict[str, dict]:
    """{'full', 'keywords', 'partial'}: TextAlignment outputs of ``num``
    samples for 200 full held-out prompts, the same as keyword lists, and
    40 prompts that leave attributes out; for a model that completes
    prompts also 'partial_g', the last without completion."""
    model, cfg, meta = load_model(ckpt)
    G = loaded_generator(model, cfg, meta, sample_model).G
    full = held_out_prompts(200, seed=1)
    partial = held_out_prompts(40, drop_prob=0.5, seed=2)
    fig = dict(full=alignment(model, G, full, num),
               keywords=alignment(model, G, keyword_versions(full), num),
               partial=alignment(model, G, partial, num),
               partial_real=real_partial_figures(partial,
                                                 max(2, num // 40)),
               prompts=dict(full=full[:5], partial=partial[:5]))
    if completes(model):
        fig['partial_g'] = alignment(model, G, partial, num, complete=False)
    return fig


def real_partial_figures(prompts: List[str], per_prompt: int,
                         pool: int = 20000) -> Dict[str, float]:
    """TextAlignment outputs of held-out real images in place of the
    samples: for each prompt, the first ``per_prompt`` of ``pool`` real
    images whose measured values are the ones it names (the reference for
    the entropy of the attributes it leaves out: what a generator that
    draws them as the data does reaches with as many images)."""
    ds = ShapesDataset(32, num_samples=pool, seed=54321)
    img = torch.stack([ds[i]['img'] for i in range(pool)])
    measured = measured_values(img, {})
    rows, named, ids = [], [], []
    for k, p in enumerate(prompts):
        want = torch.from_numpy(to_indices(parse_prompt(p)))
        fits = ((want < 0) | (measured == want)).all(1) & (measured[:, 0] >= 0)
        pick = fits.nonzero().flatten()[:per_prompt]
        rows.append(pick)
        named.append(want.expand(len(pick), -1))
        ids.append(torch.full((len(pick), ), k))
    return alignment_figures(measured[torch.cat(rows)], torch.cat(named),
                             torch.cat(ids))


def pair_prompts(attrs: Dict[str, str], num: int, seed: int = 0
                 ) -> List[str]:
    """``num`` sentences in the held-out templates that name exactly
    ``attrs`` (synonyms half of the time)."""
    rng = np.random.default_rng([seed, 23])
    return [sentence(attrs, HELD_OUT_TEMPLATES[i % len(HELD_OUT_TEMPLATES)],
                     rng if rng.random() < 0.5 else None)
            for i in range(num)]


def combination_figures(ckpt: str, unseen: str, *, num: int = 200,
                        sample_model: str = 'orig') -> Dict[str, dict]:
    """{prompt: TextAlignment outputs} of ``num`` samples for sentences
    naming the colour-shape pair of ``unseen`` and, to compare, every
    other colour-shape pair."""
    model, cfg, meta = load_model(ckpt)
    G = loaded_generator(model, cfg, meta, sample_model).G
    want = parse_prompt(unseen)
    pairs = [dict(colour=c, shape=s) for s in VALUES['shape']
             for c in VALUES['colour']]
    if want not in pairs:
        raise SystemExit(f"--unseen '{unseen}' must name one colour and one "
                         "shape, e.g. 'red triangle'")
    pairs.remove(want)
    return {f"{p['colour']} {p['shape']}": alignment(
        model, G, pair_prompts(p, num), num) for p in [want] + pairs}


def combination_table(fig: Dict[str, dict]) -> str:
    """The unseen pair's row of the issue's table, and the seen pairs'
    figures beside it."""
    (name, unseen), *seen = fig.items()
    acc = [r['acc_all'] for _, r in seen]
    lines = ['| what | measured | target | met |', '|---|---|---|---|',
             _row(f"unseen pair '{name}': shape and colour right (shape "
                  f"{unseen['acc_shape']:.1%}, colour "
                  f"{unseen['acc_colour']:.1%})", unseen['acc_all'],
                  '>= 50%', unseen['acc_all'] >= 0.5),
             f'\nthe {len(acc)} other colour-shape pairs: mean '
             f'{np.mean(acc):.1%}, lowest {min(acc):.1%}, highest '
             f'{max(acc):.1%}']
    return '\n'.join(lines)


def fidelity_metrics(net_path: str) -> list:
    feats = dict(type='ShapesFeatureNet', checkpoint=net_path)
    return [ShapesValidity(), ShapesFidelity(),
            FrechetDistance(extractor=feats, prefix='fd')]


@torch.no_grad()
def captioned_samples(model, G, num: int, batch: int = 250):
    """Batches of G's images for the captions of ``num`` held-out Shapes
    images (seed 7; captions as in training)."""
    ds = CaptionedShapesDataset(32, num_samples=num, seed=7)
    gen = torch.Generator().manual_seed(0)
    encode = encoder(model)
    for s in range(0, num, batch):
        caps = [ds[i]['caption'] for i in range(s, min(num, s + batch))]
        yield G(G.sample_z(len(caps), gen), encode(caps))


def fidelity(ckpt: str, net_path: str, dcgan: str, num: int,
             sample_model: str) -> Dict[str, dict]:
    """Validity, class distance, shape fit and Fréchet distance (Shapes
    net) of the text GAN's samples for held-out captions and, with
    ``dcgan``, of that unconditional checkpoint's samples, each against
    ``num`` held-out real images."""
    model, cfg, meta = load_model(ckpt)
    G = loaded_generator(model, cfg, meta, sample_model).G
    real = ShapesDataset(32, num_samples=num, seed=100000)
    out = dict(text_gan=evaluate_images(
        fidelity_metrics(net_path), real=real_images(real, num),
        fake=captioned_samples(model, G, num), num_samples=num))
    if dcgan:
        Gd = load_generator(dcgan, sample_model=sample_model).G
        out['dcgan'] = evaluate_generator(
            Gd, fidelity_metrics(net_path), real=real_images(real, num),
            num_samples=num)
    return out


def fidelity_table(fid: Dict[str, dict]) -> str:
    lines = ['| generator | validity | class distance | shape fit | FD '
             '(Shapes net) |', '|---|---|---|---|---|']
    for name, r in fid.items():
        lines.append(f"| {name} | {r['validity']:.3f} | "
                     f"{r['class_distance']:.3f} | {r['shape_fit']:.3f} | "
                     f"{r['fd']:.1f} |")
    if 'dcgan' in fid:
        ratio = fid['text_gan']['fd'] / fid['dcgan']['fd']
        lines.append(f'\nFD ratio text GAN / unconditional DCGAN: '
                     f'{ratio:.2f} (target <= 1.2: '
                     f'{"yes" if ratio <= 1.2 else "NO"})')
    return '\n'.join(lines)


def _row(what, value, target, ok) -> str:
    shown = f'{value:.1%}' if isinstance(value, float) else value
    return f'| {what} | {shown} | {target} | ' \
           f'{"yes" if ok else "NO"} |'


def gan_table(fig: Dict[str, dict]) -> str:
    full, kw, part = fig['full'], fig['keywords'], fig['partial']
    acc = {a: full[f'acc_{a}'] for a in ATTRIBUTES}
    cc = min(acc['shape'], acc['colour'])
    pos = min(acc['size'], acc['x'], acc['y'])
    drop = max(acc[a] - kw[f'acc_{a}'] for a in ATTRIBUTES)
    ent = part['entropy_unnamed']
    lines = [
        '| what | measured | target | met |', '|---|---|---|---|',
        _row('validity', full['validity'], '>= 95%',
             full['validity'] >= 0.95),
        _row(f"class and colour (shape {acc['shape']:.1%}, colour "
             f"{acc['colour']:.1%})", cc, '>= 90%', cc >= 0.9),
        _row(f"size, x, y (size {acc['size']:.1%}, x {acc['x']:.1%}, y "
             f"{acc['y']:.1%})", pos, '>= 85%', pos >= 0.85),
        _row('all five attributes of a full caption (chance 0.4%)',
             full['acc_all'], '>= 60%', full['acc_all'] >= 0.6),
        _row('normalised entropy of attributes the prompt leaves out ('
             + ', '.join(f"{a} {part[f'entropy_unnamed_{a}']:.2f}"
                         for a in ATTRIBUTES)
             + f"; real images {fig['partial_real']['entropy_unnamed']:.3f}"
             + (f"; G alone, prompts not completed: "
                f"{fig['partial_g']['entropy_unnamed']:.3f}"
                if 'partial_g' in fig else '') + ')',
             f'{ent:.3f}', '>= 0.8', not math.isnan(ent) and ent >= 0.8),
        _row('retrieval precision (full prompts, measurer retrieves)',
             full['retrieval_precision'], '-', True).replace('| yes |',
                                                             '| - |'),
        _row('paraphrase drop (keyword lists with synonyms vs held-out '
             'sentences), largest per attribute',
             f'{drop * 100:.1f} points', '<= 5 points', drop <= 0.05),
    ]
    return '\n'.join(lines)


@torch.no_grad()
def code_spread(model, per_caption: int = 256, captions: int = 40,
                seed: int = 0) -> Dict[str, float]:
    """For a text l-GAN (``TextLatentGAN``): how much the codes it draws
    for one full caption vary with ``z`` (std over ``per_caption`` codes,
    mean over the code's numbers and over ``captions`` captions: the
    sentences of the most frequent value combinations in its bank),
    beside that of the real banked codes whose images have those values.
    A mapping that ignores ``z`` has a spread near 0."""
    values, _ = model.bank_attributes(
        torch.arange(min(int(model.bank_count), len(model.code_bank))))
    combos, inverse, counts = torch.unique(values, dim=0,
                                           return_inverse=True,
                                           return_counts=True)
    top = counts.argsort(descending=True)[:captions]
    gen = torch.Generator().manual_seed(seed)
    real, fake = [], []
    for k in top.tolist():
        real.append(float(model.code_bank[:len(inverse)][inverse == k]
                          .std(0).mean()))
        text = sentence(dict(zip(ATTRIBUTES, (
            VALUES[a][v] for a, v in zip(ATTRIBUTES, combos[k].tolist())))))
        t = model.encode_text([text] * per_caption)
        z = model.G.sample_z(per_caption, gen).to(t)
        fake.append(float(model.G.mapping(z, t)[:, 0].std(0).mean()))
    return dict(fake=float(np.mean(fake)), real=float(np.mean(real)))


def run(ckpt: str, num: int, sample_model: str, feature_net: str = None,
        dcgan: str = None, unseen: str = None) -> Dict[str, dict]:
    torch.set_num_threads(1)
    fig = gan_figures(ckpt, num=num, sample_model=sample_model)
    print(f'\ntext-conditioned GAN {ckpt} ({sample_model}), {num} samples '
          'per prompt set, judged by the analytic measurer\n')
    print(gan_table(fig))
    model = load_model(ckpt)[0]
    if hasattr(model, 'bank_attributes'):    # a text l-GAN
        fig['code_spread'] = spread = code_spread(model.eval())
        print(f"\ncode spread for one full caption: {spread['fake']:.3f} "
              f"(real codes of the same values: {spread['real']:.3f}; "
              f"ratio {spread['fake'] / spread['real']:.2f})")
    full, kw = fig['full'], fig['keywords']
    print('\nper attribute, held-out sentences / keyword lists: ' + ', '.join(
        f"{a} {full[f'acc_{a}']:.1%} / {kw[f'acc_{a}']:.1%}"
        for a in ATTRIBUTES))
    if feature_net:
        fig['fidelity'] = fidelity(ckpt, feature_net, dcgan, num,
                                   sample_model)
        print(f'\nsamples for the captions of {num} held-out images '
              f'against {num} held-out real images\n')
        print(fidelity_table(fig['fidelity']))
    if unseen:
        fig['combinations'] = combination_figures(
            ckpt, unseen, num=max(1, num // 10), sample_model=sample_model)
        print(f'\ncolour-shape pairs, {max(1, num // 10)} samples each for '
              'sentences that name the pair alone\n')
        print(combination_table(fig['combinations']))
    return fig


__all__ = ['run', 'gan_figures', 'gan_table', 'VALUES']
