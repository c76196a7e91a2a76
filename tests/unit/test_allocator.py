"""Tests of the opt-in glibc allocator tuning (speechbrain_srst.allocator)."""

import json
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="glibc only",
)

# Allocates a 24 MiB tensor and reports, from glibc's own counters
# (mallinfo2), how much of it was mapped from the kernel while it lived and
# how much free memory the heap kept after it was freed.
PROBE = """
import ctypes, json, sys, torch
from speechbrain_srst.allocator import keep_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks "
        "keepcost").split()]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
tuned = keep_freed_memory() if sys.argv[1] == "tune" else None
torch.ones(2**16).sum()  # start torch's thread pool before measuring
mapped_before = libc.mallinfo2().hblkhd
block = torch.ones(6 * 2**20)  # 24 MiB
mapped_mib = (libc.mallinfo2().hblkhd - mapped_before) / 2**20
del block
free_mib = libc.mallinfo2().fordblks / 2**20
print(json.dumps({"tuned": tuned, "mapped_mib": mapped_mib, "heap_free_mib": free_mib}))
"""


def probe(mode, **environment):
    """Runs the probe in a fresh process; returns its JSON report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.update(environment)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_tuned_allocator_keeps_freed_blocks_for_reuse():
    default = probe("default")
    tuned = probe("tune")
    assert tuned["tuned"] is True
    assert default["mapped_mib"] >= 24  # mapped from the kernel, freed back
    assert tuned["mapped_mib"] < 1  # served from the heap instead
    assert tuned["heap_free_mib"] >= 24  # and kept there for the next pass


def test_environment_settings_win():
    report = probe("tune", MALLOC_TRIM_THRESHOLD_="0")
    assert report["tuned"] is False
    assert report["mapped_mib"] >= 24
