"""Do the Shapes recipes learn the data? Fidelity of trained generators.

    python benchmarks/data_fidelity.py [CONFIG ...] [--ckpt PATH ...]
        [--iters N] [--num-samples 2000] [--sample-model ema|orig]
        [--feature-net PATH] [--work-dir work_dirs/data_fidelity]
        [--threads N] [--out benchmarks/results/data_fidelity.json]
        [--reconstructions]

Trains each config (default: the main job,
``configs/lgan/lgan_continuity_shapes-32x32.py``) or takes the given
checkpoints (their own config), then evaluates the generator (EMA when it
holds averaged weights) on ``--num-samples`` samples against as many
held-out real images:

* validity (one plausible shape);
* ShapesFidelity: class histogram distance (with its sampling error:
  ``0.052 ± 0.014`` is one standard deviation from sampling alone, so at
  2000 samples a figure near the 0.05 target can land on either side;
  ``--num-samples 10000`` halves the error), median shape fit (and its
  ratio to the real median), the largest factor-marginal KS;
* precision, recall and Fréchet distance in the Shapes feature network's
  space (the network is trained first unless ``--feature-net`` names one).

A text-conditioned GAN is sampled with text embeddings of captions, not
with its uniform code prior: those of its own bank of training captions
(``c_bank``), or, for a checkpoint made before generators kept one, those
of the captions of held-out real items (the data's caption distribution,
attributes dropped as in training).

The first row is the reference: a second held-out real set in place of the
samples (what a perfect generator reaches with this many samples). With
``--reconstructions`` (l-GAN checkpoints: an encoder and a decoder) a
third row measures the held-out real images passed through the encoder
and the decoder: what the autoencoder can draw, the bound on what its
code GAN's samples reach (a sample figure that misses with its
reconstructions is the autoencoder's miss; one that misses alone is the
code GAN's). The
``targets`` column checks the main job's targets: class distance <= 0.05,
shape fit >= 0.9 x real, precision and recall >= 0.8 x real, every factor
KS <= 0.1. Wall times are those of this machine at the time (a shared
machine inflates them; ``it/s`` is printed beside).

``--out`` keeps what it holds: each new run replaces the run of the same
name (with its sample count, threads and sample model), the other runs and
the file's notes stay.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Iterable, Iterator

import torch
from mmengine.config import DictAction
from torch import Tensor

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmlatent.evaluation import (FrechetDistance,  # noqa: E402
                                 PrecisionRecall, ShapesFidelity,
                                 ShapesValidity, evaluate_generator,
                                 evaluate_images, real_images)
from mmlatent.evaluation.shapes_net import (load_shapes_net,  # noqa: E402
                                            save_shapes_net,
                                            train_shapes_net)
from mmlatent.models.ema import loaded_generator  # noqa: E402
from mmlatent.models.generators.code_bank import CodeBank  # noqa: E402
from mmlatent.models.loading import load_generator, load_model  # noqa: E402
from mmlatent.registry import DATASETS  # noqa: E402
from mmlatent.training import (build_runner, load_config,  # noqa: E402
                               prepare_config)
from mmlatent.utils.checkpoint import atomic_write_bytes  # noqa: E402
from mmlatent.utils.choices import SAMPLE_MODELS  # noqa: E402
from mmlatent.utils.cli import run_cli  # noqa: E402

MAIN_JOB = 'configs/lgan/lgan_continuity_shapes-32x32.py'
COLUMNS = ('validity', 'class_distance', 'shape_fit', 'fit_ratio', 'ks_max',
           'precision', 'recall', 'fd')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('configs', nargs='*', help=f'configs to train (default '
                   f'{MAIN_JOB} unless --ckpt is given)')
    p.add_argument('--ckpt', nargs='+', default=[],
                   help='evaluate these checkpoints instead of training')
    p.add_argument('--iters', type=int, help='override max_iters')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   default={}, help='key=value overrides of every config')
    p.add_argument('--name', help='name of the run (one config only; '
                   'default: the config name)')
    p.add_argument('--seed', type=int, default=0, help='training seed')
    p.add_argument('--num-samples', type=int, default=2000)
    p.add_argument('--sample-model', default='ema', choices=SAMPLE_MODELS)
    p.add_argument('--feature-net', help='Shapes feature network '
                   'checkpoint (default: train one into the work dir)')
    p.add_argument('--work-dir', default='work_dirs/data_fidelity')
    p.add_argument('--threads', type=int, default=1, help='torch threads')
    p.add_argument('--out', default=osp.join(ROOT, 'benchmarks', 'results',
                                             'data_fidelity.json'))
    p.add_argument('--reconstructions', action='store_true',
                   help='also measure held-out real images through the '
                   "checkpoint's encoder and decoder (l-GAN checkpoints)")
    args = p.parse_args(argv)
    if not args.configs and not args.ckpt:
        args.configs = [MAIN_JOB]
    return args


def log(msg: str) -> None:
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr,
          flush=True)


def feature_net(args) -> str:
    path = args.feature_net or osp.join(args.work_dir, 'shapes_net.pth')
    if not osp.isfile(path):
        log(f'training the Shapes feature network -> {path}')
        os.makedirs(osp.dirname(path) or '.', exist_ok=True)
        save_shapes_net(train_shapes_net(log=log), path)
    log(f'Shapes feature network {path}: {load_shapes_net(path).scores}')
    return path


def train(args, config: str) -> dict:
    """Train one config; returns {ckpt, iters, wall_s, it_per_s}."""
    name = args.name or osp.splitext(osp.basename(config))[0]
    work_dir = osp.join(args.work_dir, name)
    cfg = load_config(config, args.cfg_options)
    iters = args.iters or cfg.train_cfg.max_iters
    opts = {**args.cfg_options, 'train_cfg.max_iters': iters,
            'default_hooks.checkpoint.interval': iters,
            'default_hooks.logger.interval': max(1, iters // 10)}
    cfg = prepare_config(load_config(config, opts), config_path=config,
                         work_dir=work_dir, seed=args.seed)
    cfg.experiment_name = f'data_fidelity_{name}_{os.getpid()}'
    log(f'training {config} for {iters} iterations -> {work_dir}')
    start = time.time()
    build_runner(cfg).train()
    wall = time.time() - start
    log(f'trained {name} in {wall:.0f}s ({iters / wall:.2f} it/s)')
    return dict(ckpt=osp.join(work_dir, f'iter_{iters}.pth'), iters=iters,
                wall_s=wall, it_per_s=iters / wall)


def metrics(net_path: str) -> list:
    feats = dict(type='ShapesFeatureNet', checkpoint=net_path)
    return [ShapesValidity(), ShapesFidelity(),
            PrecisionRecall(extractor=feats, prefix='pr'),
            FrechetDistance(extractor=feats, prefix='fd')]


def held_out(cfg, args, offset: int):
    """Real batches of the config's dataset with another seed."""
    ds_cfg = dict(cfg.train_dataloader.dataset)
    ds_cfg['seed'] = int(ds_cfg.get('seed', 0)) + offset
    ds = DATASETS.build(ds_cfg)
    return ds, real_images(ds, args.num_samples, seed=offset)


