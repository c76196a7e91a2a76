"""Tests of the glibc allocator tuning used by SRSTEnhancer on the CPU."""

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

# Allocates and frees a 16 MiB tensor, then reports how much of it the
# process kept (resident memory after the free, minus before).
PROBE = """
import json, sys, torch
from speechbrain_srst.allocator import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "tune" else None
def resident():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096
before = resident()
block = torch.ones(4 * 2**20)  # 16 MiB, every page touched
del block
print(json.dumps({"tuned": tuned, "kept_mib": (resident() - before) / 2**20}))
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
    assert default["kept_mib"] < 4  # glibc unmapped the block at once
    assert tuned["kept_mib"] > 12  # kept in the heap for the next pass


def test_environment_settings_win():
    report = probe("tune", MALLOC_TRIM_THRESHOLD_="0")
    assert report["tuned"] is False
    assert report["kept_mib"] < 4
