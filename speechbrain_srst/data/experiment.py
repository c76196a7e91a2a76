"""Data for one experiment: the user's corpora or the built-in benchmark.

Authors
 * speechbrain-srst developers 2026
"""

import hashlib
import json
import logging
from pathlib import Path

from speechbrain_srst.data.prepare import (
    OPTIONS_FILE,
    PREPARE_VERSION,
    SUMMARY_FILE,
    prepare_domain_adaptation,
)

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


MANIFESTS_KEY = "manifests_v2"
"""The data identity's key for :func:`manifest_fingerprint`, named with the
fingerprint's version: a marker written with another version has another
key, which is not compared (:func:`speechbrain_srst.chain.data_differences`
compares the keys both sides have), so changing how manifests are hashed
never makes finished stages unusable. Bump it with any such change."""


def manifest_fingerprint(manifest_folder):
    """A SHA-256 of an experiment's manifests, blind to where they were written.

    Every ``*.json`` manifest of ``manifest_folder`` (not the options and
    summary files) is read in name order, each folder that the folder's own
    ``prepare_options.json`` records (``save_folder`` and the corpus
    folders, as they were when the manifests were written) replaced by its
    role. A copied or moved run folder, whose manifests still name the old
    place, and manifests written anew at the new place give the same
    fingerprint; other mixtures, SNRs, files or offsets change it.

    Arguments
    ---------
    manifest_folder : str or Path
        The folder of the manifests (``<data_folder>/manifests``).

    Returns
    -------
    str or None
        64 hex digits; ``None`` when the folder holds no manifest yet.

    Example
    -------
    >>> import json, tempfile
    >>> first, second = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> for root in (first, second):
    ...     entry = {"a": {"wav": f"{root}/a.wav", "snr": 5.0}}
    ...     _ = (root / "train.json").write_text(json.dumps(entry))
    ...     _ = (root / OPTIONS_FILE).write_text(json.dumps({"save_folder": str(root)}))
    >>> moved = [manifest_fingerprint(root) for root in (first, second)]
    >>> moved[0] == moved[1], len(moved[0])
    (True, 64)
    >>> _ = (second / "train.json").write_text('{"a": {"wav": "a.wav", "snr": 0.0}}')
    >>> manifest_fingerprint(second) == moved[0]
    False
    """
    folder = Path(manifest_folder)
    names = sorted(
        path.name
        for path in folder.glob("*.json")
        if path.name not in (OPTIONS_FILE, SUMMARY_FILE)
    )
    if not names:
        return None
    replacements = []
    for role, root in sorted(recorded_folders(folder).items()):
        for form in {str(Path(root).resolve()), str(Path(root))}:
            replacements.append((form, f"<{role}>"))
    replacements.sort(key=lambda pair: -len(pair[0]))  # longest first
    digest = hashlib.sha256()
    for name in names:
        text = (folder / name).read_text()
        for form, role in replacements:
            text = text.replace(form, role)
        digest.update(f"{name}\n{text}\n".encode())
    return digest.hexdigest()


def recorded_folders(manifest_folder):
    """The folders a manifest folder's ``prepare_options.json`` names.

    Returns
    -------
    dict
        Role -> folder for ``save_folder``, ``librispeech_folder``,
        ``wham_folder`` and ``dns_folder`` where recorded (empty without the
        options file or with an unreadable one).
    """
    path = Path(manifest_folder) / OPTIONS_FILE
    try:
        options = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    roles = ("save_folder", "librispeech_folder", "wham_folder", "dns_folder")
    return {role: options[role] for role in roles if options.get(role)}


def data_identity(
    data_folder, librispeech_folder=None, wham_folder=None, dns_folder=None
):
    """What an experiment's stages are trained and tested on, as recorded in
    each stage's completion marker and compared when a stage is reused.

    Arguments
    ---------
    data_folder : str or Path
        The experiment's data folder (``<data_folder>/manifests``).
    librispeech_folder, wham_folder, dns_folder : str, optional
        The real corpora (none: the built-in benchmark).

    Returns
    -------
    dict
        ``prepare_version`` (of the manifest preparation code),
        ``benchmark_version`` (of the built-in benchmark's generator;
        ``None`` with real corpora) and :data:`MANIFESTS_KEY`
        (:func:`manifest_fingerprint`; ``None`` before the data is prepared).

    Example
    -------
    >>> import tempfile
    >>> identity = data_identity(tempfile.mkdtemp(), None, None, "/corpora/DNS")
    >>> identity["benchmark_version"], identity[MANIFESTS_KEY]
    (None, None)
    >>> identity["prepare_version"] == PREPARE_VERSION
    True
    """
    corpora = {
        "librispeech_folder": librispeech_folder or None,
        "wham_folder": wham_folder or None,
        "dns_folder": dns_folder or None,
    }
    benchmark_version = None
    if not any(corpora.values()):
        from speechbrain_srst.benchmark.build import BENCHMARK_VERSION

        benchmark_version = BENCHMARK_VERSION
    return {
        "prepare_version": PREPARE_VERSION,
        "benchmark_version": benchmark_version,
        MANIFESTS_KEY: manifest_fingerprint(Path(data_folder) / "manifests"),
    }