def row(results: dict, real: dict = None) -> dict:
    out = dict(validity=results.get('validity', float('nan')),
               class_distance=results['class_distance'],
               shape_fit=results['shape_fit'],
               shape_fit_p10=results['shape_fit_p10'],
               ks_max=results['ks_max'],
               ks={k[3:]: v for k, v in results.items()
                   if k.startswith('ks_') and k != 'ks_max'},
               precision=results['pr_precision'],
               recall=results['pr_recall'], fd=results['fd'],
               class_distance_se=results['class_distance_se'])
    out['fit_ratio'] = out['shape_fit'] / (real or out)['shape_fit']
    if real is not None:
        out['targets'] = targets(out, real)
    return out


#: slack of the target comparisons for float rounding: a class distance
#: of exactly 0.05 (100 of 2000 samples) computes as 0.05000000000000002
ROUNDING = 1e-9


def targets(r: dict, real: dict) -> dict:
    """The main job's targets (issue 14), each True / False."""
    def at_most(v, bound):
        return v <= bound + ROUNDING

    def at_least(v, bound):
        return v >= bound - ROUNDING
    return dict(class_distance=at_most(r['class_distance'], 0.05),
                shape_fit=at_least(r['fit_ratio'], 0.9),
                precision=at_least(r['precision'], 0.8 * real['precision']),
                recall=at_least(r['recall'], 0.8 * real['recall']),
                ks=at_most(r['ks_max'], 0.1))


