"""Stride-2 4x4 convolutions computed as one matrix product per pass.

DCGAN's blocks are stride-2, 4x4 convolutions (down in D) and transposed
convolutions (up in G). At MMagic's DCGAN-64 widths the layer between 4
and 8 px holds 512 x 1024 x 4 x 4 weights, and on an AVX2 CPU oneDNN
runs it slower than the same sums written as one GEMM on the patches:

* weight gradient (session 13): 161-169 ms against 97 ms at batch 16,
  535-564 ms against 378 ms at batch 64, two threads;
* forward and input gradient (session 20), once the patches are one
  strided copy of the padded input (:func:`_columns`) instead of
  ``F.unfold`` and a transpose, and the scatter back is 16 strided adds
  (:func:`_from_columns`) instead of ``F.fold``: the conv 45.6 ms against
  28.8 ms at batch 16 (126.5 against 119.5 ms at batch 64), the
  transposed conv 63.2 against 31.0 ms (204.6 against 138.6 ms), medians
  of 21, two threads. At the 8 and 16 px layers (512 x 256 and 256 x 128
  channels) PyTorch's kernels stayed as fast or faster in every pass.

:class:`GemmConv2d` and :class:`GemmConvTranspose2d` are drop-in
``nn.Conv2d`` / ``nn.ConvTranspose2d`` (same parameters, same state dict)
that take this road where :func:`gemm_applies` says so: a fixed rule, not
a timing, so that a run and its resumed copy always take the same kernels
(exact resume). Results differ from PyTorch's by float rounding (closer to
a float64 reference than oneDNN's here). The backward pass is made of
differentiable operations, so R1 and other gradient penalties work
through it.

A channels-last weight (a model with ``channels_last=True``) is read in
place: its rows are in kernel-row, kernel-column, channel order, so the
patches are gathered in that order (``taps_first``) and its gradient comes
back channels-last. Reading it with ``reshape`` had copied the 512 x 1024
weight 13 times per DCGAN-64 iteration (session 26, docs/speed.md).
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
# measured to gain (AVX512: session 23, DCGAN-64's step 0.820 -> 0.711-0.717
# s at batch 16, docs/speed.md); elsewhere oneDNN may be the faster one
MEASURED_CPUS = ('AVX2', 'AVX512')
KERNEL, STRIDE, PADDING = 4, 2, 1


def gemm_applies(x: Tensor, weight: Tensor, transposed: bool) -> bool:
    """Whether a stride-2, padding-1 convolution of ``x`` [N, C, H, W] with
    the 4x4 ``weight`` takes the GEMM passes: an even input size
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


def _columns(x: Tensor, taps_first: bool = False) -> Tensor:
    """The 4x4 stride-2 patches of ``x`` [N, C, H, W] (padding 1) as rows
    [N*L, C*16] (L = H/2 * W/2 patch positions): one strided view of the
    padded input and one copy, where ``F.unfold`` and a transpose copy
    twice. Columns are ordered channel, kernel row, kernel column (as
    ``F.unfold``), or kernel row, kernel column, channel with
    ``taps_first`` (the order of a channels-last weight's rows)."""
    n, c, h, w = x.shape
    xp = F.pad(x, (PADDING, ) * 4)
    s = xp.stride()
    shape = (n, h // STRIDE, w // STRIDE) + (
        (KERNEL, KERNEL, c) if taps_first else (c, KERNEL, KERNEL))
    strides = (s[0], STRIDE * s[2], STRIDE * s[3]) + (
        (s[2], s[3], s[1]) if taps_first else (s[1], s[2], s[3]))
    return xp.as_strided(shape, strides).reshape(-1, c * KERNEL * KERNEL)


def _from_columns(cols: Tensor, n: int, h: int, w: int,
                  taps_first: bool = False) -> Tensor:
    """The inverse scatter of :func:`_columns` (``F.fold``): rows
    [N*h*w, C*16] of 4x4 stride-2 patches (columns in the order
    ``taps_first`` picks) summed into [N, C, 2h, 2w] (channels-last
    strides), one strided add per kernel tap."""
    c = cols.shape[1] // (KERNEL * KERNEL)
    taps = cols.view(n, h, w, KERNEL, KERNEL, c) if taps_first \
        else cols.view(n, h, w, c, KERNEL, KERNEL).permute(0, 1, 2, 4, 5, 3)
    out = cols.new_zeros(n, STRIDE * h + 2 * PADDING,
                         STRIDE * w + 2 * PADDING, c)
    for i in range(KERNEL):
        for j in range(KERNEL):
            out[:, i:i + STRIDE * h:STRIDE, j:j + STRIDE * w:STRIDE] += \
                taps[:, :, :, i, j]
    return out[:, PADDING:-PADDING, PADDING:-PADDING].permute(0, 3, 1, 2)


def _taps_first(weight: Tensor) -> bool:
    """Whether ``weight`` [A, B, 4, 4] is channels-last, so that its rows
    are read in kernel row, kernel column, channel order without a copy."""
    return not weight.is_contiguous() and weight.is_contiguous(
        memory_format=torch.channels_last)


