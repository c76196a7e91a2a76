#!/usr/bin/env python3
"""Training throughput of every stage, and the share of step time spent on data.

    python benchmarks/training_throughput.py [--steps 20] [--threads 2]
        [--stages supervised classifier dann remixit srst]
        [--precision fp32] [--compile] [--num_workers N] [--device cpu|cuda]

Each stage is built from its recipe YAML (the same Brain, datasets, batch
size and data-loader options as ``train.py``) on the default built-in
benchmark (built and prepared first if it is not there yet; about a minute),
with random weights instead of the previous stage's (the cost is the same).
It trains ``--warmup`` steps, then ``--steps`` timed steps, and prints per
stage: mixtures per second, milliseconds per step and the share of step
time spent waiting for the next batch. The self-training stages include
their teacher's forward pass. ``--precision bf16`` and ``--compile`` pass
SpeechBrain's run options of the same names to the Brain.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.utils.epoch_loop import EpochCounter
from torch.utils.data import DataLoader, Subset

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "recipes" / "DNS" / "domain_adaptation"
sys.path.insert(0, str(RECIPE))

import train as recipe  # noqa: E402  (the recipe's glue: datasets, Brains)

from speechbrain_srst.chain import load_stage  # noqa: E402
from speechbrain_srst.data.datasets import DomainPairDataset, MixtureDataset  # noqa: E402

STAGES = ("supervised", "classifier", "dann", "remixit", "srst")


class TimedLoader(DataLoader):
    """A DataLoader that records how long each batch took to arrive.

    ``waits[i]`` is the time spent in ``next()`` for batch ``i`` and
    ``arrivals[i]`` the moment it was handed over, so the gap between two
    arrivals is one whole step (waiting plus computing).
    """

    def __iter__(self):
        self.waits, self.arrivals = [], []
        iterator = super().__iter__()
        while True:
            start = time.perf_counter()
            try:
                batch = next(iterator)
            except StopIteration:
                return
            now = time.perf_counter()
            self.waits.append(now - start)
            self.arrivals.append(now)
            yield batch


def train_dataset(stage, hparams):
    """The stage's training set, as ``train.py`` builds it."""
    if stage in ("supervised", "target"):
        return MixtureDataset(recipe.manifest(hparams, "source_train"))
    if stage in ("classifier", "dann"):
        return recipe.domain_pairs(hparams, "train")
    source_pool = None
    if hparams.get("use_source"):  # the selected pool has the same items' cost
        source_pool = MixtureDataset(recipe.manifest(hparams, "source_train"))
    return DomainPairDataset(
        MixtureDataset(recipe.manifest(hparams, "target_train"), labelled=False),
        source_pool,
        seed=hparams["seed"],
    )


def measure(stage, args, results_root):
    """Trains one stage for warm-up + timed steps; returns its numbers."""
    overrides = {"results_root": str(results_root), "benchmark_size": args.size}
    if args.num_workers is not None:
        overrides["num_workers"] = args.num_workers
    hparams = load_stage(RECIPE / "hparams" / f"{stage}.yaml", overrides)
    recipe.prepare_data(hparams)
    batch_size = hparams["batch_size"]
    dataset = train_dataset(stage, hparams)
    count = min(len(dataset), (args.warmup + args.steps) * batch_size)
    loader = TimedLoader(
        Subset(dataset, range(count)),
        batch_size=batch_size,
        shuffle=False,
        drop_last=True,
        collate_fn=PaddedBatch,
        num_workers=hparams["num_workers"],
    )
    run_opts = {"device": args.device, "precision": args.precision}
    if args.compile:
        run_opts["compile"] = True
    brain = hparams["brain_class"](
        modules=hparams["modules"],
        opt_class=hparams.get("opt_class"),
        hparams={**hparams, "epoch_counter": EpochCounter(1)},
        run_opts=run_opts,
        checkpointer=None,
    )
    brain.fit(brain.hparams.epoch_counter, loader, None, progressbar=False)
    steps = loader.arrivals[args.warmup :]
    waits = loader.waits[args.warmup + 1 : len(loader.arrivals)]
    step_seconds = (steps[-1] - steps[0]) / (len(steps) - 1)
    return {
        "stage": stage,
        "workers": hparams["num_workers"],
        "batch": batch_size,
        "mixtures_per_s": batch_size / step_seconds,
        "ms_per_step": 1000 * step_seconds,
        "data_share": sum(waits) / (steps[-1] - steps[0]),
    }


def main():
    """Measures the stages one after the other and prints a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--num_workers", type=int, default=None)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--size", default="default", help="benchmark size")
    parser.add_argument(
        "--results_root",
        default=str(RECIPE / "results"),
        help="where the benchmark data is (or will be) prepared",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results_root = Path(args.results_root).resolve()
    os.chdir(tempfile.mkdtemp())  # SpeechBrain may write small files here
    print(
        f"torch {torch.__version__}, {args.device}, {args.threads} threads, precision "
        f"{args.precision}, compile {args.compile}, {args.steps} timed steps"
    )
    print("| stage | workers | batch | mixtures/s | ms/step | data wait |")
    print("|---|---:|---:|---:|---:|---:|")
    for stage in args.stages:
        row = measure(stage, args, results_root)
        print(
            f"| {row['stage']} | {row['workers']} | {row['batch']} "
            f"| {row['mixtures_per_s']:.1f} | {row['ms_per_step']:.0f} "
            f"| {100 * row['data_share']:.1f} % |",
            flush=True,
        )


if __name__ == "__main__":
    main()
