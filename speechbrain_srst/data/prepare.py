"""Corpus preparation: LibriSpeech + WHAM! (source) and DNS-Challenge (target).

:func:`prepare_domain_adaptation` is the one entry point. It scans the corpus
folders it is given, validates every audio header, splits speech by speaker
and noise by file, and writes into ``save_folder``:

* mixture plans (mixed on the fly at training time with
  :func:`speechbrain_srst.data.mixing.render_mixture`):
  ``source_train.json``, ``source_valid.json`` (LibriSpeech + WHAM!) and
  ``target_train.json``, ``target_valid.json`` (DNS non-English speech + DNS
  noise);
* fixed test sets stored as audio, ``testsets/<name>/snr<S>/{clean,noise,
  noisy}/<id>.wav`` with one manifest ``<name>_snr<S>.json`` per SNR, for
  ``source_test``, ``target_test`` and ``english_test``;
* ``prepare_summary.json`` (counts and hours) and ``prepare_options.json``
  (written last; a later call with the same options and all outputs present
  does nothing).

A manifest whose corpora were not given is not written.

Authors
 * speechbrain-srst contributors
"""

import json
import logging
import os
import random
import re
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePath

from speechbrain_srst.data.audio import (
    DEFAULT_SAMPLE_RATE,
    AudioError,
    inspect_audio,
    resampled_length,
    save_audio,
)
from speechbrain_srst.data.mixing import draw_mixture_plan, render_mixture

logger = logging.getLogger(__name__)

PREPARE_VERSION = 3  # 2: noise split by family; 3: unusable files, split checks
OPTIONS_FILE = "prepare_options.json"
SUMMARY_FILE = "prepare_summary.json"
TESTSET_FOLDER = "testsets"
AUDIO_EXTENSIONS = (".wav", ".flac")
PLAN_NAMES = ("source_train", "source_valid", "target_train", "target_valid")
TEST_NAMES = ("source_test", "target_test", "english_test")
SPLITS = ("train", "valid", "test")
MAX_LISTED_BAD_FILES = 10
MIN_FILE_SECONDS = 0.5
"""Shortest usable speech or noise file (STOI needs about 0.4 s of speech)."""
SILENCE_DBFS = -80.0
"""A file whose RMS is at most this level is silent (16-bit dither is -96)."""
MIN_GROUPS = 3
"""Speakers (or files) a corpus needs to fill train, valid and test."""

LANGUAGE_FOLDERS = {
    "english": ("read_speech",),
    "french": ("french_data", "french_speech"),
    "german": ("german_speech",),
    "italian": ("italian_speech",),
    "russian": ("russian_speech",),
    "spanish": ("spanish_speech",),
    "mandarin": ("mandarin_speech",),
}
"""DNS-Challenge clean-speech folder names per language (DNS-4 names too)."""

WHAM_SPLITS = {"tr": "train", "cv": "valid", "tt": "test"}
LIBRISPEECH_KINDS = {"train": "train", "dev": "valid", "test": "test"}

_SPEED_PERTURBED = re.compile(r"(?<![A-Za-z0-9])sp(08|12)(?![0-9])")
_READER = re.compile(r"(reader_\d+)")
_LIBRISPEECH = re.compile(r"^(\d+)-\d+-\d+$")
_AISHELL = re.compile(r"^BAC\d+(S\d{4})W\d+$")
_THCHS30 = re.compile(r"^([A-Z]+\d+)_\d+$")
_NOISE_FAMILY = re.compile(r"^([A-Za-z]{3,}?)(?=[_\-\s\d]|$)")
MIN_FAMILY_FILES = 3
RARE_FAMILY = "(rare)"


class CorpusError(ValueError):
    """A corpus folder is missing, holds no usable audio, or bad files."""


# --------------------------------------------------------------------------
# Listing files
# --------------------------------------------------------------------------


def is_audio_file(path):
    """Whether a path names a usable audio file (not hidden, .wav/.flac).

    Arguments
    ---------
    path : str
        A file path.

    Returns
    -------
    bool

    Example
    -------
    >>> is_audio_file("/a/b/x.WAV"), is_audio_file("/a/b/._x.wav")
    (True, False)
    >>> is_audio_file("/a/README.txt"), is_audio_file("/a/y.flac")
    (False, True)
    """
    name = os.path.basename(path)
    return not name.startswith(".") and name.lower().endswith(AUDIO_EXTENSIONS)


def _skipped_dir(name):
    return name.startswith(".") or name == "__MACOSX"


def list_audio_files(folder, exclude=None):
    """List the audio files under a folder, recursively, sorted.

    Hidden files and folders (including ``._*`` AppleDouble files and
    ``__MACOSX``) and non-audio files are left out.

    Arguments
    ---------
    folder : str
        Root folder.
    exclude : callable or None
        Called with the path relative to ``folder``; files for which it
        returns True are left out.

    Returns
    -------
    files : list of str
        Absolute paths.
    skipped : int
        How many other files were seen and left out.

    Example
    -------
    >>> import os, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> for name in ["a.wav", "._a.wav", "notes.txt", "sub/b.flac"]:
    ...     os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
    ...     open(os.path.join(tmp, name), "w").close()
    >>> files, skipped = list_audio_files(tmp)
    >>> [os.path.relpath(f, tmp) for f in files], skipped
    (['a.wav', 'sub/b.flac'], 2)
    """
    folder = os.path.abspath(folder)
    files, skipped = [], 0
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not _skipped_dir(d))
        for name in names:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder)
            if not is_audio_file(path) or (exclude and exclude(relative)):
                skipped += 1
            else:
                files.append(path)
    return sorted(files), skipped


