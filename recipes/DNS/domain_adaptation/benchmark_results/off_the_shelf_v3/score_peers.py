#!/usr/bin/env python3
"""Scores the noisy input and the off-the-shelf peers on a prepared target test set.

The numbers of the recipe README's "Measured: the off-the-shelf peers ..."
table: the evaluation stage's own ``evaluate_methods`` and metrics on the
``target_test`` sets of an experiment folder whose data is prepared (no
model is trained). Run from ``recipes/DNS/domain_adaptation``:

    python benchmark_results/off_the_shelf_v3/score_peers.py \\
        results/benchmark_default/data out_folder [--dnsmos]

It writes ``out_folder/per_utterance.csv`` and prints Table 1.
"""

import argparse
import sys
from pathlib import Path

RECIPE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(RECIPE))

from speechbrain_srst.data.datasets import (  # noqa: E402
    StoredMixtureDataset,
    load_manifest,
)
from speechbrain_srst.dnsmos import DNSMOS_METRICS  # noqa: E402
from speechbrain_srst.evaluation import (  # noqa: E402
    METRICS,
    compute_metrics,
    compute_metrics_dnsmos,
    evaluate_methods,
)
from speechbrain_srst.peers import peers_from_setting  # noqa: E402
from speechbrain_srst.report import table1_markdown  # noqa: E402


def main():
    """Scores Noisy and every installed peer; prints Table 1."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_folder", help="the experiment's data folder")
    parser.add_argument("output_folder")
    parser.add_argument("--dnsmos", action="store_true", help="add DNSMOS")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    manifests = Path(args.data_folder) / "manifests"
    sets = {
        ("target_test", snr): StoredMixtureDataset(
            load_manifest(manifests / f"target_test_snr{snr}.json")
        )
        for snr in (-5, 0, 5)
    }
    methods = {"Noisy": None, **peers_from_setting("auto")}
    rows = evaluate_methods(
        methods,
        sets,
        args.output_folder,
        num_workers=args.workers,
        metric_fn=compute_metrics_dnsmos if args.dnsmos else compute_metrics,
    )
    metrics = METRICS + (DNSMOS_METRICS if args.dnsmos else ())
    print(table1_markdown(rows, list(methods), metrics=metrics))


if __name__ == "__main__":
    main()
