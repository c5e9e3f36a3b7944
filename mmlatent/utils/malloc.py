"""Keep freed memory in the process for the next iteration (glibc).

glibc's ``malloc`` serves each large block (up to 32 MB once its dynamic
threshold has grown; every block of 32 MB or more) with a fresh ``mmap``
and hands it back to the kernel on ``free``. A training step frees and
allocates the same activations, patches and gradients every iteration, so
each of their pages is faulted in and zeroed again: in DCGAN-64 (MMagic's
sizes) at batch 64 that was 235,000 page faults and 0.43 s of kernel time per
iteration (2.46 s), about a tenth of the step (docs/speed.md).

:func:`keep_freed_memory` turns ``mmap`` off for the heap
(``M_MMAP_MAX = 0``) and stops it from trimming its top
(``M_TRIM_THRESHOLD``), so freed blocks stay mapped and the next
iteration reuses them: 3,000 faults and 2.17 s per iteration, and the
same peak memory on a steady run. Memory freed after the peak is not
returned to the system until the process ends. Other C libraries (macOS,
musl) are left alone.
"""
import ctypes
from typing import Optional

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4   # glibc's malloc.h
_NEVER_TRIM = 2**31 - 1


def _glibc() -> Optional[ctypes.CDLL]:
    """The process's C library when it is glibc, else None."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):   # TypeError: Windows takes no None
        return None
    is_glibc = all(hasattr(libc, name)
                   for name in ('gnu_get_libc_version', 'mallopt'))
    return libc if is_glibc else None


def keep_freed_memory() -> bool:
    """Make glibc keep freed blocks for reuse instead of unmapping them;
    True if applied (glibc only). Affects this process and its forks."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, _NEVER_TRIM))