def speaker_from_path(path):
    """Speaker label of a corpus file, from its name or folders.

    Rules, first match wins: DNS read_speech ``..._reader_06709_0.wav`` ->
    ``reader_06709``; LibriSpeech ``103-1240-0000.flac`` -> ``103``; AISHELL
    ``BAC009S0002W0122.wav`` -> ``S0002``; THCHS-30 ``A11_0.wav`` -> ``A11``;
    M-AILABS ``.../<speaker>/<book>/wavs/<file>.wav`` -> ``<speaker>`` (the
    ``wavs`` folder's grandparent; multi-speaker books under ``mix`` give
    ``mix_<book>``); otherwise the parent folder's name.

    Arguments
    ---------
    path : str
        A file path.

    Returns
    -------
    str

    Example
    -------
    >>> speaker_from_path("/r/book_00000_chp_0009_reader_06709_0.wav")
    'reader_06709'
    >>> speaker_from_path("/d/S0002/BAC009S0002W0122.wav")
    'S0002'
    >>> speaker_from_path("/d/data_thchs30/A11_0.wav")
    'A11'
    >>> speaker_from_path("/f/by_book/female/ezwa/lecoq/wavs/lecoq_01_f000001.wav")
    'ezwa'
    >>> speaker_from_path("/f/by_book/mix/contes/wavs/contes_01_f000001.wav")
    'mix_contes'
    >>> speaker_from_path("/x/some_speaker/clip.wav")
    'some_speaker'
    """
    pure = PurePath(path)
    stem, parts = pure.stem, pure.parts
    for pattern in (_READER, _LIBRISPEECH, _AISHELL, _THCHS30):
        match = pattern.search(stem)
        if match:
            return match.group(1)
    if len(parts) >= 4 and parts[-2] == "wavs":
        speaker, book = parts[-4], parts[-3]
        return f"mix_{book}" if speaker == "mix" else speaker
    return parts[-2] if len(parts) >= 2 else stem


# --------------------------------------------------------------------------
# Headers and splits
# --------------------------------------------------------------------------


def _inspect(path):
    try:
        return inspect_audio(path), None
    except AudioError as error:
        return None, str(error)


def scan_audio(
    entries,
    what,
    num_workers=8,
    min_seconds=MIN_FILE_SECONDS,
    silence_dbfs=SILENCE_DBFS,
):
    """Decode every file whole; fill ``num_samples`` (16 kHz) and rates.

    Files that cannot be decoded whole (unreadable, cut short, empty,
    NaN/inf samples) stop the preparation; files that decode but cannot be
    used, silent ones (RMS at most ``silence_dbfs``) and ones shorter than
    ``min_seconds``, are left out, named in a warning and returned.

    Arguments
    ---------
    entries : list of dict
        Each with ``wav``; updated in place with ``num_samples`` (at 16 kHz),
        ``sample_rate``, ``channels`` and ``rms_dbfs``.
    what : str
        Corpus description used in the messages.
    num_workers : int
        Threads decoding files.
    min_seconds : float
        Shortest usable file.
    silence_dbfs : float
        A file whose RMS (channel 0, around its mean) is at most this level
        is silent.

    Returns
    -------
    usable : list of dict
        The usable entries, in order.
    unusable : list of dict
        ``{"file", "corpus", "reason"}`` of each file left out.

    Raises
    ------
    CorpusError
        Naming the first files that cannot be decoded, and their count.

    Example
    -------
    >>> import os, tempfile, torch
    >>> tmp = tempfile.mkdtemp()
    >>> save_audio(os.path.join(tmp, "a.wav"), torch.rand(8000) - 0.5, 8000)
    >>> save_audio(os.path.join(tmp, "silent.wav"), torch.zeros(8000), 8000)
    >>> entries = [{"wav": os.path.join(tmp, n)} for n in ("a.wav", "silent.wav")]
    >>> usable, unusable = scan_audio(entries, "demo")
    >>> usable[0]["num_samples"], unusable[0]["reason"]
    (16000, 'silent (RMS -200.0 dBFS, at most -80.0)')
    """
    with ThreadPoolExecutor(max_workers=num_workers) as pool:
        results = list(pool.map(_inspect, [entry["wav"] for entry in entries]))
    bad = [error for _, error in results if error is not None]
    if bad:
        listed = "\n  ".join(bad[:MAX_LISTED_BAD_FILES])
        raise CorpusError(
            f"{len(bad)} unreadable or empty audio file(s) in {what} "
            f"(first {min(len(bad), MAX_LISTED_BAD_FILES)} listed):\n  {listed}\n"
            "Remove or replace them and run the preparation again."
        )
    usable, unusable = [], []
    for entry, (info, _) in zip(entries, results, strict=True):
        entry["num_samples"] = resampled_length(
            info["frames"], info["sample_rate"], DEFAULT_SAMPLE_RATE
        )
        entry["sample_rate"] = info["sample_rate"]
        entry["channels"] = info["channels"]
        entry["rms_dbfs"] = info["rms_dbfs"]
        seconds = info["frames"] / info["sample_rate"]
        if info["rms_dbfs"] <= silence_dbfs:
            reason = f"silent (RMS {info['rms_dbfs']:.1f} dBFS, at most {silence_dbfs})"
        elif seconds < min_seconds:
            reason = f"too short ({seconds:.3f} s, under {min_seconds} s)"
        else:
            usable.append(entry)
            continue
        unusable.append(
            {"file": entry["wav"], "corpus": entry.get("corpus", ""), "reason": reason}
        )
    if unusable:
        listed = "\n  ".join(
            f"{item['file']}: {item['reason']}"
            for item in unusable[:MAX_LISTED_BAD_FILES]
        )
        logger.warning(
            "%d unusable audio file(s) in %s left out (listed in %s; first %d "
            "here):\n  %s",
            len(unusable),
            what,
            SUMMARY_FILE,
            min(len(unusable), MAX_LISTED_BAD_FILES),
            listed,
        )
    return usable, unusable


def _split_counts(num_groups, valid_ratio, test_ratio):
    if num_groups < MIN_GROUPS:
        return num_groups, 0, 0
    num_test = max(1, round(num_groups * test_ratio)) if test_ratio > 0 else 0
    num_valid = max(1, round(num_groups * valid_ratio)) if valid_ratio > 0 else 0
    while num_test + num_valid > num_groups - 1:
        if num_test >= num_valid:
            num_test -= 1
        else:
            num_valid -= 1
    return num_groups - num_valid - num_test, num_valid, num_test


def split_groups(entries, key, valid_ratio, test_ratio, seed):
    """Split entries into train/valid/test so that no group spans two splits.

    Groups (e.g. speakers) are shuffled with ``random.Random(seed)``; with
    at least 3 groups each split gets at least one group when its ratio is
    positive, with fewer all go to train.

    Arguments
    ---------
    entries : list of dict
        Items to split.
    key : str
        The entry key that names the group (``"speaker"``, ``"wav"``).
    valid_ratio, test_ratio : float
        Shares of the groups for valid and test.
    seed : int or str
        Seed of the shuffle.

    Returns
    -------
    dict
        ``{"train": [...], "valid": [...], "test": [...]}``.

    Example
    -------
    >>> entries = [{"speaker": s, "wav": f"{s}{i}"} for s in "abcde" for i in "12"]
    >>> splits = split_groups(entries, "speaker", 0.2, 0.2, seed=0)
    >>> [len(splits[name]) for name in ("train", "valid", "test")]
    [6, 2, 2]
    """
    groups = sorted({entry[key] for entry in entries})
    random.Random(seed).shuffle(groups)
    num_train, num_valid, _ = _split_counts(len(groups), valid_ratio, test_ratio)
    assignment = {}
    for index, group in enumerate(groups):
        if index < num_train:
            assignment[group] = "train"
        elif index < num_train + num_valid:
            assignment[group] = "valid"
        else:
            assignment[group] = "test"
    splits = {name: [] for name in SPLITS}
    for entry in entries:
        splits[assignment[entry[key]]].append(entry)
    return splits


