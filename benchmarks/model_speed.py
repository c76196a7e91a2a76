#!/usr/bin/env python3
"""Prints the default model's size, train-step time and inference speed.

    python benchmarks/model_speed.py [--threads 2] [--channels 16 32 64 128]
        [--device cpu|cuda] [--precision fp32|bf16] [--compile]

Measures, on this machine's CPU (or ``--device cuda``):

* the parameter count of the recipe's default U-Net;
* the time of one training step (forward, -SI-SDR loss on speech and noise,
  backward, Adam step) on a batch of 8 two-second mixtures;
* the inference real-time factor (processing time / audio duration) for
  10-second clips at batch 1 and batch 8.

Each timing is the median of several repeats after warm-up runs.
``--precision bf16`` runs forward and loss under ``torch.autocast`` with
bfloat16 (what SpeechBrain's ``--precision bf16`` does); ``--compile`` wraps
the model with ``torch.compile`` (SpeechBrain's ``--compile``; the warm-up
runs include the compilation).
"""

import argparse
import contextlib
import statistics
import time

import torch

from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.losses import enhancement_loss

SAMPLE_RATE = 16000


def synchronize(device):
    """Waits for the queued kernels of ``device`` (a no-op on CPU)."""
    if str(device).startswith("cuda"):
        torch.cuda.synchronize(device)


def median_time(function, repeats, warmup=2, device="cpu"):
    """Median wall time of ``function()`` in seconds (GPU work included)."""
    for _ in range(warmup):
        function()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def autocast(precision, device):
    """The autocast context of ``precision`` (``fp32``: none)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=str(device).split(":")[0], dtype=torch.bfloat16)


def train_step_time(model, batch_size, seconds, repeats, device, precision="fp32"):
    """Seconds per optimisation step."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    clean = torch.randn(batch_size, int(seconds * SAMPLE_RATE), device=device)
    noise = torch.randn_like(clean)
    noisy = clean + noise

    def step():
        with autocast(precision, device):
            speech, noise_estimate = model(noisy)
            loss = enhancement_loss(speech, noise_estimate, clean, noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return median_time(step, repeats, device=device)


@torch.no_grad()
def real_time_factor(model, batch_size, seconds, repeats, device, precision="fp32"):
    """Processing time divided by the duration of the audio processed."""
    model.eval()
    noisy = torch.randn(batch_size, int(seconds * SAMPLE_RATE), device=device)

    def infer():
        with autocast(precision, device):
            return model(noisy)

    elapsed = median_time(infer, repeats, device=device)
    return elapsed / (batch_size * seconds)


def main():
    """Runs the measurements and prints one line per number."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = UNet(channels=args.channels).to(args.device)
    params = sum(p.numel() for p in model.parameters())
    if args.compile:
        model = torch.compile(model)
    print(
        f"device: {args.device}, torch threads: {torch.get_num_threads()}, "
        f"precision: {args.precision}, compile: {args.compile}"
    )
    print(f"U-Net channels {args.channels}: {params:,} parameters")
    step = train_step_time(model, 8, 2.0, args.repeats, args.device, args.precision)
    print(
        f"train step (batch 8 x 2 s): {step * 1000:.0f} ms ({8 / step:.1f} mixtures/s)"
    )
    for batch_size in (1, 8):
        rtf = real_time_factor(
            model, batch_size, 10.0, args.repeats, args.device, args.precision
        )
        print(f"inference real-time factor (batch {batch_size}, 10 s clips): {rtf:.4f}")


if __name__ == "__main__":
    main()
