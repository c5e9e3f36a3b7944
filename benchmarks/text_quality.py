"""Quality of the text side (issue 17, part 6).

--ckpt: the text-image encoder on real Shapes images (first row):
zero-shot attribute accuracy, retrieval R@1 of the full caption among 100,
and the accuracy drop on paraphrased prompts. With --gen-ckpt, also
steering a generator toward --prompt (--method mapper or guide) against
reranking its samples (all judged by the analytic measurer).

--gan-ckpt: a text-conditioned GAN (configs/text/), judged by the analytic
measurer on prompts from held-out templates (benchmarks/text_gan_rows.py):
validity, per-attribute and all-five accuracy, entropy of the attributes
a prompt leaves out, retrieval precision, the paraphrase drop.

Usage:
    python benchmarks/text_quality.py --ckpt work_dirs/text_image.pth
    python benchmarks/text_quality.py --ckpt work_dirs/text_image.pth \
        --gen-ckpt work_dirs/dcgan/iter_10000.pth
    python benchmarks/text_quality.py \\
        --gan-ckpt work_dirs/textgan/iter_6000.pth

The images are those after the file's training images (same seed); the
truth is their known factors; prompts come from held-out templates.
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import torch  # noqa: E402

from mmlatent.apis.args import (JUDGES,  # noqa: E402
                                add_prompt_steering_args,
                                prompt_steering_options)
from mmlatent.apis.code_judge import (agreement_line,  # noqa: E402
                                      judge_kind, teach_code_judge)
from mmlatent.control import build_scorer  # noqa: E402
from mmlatent.control.prompt import (guide_to_prompt,  # noqa: E402
                                     rerank_for_prompt, verify_prompt)
from mmlatent.control.prompt_mapper import (map_to_prompt,  # noqa: E402
                                            train_prompt_mapper)
from mmlatent.datasets.captions import (ATTRIBUTES, SYNONYMS,  # noqa: E402
                                        TRAIN_TEMPLATES, VALUES)
from mmlatent.models.loading import load_model  # noqa: E402
from mmlatent.text.dual_encoder import (load_text_image,  # noqa: E402
                                        text_image_config_of)
from mmlatent.text.training import (image_embeddings,  # noqa: E402
                                    retrieval_r1, shapes_pool,
                                    zero_shot_accuracy)
from mmlatent.utils.cli import run_cli  # noqa: E402
from text_gan_rows import run as run_gan_rows  # noqa: E402

#: (label, attributes, target) of the first row of the issue's table
TARGETS = [('class and colour', ('shape', 'colour'), 0.97),
           ('size', ('size', ), 0.90), ('x and y', ('x', 'y'), 0.95)]


@torch.no_grad()
def paraphrase_accuracy(model, pool) -> dict:
    """Zero-shot accuracy with bare keyword prompts that use the
    synonyms (the mean embedding of every word of a value)."""
    emb = image_embeddings(model, pool.img)
    out = {}
    for i, a in enumerate(ATTRIBUTES):
        cand = torch.stack([model.encode_text(list(SYNONYMS[v])).mean(0)
                            for v in VALUES[a]])
        pred = (emb @ cand.T).argmax(1).cpu()
        out[a] = float((pred == pool.values[:, i]).float().mean())
    return out


def row(what: str, value: float, target: str, ok: bool) -> str:
    return f'| {what} | {value:.1%} | {target} | {"yes" if ok else "NO"} |'


def steer(args, G, model, cfg, text, z):
    """--method guide (guide_to_prompt on ``z``) or mapper (a mapper
    trained toward the prompt, with a code judge for --judge code, then
    the edits of ``z``)."""
    given = prompt_steering_options(args)
    if args.method == 'guide':
        return guide_to_prompt(G, text, args.prompt, z, **given)
    gen = torch.Generator().manual_seed(args.seed + 1)
    judge = None
    if judge_kind(model, args.judge) == 'code':
        t0 = time.perf_counter()
        judge = teach_code_judge(model, cfg, text, num=args.judge_images,
                                 seed=args.seed, generator=gen)
        print(f'code judge: {args.judge_images} real images, '
              f'{time.perf_counter() - t0:.0f} s; {agreement_line(judge)}')
    t0 = time.perf_counter()
    mapper, passes = train_prompt_mapper(
        G, model.realism_logits, text, args.prompt,
        realism_weight=args.realism, judge=judge, generator=gen, **given)
    print(f'mapper trained in {time.perf_counter() - t0:.0f} s')
    return map_to_prompt(G, mapper, text, args.prompt, z, passes=passes,
                         trained='image' if judge is None else 'code')


def generator_rows(args) -> None:
    """Steer --num-codes codes toward --prompt (--method guide or mapper);
    rerank with growing factors until it matches the verified accuracy;
    print the issue's rows and the generator passes of each."""
    model, cfg, _ = load_model(args.gen_ckpt)
    G = model.G
    text = build_scorer(f'text:{args.ckpt}')
    shapes = build_scorer('shapes')
    gen = torch.Generator().manual_seed(args.seed)
    z = G.sample_z(args.num_codes, gen)
    t0 = time.perf_counter()
    res = steer(args, G, model, cfg, text, z)
    took = time.perf_counter() - t0
    check = verify_prompt(G, res, args.prompt, shapes)
    acc = float(check['reached'].float().mean())
    fooled = float(check['fooled'].float().mean())
    ratio = float(check['unnamed'].mean() / check['named'].mean().clamp_min(
        1e-12)) if 'unnamed' in check else float('nan')
    print(f"\n{args.method}: {osp.basename(args.gen_ckpt)} toward "
          f"'{args.prompt}' ({args.num_codes} codes, seed {args.seed}, "
          f'{took:.0f} s, {res.passes} generator passes)\n')
    print('| what | measured | target | met |\n|---|---|---|---|')
    print(row('codes with every named attribute right', acc, '>= 70%',
              acc >= 0.7))
    print(row('codes that fool only the encoder', fooled, '<= 10%',
              fooled <= 0.1))
    print(row('change of unnamed attributes / change of named ones',
              ratio, '< 10%', ratio < 0.1))
    n = args.num_codes
    per_code = 1 if args.method == 'mapper' else res.passes / n
    ladder = []
    for factor in (1, 4, 16, 64, 128, 256):
        rr = rerank_for_prompt(G, text, args.prompt, n, factor=factor,
                               generator=gen)
        racc = float(verify_prompt(G, rr, args.prompt, shapes)['reached']
                     .float().mean())
        ladder.append((factor, racc))
        print(f'rerank x{factor}: {racc:.1%} right with {rr.passes} '
              f'generator passes')
        if racc >= acc:
            break
    need = rerank_factor_for(ladder, acc)
    more = 'more than ' if ladder[-1][1] < acc else 'about '
    print(f'reranking needs {more}{need:.0f} passes a code for {acc:.1%} '
          f'right; the {args.method} takes {per_code:.0f}: '
          f'{need / per_code:.0f}x fewer per code')
    if args.method == 'mapper' and res.mapper == 'code':
        print(f'(the mapper: one pass per edit, two with the start image '
              f'the app shows: {need / 2:.0f}x; it trained on codes against '
              f'a code judge taught on {args.judge_images} encoded real '
              'images: no generator pass)')
    elif args.method == 'mapper':
        train = res.passes - 2 * n
        print(f'(the mapper: one pass per edit, two with the start image '
              f'the app shows: {need / 2:.0f}x; its training, {train} '
              f'passes, is repaid after {train / max(need - 1, 1):.0f} '
              'codes)')


