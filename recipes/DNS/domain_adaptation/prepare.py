#!/usr/bin/env python3
"""Command line of the data preparation (the logic is in the package).

Writes the source and target manifests, the fixed test sets and
``prepare_summary.json`` into ``--save_folder``:

    python prepare.py --librispeech_folder /data/LibriSpeech \\
        --wham_folder /data/wham_noise --dns_folder /data/DNS-Challenge \\
        --save_folder results/dns/data/manifests

Every corpus folder is optional; what needs a missing corpus is not written.
Every file is decoded before anything is written: an unreadable or cut-short
file stops the preparation, a silent or too short one is left out with a
warning and listed in ``prepare_summary.json``. A validation or test split
that would be empty (fewer than 3 speakers in a language) stops it too,
unless ``--allow_utterance_split`` is given.
``train.py`` runs the same preparation itself (from its YAML), so this is
only needed to prepare data ahead of training or on another machine.

Authors
 * speechbrain-srst developers 2026
"""

import argparse
import json
import logging
import sys

from speechbrain_srst.data.prepare import CorpusError, prepare_domain_adaptation


def build_parser():
    """The argument parser (defaults: the ``corpus`` sizes of the YAMLs)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    corpora = parser.add_argument_group("corpora (at least one)")
    corpora.add_argument(
        "--librispeech_folder",
        default=None,
        help="LibriSpeech folder holding train-clean-100, dev-clean, ... "
        "(source speech)",
    )
    corpora.add_argument(
        "--wham_folder",
        default=None,
        help="wham_noise folder (tr, cv, tt): source noise",
    )
    corpora.add_argument(
        "--dns_folder",
        default=None,
        help="DNS-Challenge folder that contains datasets/ (target speech and noise)",
    )
    parser.add_argument(
        "--save_folder",
        required=True,
        help="where the manifests, test sets and prepare_summary.json go",
    )
    sizes = parser.add_argument_group("sizes")
    sizes.add_argument(
        "--num_source_mixtures",
        type=int,
        default=50000,
        help="source training mixtures (noisy/clean pairs)",
    )
    sizes.add_argument(
        "--num_source_valid", type=int, default=1000, help="source validation mixtures"
    )
    sizes.add_argument(
        "--num_target_mixtures",
        type=int,
        default=20000,
        help="target training mixtures (used without their clean speech)",
    )
    sizes.add_argument(
        "--num_target_valid", type=int, default=1000, help="target validation mixtures"
    )
    sizes.add_argument(
        "--segment_seconds",
        type=float,
        default=4.0,
        help="length of training and validation mixtures",
    )
    sizes.add_argument(
        "--num_test_per_snr",
        type=int,
        default=150,
        help="test utterances per SNR and test set",
    )
    sizes.add_argument(
        "--test_seconds", type=float, default=10.0, help="length of test utterances"
    )
    sizes.add_argument(
        "--test_snrs",
        type=int,
        nargs="+",
        default=[-5, 0, 5],
        help="SNRs (dB) of the fixed test sets",
    )
    parser.add_argument(
        "--seed", type=int, default=1234, help="seed of the mixture plans"
    )
    parser.add_argument(
        "--min_file_seconds",
        type=float,
        default=0.5,
        help="speech and noise files shorter than this are left out (listed in "
        "prepare_summary.json)",
    )
    parser.add_argument(
        "--silence_dbfs",
        type=float,
        default=-80.0,
        help="speech and noise files whose RMS is at most this level (dBFS) are "
        "silent and left out (listed in prepare_summary.json)",
    )
    parser.add_argument(
        "--allow_utterance_split",
        action="store_true",
        help="split a corpus or DNS language with fewer than 3 speakers by "
        "utterance instead of stopping; its speakers then appear in training "
        "and test (see the README)",
    )
    return parser


def parse_args(argv):
    """Parses the command line."""
    args = build_parser().parse_args(argv)
    args.test_snrs = tuple(args.test_snrs)
    return args


def main(argv=None):
    """Runs the preparation and prints the summary."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args = parse_args(argv)
    if not (args.librispeech_folder or args.wham_folder or args.dns_folder):
        print("Give at least one of --librispeech_folder, --wham_folder, --dns_folder.")
        return 2
    try:
        summary = prepare_domain_adaptation(**vars(args))
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