def _matrix(weight: Tensor, taps_first: bool) -> Tensor:
    """``weight`` [A, B, 4, 4] as a view [A, B*16], its columns in the
    order ``taps_first`` picks."""
    w = weight.permute(0, 2, 3, 1) if taps_first else weight
    return w.reshape(weight.shape[0], -1)


def _rows(y: Tensor) -> Tensor:
    """The pixels of ``y`` [N, C, h, w] as rows [N*h*w, C]."""
    return y.permute(0, 2, 3, 1).reshape(-1, y.shape[1])


def _conv(x: Tensor, weight: Tensor, bias, transposed: bool) -> Tensor:
    op = F.conv_transpose2d if transposed else F.conv2d
    return op(x, weight, bias, STRIDE, PADDING)


def _like(y: Tensor, x: Tensor) -> Tensor:
    """``y`` in the memory format of ``x`` (channels-last or not)."""
    cl = x.is_contiguous(memory_format=torch.channels_last) \
        and not x.is_contiguous()
    return y.contiguous(memory_format=torch.channels_last if cl
                        else torch.contiguous_format)


def gemm_conv(x: Tensor, weight: Tensor, transposed: bool) -> Tensor:
    """``F.conv2d`` (or ``F.conv_transpose2d``) of ``x`` with the 4x4
    ``weight``, stride 2, padding 1 and no bias, as one GEMM: a conv
    multiplies the patches of ``x`` (:func:`_columns`) by the weight, a
    transposed conv multiplies the pixels of ``x`` by it and scatters the
    patches (:func:`_from_columns`). Differentiable; the result is in the
    memory format of ``x``."""
    n, h, w = x.shape[0], x.shape[2], x.shape[3]
    taps_first = _taps_first(weight)
    flat = _matrix(weight, taps_first)
    if transposed:   # weight [in, out, 4, 4]
        y = _from_columns(_rows(x) @ flat, n, h, w, taps_first)
    else:            # weight [out, in, 4, 4]
        h, w = h // STRIDE, w // STRIDE
        y = (_columns(x, taps_first) @ flat.t()).view(n, h, w, -1) \
            .permute(0, 3, 1, 2)
    return _like(y, x)


class GemmConv(torch.autograd.Function):
    """``F.conv2d`` (or ``F.conv_transpose2d``) with stride 2 and padding 1
    for a 4x4 ``weight``, every pass one GEMM (:func:`gemm_conv`): the
    forward pass, the input gradient (the forward pass of the other
    direction) and the weight gradient (pixels times patches). Twice
    differentiable."""

    @staticmethod
    def forward(x: Tensor, weight: Tensor, bias, transposed: bool) -> Tensor:
        y = gemm_conv(x, weight, transposed)
        return y if bias is None else y + bias.view(1, -1, 1, 1)

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
            dx = gemm_conv(grad, weight, not ctx.transposed)
        if ctx.needs_input_grad[1]:
            # [O, I, 4, 4]: grad's pixels x x's patches; transposed
            # [I, O, 4, 4]: x's pixels x grad's patches
            pixels, patches = (x, grad) if ctx.transposed else (grad, x)
            taps_first = _taps_first(weight)
            dw = _rows(pixels).t() @ _columns(patches, taps_first)
            a, b = weight.shape[:2]
            dw = dw.view(a, KERNEL, KERNEL, b).permute(0, 3, 1, 2) \
                if taps_first else dw.view_as(weight)
        if ctx.needs_input_grad[2]:
            db = grad.sum((0, 2, 3))
        return dx, dw, db, None


def _gemm_or_torch(x: Tensor, weight: Tensor, bias, transposed: bool,
                   enabled: bool) -> Tensor:
    if enabled and gemm_applies(x, weight, transposed):
        return GemmConv.apply(x, weight, bias, transposed)
    return _conv(x, weight, bias, transposed)


class GemmConv2d(nn.Conv2d):
    """``nn.Conv2d(C_in, C_out, 4, 2, 1)`` whose passes are each one GEMM
    (:class:`GemmConv`) where :func:`gemm_applies` (and ``gemm``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, KERNEL, STRIDE, PADDING,
                         bias=bias)
        self.gemm = True

    def forward(self, x: Tensor) -> Tensor:
        return _gemm_or_torch(x, self.weight, self.bias, False, self.gemm)


class GemmConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d(C_in, C_out, 4, 2, 1)`` whose passes are each
    one GEMM (:class:`GemmConv`) where :func:`gemm_applies` (and
    ``gemm``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, KERNEL, STRIDE, PADDING,
                         bias=bias)
        self.gemm = True

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        if output_size is not None:
            return super().forward(x, output_size)
        return _gemm_or_torch(x, self.weight, self.bias, True, self.gemm)


def set_gemm_conv(module: nn.Module, enabled: bool) -> nn.Module:
    """Switch the GEMM passes on or off in every
    :class:`GemmConv2d` / :class:`GemmConvTranspose2d` of ``module``;
    returns it."""
    for m in module.modules():
        if isinstance(m, (GemmConv2d, GemmConvTranspose2d)):
            m.gemm = enabled
    return module
