"""Training throughput per config family on the CPU.

For each family, images per second of a full training iteration (the
discriminator step(s) and the generator step: n_critic D steps + 1 G step
for WGAN-GP) at batch 64, and the peak resident memory of the process
(each family runs in its own subprocess so peaks do not mix).

    python benchmarks/train_throughput.py [--iters 10] [--batch 64]
        [--channels-last config|on|off] [--compile] [--families ...]

``--channels-last config`` (the default) measures what training does: the
config's ``model.channels_last``; ``on`` / ``off`` override it.
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmlatent.utils.cli import run_cli  # noqa: E402

FAMILIES = {
    'dcgan+continuity (32px)': 'dcgan/dcgan_continuity_shapes-32x32.py',
    'dcgan (64px)': 'dcgan/dcgan_vanilla_shapes-64x64.py',
    'wgangp small (32px)': 'wgangp/wgangp_small_shapes-32x32.py',
    'cgan (32px)': 'cgan/cgan_dcgan_shapes-32x32.py',
    'infogan (32px)': 'infogan/infogan_dcgan_shapes-32x32.py',
    'stylegan2 small (32px)': 'stylegan2/stylegan2_small_shapes-32x32.py',
}


def measure(rel: str, iters: int, batch: int, channels_last: str,
            compile_: bool) -> dict:
    """Seconds per full iteration of one config, in this process."""
    import torch
    from mmengine.logging import MessageHub
    from mmengine.optim import OptimWrapper, OptimWrapperDict

    from mmlatent.registry import DATASETS, MODELS
    from mmlatent.training import load_config, set_cpu_threads
    set_cpu_threads()
    cfg = load_config(osp.join(ROOT, 'configs', rel))
    if channels_last != 'config':
        cfg.model.channels_last = channels_last == 'on'
    model = MODELS.build(cfg.model)
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    items = [ds[i] for i in range(batch)]
    data = dict(img=torch.stack([it['img'] for it in items]),
                label=torch.tensor([it['label'] for it in items]))
    if compile_:
        # in place, so that state-dict keys (read by the EMA) stay unchanged
        model.generator.compile()
        model.discriminator.compile()
    optim = OptimWrapperDict(**{
        k: OptimWrapper(torch.optim.Adam(getattr(model, k).parameters(),
                                         lr=1e-4))
        for k in ('generator', 'discriminator')})
    hub = MessageHub.get_current_instance()
    n_d = model.discriminator_steps

    def full_iteration(start: int) -> None:
        for it in range(start, start + n_d):
            hub.update_info('iter', it)
            model.train_step(data, optim)

    full_iteration(0)  # warm-up (and compilation)
    t0 = time.perf_counter()
    for i in range(1, iters + 1):
        full_iteration(i * n_d)
    sec = (time.perf_counter() - t0) / iters
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(config=rel, sec_per_iter=sec, img_per_s=batch / sec,
                d_steps=n_d, peak_mb=peak_mb,
                threads=torch.get_num_threads(),
                channels_last=bool(model.channels_last))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--channels-last', default='config',
                   choices=['config', 'on', 'off'])
    p.add_argument('--compile', action='store_true')
    p.add_argument('--families', nargs='*', default=list(FAMILIES))
    p.add_argument('--one', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.iters, args.batch,
                                 args.channels_last, args.compile)))
        return
    print(f'batch {args.batch}, {args.iters} timed iterations, '
          f'channels_last={args.channels_last}, compile={args.compile}, '
          f'{os.cpu_count()} CPUs')
    print(f"{'family':28s} {'img/s':>8s} {'s/iter':>8s} {'D steps':>8s} "
          f"{'peak MB':>8s} {'ch-last':>8s}")
    for name in args.families:
        cmd = [sys.executable, __file__, '--one', FAMILIES[name], '--iters',
               str(args.iters), '--batch', str(args.batch)]
        cmd += ['--channels-last', args.channels_last]
        cmd += ['--compile'] if args.compile else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:28s} {r['img_per_s']:8.1f} {r['sec_per_iter']:8.3f} "
              f"{r['d_steps']:8d} {r['peak_mb']:8.0f} "
              f"{'yes' if r['channels_last'] else 'no':>8s}")


if __name__ == '__main__':
    run_cli(main)