def split_speakers(
    entries, what, valid_ratio, test_ratio, seed, allow_utterance_split=False
):
    """Split speech by speaker; by utterance only when allowed and needed.

    With fewer than :data:`MIN_GROUPS` speakers a split by speaker leaves
    valid and test empty (:func:`split_groups` puts everything in train);
    with ``allow_utterance_split`` the files are then split by utterance
    instead, and a warning says that the same speakers are in train, valid
    and test.

    Arguments
    ---------
    entries : list of dict
        Speech entries with ``speaker`` and ``wav``.
    what : str
        Corpus description used in the warning.
    valid_ratio, test_ratio : float
        Shares of the speakers (or files) for valid and test.
    seed : int or str
        Seed of the shuffle.
    allow_utterance_split : bool
        Whether a split by utterance may replace an impossible one by speaker.

    Returns
    -------
    splits : dict
        ``{"train": [...], "valid": [...], "test": [...]}``.
    mode : str
        ``"speaker"`` or ``"utterance"``.

    Example
    -------
    >>> entries = [{"speaker": "solo", "wav": f"{i}.wav"} for i in range(10)]
    >>> splits, mode = split_speakers(entries, "demo", 0.1, 0.1, 0, True)
    >>> mode, [len(splits[name]) for name in SPLITS]
    ('utterance', [8, 1, 1])
    """
    speakers = sorted({entry["speaker"] for entry in entries})
    wanted = valid_ratio > 0 or test_ratio > 0
    if len(speakers) >= MIN_GROUPS or not wanted or not allow_utterance_split:
        return split_groups(
            entries, "speaker", valid_ratio, test_ratio, seed
        ), "speaker"
    logger.warning(
        "%s: %d speaker(s) (%s), fewer than %d: split by utterance "
        "(allow_utterance_split), so the same speakers are in train, valid and test",
        what,
        len(speakers),
        ", ".join(speakers),
        MIN_GROUPS,
    )
    return split_groups(entries, "wav", valid_ratio, test_ratio, seed), "utterance"


def noise_family(path):
    """The noise family of a DNS noise file: the leading word of its name.

    DNS-Challenge noise files are named ``<Family>_<n>.wav`` (e.g.
    ``AirConditioner_6.wav``, ``door_Freesound_validated_380959_0.wav``);
    names that do not start with a word of at least three letters (AudioSet
    clips named by YouTube id, e.g. ``-0aVkLAHL0E.wav``) get the family
    ``"(rare)"``.

    Arguments
    ---------
    path : str
        A noise file path.

    Returns
    -------
    str
        The family, lower case.

    Example
    -------
    >>> noise_family("/d/noise/AirConditioner_6.wav")
    'airconditioner'
    >>> noise_family("door_Freesound_validated_380959_0.wav")
    'door'
    >>> noise_family("Hum50Hz_0005.wav"), noise_family("-0aVkLAHL0E.wav")
    ('hum', '(rare)')
    """
    match = _NOISE_FAMILY.match(PurePath(path).stem)
    return match.group(1).lower() if match else RARE_FAMILY


def split_by_family(entries, valid_ratio, test_ratio, seed, family=noise_family):
    """Split noise files so that every family is in train, valid and test.

    Each family with at least ``MIN_FAMILY_FILES`` files is split by file on
    its own, so each split gets its share of every family (a split by file
    alone can leave whole families out of the test set). Files of smaller
    families are pooled and split by file together.

    Arguments
    ---------
    entries : list of dict
        Noise entries, each with ``wav``.
    valid_ratio, test_ratio : float
        Shares of each family's files for valid and test.
    seed : int or str
        Seed of the shuffles.
    family : callable
        Maps a path to its family.

    Returns
    -------
    dict
        ``{"train": [...], "valid": [...], "test": [...]}``, each entry with a
        ``family`` key added.

    Example
    -------
    >>> names = [f"{kind}_{i}.wav" for kind in ("Fan", "Music") for i in range(10)]
    >>> splits = split_by_family([{"wav": n} for n in names], 0.1, 0.2, seed=0)
    >>> sorted({e["family"] for e in splits["test"]})
    ['fan', 'music']
    >>> [len(splits[name]) for name in ("train", "valid", "test")]
    [14, 2, 4]
    """
    by_family = {}
    for entry in entries:
        entry["family"] = family(entry["wav"])
        by_family.setdefault(entry["family"], []).append(entry)
    rare = [
        e
        for files in by_family.values()
        if len(files) < MIN_FAMILY_FILES
        for e in files
    ]
    groups = {
        name: files
        for name, files in by_family.items()
        if len(files) >= MIN_FAMILY_FILES
    }
    if rare:
        groups[RARE_FAMILY] = groups.get(RARE_FAMILY, []) + rare
    splits = {name: [] for name in SPLITS}
    for name in sorted(groups):
        parts = split_groups(
            groups[name], "wav", valid_ratio, test_ratio, f"{seed}:{name}"
        )
        for split in SPLITS:
            splits[split].extend(parts[split])
    return splits


# --------------------------------------------------------------------------
# Corpora
# --------------------------------------------------------------------------


def _require_folder(folder, what):
    if not os.path.isdir(folder):
        raise CorpusError(f"{what} folder not found: {folder}")
    return os.path.abspath(folder)


def _entries(files, language, corpus, speaker=True):
    return [
        {
            "wav": path,
            "language": language,
            "speaker": speaker_from_path(path) if speaker else "",
            "corpus": corpus,
        }
        for path in files
    ]


def _librispeech_subsets(folder, subsets):
    if subsets is not None:
        for subset in subsets:
            _require_folder(os.path.join(folder, subset), "LibriSpeech subset")
        return list(subsets)
    found = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not _skipped_dir(name):
            found.append(name)
    return found


