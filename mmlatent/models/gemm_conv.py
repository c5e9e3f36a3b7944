"""Stride-2 4x4 convolutions whose weight gradient is one matrix product.

DCGAN's blocks are stride-2, 4x4 convolutions (down in D) and transposed
convolutions (up in G). At MMagic's DCGAN-64 widths the layer between 4
and 8 px holds 512 x 1024 x 4 x 4 weights, and on an AVX2 CPU oneDNN's
weight gradient of it takes about 1.6-1.7x the time of the same sum
written as unfold plus one GEMM (161-169 ms against 97 ms at batch 16,
535-564 ms against 378 ms at batch 64, two threads; docs/speed.md). The
forward pass and the input gradient stay on PyTorch's kernels (oneDNN was
as fast or faster there).

:class:`GemmConv2d` and :class:`GemmConvTranspose2d` are drop-in
``nn.Conv2d`` / ``nn.ConvTranspose2d`` (same parameters, same state dict)
that take this road where :func:`gemm_applies` says so: a fixed rule, not
a timing, so that a run and its resumed copy always take the same kernels
(exact resume). Results differ from PyTorch's by float rounding. The
backward pass is made of differentiable operations, so R1 and other
gradient penalties work through it.
"""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .cpu_kernels import own_kernel_may_run

# the smallest layer measured to gain (docs/speed.md): in x out channels,
# and the largest side of the small map (the output of a conv, the input
# of a transposed conv); the 8 px layers of DCGAN-64 broke even
MIN_CHANNEL_PRODUCT = 512 * 512
MAX_SMALL_SIDE = 4
# CPU kinds (torch.backends.cpu.get_cpu_capability) on which it was
# measured to gain; elsewhere oneDNN may be the faster one
MEASURED_CPUS = ('AVX2', )
KERNEL, STRIDE, PADDING = 4, 2, 1


def gemm_applies(x: Tensor, weight: Tensor, transposed: bool) -> bool:
    """Whether a stride-2, padding-1 convolution of ``x`` [N, C, H, W] with
    the 4x4 ``weight`` takes the GEMM weight gradient: an even input size
    (a conv), at least ``MIN_CHANNEL_PRODUCT`` in x out channels, a small
    map of at most ``MAX_SMALL_SIDE`` px, and where mmlatent's own kernels
    may run (:func:`~mmlatent.models.cpu_kernels.own_kernel_may_run` with
    ``MEASURED_CPUS``)."""
    h, w = x.shape[-2:]
    small = (h, w) if transposed else (h // STRIDE, w // STRIDE)
    return (weight.shape[-2:] == (KERNEL, KERNEL) and x.dim() == 4
            and (transposed or h % 2 == w % 2 == 0)
            and weight.shape[0] * weight.shape[1] >= MIN_CHANNEL_PRODUCT
            and max(small) <= MAX_SMALL_SIDE
            and own_kernel_may_run(x, weight, MEASURED_CPUS))


def _columns(x: Tensor) -> Tensor:
    """The 4x4 stride-2 patches of ``x`` [N, C, H, W] as rows [N*L,
    C*16] (L = H/2 * W/2 patch positions)."""
    cols = F.unfold(x, KERNEL, padding=PADDING, stride=STRIDE)
    return cols.transpose(1, 2).reshape(-1, cols.shape[1])


def _rows(y: Tensor) -> Tensor:
    """The pixels of ``y`` [N, C, h, w] as rows [N*h*w, C]."""
    return y.flatten(2).transpose(1, 2).reshape(-1, y.shape[1])


def _conv(x: Tensor, weight: Tensor, bias, transposed: bool) -> Tensor:
    op = F.conv_transpose2d if transposed else F.conv2d
    return op(x, weight, bias, STRIDE, PADDING)


class GemmWeightGradConv(torch.autograd.Function):
    """``F.conv2d`` (or ``F.conv_transpose2d``) with stride 2 and padding 1
    for a 4x4 ``weight``: forward and input gradient by PyTorch, weight
    gradient by unfold and one GEMM. Twice differentiable."""

    @staticmethod
    def forward(x: Tensor, weight: Tensor, bias, transposed: bool) -> Tensor:
        return _conv(x, weight, bias, transposed)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        x, weight, _, ctx.transposed = inputs
        ctx.save_for_backward(x, weight)

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, weight = ctx.saved_tensors
        dx = dw = db = None
        if ctx.needs_input_grad[0]:
            # the input gradient of one is the forward pass of the other
            dx = _conv(grad, weight, None, not ctx.transposed)
        if ctx.needs_input_grad[1]:
            # [O, I, 4, 4]: grad's pixels x x's patches; transposed
            # [I, O, 4, 4]: x's pixels x grad's patches
            pixels, patches = (x, grad) if ctx.transposed else (grad, x)
            dw = _rows(pixels).t() @ _columns(patches)
            dw = dw.view_as(weight)
        if ctx.needs_input_grad[2]:
            db = grad.sum((0, 2, 3))
        return dx, dw, db, None


def _gemm_or_torch(x: Tensor, weight: Tensor, bias, transposed: bool,
                   enabled: bool) -> Tensor:
    if enabled and gemm_applies(x, weight, transposed):
        return GemmWeightGradConv.apply(x, weight, bias, transposed)
    return _conv(x, weight, bias, transposed)


class GemmConv2d(nn.Conv2d):
    """``nn.Conv2d(C_in, C_out, 4, 2, 1)`` whose weight gradient is one
    GEMM where :func:`gemm_applies` (and ``gemm_weight_grad``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, KERNEL, STRIDE, PADDING,
                         bias=bias)
        self.gemm_weight_grad = True

    def forward(self, x: Tensor) -> Tensor:
        return _gemm_or_torch(x, self.weight, self.bias, False,
                              self.gemm_weight_grad)


class GemmConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d(C_in, C_out, 4, 2, 1)`` whose weight gradient
    is one GEMM where :func:`gemm_applies` (and ``gemm_weight_grad``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, KERNEL, STRIDE, PADDING,
                         bias=bias)
        self.gemm_weight_grad = True

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        if output_size is not None:
            return super().forward(x, output_size)
        return _gemm_or_torch(x, self.weight, self.bias, True,
                              self.gemm_weight_grad)


def set_gemm_weight_grad(module: nn.Module, enabled: bool) -> nn.Module:
    """Switch the GEMM weight gradient on or off in every
    :class:`GemmConv2d` / :class:`GemmConvTranspose2d` of ``module``;
    returns it."""
    for m in module.modules():
        if isinstance(m, (GemmConv2d, GemmConvTranspose2d)):
            m.gemm_weight_grad = enabled
    return module
