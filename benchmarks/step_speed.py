"""mmlatent's training iteration and generator forward against a minimal
hand-written PyTorch loop of the same networks and losses.

    python benchmarks/step_speed.py [--models dcgan64 stylegan2-64]
        [--batch 16 64] [--repeats 5] [--iters 2] [--threads N]
        [--reuse-fakes] [--no-winograd] [--no-gemm] [--no-memory]
        [--no-keep-memory] [--plain-keeps-memory] [--bf16 | --float32]

The plain loop is the textbook step: fresh fakes for each phase (made under
``no_grad`` for the D phase), contiguous tensors, per-parameter Adam
(``foreach=False``), D's parameter gradients computed in the G phase too,
and (StyleGAN2) a per-parameter EMA loop. Both sides start from the same
weights. DCGAN-64 has MMagic's sizes (G 12.66 M, D 11.04 M parameters);
StyleGAN2-64 has channel multiplier 1 (channels 512 up to 32 px, 256 at
64 px, 8-layer 512-d mapping), style mixing 0.9 and an EMA; mmlatent runs
it as its StyleGAN2 configs do, with ``autocast='auto'`` (bfloat16 autocast
on a CPU that multiplies bfloat16 in hardware, float32 elsewhere;
``--float32`` turns it off, ``--bf16`` forces it on for both cases). The
plain loop is always float32.

A StyleGAN2 "plain iteration" is one in which neither lazy regulariser runs
(R1 every 16, path length every 4 iterations); ``--cycle`` times the mean
over a whole 16-iteration cycle instead (both sides run the regularisers at
the same iterations).

Timing alternates the two sides (plain, mmlatent, plain, ...) and prints
medians, so that load from other processes hits both alike; the ratio is
mmlatent's time over the plain loop's (below 1: mmlatent is faster). Each
sample runs in a fresh process with its side's process settings: mmlatent's
keeps freed memory for reuse as ``tools/train.py`` does
(``mmlatent.utils.malloc``), the plain loop's runs as a textbook script
does (``--plain-keeps-memory`` gives it the same setting,
``--no-keep-memory`` takes it from mmlatent). ``--clock cpu`` measures
the process's CPU time instead of wall time: with ``--threads 1`` on a
machine shared with other jobs it is the steadier measure of the work
done. Peak memory (max RSS, MB above the
process after building) is measured in a fresh process per side. Prints
figures only.
"""
import argparse
import copy
import json
import math
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmlatent.utils.cli import run_cli  # noqa: E402

DCGAN64 = dict(
    type='UnconditionalGAN',
    generator=dict(type='DCGANGenerator', resolution=64, z_dim=100,
                   base_channels=128, max_channels=1024, norm='bn'),
    discriminator=dict(type='DCGANDiscriminator', resolution=64,
                       base_channels=128, max_channels=1024, norm='bn'),
    gan_loss=dict(type='NonSaturatingGANLoss'),
    # channels-last since session 26, when the GEMM layers stopped copying
    # channels-last weights (docs/speed.md)
    channels_last=True)
STYLEGAN2_64 = dict(
    type='StyleGAN2',
    generator=dict(type='StyleGAN2Generator', resolution=64, z_dim=512,
                   w_dim=512, mapping_layers=8, channel_base=16384,
                   channel_max=512),
    discriminator=dict(type='StyleGAN2Discriminator', resolution=64,
                       channel_base=16384, channel_max=512),
    ema=dict(half_life_images=10000), style_mixing_prob=0.9,
    channels_last=True,
    # as the StyleGAN2 configs (session 27): bfloat16 autocast on a CPU
    # that multiplies bfloat16 in hardware, float32 elsewhere (--float32)
    autocast='auto')
CASES = {'dcgan64': DCGAN64, 'stylegan2-64': STYLEGAN2_64}


