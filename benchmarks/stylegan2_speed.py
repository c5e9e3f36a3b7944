"""StyleGAN2 speed and memory: generator throughput (batch inference, no
grad) and training-iteration time (D step + G step with lazy R1 and
path-length regularisation at their intervals, averaged over a full
R1 cycle), at 32 and 64 px with the reduced-channel sizes.

    python benchmarks/stylegan2_speed.py [--res 32 64] [--batch 32]
        [--iters 16] [--threads N] [--device cpu|cuda] [--fused no]
        [--channels-last both]

Each case runs in a fresh process so that its peak memory (max RSS on the
CPU, ``max_memory_allocated`` on CUDA) is its own; ``base`` is the RSS
after the imports, before the measured model is built. Prints figures
only.
"""
import argparse
import multiprocessing as mp
import os.path as osp
import resource
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmlatent.utils.cli import run_cli  # noqa: E402

from common import SMALL, sync  # noqa: E402  (benchmarks/common.py)


def build_model(res: int, fused: bool, device: str,
                channels_last: bool = False):
    from mmlatent.models.gans.stylegan2 import StyleGAN2
    G = dict(type='StyleGAN2Generator', resolution=res, fused_modconv=fused,
             **SMALL)
    D = dict(type='StyleGAN2Discriminator', resolution=res,
             channel_base=SMALL['channel_base'],
             channel_max=SMALL['channel_max'])
    return StyleGAN2(G, D, ema=dict(half_life_images=10000),
                     channels_last=channels_last).to(device)



def generator_throughput(model, batch: int, iters: int, device: str):
    """Images per second of G(z) under ``inference_mode``."""
    import torch
    G = model.generator.eval()
    with torch.inference_mode():
        G(G.sample_z(batch))
        sync(device)
        t = time.perf_counter()
        for _ in range(iters):
            G(G.sample_z(batch))
        sync(device)
    G.train()
    return batch * iters / (time.perf_counter() - t)


def train_iteration_time(model, batch: int, iters: int, device: str):
    """Mean seconds per iteration over ``iters`` iterations from 0 (the
    lazy regularisers fire at their intervals)."""
    import torch
    from mmengine.logging import MessageHub
    from mmengine.optim import OptimWrapper, OptimWrapperDict

    from mmlatent.models.losses.stylegan2 import lazy_adam
    optim = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(
            model.generator.parameters(), **lazy_adam(2e-3, (0, .99), 4))),
        discriminator=OptimWrapper(torch.optim.Adam(
            model.discriminator.parameters(),
            **lazy_adam(2e-3, (0, .99), 16))))
    data = dict(img=torch.randn(batch, 3, model.G.resolution,
                                model.G.resolution, device=device))
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 1)
    model.train_step(data, optim)  # warm-up
    sync(device)
    t = time.perf_counter()
    for it in range(iters):
        hub.update_info('iter', it)
        model.train_step(data, optim)
    sync(device)
    return (time.perf_counter() - t) / iters


def peak_memory_mb(device: str) -> float:
    import torch
    if device == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(args, res: int, fused: bool, channels_last: bool,
             queue) -> None:
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    build_model(8, fused, 'cpu')  # imports and registers everything
    base = peak_memory_mb(args.device)
    model = build_model(res, fused, args.device, channels_last)
    ips = generator_throughput(model, args.batch, args.gen_iters,
                               args.device)
    mem_gen = peak_memory_mb(args.device)
    sec = train_iteration_time(model, args.batch, args.iters, args.device)
    queue.put((res, fused, channels_last, ips, sec, base, mem_gen,
               peak_memory_mb(args.device)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--res', type=int, nargs='+', default=[32, 64])
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--iters', type=int, default=16,
                   help='training iterations (16 = one R1 interval)')
    p.add_argument('--gen-iters', type=int, default=10)
    p.add_argument('--threads', type=int, default=0,
                   help='torch CPU threads (0: torch default)')
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--fused', default='no', choices=['both', 'yes', 'no'],
                   help='fused_modconv variants to measure')
    p.add_argument('--channels-last', default='both',
                   choices=['both', 'yes', 'no'],
                   help='memory formats to measure (model.channels_last)')
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    pick = dict(both=[False, True], yes=[True], no=[False])
    print(f'StyleGAN2 {SMALL}, batch {args.batch}, device {args.device}, '
          f'threads {args.threads or "default"}')
    print(f"{'res':>4} {'fused':>5} {'ch-last':>7} {'G img/s':>9} "
          f"{'train s/it':>10} {'base MB':>8} {'peak MB (G)':>11} "
          f"{'peak MB (train)':>15}")
    ctx = mp.get_context('spawn')
    for res in args.res:
        for f in pick[args.fused]:
            for cl in pick[args.channels_last]:
                queue = ctx.Queue()
                proc = ctx.Process(target=run_case,
                                   args=(args, res, f, cl, queue))
                proc.start()
                r, f_, cl_, ips, sec, base, mem_g, mem_t = queue.get()
                proc.join()
                print(f'{r:>4} {str(f_):>5} {str(cl_):>7} {ips:>9.1f} '
                      f'{sec:>10.3f} {base:>8.0f} {mem_g:>11.0f} '
                      f'{mem_t:>15.0f}')

if __name__ == '__main__':
    run_cli(main)