def _librispeech_files(folder, subset):
    root = os.path.join(folder, subset)
    files = []
    for speaker in sorted(os.listdir(root)):
        speaker_dir = os.path.join(root, speaker)
        if _skipped_dir(speaker) or not os.path.isdir(speaker_dir):
            continue
        for chapter in sorted(os.listdir(speaker_dir)):
            chapter_dir = os.path.join(speaker_dir, chapter)
            if _skipped_dir(chapter) or not os.path.isdir(chapter_dir):
                continue
            files.extend(
                os.path.join(chapter_dir, name)
                for name in sorted(os.listdir(chapter_dir))
                if is_audio_file(name) and name.lower().endswith(".flac")
            )
    return files


def collect_librispeech(
    folder,
    subsets=None,
    valid_ratio=0.1,
    test_ratio=0.1,
    seed=0,
    min_seconds=MIN_FILE_SECONDS,
    silence_dbfs=SILENCE_DBFS,
    allow_utterance_split=False,
):
    """Find and split LibriSpeech (``<subset>/<speaker>/<chapter>/*.flac``).

    Splits by subset name when train-*, dev-* and test-* subsets are all
    present (other subsets go to train), otherwise by speaker.

    Arguments
    ---------
    folder : str
        The folder holding the subset folders (e.g. ``LibriSpeech/``).
    subsets : list of str or None
        Subset folder names; None uses every subset with flac files.
    valid_ratio, test_ratio : float
        Speaker shares when splitting by speaker.
    seed : int or str
        Seed of the speaker split.
    min_seconds, silence_dbfs : float
        Files shorter or quieter are left out (see :func:`scan_audio`).
    allow_utterance_split : bool
        With fewer than 3 speakers, split the files by utterance instead of
        leaving valid and test empty (speakers then leak across splits).

    Returns
    -------
    splits : dict
        ``{"train"|"valid"|"test": [entry, ...]}``, entries with ``wav``,
        ``num_samples``, ``language`` (english), ``speaker``.
    info : dict
        ``split_mode`` (subset, speaker or utterance), ``subsets`` and
        ``unusable_files`` (see :func:`scan_audio`).

    Example
    -------
    >>> import os, tempfile, torch
    >>> tmp = tempfile.mkdtemp()
    >>> for spk in ["1", "2", "3"]:
    ...     path = os.path.join(tmp, "clean", spk, "9", f"{spk}-9-0000.flac")
    ...     os.makedirs(os.path.dirname(path))
    ...     wav = (torch.rand(8000) - 0.5).numpy()
    ...     import soundfile; soundfile.write(path, wav, 16000)
    >>> splits, info = collect_librispeech(tmp, seed=0)
    >>> info["split_mode"], sorted(len(v) for v in splits.values())
    ('speaker', [1, 1, 1])
    """
    folder = _require_folder(folder, "LibriSpeech")
    files_by_subset = {}
    for subset in _librispeech_subsets(folder, subsets):
        files = _librispeech_files(folder, subset)
        if files:
            files_by_subset[subset] = files
        elif subsets is not None:
            raise CorpusError(
                f"No LibriSpeech flac files in subset folder "
                f"{os.path.join(folder, subset)}"
            )
    if not files_by_subset:
        hint = ""
        if os.path.isdir(os.path.join(folder, "LibriSpeech")):
            hint = f" (did you mean {os.path.join(folder, 'LibriSpeech')}?)"
        raise CorpusError(
            f"No LibriSpeech audio in {folder}: expected "
            f"<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac{hint}"
        )
    entries = {
        subset: _entries(files, "english", "librispeech")
        for subset, files in files_by_subset.items()
    }
    _, unusable = scan_audio(
        [e for group in entries.values() for e in group],
        f"LibriSpeech {folder}",
        min_seconds=min_seconds,
        silence_dbfs=silence_dbfs,
    )
    left_out = {item["file"] for item in unusable}
    entries = {
        subset: [e for e in group if e["wav"] not in left_out]
        for subset, group in entries.items()
    }
    if not any(entries.values()):
        raise CorpusError(f"No usable LibriSpeech audio in {folder}: see the warning")
    kinds = {subset: LIBRISPEECH_KINDS.get(subset.split("-")[0]) for subset in entries}
    info = {"subsets": sorted(entries), "unusable_files": unusable}
    if {"train", "valid", "test"} <= {
        kinds[s] for s, group in entries.items() if group
    }:
        info["split_mode"] = "subset"
        splits = {name: [] for name in SPLITS}
        for subset, group in entries.items():
            splits[kinds[subset] or "train"].extend(group)
        return splits, info
    pooled = [e for group in entries.values() for e in group]
    splits, info["split_mode"] = split_speakers(
        pooled,
        "LibriSpeech",
        valid_ratio,
        test_ratio,
        seed,
        allow_utterance_split,
    )
    return splits, info


def collect_wham(folder, min_seconds=MIN_FILE_SECONDS, silence_dbfs=SILENCE_DBFS):
    """Find WHAM! noise (``{tr,cv,tt}/*.wav``), leaving out sp08/sp12 copies.

    Arguments
    ---------
    folder : str
        The ``wham_noise`` folder.
    min_seconds, silence_dbfs : float
        Files shorter or quieter are left out (see :func:`scan_audio`).

    Returns
    -------
    splits : dict
        ``{"train"|"valid"|"test": [entry, ...]}`` from tr, cv, tt.
    info : dict
        ``skipped_files`` (speed-perturbed, hidden and non-audio files) and
        ``unusable_files`` (see :func:`scan_audio`).

    Example
    -------
    >>> import os, tempfile, torch
    >>> tmp = tempfile.mkdtemp()
    >>> for name in ["tr/a.wav", "tr/sp08_a.wav", "cv/b.wav", "tt/c.wav"]:
    ...     save_audio(os.path.join(tmp, name), torch.rand(8000) - 0.5)
    >>> splits, info = collect_wham(tmp)
    >>> [len(splits[s]) for s in ("train", "valid", "test")], info
    ([1, 1, 1], {'skipped_files': 1, 'unusable_files': []})
    """
    folder = _require_folder(folder, "WHAM! noise")
    splits, skipped_total = {}, 0
    for sub, split in WHAM_SPLITS.items():
        sub_folder = _require_folder(os.path.join(folder, sub), "WHAM! noise split")
        files, skipped = list_audio_files(
            sub_folder, exclude=lambda rel: bool(_SPEED_PERTURBED.search(rel))
        )
        if not files:
            raise CorpusError(f"No WHAM! noise audio in {sub_folder}")
        skipped_total += skipped
        splits[split] = _entries(files, "noise", "wham", speaker=False)
    _, unusable = scan_audio(
        [e for group in splits.values() for e in group],
        f"WHAM! {folder}",
        min_seconds=min_seconds,
        silence_dbfs=silence_dbfs,
    )
    left_out = {item["file"] for item in unusable}
    for sub, split in WHAM_SPLITS.items():
        splits[split] = [e for e in splits[split] if e["wav"] not in left_out]
        if not splits[split]:
            raise CorpusError(
                f"No usable WHAM! noise in {os.path.join(folder, sub)}: every file "
                "is silent or too short (see the warning)"
            )
    return splits, {"skipped_files": skipped_total, "unusable_files": unusable}