def adam_options(name: str, lazy: bool = True) -> dict:
    """Adam lr / betas per network; StyleGAN2's scaled for lazy
    regularisation unless ``lazy=False`` (mmlatent's optimizer constructor
    scales them itself)."""
    if name == 'dcgan64' or not lazy:
        same = dict(lr=2e-4, betas=(0.5, 0.999)) if name == 'dcgan64' \
            else dict(lr=2e-3, betas=(0, 0.99))
        return dict(generator=same, discriminator=same)
    from mmlatent.models.losses.stylegan2 import lazy_adam
    return dict(generator=lazy_adam(2e-3, (0, 0.99), 4),
                discriminator=lazy_adam(2e-3, (0, 0.99), 16))


# -- the plain, hand-written loop ---------------------------------------
class PlainLoop:
    """The textbook step of the same networks and losses."""

    def __init__(self, name: str, model, share: bool = False):
        import torch

        from mmlatent.models.gemm_conv import set_gemm_conv
        from mmlatent.models.winograd import set_winograd
        self.name = name
        contiguous = torch.contiguous_format
        G, D = (model.G, model.D) if share else \
            (copy.deepcopy(model.G), copy.deepcopy(model.D))
        # the textbook convolutions: PyTorch's kernels, not mmlatent's
        # Winograd path or GEMM weight gradients
        self.G, self.D = (set_gemm_conv(set_winograd(
            net.to(memory_format=contiguous), False), False) for net in (G, D))
        opts = adam_options(name)
        self.opt_g = torch.optim.Adam(self.G.parameters(), foreach=False,
                                      **opts['generator'])
        self.opt_d = torch.optim.Adam(self.D.parameters(), foreach=False,
                                      **opts['discriminator'])
        self.G_ema = copy.deepcopy(self.G).eval() \
            if name != 'dcgan64' else None
        self.pl_mean = torch.zeros([], device=G.device)

    def z(self, n: int):
        import torch
        return torch.randn(n, self.G.z_dim, device=self.G.device)

    def fakes(self, n: int, return_ws: bool = False):
        """G(z); StyleGAN2 with style mixing (p = 0.9, NVIDIA's scheme)."""
        import torch
        if self.name == 'dcgan64':
            return self.G(self.z(n))
        G = self.G
        ws = G.mapping(self.z(n))
        if torch.rand([]) < 0.9:
            k = int(torch.randint(1, G.num_ws, []))
            ws2 = G.mapping(self.z(n), update_w_avg=False)
            ws = torch.cat([ws[:, :k], ws2[:, k:]], 1)
        img = G.synthesis(ws)
        return (img, ws) if return_ws else img

    def step(self, real, it: int) -> None:
        import torch
        import torch.nn.functional as F
        n = real.shape[0]
        with torch.no_grad():
            fake = self.fakes(n)
        d_loss = F.softplus(-self.D(real)).mean() + \
            F.softplus(self.D(fake)).mean()
        if self.name != 'dcgan64' and it % 16 == 0:  # lazy R1
            x = real.detach().requires_grad_(True)
            grad, = torch.autograd.grad(self.D(x).sum(), x,
                                        create_graph=True)
            d_loss = d_loss + grad.square().sum([1, 2, 3]).mean() * 5 * 16
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        g_loss = F.softplus(-self.D(self.fakes(n))).mean()
        if self.name != 'dcgan64' and it % 4 == 0:  # lazy path length
            img, ws = self.fakes(n // 2, return_ws=True)
            y = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
            grad, = torch.autograd.grad((img * y).sum(), ws,
                                        create_graph=True)
            lengths = grad.square().sum(2).mean(1).sqrt()
            a = self.pl_mean.lerp(lengths.mean(), 0.01)
            self.pl_mean = a.detach()
            g_loss = g_loss + (lengths - a).square().mean() * 2 * 4
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        if self.G_ema is not None:
            m = 1 - 0.5**(n / 10000)
            with torch.no_grad():
                src = dict(self.G.named_parameters())
                for k, p in self.G_ema.named_parameters():
                    p.mul_(1 - m).add_(src[k], alpha=m)

    def forward(self, n: int):
        import torch
        with torch.no_grad():
            return self.G(self.z(n))


# -- mmlatent ------------------------------------------------------------
class MMLatentLoop:
    """``model.train_step`` with the optim wrappers training builds."""

    def __init__(self, name: str, model):
        from mmengine.logging import MessageHub

        from mmlatent.engine.optim import GANOptimWrapperConstructor
        self.model = model
        opts = adam_options(name, lazy=False)
        self.optim = GANOptimWrapperConstructor({
            k: dict(optimizer=dict(type='Adam', **v))
            for k, v in opts.items()})(model)
        self.hub = MessageHub.get_current_instance()

    def step(self, real, it: int) -> None:
        self.hub.update_info('iter', it)
        self.model.train_step(dict(img=real), self.optim)

    def forward(self, n: int):
        return self.model(dict(num_samples=n))


def build(name: str, args):
    """The mmlatent model of case ``name`` with the options of ``args``
    (``reuse_fakes``, ``bf16``, ``float32``, ``winograd``, ``gemm``,
    ``contiguous``, ``device``) and a batch of 64 random real images on its
    device."""
    import torch

    import mmlatent.models  # noqa: F401 (registers)
    from mmlatent.models.gemm_conv import set_gemm_conv
    from mmlatent.registry import MODELS
    torch.manual_seed(0)
    cfg = dict(CASES[name])
    if args.reuse_fakes:
        cfg['reuse_fakes'] = True
    if args.bf16:
        cfg['autocast'] = 'bfloat16'
    if args.float32:
        cfg['autocast'] = None
    if args.contiguous:
        cfg['channels_last'] = False
    if not args.winograd and name != 'dcgan64':
        cfg['generator'] = dict(cfg['generator'], winograd=False)
        cfg['discriminator'] = dict(cfg['discriminator'], winograd=False)
    model = set_gemm_conv(MODELS.build(cfg).to(args.device), args.gemm)
    res = model.G.resolution
    real = torch.rand(64, 3, res, res, device=args.device) * 2 - 1
    return model, real


def iterations(name: str, cycle: bool, iters: int):
    """Iteration indices to time: a whole lazy cycle, or ``iters``
    iterations without a lazy regulariser."""
    if name == 'dcgan64':
        return list(range(1, iters + 1))
    if cycle:
        return list(range(16))
    return [i for i in range(1, 64) if i % 4][:iters]


def clock(kind: str, device: str = 'cpu'):
    """The timer; on a GPU it first waits for the queued kernels."""
    if device.startswith('cuda'):
        import torch

        def now():
            torch.cuda.synchronize()
            return time.perf_counter()
        return now
    return time.process_time if kind == 'cpu' else time.perf_counter


def process_settings(args, side: str) -> None:
    """Apply the process settings of ``side``: mmlatent's training keeps
    freed memory for reuse (``tools/train.py``, mmlatent.utils.malloc), a
    textbook script does not (unless ``--plain-keeps-memory``)."""
    from mmlatent.utils.malloc import keep_freed_memory
    keep = args.keep_memory if side == 'mmlatent' else \
        args.plain_keeps_memory
    if keep:
        keep_freed_memory()


def time_side(args, name: str, batch: int, side: str) -> dict:
    """One timed sample of ``side`` in this (fresh) process: seconds of an
    iteration and of a G forward, after a warm-up iteration."""
    import torch
    process_settings(args, side)
    model, real = build(name, args)
    loop = PlainLoop(name, model, share=True) if side == 'plain' else \
        MMLatentLoop(name, model)
    real = real[:batch]
    if side == 'mmlatent':
        real = real.contiguous(memory_format=torch.channels_last)
    its = iterations(name, args.cycle, args.iters)
    now = clock(args.clock, args.device)
    loop.step(real, 1)  # warm-up
    loop.forward(batch)
    start = now()
    for it in its:
        loop.step(real, it)
    step = (now() - start) / len(its)
    start = now()
    loop.forward(batch)
    return dict(iter=step, forward=now() - start)


def time_case(args, name: str, batch: int) -> dict:
    """Median seconds of an iteration and of a G forward, the sides
    alternating, each sample in a fresh process with its side's process
    settings (:func:`process_settings`)."""
    times = {f'{k}_{w}': [] for k in ('plain', 'mmlatent')
             for w in ('iter', 'forward')}
    for _ in range(args.repeats):
        for side in ('plain', 'mmlatent'):
            got = subprocess_json(args, ['--time-one', name, str(batch),
                                         side])
            for what in ('iter', 'forward'):
                times[f'{side}_{what}'].append(got[what])
    return {k: statistics.median(v) for k, v in times.items()}


def rss_mb(field: str = 'VmHWM') -> float:
    """This process's peak (``VmHWM``) or current (``VmRSS``) resident
    memory in MB. Linux's ``ru_maxrss`` cannot serve: a child started by
    fork and exec inherits the parent's resident size at the fork as its
    maximum, so after the timing runs every side read +0 MB."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_case(args, name: str, batch: int, side: str) -> dict:
    """Max RSS (MB) after two iterations (the first with the lazy
    regularisers), and its growth over the RSS before the model was built
    (after the imports)."""
    import torch

    import mmlatent.models  # noqa: F401 (imports before the base line)
    process_settings(args, side)
    gpu = args.device.startswith('cuda')
    base = rss_mb()
    model, real = build(name, args)
    if gpu:    # the GPU's memory above the weights and the batch
        base = torch.cuda.memory_allocated() / 2**20
        torch.cuda.reset_peak_memory_stats()
    loop = PlainLoop(name, model, share=True) if side == 'plain' else \
        MMLatentLoop(name, model)
    for it in iterations(name, True, 2)[:2]:
        loop.step(real[:batch], it)
    peak = torch.cuda.max_memory_allocated() / 2**20 if gpu else rss_mb()
    return dict(base_mb=base, peak_mb=peak, train_mb=peak - base)


def subprocess_json(args, extra) -> dict:
    cmd = [sys.executable, __file__, '--threads', str(args.threads)] + extra
    cmd += ['--reuse-fakes'] if args.reuse_fakes else []
    cmd += ['--bf16'] if args.bf16 else []
    cmd += ['--float32'] if args.float32 else []
    cmd += [] if args.winograd else ['--no-winograd']
    cmd += [] if args.gemm else ['--no-gemm']
    cmd += ['--contiguous'] if args.contiguous else []
    cmd += [] if args.keep_memory else ['--no-keep-memory']
    cmd += ['--plain-keeps-memory'] if args.plain_keeps_memory else []
    cmd += ['--cycle'] if args.cycle else []
    cmd += ['--clock', args.clock, '--iters', str(args.iters)]
    cmd += ['--device', args.device]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', nargs='+', default=list(CASES),
                   choices=list(CASES))
    p.add_argument('--batch', type=int, nargs='+', default=[16, 64])
    p.add_argument('--repeats', type=int, default=5,
                   help='alternations plain/mmlatent (median reported)')
    p.add_argument('--iters', type=int, default=2,
                   help='iterations per timed sample')
    p.add_argument('--cycle', action='store_true',
                   help='StyleGAN2: time a whole 16-iteration lazy cycle')
    p.add_argument('--threads', type=int, default=0,
                   help='torch CPU threads (0: torch default)')
    p.add_argument('--reuse-fakes', action='store_true',
                   help="mmlatent's G phase reuses the D phase's fakes "
                   '(changes the algorithm; see the README)')
    p.add_argument('--clock', default='wall', choices=['wall', 'cpu'],
                   help='wall time, or the CPU time of the process (with '
                   '--threads 1 on a shared machine)')
    p.add_argument('--bf16', action='store_true',
                   help="mmlatent's phases under bfloat16 autocast (lower "
                   'precision; fast on CPUs with AMX / AVX512-BF16)')
    p.add_argument('--float32', action='store_true',
                   help="mmlatent's phases in float32 also where the case "
                   "sets autocast='auto' (StyleGAN2-64, as its configs: "
                   'bfloat16 on a CPU with bfloat16 hardware)')
    p.add_argument('--no-winograd', dest='winograd', action='store_false',
                   help="StyleGAN2: mmlatent's 3x3 convolutions by F.conv2d "
                   'too (default: Winograd where it applies, '
                   'mmlatent.models.winograd)')
    p.add_argument('--no-gemm', dest='gemm', action='store_false',
                   help="DCGAN: mmlatent's stride-2 4x4 convolutions by "
                   "PyTorch too (default: every pass one GEMM where it "
                   'applies, mmlatent.models.gemm_conv)')
    p.add_argument('--device', default='cpu',
                   help='torch device of both sides (e.g. cuda); on a GPU '
                   'the timer synchronises and memory is the peak of '
                   'torch.cuda.max_memory_allocated above the model')
    p.add_argument('--contiguous', action='store_true',
                   help="mmlatent's model in contiguous memory format "
                   '(default: as the case sets channels_last)')
    p.add_argument('--no-keep-memory', dest='keep_memory',
                   action='store_false',
                   help="mmlatent's process returns freed memory to the "
                   'system as glibc does by default (default: it keeps it '
                   'for reuse, as tools/train.py does; '
                   'mmlatent.utils.malloc)')
    p.add_argument('--plain-keeps-memory', action='store_true',
                   help="the plain loop's process keeps freed memory too "
                   '(what that setting alone is worth)')
    p.add_argument('--no-memory', action='store_true')
    p.add_argument('--one', nargs=3, help=argparse.SUPPRESS)
    p.add_argument('--time-one', nargs=3, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.one:
        name, batch, side = args.one
        print(json.dumps(memory_case(args, name, int(batch), side)))
        return
    if args.time_one:
        name, batch, side = args.time_one
        print(json.dumps(time_side(args, name, int(batch), side)))
        return
    print(f'device {args.device}, threads {torch.get_num_threads()}, '
          f'{args.repeats} alternations, '
          f"{'lazy cycle' if args.cycle else f'{args.iters} iterations'} "
          f'per sample, reuse_fakes={args.reuse_fakes}, bf16={args.bf16}, '
          f'float32={args.float32}, '
          f'winograd={args.winograd}, keep_memory={args.keep_memory}, '
          f'plain_keeps_memory={args.plain_keeps_memory}; '
          f'{args.clock} '
          'seconds, medians')
    print(f"{'model':>13} {'batch':>5} {'plain s/it':>10} {'mml s/it':>9} "
          f"{'ratio':>6} {'plain G fwd':>11} {'mml G fwd':>9} {'ratio':>6} "
          f"{'plain +MB':>9} {'mml +MB':>8}")
    for name in args.models:
        for batch in args.batch:
            t = time_case(args, name, batch)
            mem = {} if args.no_memory else {
                side: subprocess_json(args, ['--one', name, str(batch),
                                             side])['train_mb']
                for side in ('plain', 'mmlatent')}
            print(f"{name:>13} {batch:>5} {t['plain_iter']:>10.3f} "
                  f"{t['mmlatent_iter']:>9.3f} "
                  f"{t['mmlatent_iter'] / t['plain_iter']:>6.2f} "
                  f"{t['plain_forward']:>11.3f} "
                  f"{t['mmlatent_forward']:>9.3f} "
                  f"{t['mmlatent_forward'] / t['plain_forward']:>6.2f} "
                  f"{mem.get('plain', float('nan')):>9.0f} "
                  f"{mem.get('mmlatent', float('nan')):>8.0f}", flush=True)


if __name__ == '__main__':
    run_cli(main)
