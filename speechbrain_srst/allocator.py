"""Lets glibc's ``malloc`` reuse freed CPU memory instead of returning it.

PyTorch's CPU tensors come from the C library's ``malloc``. With glibc's
defaults, a block of tens of megabytes (one full-resolution activation of the
U-Net on a 10 s clip is about 10 MB) is either mapped fresh from the kernel
(above the ``mmap`` threshold) or returned to it when the top of the heap is
freed (above the trim threshold). Either way the next forward pass touches
new pages: every page costs a fault and the kernel zeroes it, a second pass
over memory that the model never asked for. Raising the two thresholds keeps
freed blocks in the heap for the next pass. On 2 AVX2 cores this cut the
U-Net's inference time on 10 s clips by about a quarter (RTF 0.0088-0.0102
-> 0.0060-0.0078, ``benchmarks/README.md``); the process keeps up to
``trim_threshold`` bytes of freed memory for reuse.

The same settings can be given from the shell, for any program:
``MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456``. When
either variable is set, :func:`keep_freed_memory` leaves the allocator alone.

Authors
 * speechbrain-srst developers 2026
"""

import ctypes
import logging
import os
import platform

logger = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MAX_MMAP_THRESHOLD = 32 * 2**20  # glibc's upper limit on 64-bit systems
DEFAULT_TRIM_THRESHOLD = 256 * 2**20
ENVIRONMENT = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

_state = {}  # "result": what the first call returned (once per process)


def keep_freed_memory(
    mmap_threshold=MAX_MMAP_THRESHOLD, trim_threshold=DEFAULT_TRIM_THRESHOLD
):
    """Raises glibc's ``mmap`` and trim thresholds, once per process.

    Blocks up to ``mmap_threshold`` bytes then come from the heap, and freed
    memory goes back to the kernel only when more than ``trim_threshold``
    bytes are free at the top of the heap. The change is process-wide and
    only affects speed and how much freed memory the process keeps.

    Arguments
    ---------
    mmap_threshold : int
        Bytes; at most 32 MiB (glibc's limit).
    trim_threshold : int
        Bytes of free memory kept at the top of the heap.

    Returns
    -------
    bool
        True when the allocator was tuned (now or by an earlier call); False
        where the C library is not glibc, ``mallopt`` refused, or the
        environment already sets ``MALLOC_MMAP_THRESHOLD_`` or
        ``MALLOC_TRIM_THRESHOLD_`` (the user's choice wins).

    Example
    -------
    >>> import platform
    >>> keep_freed_memory() == (platform.libc_ver()[0] == "glibc")
    True
    >>> keep_freed_memory() == keep_freed_memory()  # once per process
    True
    """
    if "result" not in _state:
        _state["result"] = _tune(int(mmap_threshold), int(trim_threshold))
    return _state["result"]


def _tune(mmap_threshold, trim_threshold):
    """Calls ``mallopt``; returns whether both settings were accepted."""
    if any(name in os.environ for name in ENVIRONMENT):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mmap_threshold = min(mmap_threshold, MAX_MMAP_THRESHOLD)
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    tuned = bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(M_TRIM_THRESHOLD, trim_threshold)
    )
    if tuned:
        logger.info(
            "glibc malloc: mmap threshold %d MiB, trim threshold %d MiB "
            "(freed memory is reused; see speechbrain_srst.allocator)",
            mmap_threshold // 2**20,
            trim_threshold // 2**20,
        )
    return tuned
