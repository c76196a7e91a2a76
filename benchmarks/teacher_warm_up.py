"""Measures what the external teacher's warm-up buys on 1 s training items.

The self-training stages train on 1 s target segments, and a stateful
enhancer (recurrent state, noise tracker) starting from rest is poor for its
first few hundred milliseconds. For each test utterance of a prepared
experiment this script cuts the 1 s crop at ``--offset`` seconds and prints
the crop's SI-SDR (dB, against the clean crop) as:

* ``noisy``: the crop itself;
* ``one pass``: the peer run on the crop from rest (``warm_up: none``);
* ``replay``: the crop given twice in a row, the second pass kept
  (``warm_up: replay``, :class:`speechbrain_srst.teachers.ExternalTeacher`);
* ``in context``: the same crop cut from the peer's output on the whole
  utterance (the best a warm-up could do).

Use a benchmark built with a data seed other than the recipe's (1234), e.g.
the one ``benchmark_regime.py --data_seed 99`` builds:

    python benchmarks/teacher_warm_up.py --manifests /tmp/regime/manifests

Authors
 * speechbrain-srst developers 2026
"""

import argparse
import json
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from speechbrain_srst.losses import si_sdr
from speechbrain_srst.teachers import ExternalTeacher

SAMPLE_RATE = 16000


def read(path):
    """A mono file as a float tensor [time]."""
    return torch.from_numpy(sf.read(path, dtype="float32")[0])


def crop_scores(teacher_one, teacher_replay, noisy, clean, start, length):
    """SI-SDR (dB) of one crop: noisy, one pass, replay, in context."""
    crop = noisy[None, start : start + length]
    reference = clean[None, start : start + length]
    in_context = teacher_one(noisy[None])[0][:, start : start + length]
    estimates = {
        "noisy": crop,
        "one pass": teacher_one(crop)[0],
        "replay": teacher_replay(crop)[0],
        "in context": in_context,
    }
    return {name: float(si_sdr(est, reference)) for name, est in estimates.items()}


def main(argv=None):
    """Prints the mean SI-SDR per peer, SNR and way of running it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifests", required=True, help="a manifests folder")
    parser.add_argument("--peers", default="deepfilternet3,nsnet2")
    parser.add_argument("--set", default="target_test", help="test set name")
    parser.add_argument("--items", type=int, default=16, help="utterances per SNR")
    parser.add_argument("--offset", type=float, default=1.0, help="crop start (s)")
    parser.add_argument("--seconds", type=float, default=1.0, help="crop length")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    files = sorted(Path(args.manifests).glob(f"{args.set}_snr*.json"))
    if not files:
        raise SystemExit(f"No {args.set}_snr*.json manifest in {args.manifests}.")
    start, length = int(args.offset * SAMPLE_RATE), int(args.seconds * SAMPLE_RATE)
    results = {}
    for name in args.peers.split(","):
        one = ExternalTeacher(name, warm_up="none")
        replay = ExternalTeacher(name, warm_up="replay")
        replay.peer = one.load()  # the same loaded model, checked once
        replay.residual_lag = one.residual_lag
        for path in files:
            snr = path.stem.split("_snr")[-1]
            entries = list(json.loads(path.read_text()).values())[: args.items]
            rows = []
            for entry in entries:
                noisy, clean = (read(entry[key]) for key in ("noisy_wav", "clean_wav"))
                if noisy.numel() < start + length:
                    continue
                rows.append(crop_scores(one, replay, noisy, clean, start, length))
            means = {key: np.mean([r[key] for r in rows]) for key in rows[0]}
            results[f"{name} {snr} dB"] = means
            print(
                f"{one.name:16s} {snr:>3s} dB (n={len(rows)}): "
                + ", ".join(f"{key} {value:6.2f}" for key, value in means.items()),
                flush=True,
            )
    return results


if __name__ == "__main__":
    main()