def rerank_factor_for(ladder, acc: float) -> float:
    """The rerank factor that reaches accuracy ``acc``, from the measured
    ``ladder`` [(factor, accuracy)] that ends at or above it: from the
    rung below, the miss rate falls geometrically with the factor
    (independent draws); the last factor when no rung is below or
    ``acc`` is 1."""
    (f0, a0), (f1, _) = ([(0, 0.0)] + ladder)[-2:]
    if a0 <= 0.0 or acc >= 1.0:
        return float(f1)
    return min(f1, max(f0, f0 * math.log(1 - acc) / math.log(1 - a0)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ckpt', help='text-image file')
    p.add_argument('--gan-ckpt', help='a text-conditioned GAN checkpoint')
    p.add_argument('--gan-num', type=int, default=2000,
                   help='samples per prompt set of --gan-ckpt')
    p.add_argument('--sample-model', default='orig', choices=('ema', 'orig'),
                   help='generator of --gan-ckpt (default: orig)')
    p.add_argument('--feature-net', help='Shapes feature network '
                   '(benchmarks/data_fidelity.py trains one): adds the '
                   "text GAN's fidelity and Frechet distance")
    p.add_argument('--dcgan-ckpt', help='an unconditional DCGAN checkpoint '
                   'for the Frechet distance ratio (with --feature-net)')
    p.add_argument('--unseen', metavar='PROMPT',
                   help="with --gan-ckpt: the colour-shape pair left out of "
                   "its training data (e.g. 'red triangle', trained with "
                   "train_dataloader.dataset.exclude=\"['red triangle']\"):"
                   ' its accuracy beside every other pair')
    p.add_argument('--json', default='benchmarks/results/text_quality.json',
                   help='--gan-ckpt figures are added to this file')
    p.add_argument('--num', type=int, default=2000,
                   help='held-out images (default: 2000)')
    p.add_argument('--gen-ckpt', help='a generator checkpoint to guide')
    p.add_argument('--prompt', default='a red triangle on the left')
    p.add_argument('--method', choices=('guide', 'mapper'),
                   default='mapper', help='how --gen-ckpt is steered '
                   '(apps/text_to_image.py; default: mapper)')
    p.add_argument('--num-codes', type=int, default=64)
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the codes (the mapper trains on seed + 1)')
    p.add_argument('--judge', choices=JUDGES,
                   default='auto', help='mapper: train against a code judge '
                   '(needs an l-GAN) or on images; auto (default): code '
                   'where the checkpoint has an encoder, as the app does')
    p.add_argument('--judge-images', type=int, default=16384,
                   help='real images a code judge is taught on')
    add_prompt_steering_args(p)
    args = p.parse_args()
    torch.set_num_threads(1)
    if args.gan_ckpt:
        gan_rows(args)
    if args.ckpt:
        encoder_rows(args)


def gan_rows(args) -> None:
    """The text GAN's rows; figures stored in --json under the
    checkpoint's path."""
    fig = run_gan_rows(args.gan_ckpt, args.gan_num, args.sample_model,
                       args.feature_net, args.dcgan_ckpt, args.unseen)
    results = {}
    if osp.exists(args.json):
        with open(args.json) as f:
            results = json.load(f)
    results[f'{args.gan_ckpt}:{args.sample_model}'] = fig
    os.makedirs(osp.dirname(args.json) or '.', exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print(f'wrote {args.json}')


def encoder_rows(args) -> None:
    cfg = text_image_config_of(args.ckpt)
    data = cfg.get('train_data', {})
    model, _ = load_text_image(args.ckpt)
    start = time.time()
    pool = shapes_pool(args.num, resolution=model.resolution,
                       seed=data.get('seed', 0),
                       offset=data.get('num_train', 20000))
    zs = zero_shot_accuracy(model, pool)
    seen = zero_shot_accuracy(model, pool, TRAIN_TEMPLATES)
    para = paraphrase_accuracy(model, pool)
    r1 = retrieval_r1(model, pool)
    print(f'text encoder: {cfg.model.text_encoder.type}; {args.num} '
          f'held-out images after {data.get("num_train", "?")} training '
          f'ones; {time.time() - start:.0f} s\n')
    print('| what | measured | target | met |\n|---|---|---|---|')
    for label, attrs, target in TARGETS:
        acc = min(zs[a] for a in attrs)
        detail = ', '.join(f'{a} {zs[a]:.1%}' for a in attrs)
        print(row(f'zero-shot {label} ({detail})', acc, f'>= {target:.0%}',
                  acc >= target))
    print(row('retrieval R@1, full caption among 100', r1, '>= 80%',
              r1 >= 0.8))
    drop = max(zs[a] - para[a] for a in ATTRIBUTES)
    print(row('largest drop, synonym keyword prompts vs held-out '
              'sentences', drop, '<= 5 points', drop <= 0.05))
    print('\nper attribute: held-out templates / training templates / '
          'synonym keywords')
    for a in ATTRIBUTES:
        print(f'  {a:7s} {zs[a]:.1%} / {seen[a]:.1%} / {para[a]:.1%}')
    if args.gen_ckpt:
        generator_rows(args)


if __name__ == '__main__':
    run_cli(main)