def caption_bank(model, G, cfg, args) -> None:
    """Give the G of a text GAN made before generators kept a condition
    bank one that holds the text embeddings of captions of held-out real
    items, so that ``G.sample_c`` follows the data's caption distribution
    (its layout prior is uniform noise, not a text embedding)."""
    ds, _ = held_out(cfg, args, 300000)
    captions = [ds[i]['caption'] for i in range(args.num_samples)]
    c = torch.cat([model.encode_text(captions[i:i + 256])
                   for i in range(0, len(captions), 256)])
    G.c_bank = CodeBank(len(c), c.shape[1]).to(c.device)
    G.c_bank.record(c)


#: models whose generator is conditioned on caption embeddings
TEXT_GANS = ('TextConditionalGAN', 'TextLatentGAN')


def load(entry: dict, args):
    """The generator to evaluate; a text GAN's conditioned on captions:
    its own bank of training-caption embeddings (``c_bank``), or, for a
    checkpoint made before text GANs kept one, held-out captions."""
    loaded = load_generator(entry['ckpt'], sample_model=args.sample_model)
    bank = getattr(loaded.G, 'c_bank', None)
    if loaded.cfg.model.get('type') not in TEXT_GANS or (
            bank is not None and bank.filled):
        return loaded
    model, cfg, meta = load_model(entry['ckpt'])
    loaded = loaded_generator(model, cfg, meta, args.sample_model)
    caption_bank(model, loaded.G, cfg, args)
    return loaded


def autoencoder(ckpt: str):
    """The l-GAN model of ``ckpt`` (encoder and decoder), in eval mode;
    one line naming the checkpoint if it has no encoder."""
    model = load_model(ckpt)[0]
    if not hasattr(model, 'real_codes'):
        raise SystemExit(
            f'error: {ckpt} is a {type(model).__name__}, which has no '
            'encoder; --reconstructions needs an l-GAN checkpoint '
            '(configs/lgan, configs/stylegan2/stylegan2_lgan_*)')
    return model.eval()


def reconstructions(model, real: Iterable) -> Iterator[Tensor]:
    """Each batch of ``real`` images through the l-GAN ``model``'s encoder
    and its generator's decoder (the synthesis network)."""
    with torch.no_grad():
        for img in real:
            yield model.G.synthesis(model.real_codes(img))


def evaluate(entry: dict, args, net_path: str) -> dict:
    loaded = load(entry, args)
    log(f"{entry['ckpt']}: {loaded.message}")
    cfg = loaded.cfg
    ds, real = held_out(cfg, args, 100000)
    _, other = held_out(cfg, args, 200000)
    ms = metrics(net_path)
    ref = evaluate_images(ms, real=real, fake=other,
                          num_samples=args.num_samples,
                          dataset_meta=ds.metainfo)
    fidelity = next(m for m in ms if isinstance(m, ShapesFidelity))
    ref.update(fidelity.reference())
    _, real = held_out(cfg, args, 100000)
    start = time.time()
    res = evaluate_generator(loaded.G, ms, real=real,
                             num_samples=args.num_samples,
                             dataset_meta=ds.metainfo, seed=args.seed)
    res.update(fidelity.reference())
    log(f'evaluated in {time.time() - start:.0f}s')
    real_row = row(ref)
    out = dict(entry, generator=loaded.which,
               iter=loaded.meta.get('iter', entry.get('iters')),
               real=real_row, fake=row(res, real_row))
    if args.reconstructions:
        _, real = held_out(cfg, args, 100000)
        _, other = held_out(cfg, args, 200000)
        rec = evaluate_images(
            ms, real=real, fake=reconstructions(autoencoder(entry['ckpt']),
                                                other),
            num_samples=args.num_samples, dataset_meta=ds.metainfo)
        rec.update(fidelity.reference())
        out['reconstructions'] = row(rec, real_row)
    return out


