"""Data for one experiment: the user's corpora or the built-in benchmark.

Authors
 * speechbrain-srst developers 2026
"""

import logging
from pathlib import Path

from speechbrain_srst.data.prepare import prepare_domain_adaptation

logger = logging.getLogger(__name__)

CORPUS_KEYS = ("librispeech_folder", "wham_folder", "dns_folder")


def corpus_folders(hparams):
    """Returns the corpus folders the user gave (``None`` where absent).

    Example
    -------
    >>> corpus_folders({"dns_folder": "/data/DNS", "wham_folder": None})
    {'librispeech_folder': None, 'wham_folder': None, 'dns_folder': '/data/DNS'}
    """
    return {key: hparams.get(key) or None for key in CORPUS_KEYS}


def uses_benchmark(hparams):
    """Whether no corpus folder was given, so the built-in benchmark is used.

    Example
    -------
    >>> uses_benchmark({"librispeech_folder": None}), uses_benchmark(
    ...     {"dns_folder": "/data/DNS"}
    ... )
    (True, False)
    """
    return not any(corpus_folders(hparams).values())


def prepare_experiment_data(hparams):
    """Builds the benchmark if needed, then prepares manifests and test sets.

    Reads ``data_folder``, ``benchmark_size``, ``data_seed``,
    ``allow_utterance_split`` (optional),
    ``prepare_sizes`` (a dict with one entry per benchmark size and one
    named ``corpus`` for real corpora) and the corpus folders from
    ``hparams``. Both steps are skipped when their outputs exist with the
    same options, so every stage can call this cheaply.

    Arguments
    ---------
    hparams : dict
        The stage's hyperparameters.

    Returns
    -------
    Path
        The folder holding the manifests.
    """
    data_folder = Path(hparams["data_folder"])
    manifest_folder = data_folder / "manifests"
    folders = corpus_folders(hparams)
    if uses_benchmark(hparams):
        # Imported here: only benchmark users need the speech synthesizer.
        from speechbrain_srst.benchmark.build import build_benchmark

        size = hparams["benchmark_size"]
        logger.info("No corpus folder given: using the built-in benchmark (%s).", size)
        folders = build_benchmark(
            data_folder / "benchmark", size=size, seed=hparams["data_seed"]
        )
        sizes = hparams["prepare_sizes"][size]
    else:
        sizes = hparams["prepare_sizes"]["corpus"]
    prepare_domain_adaptation(
        str(manifest_folder),
        **folders,
        **sizes,
        test_snrs=tuple(hparams.get("test_snrs", (-5, 0, 5))),
        seed=hparams["data_seed"],
        allow_utterance_split=bool(hparams.get("allow_utterance_split", False)),
    )
    return manifest_folder
