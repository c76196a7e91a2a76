"""Data for one experiment: the user's corpora or the built-in benchmark.

Authors
 * speechbrain-srst developers 2026
"""

import logging
from pathlib import Path

from speechbrain_srst.data.prepare import prepare_domain_adaptation

logger = logging.getLogger(__name__)


def prepare_experiment_data(
    data_folder,
    librispeech_folder=None,
    wham_folder=None,
    dns_folder=None,
    benchmark_size="default",
    prepare_sizes=None,
    test_snrs=(-5, 0, 5),
    data_seed=1234,
    allow_utterance_split=False,
):
    """Builds the benchmark if needed, then prepares manifests and test sets.

    Without any corpus folder the built-in benchmark of ``benchmark_size`` is
    built (in ``<data_folder>/benchmark``) and used. Both steps are skipped
    when their outputs exist with the same options, so every stage can call
    this cheaply.

    Arguments
    ---------
    data_folder : str or Path
        Where the benchmark and the manifests are written.
    librispeech_folder, wham_folder, dns_folder : str, optional
        The real corpora (all three, or none for the built-in benchmark).
    benchmark_size : str
        A key of ``prepare_sizes`` (``smoke``, ``default``): the built-in
        benchmark's size.
    prepare_sizes : dict
        Mixture counts and durations, one entry per benchmark size and one
        named ``corpus`` for the real corpora.
    test_snrs : sequence of int
        The SNRs of the fixed test sets.
    data_seed : int
        Seed of the benchmark and of the mixing (independent of the training
        seed, so that every seed trains on the same data).
    allow_utterance_split : bool
        Split languages with fewer than 3 speakers by utterance (speakers
        leak between the splits; see
        :func:`speechbrain_srst.data.prepare.prepare_domain_adaptation`).

    Returns
    -------
    Path
        The folder holding the manifests.
    """
    data_folder = Path(data_folder)
    manifest_folder = data_folder / "manifests"
    folders = {
        "librispeech_folder": librispeech_folder or None,
        "wham_folder": wham_folder or None,
        "dns_folder": dns_folder or None,
    }
    use_benchmark = not any(folders.values())
    size = benchmark_size if use_benchmark else "corpus"
    if size not in (prepare_sizes or {}):
        raise ValueError(
            f"prepare_sizes has no entry '{size}' (it has "
            f"{sorted(prepare_sizes or {})}): add one or choose another "
            "benchmark_size."
        )
    if use_benchmark:
        # Imported here: only benchmark users need the speech synthesizer.
        from speechbrain_srst.benchmark.build import build_benchmark

        logger.info("No corpus folder given: using the built-in benchmark (%s).", size)
        folders = build_benchmark(data_folder / "benchmark", size=size, seed=data_seed)
    prepare_domain_adaptation(
        str(manifest_folder),
        **folders,
        **prepare_sizes[size],
        test_snrs=tuple(test_snrs),
        seed=data_seed,
        allow_utterance_split=bool(allow_utterance_split),
    )
    return manifest_folder
