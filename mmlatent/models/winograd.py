"""3x3 stride-1 convolutions by Winograd's algorithm (NNPACK) on the CPU.

PyTorch runs CPU convolutions through oneDNN by default. For the large
3x3, stride-1 convolutions of StyleGAN2 (128-512 channels, 16-64 px),
NNPACK's Winograd kernels need about half the multiplications;
measured on an AVX2 CPU, one forward and backward of such a layer took
0.58-0.72x the time of ``F.conv2d`` (``benchmarks/step_speed.py`` and
docs/speed.md). PyTorch uses NNPACK only for the forward pass and only
when oneDNN is switched off, so :class:`WinogradConv` runs the forward
and the input gradient (a convolution with the flipped, transposed
weight) through NNPACK and the weight gradient through PyTorch's own
``convolution_backward``.

Where it pays is a fixed rule (:func:`winograd_applies`), not a timing,
so that a run and its resumed copy always take the same kernels (exact
resume). It is measured on AVX2 CPUs only (``MEASURED_CPUS``); on
others oneDNN may be faster, so they keep ``F.conv2d``. Results differ
from ``F.conv2d`` by float rounding (about 1e-5 relative). Everything
else (other kernels, small layers, float16 / bfloat16, autocast, GPUs,
``torch.func`` transforms, no NNPACK) falls back to ``F.conv2d``.
"""
import functools

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .cpu_kernels import own_kernel_may_run

# smallest layer that gains at 1 and 2 threads (docs/speed.md): in x out
# channels, feature size, batch x pixels, and their product (batch 16 of
# 128 channels at 16 px broke even at 2 threads: left out)
MIN_CHANNEL_PRODUCT = 128 * 128
MIN_SIZE = 16
MIN_BATCH_PIXELS = 4096
MIN_WORK = 2**27


# CPU kinds (torch.backends.cpu.get_cpu_capability) on which it was
# measured to gain; elsewhere oneDNN may be the faster one
MEASURED_CPUS = ('AVX2', )


@functools.lru_cache(maxsize=None)
def nnpack_ready() -> bool:
    """NNPACK is built in and initialised (``_nnpack_available`` also
    initialises it; its kernels fail before that)."""
    return bool(torch._nnpack_available())


def winograd_ready() -> bool:
    """NNPACK is there and this CPU is of a kind in ``MEASURED_CPUS``."""
    return (torch.backends.cpu.get_cpu_capability() in MEASURED_CPUS
            and nnpack_ready())


def winograd_applies(x: Tensor, weight: Tensor) -> bool:
    """Whether :func:`conv2d_same` runs ``x`` [N, I, H, W] with ``weight``
    [O, I, 3, 3] by Winograd: float32 CPU tensors outside autocast and
    ``torch.func`` transforms, a layer at least as large as measured to
    gain, NNPACK present and a CPU of a kind measured to gain."""
    n, i, h, w = x.shape
    return (weight.shape[-2:] == (3, 3)
            and weight.shape[0] * i >= MIN_CHANNEL_PRODUCT
            and min(h, w) >= MIN_SIZE and n * h * w >= MIN_BATCH_PIXELS
            and n * h * w * weight.shape[0] * i >= MIN_WORK
            and own_kernel_may_run(x, weight, MEASURED_CPUS)
            and nnpack_ready())


def _nnpack(x: Tensor, weight: Tensor) -> Tensor:
    return torch._nnpack_spatial_convolution(
        x.contiguous(), weight.contiguous(), None, [1, 1], [1, 1])


class WinogradConv(torch.autograd.Function):
    """``F.conv2d(x, weight, padding=1)`` for a 3x3 ``weight``: forward
    and input gradient by NNPACK, weight gradient by PyTorch. Twice
    differentiable (R1 and path-length penalties), since its backward is
    made of differentiable operations."""

    @staticmethod
    def forward(x: Tensor, weight: Tensor) -> Tensor:
        return _nnpack(x, weight)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, weight = ctx.saved_tensors
        grad = grad.contiguous()
        dx = dw = None
        if ctx.needs_input_grad[0]:
            dx = conv2d_same(grad, weight.transpose(0, 1).flip(2, 3))
        if ctx.needs_input_grad[1]:
            # all contiguous: oneDNN's channels-last weight gradient was
            # 1.4x slower (docs/speed.md)
            dw = torch.ops.aten.convolution_backward(
                grad, x.contiguous(), weight.contiguous(), None, [1, 1],
                [1, 1], [1, 1], False, [0, 0], 1, [False, True, False])[1]
        return dx, dw


def conv2d_same(x: Tensor, weight: Tensor, winograd: bool = True) -> Tensor:
    """Stride-1 convolution of ``x`` [N, I, H, W] with ``weight`` [O, I, k,
    k] (odd k), zero-padded to keep H x W: by Winograd where
    :func:`winograd_applies` (and ``winograd``), else ``F.conv2d``."""
    if winograd and winograd_applies(x, weight):
        return WinogradConv.apply(x, weight)
    return F.conv2d(x, weight, padding=weight.shape[-1] // 2)


def set_winograd(module: nn.Module, enabled: bool) -> nn.Module:
    """Switch :func:`conv2d_same`'s Winograd path on or off in every
    submodule of ``module`` that has a ``winograd`` flag; returns it."""
    for m in module.modules():
        if hasattr(m, 'winograd'):
            m.winograd = enabled
    return module