def _language_folder(clean, language):
    candidates = LANGUAGE_FOLDERS.get(language, ()) + (f"{language}_speech",)
    for name in candidates:
        if os.path.isdir(os.path.join(clean, name)):
            return os.path.join(clean, name)
    return None


def collect_dns(
    folder,
    languages,
    valid_ratio=0.1,
    test_ratio=0.1,
    seed=0,
    min_seconds=MIN_FILE_SECONDS,
    silence_dbfs=SILENCE_DBFS,
    allow_utterance_split=False,
):
    """Find and split DNS-Challenge clean speech (per language) and noise.

    Speech is split by speaker within each language; noise by file within
    each noise family (:func:`split_by_family`), so that the test set holds
    every family.

    Arguments
    ---------
    folder : str
        The folder that contains ``datasets/``.
    languages : list of str
        Languages to collect (``english`` is ``read_speech``). Absent
        language folders are skipped with a logged note.
    valid_ratio, test_ratio : float
        Shares of speakers (noise files) for valid and test.
    seed : int or str
        Seed of the splits.
    min_seconds, silence_dbfs : float
        Files shorter or quieter are left out (see :func:`scan_audio`).
    allow_utterance_split : bool
        A language with fewer than 3 speakers is split by utterance instead
        of going to train only (speakers then leak across splits).

    Returns
    -------
    speech : dict
        ``{language: {"train"|"valid"|"test": [entry, ...]}}``.
    noise : dict
        ``{"train"|"valid"|"test": [entry, ...]}``.
    info : dict
        ``folders`` (language -> folder), ``missing_languages``,
        ``skipped_files``, ``split_modes`` (language -> speaker or
        utterance) and ``unusable_files`` (see :func:`scan_audio`).

    Example
    -------
    >>> import os, tempfile, torch
    >>> tmp = tempfile.mkdtemp()
    >>> for name in ["clean/german_speech/s1/a.wav", "clean/german_speech/s2/b.wav",
    ...              "clean/german_speech/s3/c.wav", "noise/n1.wav",
    ...              "noise/n2.wav", "noise/n3.wav"]:
    ...     save_audio(os.path.join(tmp, "datasets", name), torch.rand(8000) - 0.5)
    >>> speech, noise, info = collect_dns(tmp, ["german", "mandarin"])
    >>> sorted(speech), [len(noise[s]) for s in ("train", "valid", "test")]
    (['german'], [1, 1, 1])
    >>> info["missing_languages"]
    ['mandarin']
    """
    folder = _require_folder(folder, "DNS-Challenge")
    clean = _require_folder(os.path.join(folder, "datasets", "clean"), "DNS clean")
    noise_dir = _require_folder(os.path.join(folder, "datasets", "noise"), "DNS noise")
    folders = {lang: _language_folder(clean, lang) for lang in languages}
    missing = [lang for lang, path in folders.items() if path is None]
    for lang in missing:
        log = logger.info if lang == "mandarin" else logger.warning
        log("DNS: no %s speech folder in %s, %s skipped", lang, clean, lang)
    folders = {lang: path for lang, path in folders.items() if path is not None}
    if languages and not folders:
        expected = [
            name for lang in languages for name in LANGUAGE_FOLDERS.get(lang, ())
        ]
        raise CorpusError(
            f"No DNS language folder in {clean}: expected one of {expected}"
        )
    speech, skipped_total = {}, 0
    for lang, path in folders.items():
        files, skipped = list_audio_files(path)
        if not files:
            raise CorpusError(f"No DNS speech audio (.wav/.flac) in {path}")
        skipped_total += skipped
        speech[lang] = _entries(files, lang, "dns")
    noise_files, skipped = list_audio_files(noise_dir)
    if not noise_files:
        raise CorpusError(f"No DNS noise audio (.wav/.flac) in {noise_dir}")
    noise = _entries(noise_files, "noise", "dns", speaker=False)
    _, unusable = scan_audio(
        [e for group in speech.values() for e in group] + noise,
        f"DNS {folder}",
        min_seconds=min_seconds,
        silence_dbfs=silence_dbfs,
    )
    left_out = {item["file"] for item in unusable}
    noise = [e for e in noise if e["wav"] not in left_out]
    if not noise:
        raise CorpusError(
            f"No usable DNS noise in {noise_dir}: every file is silent or too "
            "short (see the warning)"
        )
    split_modes = {}
    for lang, entries in speech.items():
        entries = [e for e in entries if e["wav"] not in left_out]
        if not entries:
            raise CorpusError(
                f"No usable DNS {lang} speech in {folders[lang]}: every file is "
                "silent or too short (see the warning)"
            )
        speech[lang], split_modes[lang] = split_speakers(
            entries,
            f"DNS {lang}",
            valid_ratio,
            test_ratio,
            f"{seed}:dns:{lang}",
            allow_utterance_split,
        )
    noise = split_by_family(noise, valid_ratio, test_ratio, f"{seed}:dns:noise")
    info = {
        "folders": folders,
        "missing_languages": missing,
        "skipped_files": skipped_total + skipped,
        "split_modes": split_modes,
        "unusable_files": unusable,
    }
    return speech, noise, info


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------


def snr_tag(snr):
    """Folder/manifest tag of an SNR value.

    Arguments
    ---------
    snr : float
        SNR in dB.

    Returns
    -------
    str

    Example
    -------
    >>> snr_tag(-5), snr_tag(0.0), snr_tag(2.5)
    ('snr-5', 'snr0', 'snr2.5')
    """
    return f"snr{float(snr):g}"


def _write_json(path, data):
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def _read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _hours(samples):
    return round(samples / DEFAULT_SAMPLE_RATE / 3600, 6)


def _manifest_stats(manifest):
    stats = {"entries": len(manifest), "hours": 0.0, "languages": {}}
    samples, per_language = 0, {}
    for spec in manifest.values():
        length = spec["length"]
        samples += length
        counts = per_language.setdefault(spec["language"], [0, 0])
        counts[0] += 1
        counts[1] += length
    stats["hours"] = _hours(samples)
    stats["languages"] = {
        lang: {"entries": n, "hours": _hours(s)}
        for lang, (n, s) in sorted(per_language.items())
    }
    return stats