def _fmt(v) -> str:
    if isinstance(v, bool):
        return 'ok' if v else 'FAIL'
    if v is None:
        return '-'
    return f'{v:.3f}' if isinstance(v, float) else str(v)


def _cell(r: dict, column: str) -> str:
    """The table's text for ``column`` of the row ``r``: the class
    distance with its sampling error (``0.052 ± 0.014``)."""
    se = r.get('class_distance_se')
    if column == 'class_distance' and se is not None:
        return f'{_fmt(r[column])} ± {_fmt(se)}'
    return _fmt(r[column])


def table(entries: list) -> str:
    head = ('config', 'iters', 'wall s', 'it/s') + COLUMNS + ('targets', )
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for e in entries:
        name = e['name']
        real, fake = e['real'], e['fake']
        lines.append('| ' + ' | '.join(
            [f'real vs real ({name})', '-', '-', '-'] +
            [_cell(real, c) for c in COLUMNS] + ['-']) + ' |')
        failed = [k for k, ok in fake['targets'].items() if not ok]
        lines.append('| ' + ' | '.join(
            [name, _fmt(e.get('iter')), _fmt(e.get('wall_s')),
             _fmt(e.get('it_per_s'))] + [_cell(fake, c) for c in COLUMNS] +
            ['all met' if not failed else 'missed: ' + ', '.join(failed)])
            + ' |')
        if 'reconstructions' in e:
            lines.append('| ' + ' | '.join(
                [f'reconstructions ({name})', '-', '-', '-'] +
                [_cell(e['reconstructions'], c) for c in COLUMNS] + ['-'])
                + ' |')
    return '\n'.join(lines)


def read_results(path: str) -> dict:
    """The results file at ``path`` ({} if there is none); one line
    naming it if it is not a results file."""
    if not osp.isfile(path):
        return {}
    try:
        with open(path) as f:
            old = json.load(f)
        if not isinstance(old, dict) or not isinstance(
                old.get('runs', []), list):
            raise ValueError('no list of runs')
    except ValueError as err:
        raise SystemExit(f'error: {path} is not a data_fidelity results '
                         f'file ({err}); move it away or pass --out')
    return old


def save_results(path: str, entries: list) -> None:
    """Merge ``entries`` into the results file at ``path``: each replaces
    the run of the same name, the other runs and the file's notes are
    kept. Written atomically."""
    old = read_results(path)
    names = {e['name'] for e in entries}
    runs = [r for r in old.get('runs', []) if r.get('name') not in names]
    data = dict(old, runs=runs + entries)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_write_bytes((json.dumps(data, indent=1) + '\n').encode(), path)


def main(argv=None) -> None:
    args = parse_args(argv)
    read_results(args.out)  # a bad --out fails before any training
    if args.reconstructions:   # checkpoints without an encoder, too
        if args.configs:
            raise SystemExit('error: --reconstructions measures given '
                             'checkpoints; pass --ckpt, not a config')
        for ckpt in args.ckpt:
            autoencoder(ckpt)
    torch.set_num_threads(args.threads)
    net_path = feature_net(args)
    if args.name and len(args.configs) > 1:
        raise SystemExit('--name needs exactly one config')
    runs = [dict(name=args.name or osp.splitext(osp.basename(c))[0],
                 config=c, cfg_options=args.cfg_options, **train(args, c))
            for c in args.configs]
    runs += [dict(name=osp.basename(osp.dirname(osp.abspath(c))) + '/' +
                  osp.basename(c), ckpt=c) for c in args.ckpt]
    settings = dict(num_samples=args.num_samples, threads=args.threads,
                    sample_model=args.sample_model)
    entries = [dict(evaluate(r, args, net_path), **settings) for r in runs]
    print(table(entries))
    save_results(args.out, entries)
    log(f'wrote {args.out}')


if __name__ == '__main__':
    run_cli(main)
