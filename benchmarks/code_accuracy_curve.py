"""Learning curve of an InfoGAN's categorical code: train a config and,
every --every iterations, print how well code 0 predicts the class
(Hungarian matching, :func:`mmlatent.control.categorical_code_accuracy`)
for the EMA generator and for G itself.

The class is read by the digit reader (``mmlatent.control.digit_classifier``)
for configs on the bundled digits and by the Shapes measurer otherwise.
Checkpoints are kept every --every iterations, so a run can be continued
with --resume and any point measured again on more samples by
``benchmarks/control_quality.py --digits-ckpt`` / ``--infogan-paper-ckpt``.

    python benchmarks/code_accuracy_curve.py \\
        configs/infogan/infogan_dcgan_digits-32x32.py --iters 10000
    python benchmarks/code_accuracy_curve.py CONFIG --iters 2000 \\
        --every 500 --cfg-options model.discriminator.norm=bn
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmlatent.utils.cli import run_cli  # noqa: E402

import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402


class CodeAccuracyHook(Hook):
    """Every ``every`` iterations (and at the last), the code accuracy of
    the EMA generator and of G on ``num_samples`` fixed-seed samples."""
    priority = 'LOW'

    def __init__(self, classify, every: int, num_samples: int, log: list):
        self.classify, self.every = classify, every
        self.num_samples, self.log = num_samples, log
        self.start = time.time()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        from mmlatent.control import categorical_code_accuracy
        from mmlatent.models.ema import pick_generator
        it = runner.iter + 1
        if it % self.every and it != runner.max_iters:
            return
        row = dict(iter=it, seconds=round(time.time() - self.start))
        for kind in ('ema', 'orig'):
            G = pick_generator(runner.model, kind).G
            was_training = G.training
            G.eval()
            row[kind] = categorical_code_accuracy(
                G, num_samples=self.num_samples, classify=self.classify,
                generator=torch.Generator().manual_seed(0))['accuracy']
            G.train(was_training)
        self.log.append(row)
        print(f"iteration {it}: code accuracy EMA {row['ema']:.1%}, "
              f"G {row['orig']:.1%} ({row['seconds']} s)", flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config', help='an InfoGAN config')
    p.add_argument('--iters', type=int, help="last iteration (default: "
                   "the config's schedule)")
    p.add_argument('--every', type=int, default=1000,
                   help='iterations between measurements and checkpoints')
    p.add_argument('--num-samples', type=int, default=1000,
                   help='samples per measurement (default: 1000)')
    p.add_argument('--work-dir', help='default: work_dirs/<config name>_'
                   'curve')
    p.add_argument('--resume', help='checkpoint to continue from')
    p.add_argument('--threads', type=int, default=1,
                   help='torch CPU threads (default: 1)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   default={}, help='config overrides, key=value')
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    from mmlatent.control import digit_classifier, measured_class
    from mmlatent.training import build_runner, load_config, prepare_config
    cfg = load_config(args.config)
    cfg.merge_from_dict(args.cfg_options)
    iters = args.iters or cfg.train_cfg.max_iters
    cfg.merge_from_dict({
        'train_cfg.max_iters': iters,
        'default_hooks.checkpoint.interval': args.every,
        'default_hooks.checkpoint.max_keep_ckpts': -1,
        'default_hooks.logger.interval': args.every})
    data = cfg.train_dataloader.dataset
    classify = digit_classifier(data.resolution)[0] \
        if data.get('type') == 'DigitsDataset' else measured_class
    log: list = []
    cfg.custom_hooks = [dict(type='IterationSeedHook')]
    cfg.val_evaluator = None
    cfg.log_level = 'WARNING'
    name = osp.splitext(osp.basename(args.config))[0]
    work = args.work_dir or osp.join('work_dirs', f'{name}_curve')
    cfg = prepare_config(cfg, config_path=args.config, work_dir=work)
    cfg.experiment_name = f'code_accuracy_curve_{name}_{os.getpid()}'
    if args.resume:
        cfg.load_from, cfg.resume = args.resume, True
    runner = build_runner(cfg)
    runner.register_hook(CodeAccuracyHook(classify, args.every,
                                          args.num_samples, log), 'LOW')
    runner.train()
    out = osp.join(work, 'code_accuracy_curve.json')
    with open(out, 'w') as f:
        json.dump(dict(config=args.config, options=args.cfg_options,
                       curve=log), f, indent=1)
    print('\n| iteration | EMA | G |\n|---|---|---|')
    for row in log:
        print(f"| {row['iter']} | {row['ema']:.1%} | {row['orig']:.1%} |")
    print(f'curve written to {out}')


if __name__ == '__main__':
    run_cli(main)