def _split_stats(splits, speakers=True):
    stats = {}
    for name in SPLITS:
        group = splits.get(name, [])
        stats[name] = {
            "files": len(group),
            "hours": _hours(sum(entry["num_samples"] for entry in group)),
        }
        if speakers:
            stats[name]["speakers"] = len({entry["speaker"] for entry in group})
        families = Counter(entry["family"] for entry in group if "family" in entry)
        if families:
            stats[name]["families"] = dict(sorted(families.items()))
    return stats


def _draw_test_plans(
    name, speech_by_lang, noise, snrs, num_per_snr, samples, level_range, seed
):
    """Per SNR, ``num_per_snr`` specs, languages balanced, speech not looped."""
    languages = sorted(lang for lang, entries in speech_by_lang.items() if entries)
    plans = {snr: [] for snr in snrs}
    for index, lang in enumerate(languages):
        share = num_per_snr // len(languages) + (index < num_per_snr % len(languages))
        drawn = draw_mixture_plan(
            speech_by_lang[lang],
            noise,
            share * len(snrs),
            samples,
            (0.0, 0.0),
            level_range,
            seed=f"{seed}:{name}:{lang}",
            id_prefix=name,
            fixed_length=False,
        )
        specs = list(drawn.values())
        for position, snr in enumerate(snrs):
            for spec in specs[position * share : (position + 1) * share]:
                plans[snr].append(dict(spec, snr=float(snr)))
    return plans


def _render_test_set(save_folder, name, plans):
    """Render, save and index one test set; returns ``{manifest name: dict}``."""
    manifests = {}
    for snr, specs in plans.items():
        tag = snr_tag(snr)
        folder = os.path.join(save_folder, TESTSET_FOLDER, name, tag)
        manifest = {}
        for index, spec in enumerate(specs):
            mix_id = f"{name}_{tag}_{index:04d}"
            audio = render_mixture(spec)
            entry = {}
            for kind in ("noisy", "clean", "noise"):
                path = os.path.join(folder, kind, f"{mix_id}.wav")
                save_audio(path, audio[kind])
                entry[f"{kind}_wav"] = path
            entry.update(
                snr=float(snr),
                language=spec["language"],
                speaker=spec["speaker"],
                duration=spec["duration"],
                length=spec["length"],
                level_dbfs=spec["level_dbfs"],
                speech_source=spec["speech"],
                noise_source=spec["noise"],
                speech_start=spec["speech_start"],
                noise_start=spec["noise_start"],
            )
            manifest[mix_id] = entry
        manifests[f"{name}_{tag}"] = manifest
    return manifests


def _clear_outputs(save_folder):
    """Remove what an earlier run of this function wrote."""
    for name in (OPTIONS_FILE, SUMMARY_FILE) + tuple(f"{n}.json" for n in PLAN_NAMES):
        path = os.path.join(save_folder, name)
        if os.path.isfile(path):
            os.remove(path)
    for name in os.listdir(save_folder):
        if any(re.fullmatch(rf"{t}_snr[-0-9.]+\.json", name) for t in TEST_NAMES):
            os.remove(os.path.join(save_folder, name))
    for name in TEST_NAMES:
        folder = os.path.join(save_folder, TESTSET_FOLDER, name)
        if os.path.isdir(folder):
            shutil.rmtree(folder)


def _outputs_exist(save_folder, options):
    """Whether an earlier run with these options left all its outputs."""
    options_path = os.path.join(save_folder, OPTIONS_FILE)
    summary_path = os.path.join(save_folder, SUMMARY_FILE)
    if not (os.path.isfile(options_path) and os.path.isfile(summary_path)):
        return False
    try:
        if _read_json(options_path) != options:
            return False
        summary = _read_json(summary_path)
        for name in summary["manifests"]:
            path = os.path.join(save_folder, f"{name}.json")
            if not os.path.isfile(path):
                return False
            if any(name.startswith(test) for test in TEST_NAMES):
                for entry in _read_json(path).values():
                    for key in ("noisy_wav", "clean_wav", "noise_wav"):
                        if not os.path.isfile(entry[key]):
                            return False
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


