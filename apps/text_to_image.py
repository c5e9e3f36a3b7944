"""Images for a text prompt from a trained generator.

    python apps/text_to_image.py CKPT --prompt 'a red triangle on the left' \\
        --scorer text:work_dirs/text_image.pth [--method mapper|guide|rerank]
    python apps/text_to_image.py TEXT_GAN_CKPT --method conditional \\
        --prompt 'a large blue square'
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlatent.apis.args import (COMMON_EPILOG, JUDGES,  # noqa: E402
                                add_common_args, add_prompt_steering_args,
                                prompt_steering_options)
from mmlatent.utils.cli import run_cli  # noqa: E402
from mmlatent.utils.errors import ConfigError  # noqa: E402


METHODS = ('conditional', 'guide', 'mapper', 'rerank')
EPILOG = """methods:
  guide        (any generator) Adam steps on z lowering -log s + --pull *
               0.5 |z - z0|^2, s the guiding scorer's probability of the
               prompt; --steps steps (100), --lr (0.05), --pull (0.05);
               --keep K (0) adds K times minus the log-probability (by the
               scorer's heads) of the start values of the attributes the
               prompt leaves out
  mapper       (any GAN checkpoint; the scorer needs attribute heads:
               text:PATH) trains a small network M(w) = w + delta(w) for
               the prompt on fresh prior codes (--steps batches of 64;
               --lr 2e-3): the heads' -log p of the values the prompt
               names, --keep (2) times that of the start values of the
               others, --realism times softplus(-D(M(w))) with the
               checkpoint's discriminator (an l-GAN's code D), --pull
               (0.01) |M(w) - w|^2; then edits --num codes, one generator
               pass each (StyleCLIP's latent mapper). The heads read:
               --judge code (the default where the checkpoint has an
               encoder: an l-GAN) M(w) itself, through a code judge
               taught on --judge-images real images of the checkpoint's
               training data, encoded; 0.5 times the squared distance to
               the nearest of their codes joins the loss, and no
               generator pass trains the mapper (--steps 1500, --realism
               5 by default; --code-judge FILE reuses a judge); --judge
               image the images G(M(w)) (two passes a code and batch;
               --steps 600, --realism 20)
  rerank       (any generator) --factor * --num prior samples, the --num
               with the highest prompt score kept
  conditional  (a text-conditioned GAN, configs/text/) --num samples
               G(z, t) with t the prompt's text embedding; no --scorer.
               A model trained with complete_prompts (the config) first
               gives each sample's prompt the attributes it leaves out,
               from a random training item that shows what it names
               (drawn from --seed), so they vary as in the data

verification: --verify (default shapes, the analytic measurer) judges the
final images: reached = the verifier finds every attribute the prompt
names; fooled = the guiding scorer's score >= 0.5 but the verifier
disagrees (guide, mapper and rerank); unnamed = share of the attributes
the prompt leaves out that changed (guide and mapper). Generator passes
are counted for every method (mapper: its training too).

outputs (in --out-dir), <name> = text_<prompt>_<method>:
  <name>.png         guide: one row per code, columns every --save-every
                     steps and the last; mapper: one row per code, the
                     start and the mapped image; rerank: the kept samples;
                     conditional: the samples, 8 a row
  <name>.pt          mapper: the trained mapper (text_<prompt>_mapper.pt);
                     --mapper FILE edits more codes with it, one generator
                     pass each, no training
  text_code_judge.pt mapper, --judge code: the code judge taught for this
                     checkpoint and scorer (any prompt); --code-judge FILE
                     trains the next prompt's mapper without teaching one
  <name>_latents.pt  latent file of the final z codes with the scores
                     (guide, verify); mapper: the mapped w codes (space w);
                     conditional: w = [z | t] codes (space w) with the
                     verifier's score; apps/interpolate_sample.py
                     --proj-latent A.pt B.pt morphs between two prompts

""" + COMMON_EPILOG


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='apps/text_to_image.py', epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Generate images for a prompt: guide the latent codes '
        'of any generator toward it, edit them with a prompt mapper, or '
        'sample and rerank.')
    add_common_args(p)
    p.add_argument('--prompt', '-p', required=True,
                   help="what to draw, e.g. 'a red triangle on the left'")
    p.add_argument('--method', choices=METHODS, default='guide',
                   help='guide (default), mapper, rerank or conditional')
    p.add_argument('--scorer', metavar='SPEC',
                   help='guide / mapper / rerank: the guiding / ranking '
                   'scorer, e.g. text:PATH (tools/train_text_image.py)')
    p.add_argument('--verify', default='shapes', metavar='SPEC',
                   help="second scorer that judges the result (default: "
                   "shapes; 'none' to skip)")
    p.add_argument('--num', '-n', type=int, default=8,
                   help='number of images (default: 8)')
    add_prompt_steering_args(p)
    p.add_argument('--mapper', metavar='FILE',
                   help='mapper: edit with this saved mapper (the '
                   'text_<prompt>_mapper.pt of an earlier run, same prompt) '
                   'instead of training one')
    p.add_argument('--judge', choices=JUDGES, default='auto',
                   help='mapper: read the prompt on codes (code: a code '
                   'judge, needs an encoder) or on images (image); auto '
                   '(default): code where the checkpoint has an encoder')
    p.add_argument('--code-judge', metavar='FILE',
                   help='mapper, --judge code: the text_code_judge.pt of an '
                   'earlier run on this checkpoint and scorer, instead of '
                   'teaching a new one')
    p.add_argument('--judge-images', type=int, default=16384, metavar='N',
                   help='mapper, --judge code: real images of the '
                   "checkpoint's training data the code judge is taught on "
                   '(default: 16384)')
    p.add_argument('--factor', type=int, default=64,
                   help='rerank: samples drawn per kept one (default: 64)')
    p.add_argument('--save-every', type=int, default=20,
                   help='guide: steps between grid columns (default: 20)')
    return p.parse_args(argv)


if __name__ == '__main__':  # answer --help and usage errors before torch loads
    parse_args(sys.argv[1:])

import torch  # noqa: E402

from mmlatent.apis.app import (check_device, condition,  # noqa: E402
                               load_app_generator, out_dir, progress, rng,
                               say_which)
from mmlatent.apis.code_judge import (agreement_line,  # noqa: E402
                                      judge_kind, teach_code_judge)
from mmlatent.control import build_scorer  # noqa: E402
from mmlatent.control.code_judge import (load_code_judge,  # noqa: E402
                                         save_code_judge)
from mmlatent.control.prompt import (grid_ends,  # noqa: E402
                                     images_for_prompt, prompt_grid,
                                     prompt_report, verify_prompt)
from mmlatent.control.prompt_mapper import (  # noqa: E402
    images_by_mapper, load_prompt_mapper, prompt_heads, save_prompt_mapper)
from mmlatent.latent import save_latents  # noqa: E402
from mmlatent.latent.spaces import frozen  # noqa: E402
from mmlatent.models.ema import loaded_generator  # noqa: E402
from mmlatent.models.loading import load_model  # noqa: E402
from mmlatent.utils.image import save_rows  # noqa: E402
from mmlatent.utils.outputs import safe_name  # noqa: E402


#: the file a taught code judge is saved to (in --out-dir)
JUDGE_FILE = 'text_code_judge.pt'


def outputs(name: str, mapper: bool = False, judge: bool = False) -> tuple:
    """The files a run named ``name`` (prompt and method) writes in
    --out-dir (``mapper``: a trained mapper too; ``judge``: a taught code
    judge); an earlier run's are refused, or deleted by --overwrite."""
    files = [f'{name}.png', f'{name}_latents.pt']
    if mapper:
        files.append(f'{name}.pt')
    if judge:
        files.append(JUDGE_FILE)
    return tuple(files)


def check_prompt(prompt: str) -> None:
    if not prompt.strip():
        raise ConfigError("--prompt is empty; give one, e.g. --prompt "
                          "'a red triangle on the left'")


def conditional(args, verifier) -> None:
    """--method conditional: samples of a text-conditioned GAN (the whole
    model: its text encoder makes the condition)."""
    model, cfg, meta = load_model(args.checkpoint, config=args.config,
                                  device=check_device(args.device))
    loaded = loaded_generator(model, cfg, meta, args.sample_model)
    say_which(args, loaded)
    G = loaded.G
    if not hasattr(model, 'prompt_condition'):
        raise ConfigError(
            f"--method conditional needs a text-conditioned GAN checkpoint "
            f"(configs/text/); '{args.checkpoint}' holds a "
            f'{type(model).__name__}: use --method guide or rerank')
    # a model that completes prompts draws the unnamed attributes of each
    # sample on the CPU, from a stream seeded with --seed
    c = model.prompt_condition(
        args.prompt, args.num,
        generator=torch.Generator().manual_seed(args.seed))
    name = f'text_{safe_name(args.prompt)}_conditional'
    folder = out_dir(args.out_dir, outputs=outputs(name),
                     overwrite=args.overwrite)
    with torch.no_grad(), frozen(G):
        z = G.sample_z(args.num, rng(args))
        ws = G.mapping(z, c.to(z))
        img = G.synthesis(ws)
    scores, line = {}, ''
    if verifier is not None:
        verifier.check_attribute(args.prompt)
        s = verifier(img)[args.prompt].float().cpu()
        scores['verify'] = s
        line = (f'; verifier {args.verify}: '
                f'{int((s.nan_to_num(0.0) >= 0.5).sum())}/{args.num} have '
                'every named attribute')
    cols = min(8, args.num)
    rows = -(-args.num // cols)
    pad = img.new_full((rows * cols - args.num, *img.shape[1:]), -1.0)
    save_rows(osp.join(folder, f'{name}.png'),
              torch.cat([img, pad]).view(rows, cols, *img.shape[1:]))
    save_latents(osp.join(folder, f'{name}_latents.pt'), ws[:, 0],
                 space='w', scores=scores,
                 meta=dict(prompt=args.prompt, method='conditional'))
    print(f"prompt '{args.prompt}', conditional: {args.num} generator "
          f'passes{line}')
    print(f'wrote {folder}/{name}.png, {name}_latents.pt')


def load_for_mapper(args):
    """--method mapper: the whole model (its discriminator judges
    realism), its config, G, the --mapper file's mapper (None: train one),
    the judge's kind (code or image; --judge) and the --code-judge file's
    judge (None: teach one for a code judge)."""
    model, cfg, meta = load_model(args.checkpoint, config=args.config,
                                  device=check_device(args.device))
    loaded = loaded_generator(model, cfg, meta, args.sample_model)
    say_which(args, loaded)
    saved = None if args.mapper is None else load_prompt_mapper(
        args.mapper, loaded.G, args.prompt)
    kind = args.judge if saved is not None else judge_kind(model,
                                                           args.judge)
    if args.code_judge and (kind != 'code' or saved is not None):
        raise ConfigError('--code-judge FILE is for training a mapper with '
                          '--judge code' + (', and --mapper FILE trains '
                                            'none' if saved is not None
                                            else ''))
    judge = None if not args.code_judge else load_code_judge(
        args.code_judge, loaded.G, args.scorer)
    return model, cfg, loaded.G, saved, kind, judge


def edit_by_mapper(args, loaded, scorer, folder: str, name: str):
    """Train a mapper (saved as <name>.pt; with a code judge taught here,
    saved as JUDGE_FILE, or --code-judge's) or use --mapper's, then edit
    --num codes; returns the result."""
    model, cfg, G, saved, kind, judge = loaded
    gen = rng(args)
    if teaches_judge(loaded):
        judge = teach_code_judge(
            model, cfg, scorer, num=args.judge_images, seed=args.seed,
            generator=gen, progress=lambda it, total: progress(
                it, total=total, desc='real images'))
        print(f'code judge: {agreement_line(judge)}')
        save_code_judge(osp.join(folder, JUDGE_FILE), judge, G, args.scorer,
                        meta=dict(checkpoint=osp.basename(args.checkpoint),
                                  images=args.judge_images, seed=args.seed))
    mapper, res = images_by_mapper(
        G, model.realism_logits, scorer, args.prompt, args.num,
        c=condition(G, args.num, args, gen), mapper=saved, generator=gen,
        realism_weight=args.realism, judge=judge,
        **prompt_steering_options(args),
        progress=lambda it: progress(it, desc='mapper'))
    if saved is None:
        save_prompt_mapper(
            osp.join(folder, f'{name}.pt'), mapper, args.prompt,
            meta=dict(checkpoint=osp.basename(args.checkpoint),
                      scorer=args.scorer, realism=args.realism,
                      judge=kind, **prompt_steering_options(args)))
    return res


def teaches_judge(loaded) -> bool:
    """Whether this mapper run teaches a code judge (and writes
    JUDGE_FILE): it trains a mapper with --judge code and no
    --code-judge."""
    saved, kind, judge = loaded[3:]
    return saved is None and kind == 'code' and judge is None


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if min(args.num, args.save_every, args.judge_images) < 1:
        raise ConfigError(f'--num {args.num}, --save-every '
                          f'{args.save_every} and --judge-images '
                          f'{args.judge_images} must be positive')
    check_prompt(args.prompt)
    if args.method == 'conditional':
        verifier = None if args.verify == 'none' else build_scorer(
            args.verify, args.device)
        return conditional(args, verifier)
    if args.scorer is None:
        raise ConfigError(f'--method {args.method} needs --scorer, e.g. '
                          '--scorer text:work_dirs/text/text_image_bow.pth')
    scorer = build_scorer(args.scorer, args.device)
    verifier = None if args.verify == 'none' else build_scorer(
        args.verify, args.device)
    scorer.check_attribute(args.prompt)
    if verifier is not None:
        verifier.check_attribute(args.prompt)
    if args.mapper and args.method != 'mapper':
        raise ConfigError('--mapper FILE needs --method mapper')
    loaded = saved = None
    if args.method == 'mapper':
        prompt_heads(scorer, args.prompt)   # refuse a scorer without heads
        loaded = load_for_mapper(args)
        G, saved = loaded[2:4]
    name = f'text_{safe_name(args.prompt)}_{args.method}'
    teaches = args.method == 'mapper' and teaches_judge(loaded)
    folder = out_dir(args.out_dir, outputs=outputs(
        name, mapper=args.method == 'mapper' and saved is None,
        judge=teaches), overwrite=args.overwrite)
    if args.method == 'mapper':
        res = edit_by_mapper(args, loaded, scorer, folder, name)
    else:
        G, gen = load_app_generator(args).G, rng(args)
        res = images_for_prompt(
            G, scorer, args.prompt, args.num, method=args.method,
            c=condition(G, args.num, args, gen), generator=gen,
            factor=args.factor, **prompt_steering_options(args),
            progress=lambda it: progress(it, desc='guide'))
    grid = prompt_grid(G, res, method=args.method,
                       save_every=1 if args.method == 'mapper'
                       else args.save_every)
    check = None if verifier is None else verify_prompt(
        G, res, args.prompt, verifier,
        images=grid_ends(grid, args.method))
    save_rows(osp.join(folder, f'{name}.png'), grid)
    scores = {'guide': res.scores[-1]}
    if check is not None:
        scores['verify'] = check['verify']
    save_latents(osp.join(folder, f'{name}_latents.pt'), res.z,
                 space=res.space, c=res.c, scores=scores,
                 meta=dict(prompt=args.prompt, method=args.method,
                           scorer=args.scorer, passes=res.passes))
    for line in prompt_report(args.prompt, args.method, res, check,
                              args.verify):
        print(line)
    extra = f', {name}.pt' if args.method == 'mapper' and saved is None \
        else ''
    extra += f', {JUDGE_FILE} (--code-judge for the next prompt)' \
        if teaches else ''
    print(f'wrote {folder}/{name}.png, {name}_latents.pt{extra}')


if __name__ == '__main__':
    run_cli(main)
