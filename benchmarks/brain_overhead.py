#!/usr/bin/env python3
"""Time per training step: SpeechBrain's Brain loop against a plain PyTorch loop.

    python benchmarks/brain_overhead.py [--steps 40] [--threads 2] [--repeats 5]

Both loops train the recipe's default U-Net with the same loss, optimizer and
in-memory batches (16 one-second mixtures), so the difference is the Brain's
own cost (batch moves, loss checks, metric bookkeeping, progress bar).
"""

import argparse
import statistics
import tempfile
import time

import torch
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.utils.epoch_loop import EpochCounter
from speechbrain.utils.train_logger import FileTrainLogger

from speechbrain_srst.brains.enhancement import EnhancementBrain
from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.losses import enhancement_loss

BATCH = 16


def make_items(count):
    """In-memory labelled mixtures of one second."""
    generator = torch.Generator().manual_seed(0)
    items = []
    for index in range(count):
        clean = torch.randn(16000, generator=generator)
        noise = torch.randn(16000, generator=generator)
        items.append(
            {"id": str(index), "noisy": clean + noise, "clean": clean, "noise": noise}
        )
    return items


def plain_loop(items):
    """Seconds per step of a hand-written loop."""
    torch.manual_seed(0)
    model = UNet([16, 32, 64, 128])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    loader = torch.utils.data.DataLoader(
        items, batch_size=BATCH, collate_fn=PaddedBatch
    )
    start = time.perf_counter()
    for batch in loader:
        speech, noise = model(batch.noisy.data)
        loss = enhancement_loss(speech, noise, batch.clean.data, batch.noise.data)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / len(loader)


def brain_loop(items):
    """Seconds per step of ``EnhancementBrain.fit``."""
    torch.manual_seed(0)
    model = UNet([16, 32, 64, 128])
    hparams = {
        "epoch_counter": EpochCounter(1),
        "train_logger": FileTrainLogger(tempfile.mktemp()),
        "checkpoint_key": None,
    }
    brain = EnhancementBrain(
        modules={"model": model},
        opt_class=lambda params: torch.optim.Adam(params, lr=1e-4),
        hparams=hparams,
        run_opts={"device": "cpu", "max_grad_norm": 1e9},
    )
    loader = {"batch_size": BATCH, "collate_fn": PaddedBatch}
    start = time.perf_counter()
    brain.fit(
        hparams["epoch_counter"],
        items,
        None,
        progressbar=False,
        train_loader_kwargs=loader,
    )
    return (time.perf_counter() - start) / (len(items) // BATCH)


def main():
    """Alternates the two loops ``--repeats`` times and prints the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    items = make_items(args.steps * BATCH)
    plain_loop(items[: 2 * BATCH])  # warm-up
    plain, brain = [], []
    for _ in range(args.repeats):
        plain.append(plain_loop(items))
        brain.append(brain_loop(items))
    ratios = sorted(b / p - 1 for b, p in zip(brain, plain, strict=True))
    print(f"{args.repeats} alternating repeats of {args.steps} steps each")
    print(f"plain PyTorch loop: {statistics.median(plain) * 1000:.0f} ms/step (median)")
    print(f"SpeechBrain Brain:  {statistics.median(brain) * 1000:.0f} ms/step (median)")
    print(
        f"Brain overhead: {statistics.median(ratios) * 100:+.1f} % median of the "
        f"paired repeats (range {ratios[0] * 100:+.1f} to {ratios[-1] * 100:+.1f} %;"
        " target: at most +10 %)"
    )


if __name__ == "__main__":
    main()