def _options(**kwargs):
    for key in ("save_folder", "librispeech_folder", "wham_folder", "dns_folder"):
        if kwargs[key] is not None:
            kwargs[key] = os.path.abspath(kwargs[key])
    kwargs["prepare_version"] = PREPARE_VERSION
    return json.loads(json.dumps(kwargs))


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def prepare_domain_adaptation(
    save_folder,
    *,
    librispeech_folder=None,
    wham_folder=None,
    dns_folder=None,
    num_source_mixtures=50000,
    num_source_valid=1000,
    num_target_mixtures=50000,
    num_target_valid=1000,
    segment_seconds=4.0,
    train_snr_range=(-5.0, 10.0),
    level_range=(-35.0, -15.0),
    test_snrs=(-5, 0, 5),
    num_test_per_snr=50,
    test_seconds=10.0,
    valid_ratio=0.1,
    test_ratio=0.1,
    seed=1234,
    librispeech_subsets=None,
    target_languages=("french", "german", "italian", "russian", "spanish", "mandarin"),
    min_file_seconds=MIN_FILE_SECONDS,
    silence_dbfs=SILENCE_DBFS,
    allow_utterance_split=False,
    skip_prep=False,
):
    """Prepare the manifests and fixed test sets of the domain-adaptation recipe.

    Source domain: LibriSpeech speech + WHAM! noise. Target domain: DNS
    non-English speech + DNS noise. Every corpus folder is optional; a
    manifest whose corpora are not given is not written. Training and
    validation manifests are mixture plans (``speech``, ``noise``, ``snr``,
    ``speech_start``, ``noise_start``, ``length``, ``level_dbfs``,
    ``language``, ``speaker``, ``duration``), rendered on the fly with
    :func:`~speechbrain_srst.data.mixing.render_mixture`; every training
    mixture is ``segment_seconds`` long (short speech is looped). Test
    mixtures are at most ``test_seconds`` long (short speech is not looped),
    balanced over languages, and saved as float32 WAV; their manifests
    ``<name>_snr<S>.json`` hold ``noisy_wav``, ``clean_wav``, ``noise_wav``,
    ``snr``, ``language``, ``speaker``, ``duration`` (and the mixing
    parameters). All corpora are validated before anything is written.

    Arguments
    ---------
    save_folder : str
        Where everything is written.
    librispeech_folder : str or None
        Folder holding LibriSpeech subsets (``train-clean-100``, ...).
    wham_folder : str or None
        The ``wham_noise`` folder (``tr``, ``cv``, ``tt``).
    dns_folder : str or None
        The DNS-Challenge folder that contains ``datasets/``.
    num_source_mixtures, num_source_valid : int
        Size of the source train and valid mixture plans.
    num_target_mixtures, num_target_valid : int
        Size of the target train and valid mixture plans.
    segment_seconds : float
        Length of training/validation mixtures.
    train_snr_range : tuple of float
        SNR range (dB) of training/validation mixtures.
    level_range : tuple of float
        Mixture RMS level range (dBFS).
    test_snrs : tuple of float
        SNRs of the fixed test sets.
    num_test_per_snr : int
        Test mixtures per SNR and test set (3 x 50 = the paper's 150).
    test_seconds : float
        Longest test mixture.
    valid_ratio, test_ratio : float
        Shares of speakers (noise files) held out for valid and test.
    seed : int
        Seed of every split and draw.
    librispeech_subsets : list of str or None
        LibriSpeech subsets to use (None: every subset folder found).
    target_languages : tuple of str
        DNS languages of the target domain (absent folders are skipped).
    min_file_seconds : float
        Speech and noise files shorter than this are left out.
    silence_dbfs : float
        Speech and noise files whose RMS is at most this level are left out.
    allow_utterance_split : bool
        A corpus or DNS language with fewer than 3 speakers is split by
        utterance (its speakers then appear in training and test) instead of
        stopping the preparation.
    skip_prep : bool
        If True, do nothing and return the existing summary (or {}).

    Returns
    -------
    dict
        The summary also written to ``prepare_summary.json``: ``manifests``
        (name -> entries, hours, per-language entries and hours), ``corpora``
        (files, speakers and hours per corpus and split), ``missing_languages``.

    Example
    -------
    >>> import os, tempfile, torch
    >>> from speechbrain_srst.data.audio import save_audio
    >>> tmp = tempfile.mkdtemp()
    >>> for name in ["tr/a.wav", "cv/b.wav", "tt/c.wav"]:
    ...     save_audio(os.path.join(tmp, "wham", name), torch.rand(8000) - 0.5)
    >>> for spk in ["1", "2", "3"]:
    ...     save_audio(os.path.join(tmp, "dns", "datasets", "clean",
    ...                "german_speech", spk, "x.wav"), torch.rand(8000) - 0.5)
    ...     save_audio(os.path.join(tmp, "dns", "datasets", "noise",
    ...                f"n{spk}.wav"), torch.rand(8000) - 0.5)
    >>> summary = prepare_domain_adaptation(
    ...     os.path.join(tmp, "out"), wham_folder=os.path.join(tmp, "wham"),
    ...     dns_folder=os.path.join(tmp, "dns"), num_target_mixtures=4,
    ...     num_target_valid=2, num_test_per_snr=1, test_seconds=0.25,
    ...     target_languages=("german",))
    >>> sorted(summary["manifests"])  # doctest: +NORMALIZE_WHITESPACE
    ['target_test_snr-5', 'target_test_snr0', 'target_test_snr5',
     'target_train', 'target_valid']
    >>> summary["manifests"]["target_train"]["entries"]
    4
    """
    options = _options(
        save_folder=save_folder,
        librispeech_folder=librispeech_folder,
        wham_folder=wham_folder,
        dns_folder=dns_folder,
        num_source_mixtures=num_source_mixtures,
        num_source_valid=num_source_valid,
        num_target_mixtures=num_target_mixtures,
        num_target_valid=num_target_valid,
        segment_seconds=segment_seconds,
        train_snr_range=list(train_snr_range),
        level_range=list(level_range),
        test_snrs=list(test_snrs),
        num_test_per_snr=num_test_per_snr,
        test_seconds=test_seconds,
        valid_ratio=valid_ratio,
        test_ratio=test_ratio,
        seed=seed,
        librispeech_subsets=None
        if librispeech_subsets is None
        else list(librispeech_subsets),
        target_languages=list(target_languages),
        min_file_seconds=min_file_seconds,
        silence_dbfs=silence_dbfs,
        allow_utterance_split=allow_utterance_split,
    )
    save_folder = options["save_folder"]
    summary_path = os.path.join(save_folder, SUMMARY_FILE)
    if skip_prep:
        return _read_json(summary_path) if os.path.isfile(summary_path) else {}
    if _outputs_exist(save_folder, options):
        logger.info("Data preparation already done in %s, skipping", save_folder)
        return _read_json(summary_path)
    corpora = _collect_all(options)
    check_splits(options, corpora)
    os.makedirs(save_folder, exist_ok=True)
    _clear_outputs(save_folder)
    summary = _write_outputs(save_folder, options, corpora)
    _write_json(summary_path, summary)
    _write_json(os.path.join(save_folder, OPTIONS_FILE), options)
    logger.info("Data preparation written to %s", save_folder)
    return summary


def _collect_all(options):
    """Scan and validate every given corpus (nothing is written here)."""
    seed = options["seed"]
    ratios = options["valid_ratio"], options["test_ratio"]
    checks = {
        "min_seconds": options["min_file_seconds"],
        "silence_dbfs": options["silence_dbfs"],
    }
    utterances = options["allow_utterance_split"]
    corpora = {}
    if options["librispeech_folder"] is not None:
        corpora["librispeech"] = collect_librispeech(
            options["librispeech_folder"],
            options["librispeech_subsets"],
            *ratios,
            seed=f"{seed}:librispeech",
            allow_utterance_split=utterances,
            **checks,
        )
    if options["wham_folder"] is not None:
        corpora["wham"] = collect_wham(options["wham_folder"], **checks)
    if options["dns_folder"] is not None:
        languages = list(options["target_languages"])
        if "english" not in languages:
            languages.append("english")
        corpora["dns"] = collect_dns(
            options["dns_folder"],
            languages,
            *ratios,
            seed=seed,
            allow_utterance_split=utterances,
            **checks,
        )
    return corpora


def _speaker_counts(splits):
    return len({entry["speaker"] for name in SPLITS for entry in splits[name]})


