#!/usr/bin/env python3
"""PESQ + STOI + SI-SDR scoring throughput with 1 and with N worker processes.

    python benchmarks/metric_throughput.py [--utterances 48] [--seconds 4]
        [--workers 1 2]

Scores the same synthetic utterances (a harmonic "voice" with a noisy
estimate) through :func:`speechbrain_srst.evaluation.score_utterances`, the
function the evaluation stage uses, once per worker count, and prints
utterances per second and the speed-up over one worker.
"""

import argparse
import time

import numpy as np

from speechbrain_srst.evaluation import score_utterances

SAMPLE_RATE = 16000


def make_jobs(count, seconds, seed=0):
    """``(key, enhanced, clean, noisy)`` tuples of synthetic speech-like audio."""
    rng = np.random.default_rng(seed)
    time_axis = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    jobs = []
    for index in range(count):
        pitch = rng.uniform(90, 220)
        envelope = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(2, 5) * time_axis)
        clean = envelope * sum(
            np.sin(2 * np.pi * pitch * k * time_axis) / k for k in range(1, 12)
        )
        noise = rng.normal(size=clean.shape)
        clean = (0.1 * clean).astype(np.float32)
        noisy = (clean + 0.05 * noise).astype(np.float32)
        enhanced = (clean + 0.01 * noise).astype(np.float32)
        jobs.append((index, enhanced, clean, noisy))
    return jobs


def main():
    """Times the scoring with each worker count."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--utterances", type=int, default=48)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    jobs = make_jobs(args.utterances, args.seconds)
    print(f"{args.utterances} utterances of {args.seconds:g} s (PESQ-wb, STOI, SI-SDR)")
    print("| workers | seconds | utterances/s | speed-up |")
    print("|---:|---:|---:|---:|")
    baseline = None
    for workers in args.workers:
        start = time.perf_counter()
        results = score_utterances(iter(jobs), num_workers=workers)
        seconds = time.perf_counter() - start
        failed = sum(1 for row in results.values() if row.get("pesq_error"))
        if failed:
            raise RuntimeError(f"{failed} utterances failed to score")
        baseline = baseline or seconds
        print(
            f"| {workers} | {seconds:.2f} | {args.utterances / seconds:.1f} "
            f"| {baseline / seconds:.2f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
