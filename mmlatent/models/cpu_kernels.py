"""Where mmlatent's own CPU convolution kernels may replace PyTorch's.

The Winograd path (:mod:`~mmlatent.models.winograd`) and the GEMM weight
gradient (:mod:`~mmlatent.models.gemm_conv`) were each measured against
PyTorch's kernels on float32 CPU tensors, on particular CPU kinds. Both
keep PyTorch's kernels everywhere else: other dtypes and devices,
autocast, ``torch.func`` transforms, and CPUs of kinds not measured.
"""
from typing import Sequence

import torch
from torch import Tensor


def own_kernel_may_run(x: Tensor, weight: Tensor,
                       measured_cpus: Sequence[str]) -> bool:
    """Float32 CPU tensors outside autocast and ``torch.func`` transforms,
    on a CPU whose kind (``torch.backends.cpu.get_cpu_capability``) is in
    ``measured_cpus``."""
    return (x.device.type == 'cpu'
            and x.dtype == weight.dtype == torch.float32
            and not torch.is_autocast_enabled('cpu')
            and torch._C._functorch.peek_interpreter_stack() is None
            and torch.backends.cpu.get_cpu_capability() in measured_cpus)
