"""Keep the engine's large arrays in the heap instead of fresh memory maps (glibc only).

glibc serves every allocation above 128 KiB-32 MiB (a dynamic threshold) with its own mmap and returns it to
the system on free, so each chunk's (cycles x samples) arrays are new pages that the kernel must zero and
map on first touch.  In a PSA that page-fault work was about a quarter of the engine's CPU time.  Raising
the mmap threshold to 256 MiB (and trimming the heap only when 512 MiB lie free at its top) lets later chunks
reuse the memory of earlier ones; the peak resident memory is unchanged.  Results do not change (the
allocator decides where arrays live, not what they hold).

Threads: glibc gives each thread its own arena, made of heaps of at most 64 MiB that it shrinks and grows
again as chunks come and go, whatever the thresholds: in a streamed PSA on two threads that was
130,000-190,000 page faults per 200,000 iterations (a sixth of the CPU time).  One arena for the whole process
(M_ARENA_MAX = 1) keeps every thread's arrays in the one tuned heap; the engine allocates few, large
arrays, so the threads seldom wait for the arena's lock.

Applied once per process, by the engine when it evaluates more than one chunk; never where the user has set
MALLOC_MMAP_THRESHOLD_ (their choice wins; likewise MALLOC_ARENA_MAX for the arenas) or where
CEA_TUNE_MALLOC=0; a no-op off glibc.
"""

from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_done = False


def keep_large_arrays_in_heap() -> bool:
    """Set glibc's mmap and trim thresholds (and one arena) once; True if they were set by this call or an earlier one."""
    global _done
    if _done:
        return True
    if (not sys.platform.startswith("linux") or os.environ.get("CEA_TUNE_MALLOC") == "0"
            or "MALLOC_MMAP_THRESHOLD_" in os.environ):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        _done = bool(libc.mallopt(_M_MMAP_THRESHOLD, 256 << 20)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 512 << 20))
        if _done and "MALLOC_ARENA_MAX" not in os.environ:
            libc.mallopt(_M_ARENA_MAX, 1)
    except (OSError, AttributeError):  # not glibc
        return False
    return _done
