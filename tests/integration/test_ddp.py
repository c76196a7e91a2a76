"""The recipe's chain under torchrun with two CPU processes (gloo backend)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "DNS" / "domain_adaptation"


def test_smoke_chain_runs_with_two_processes(tmp_path):
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "train.py",
        "hparams/srst.yaml",
        "--benchmark_size=smoke",
        "--number_of_epochs=1",
        "--num_workers=0",
        "--distributed_backend=gloo",
        "--device=cpu",
        f"--results_root={tmp_path}",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        command, cwd=RECIPE, capture_output=True, text=True, env=env, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    run = tmp_path / "benchmark_smoke" / "1234"
    assert (run / "results" / "results.md").is_file()
    for stage in ("supervised", "dann", "srst", "srst_random", "target"):
        assert (run / stage / "stage_done.json").is_file(), stage
    # Checkpoints saved by the main process hold plain (unwrapped) weights.
    source = torch.load(run / "supervised" / "model" / "model.ckpt", weights_only=True)
    dann = torch.load(run / "dann" / "model" / "model.ckpt", weights_only=True)
    assert not any(name.startswith("module.") for name in dann)
    assert any(not torch.equal(source[name], dann[name]) for name in source)


def test_debug_chain_finishes_with_two_processes(tmp_path):
    """``--debug`` gives each process its own temporary checkpoint folder in
    SpeechBrain; the first checkpoint deletion used to hang both processes."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "train.py",
        "hparams/srst.yaml",
        "--then=[]",
        "--benchmark_size=smoke",
        "--num_workers=0",
        "--distributed_backend=gloo",
        "--device=cpu",
        "--debug",
        f"--results_root={tmp_path}",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        command, cwd=RECIPE, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    run = tmp_path / "benchmark_smoke" / "1234"
    for stage in ("supervised", "classifier", "dann", "selection", "srst"):
        marker = json.loads((run / stage / "stage_done.json").read_text())
        assert marker["settings"]["--debug"] is True, stage
    # Debug checkpoints stay out of the stage folders, as in SpeechBrain.
    assert not list((run / "supervised" / "save").glob("CKPT*"))
    assert (run / "srst" / "model" / "model.ckpt").is_file()
