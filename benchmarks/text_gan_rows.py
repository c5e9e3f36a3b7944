"""The text-conditioned GAN rows of issue 17's part 6 table (imported by
benchmarks/text_quality.py --gan-ckpt): accuracy of the analytic measurer
against held-out prompts, diversity of the attributes a prompt leaves
out, retrieval precision, the paraphrase drop."""
import math
from typing import Dict, List

import numpy as np
import torch

from mmlatent.datasets.captions import (ATTRIBUTES, VALUES, keywords,
                                        parse_prompt)
from mmlatent.evaluation import (TextAlignment, evaluate_generator,
                                 held_out_prompts)
from mmlatent.models.loading import load_model, pick_generator


def keyword_versions(prompts: List[str], seed: int = 0) -> List[str]:
    """The same attributes as shuffled keyword lists with synonyms."""
    rng = np.random.default_rng([seed, 5])
    return [keywords(parse_prompt(p), rng) for p in prompts]


def alignment(model, G, prompts: List[str], num: int) -> Dict[str, float]:
    metric = TextAlignment(prompts=prompts, encode=model.encode_text)
    out = evaluate_generator(G, [metric], num_samples=num, batch_size=250,
                             seed=0)
    return {k.split('/', 1)[1]: v for k, v in out.items()}


def gan_figures(ckpt: str, *, num: int = 2000, sample_model: str = 'orig'
                ) -> Dict[str, dict]:
    """{'full', 'keywords', 'partial'}: TextAlignment outputs of ``num``
    samples for 200 full held-out prompts, the same as keyword lists, and
    40 prompts that leave attributes out."""
    model, cfg, meta = load_model(ckpt)
    G = pick_generator(model, cfg, meta, sample_model).G
    full = held_out_prompts(200, seed=1)
    partial = held_out_prompts(40, drop_prob=0.5, seed=2)
    return dict(full=alignment(model, G, full, num),
                keywords=alignment(model, G, keyword_versions(full), num),
                partial=alignment(model, G, partial, num),
                prompts=dict(full=full[:5], partial=partial[:5]))


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
        _row('normalised entropy of attributes the prompt leaves out',
             f'{ent:.3f}', '>= 0.8', not math.isnan(ent) and ent >= 0.8),
        _row('retrieval precision (full prompts, measurer retrieves)',
             full['retrieval_precision'], '-', True).replace('| yes |',
                                                             '| - |'),
        _row('paraphrase drop (keyword lists with synonyms vs held-out '
             'sentences), largest per attribute',
             f'{drop * 100:.1f} points', '<= 5 points', drop <= 0.05),
    ]
    return '\n'.join(lines)


def run(ckpt: str, num: int, sample_model: str) -> Dict[str, dict]:
    torch.set_num_threads(1)
    fig = gan_figures(ckpt, num=num, sample_model=sample_model)
    print(f'\ntext-conditioned GAN {ckpt} ({sample_model}), {num} samples '
          'per prompt set, judged by the analytic measurer\n')
    print(gan_table(fig))
    print('\nper attribute, held-out sentences / keyword lists: ' + ', '.join(
        f"{a} {fig['full'][f'acc_{a}']:.1%} / {fig['keywords'][f'acc_{a}']:.1%}"
        for a in ATTRIBUTES))
    return fig


__all__ = ['run', 'gan_figures', 'gan_table', 'VALUES']
