"""Freed memory kept for reuse (``mmlatent.utils.malloc``): a large block
freed and allocated again is not faulted in again."""
import subprocess
import sys
import textwrap

import pytest

from mmlatent.utils import malloc

PAGES = 64 * 2**20 // 4096   # a 64 MB block in 4 KB pages
# minor page faults of 8 rounds of allocating, filling and freeing 64 MB,
# before and after keep_freed_memory(), in a fresh process; the second
# run of 8 each time (the first after the change grows the heap)
SCRIPT = textwrap.dedent('''
    import resource, torch
    from mmlatent.utils.malloc import keep_freed_memory

    def faults():
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(8):
            torch.empty(16 * 2**20).fill_(1.0)
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start

    faults()
    before = faults()
    applied = keep_freed_memory()
    faults()
    print(before, applied, faults())
''')


@pytest.mark.skipif(malloc._glibc() is None, reason='glibc only')
def test_freed_blocks_are_reused_without_page_faults():
    out = subprocess.run([sys.executable, '-c', SCRIPT], check=True,
                         capture_output=True, text=True).stdout.split()
    before, applied, after = int(out[0]), out[1], int(out[2])
    assert applied == 'True'
    assert before >= 8 * PAGES * 0.9      # every round faulted in anew
    assert after <= 1.5 * PAGES           # reused (seen: 0 or 1 round)


def test_other_c_libraries_are_left_alone(monkeypatch):
    monkeypatch.setattr(malloc, '_glibc', lambda: None)
    assert malloc.keep_freed_memory() is False