def check_splits(options, corpora):
    """Fail before writing anything when a manifest would lack a corpus part.

    Every training, validation and test manifest that the corpora given
    call for must hold speech of every language it covers, and noise. A
    split by speaker needs :data:`MIN_GROUPS` speakers per language (and
    noise files) to fill train, valid and test.

    Arguments
    ---------
    options : dict
        The preparation options.
    corpora : dict
        What :func:`_collect_all` returned.

    Raises
    ------
    CorpusError
        Naming each manifest that would be empty or lack a language, the
        languages with too few speakers, and the ways out.

    Example
    -------
    >>> options = {"valid_ratio": 0.1, "test_ratio": 0.1,
    ...            "target_languages": ["german"]}
    >>> one = [{"speaker": "eva", "wav": "a.wav"}]
    >>> corpora = {"dns": ({"german": {"train": one, "valid": [], "test": []}},
    ...                    {"train": one, "valid": one, "test": one}, {})}
    >>> check_splits(options, corpora)
    Traceback (most recent call last):
    ...
    speechbrain_srst.data.prepare.CorpusError: Cannot prepare target_valid, ...: ...
    """
    needed = [
        split
        for split, ratio in (("valid", "valid_ratio"), ("test", "test_ratio"))
        if options[ratio] > 0
    ]
    problems, names = [], []
    if "librispeech" in corpora and "wham" in corpora:
        speech = corpora["librispeech"][0]
        for split in needed:
            if not speech[split]:
                names.append(f"source_{split}")
                problems.append(
                    f"source_{split} would hold no LibriSpeech speech: "
                    f"{_speaker_counts(speech)} speaker(s) in "
                    f"{options['librispeech_folder']}"
                )
    if "dns" in corpora:
        speech, noise, _ = corpora["dns"]
        targets = [lang for lang in options["target_languages"] if lang in speech]
        for split in needed:
            lacking = [lang for lang in targets if not speech[lang][split]]
            if lacking:
                names.append(f"target_{split}")
                counts = ", ".join(
                    f"{lang} {_speaker_counts(speech[lang])}" for lang in lacking
                )
                problems.append(
                    f"target_{split} would hold no {', '.join(lacking)} speech "
                    f"(speakers per language: {counts})"
                )
            if targets and not noise[split]:
                names.append(f"target_{split}")
                files = sum(len(noise[name]) for name in SPLITS)
                problems.append(
                    f"target_{split} would hold no noise ({files} usable DNS "
                    f"noise file(s))"
                )
    if problems:
        raise CorpusError(
            f"Cannot prepare {', '.join(dict.fromkeys(names))}: "
            + "; ".join(problems)
            + f". A split by speaker needs at least {MIN_GROUPS} speakers per "
            f"language (and {MIN_GROUPS} noise files) to fill train, valid and "
            "test. Add speakers, leave the language out (target_languages), or "
            "allow a split by utterance (allow_utterance_split=True, "
            "--allow_utterance_split): the same speakers are then in training "
            "and test, see the recipe README."
        )


def _plan_jobs(options, corpora):
    """``(name, speech_by_language, noise, size)`` of every plan to write."""
    jobs = []
    if "librispeech" in corpora and "wham" in corpora:
        speech, noise = corpora["librispeech"][0], corpora["wham"][0]
        for split, size in (
            ("train", "num_source_mixtures"),
            ("valid", "num_source_valid"),
            ("test", None),
        ):
            name = "source_test" if split == "test" else f"source_{split}"
            jobs.append((name, {"english": speech[split]}, noise[split], size))
    if "dns" in corpora:
        speech, noise, _ = corpora["dns"]
        targets = {
            lang: s for lang, s in speech.items() if lang in options["target_languages"]
        }
        for split, size in (
            ("train", "num_target_mixtures"),
            ("valid", "num_target_valid"),
            ("test", None),
        ):
            name = "target_test" if split == "test" else f"target_{split}"
            by_lang = {lang: splits[split] for lang, splits in targets.items()}
            if targets:
                jobs.append((name, by_lang, noise[split], size))
        if "english" in speech and "english" not in options["target_languages"]:
            jobs.append(
                (
                    "english_test",
                    {"english": speech["english"]["test"]},
                    noise["test"],
                    None,
                )
            )
    return jobs


def _write_outputs(save_folder, options, corpora):
    seed = options["seed"]
    segment = round(options["segment_seconds"] * DEFAULT_SAMPLE_RATE)
    test_samples = round(options["test_seconds"] * DEFAULT_SAMPLE_RATE)
    manifests = {}
    for name, speech_by_lang, noise, size in _plan_jobs(options, corpora):
        speech = [entry for entries in speech_by_lang.values() for entry in entries]
        if not speech or not noise:  # check_splits leaves only english_test here
            logger.warning("%s not written: no speech or no noise in its split", name)
            continue
        if size is None:
            plans = _draw_test_plans(
                name,
                speech_by_lang,
                noise,
                options["test_snrs"],
                options["num_test_per_snr"],
                test_samples,
                options["level_range"],
                seed,
            )
            manifests.update(_render_test_set(save_folder, name, plans))
            continue
        manifests[name] = draw_mixture_plan(
            speech,
            noise,
            options[size],
            segment,
            options["train_snr_range"],
            options["level_range"],
            seed=f"{seed}:{name}",
            id_prefix=name,
        )
    stats = {}
    for name, manifest in manifests.items():
        path = os.path.join(save_folder, f"{name}.json")
        _write_json(path, manifest)
        stats[name] = dict(path=path, **_manifest_stats(manifest))
    return {"manifests": stats, **_corpus_summary(corpora)}


def _counted(info):
    """A corpus' info with its list of unusable files replaced by their count."""
    return dict(info, unusable_files=len(info.get("unusable_files", [])))


def _corpus_summary(corpora):
    summary = {"corpora": {}, "missing_languages": []}
    unusable = [
        item
        for corpus in corpora.values()
        for item in corpus[-1].get("unusable_files", [])
    ]
    summary["unusable_files"] = {
        "count": len(unusable),
        "reasons": dict(
            sorted(Counter(item["reason"].split(" (")[0] for item in unusable).items())
        ),
        "files": unusable,
    }
    if "librispeech" in corpora:
        splits, info = corpora["librispeech"]
        summary["corpora"]["librispeech"] = dict(_counted(info), **_split_stats(splits))
    if "wham" in corpora:
        splits, info = corpora["wham"]
        summary["corpora"]["wham"] = dict(
            _counted(info), **_split_stats(splits, speakers=False)
        )
    if "dns" in corpora:
        speech, noise, info = corpora["dns"]
        summary["corpora"]["dns_speech"] = {
            lang: dict(
                folder=info["folders"][lang],
                split_mode=info["split_modes"][lang],
                **_split_stats(splits),
            )
            for lang, splits in speech.items()
        }
        summary["corpora"]["dns_noise"] = _split_stats(noise, speakers=False)
        summary["corpora"]["dns_skipped_files"] = info["skipped_files"]
        summary["corpora"]["dns_unusable_files"] = len(info["unusable_files"])
        summary["missing_languages"] = info["missing_languages"]
    return summary
