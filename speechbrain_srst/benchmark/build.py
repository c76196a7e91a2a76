"""A built-in large-domain-gap benchmark that builds itself, with no download.

``build_benchmark`` writes synthetic corpora in the exact folder layouts of
the real ones, so that the corpus preparation of this package
(``speechbrain_srst.data.prepare``) runs on them unchanged:

* source speech, LibriSpeech layout: English eSpeak NG speakers (standard
  variants m1-m7 and f1-f5, moderate rate, pitch as varied as LibriSpeech
  readers'), subsets ``train-clean-100``, ``dev-clean`` and ``test-clean``
  with disjoint speakers, FLAC files and ``<spk>-<chap>.trans.txt``
  transcripts;
* source noise, WHAM! layout: two-channel urban scenes, babble of background
  talkers with voices of their own among traffic, wind, ventilation,
  clatter, distant music and passing footsteps
  (:mod:`speechbrain_srst.benchmark.source_noise`), in ``tr``, ``cv``,
  ``tt``;
* target speech, DNS-Challenge layout: French, German, Italian, Russian,
  Spanish (M-AILABS trees) and Mandarin (THCHS-30 tree) read by other voice
  variants with slower or faster, lower or higher, more varied prosody
  (``target_prosody``, at the edges of the source's ``source_prosody``), each
  reader with a recording channel of their own (band limits, tilt, a
  resonance); English read speech (``read_speech``) by source-like readers,
  as LibriVox and LibriSpeech are alike;
* target noise, DNS-Challenge layout: stationary coloured noise, hum and
  machinery, music, household impulses
  (:mod:`speechbrain_srst.benchmark.target_noise`).

Every file is a pure function of (seed, its identity), so a build is
byte-identical for a given seed and size. ``<root>/benchmark.json`` is written
last; a build whose record matches is reused, anything else is rebuilt.

Run ``python -m speechbrain_srst.benchmark.build --root DIR --size smoke``.

Authors
 * speechbrain-srst contributors
"""

import argparse
import copy
import difflib
import json
import logging
import os
import shutil
import string
import sys
import time
import zlib

import numpy as np
import soundfile as sf

from speechbrain_srst.benchmark.dsp import (
    Channel,
    colored_noise,
    draw_channel,
    normalize_level,
)
from speechbrain_srst.benchmark.source_noise import make_source_noise
from speechbrain_srst.benchmark.speech import (
    PROSODY_SETTINGS,
    SOURCE_ENGLISH_VOICES,
    SOURCE_PROSODY,
    SOURCE_VARIANTS,
    TARGET_PROSODY,
    TARGET_VARIANTS,
    draw_speakers,
    pick,
    synthesize_utterance,
)
from speechbrain_srst.benchmark.target_noise import (
    TARGET_NOISE_FAMILIES,
    make_target_noise,
)

logger = logging.getLogger(__name__)

BENCHMARK_VERSION = 7
"""2: without the crashing "rob" variant; 3: 96 DNS noises; 4: urban WHAM!-like
scenes, source-like English DNS readers, target recording channels; 5: the
non-English readers' prosody of version 3 again (wider settings crash eSpeak);
6: babble talkers beyond the room's critical distance, 30 readers (3 test
readers) per DNS language at the default size; 7: source-like readers with
eSpeak NG pitch 25-75 (was 38-62), the other readers' prosody at the edges
of the source's (``target_prosody``), passing footsteps among the WHAM!-like
scene sources, and the prosody intervals as fields of the configuration."""
SAMPLE_RATE = 16000
RECORD_NAME = "benchmark.json"
LIBRISPEECH_SUBSETS = ("train-clean-100", "dev-clean", "test-clean")
WHAM_SPLITS = ("tr", "cv", "tt")
SPEECH_FLOOR_DB = 55  # room tone under the clean speech, dB below its RMS

# DNS clean-speech folder -> (language of the text, base voices, layout, locale)
TARGET_FOLDERS = {
    "french_data": ("fr", ("fr",), "mailabs", "fr_FR"),
    "german_speech": ("de", ("de",), "mailabs", "de_DE"),
    "italian_speech": ("it", ("it",), "mailabs", "it_IT"),
    "russian_speech": ("ru", ("ru",), "mailabs", "ru_RU"),
    "spanish_speech": ("es", ("es",), "mailabs", "es_ES"),
    "mandarin_speech": ("cmn", ("cmn-latn-pinyin",), "thchs30", None),
    "read_speech": ("en", SOURCE_ENGLISH_VOICES, "read", None),
}
# DNS English read speech comes from LibriVox, as LibriSpeech does: its
# readers sound like the source's (source variants and prosody, studio
# channel). The non-English readers use other voices, prosody and channels.
SOURCE_LIKE_FOLDERS = ("read_speech",)

BENCHMARK_SIZES = {
    # Builds in a few seconds: for tests and debugging.
    "smoke": {
        "librispeech_speakers": {"train-clean-100": 3, "dev-clean": 3, "test-clean": 3},
        "librispeech_utterances": {
            "train-clean-100": 3,
            "dev-clean": 2,
            "test-clean": 2,
        },
        "target_folders": list(TARGET_FOLDERS),
        "target_speakers": 3,
        "target_utterances": 3,
        "utterance_seconds": [1.5, 3.0],
        "wham_files": {"tr": 4, "cv": 2, "tt": 2},
        "dns_noise_files": 8,
        "noise_seconds": [3.0, 4.0],
        "babble_talkers": [3, 8],
        "target_channel_strength": 1.0,
        "source_prosody": SOURCE_PROSODY,
        "target_prosody": TARGET_PROSODY,
    },
    # Enough for a real experiment on 2 CPU cores in about half an hour.
    "default": {
        "librispeech_speakers": {
            "train-clean-100": 12,
            "dev-clean": 3,
            "test-clean": 3,
        },
        "librispeech_utterances": {
            "train-clean-100": 20,
            "dev-clean": 12,
            "test-clean": 12,
        },
        "target_folders": list(TARGET_FOLDERS),
        # 30 readers per language: the 10 % test share by speaker gives three
        # test readers per language (one made a language's score a single
        # voice and channel draw), and three valid readers.
        "target_speakers": 30,
        "target_utterances": 3,
        "utterance_seconds": [2.0, 5.0],
        "wham_files": {"tr": 28, "cv": 6, "tt": 6},
        "dns_noise_files": 96,
        "noise_seconds": [4.0, 8.0],
        "babble_talkers": [3, 10],
        "target_channel_strength": 1.0,
        # eSpeak NG prosody intervals of the source-like readers (LibriSpeech,
        # DNS English) and of the other DNS readers: {setting: [[low, high],
        # ...]}, one interval drawn per reader, then a value in it.
        "source_prosody": SOURCE_PROSODY,
        "target_prosody": TARGET_PROSODY,
    },
}


# --------------------------------------------------------------------------
# Configuration and the build record
# --------------------------------------------------------------------------


def resolve_config(size="smoke", sizes=None):
    """Returns the full configuration of a benchmark size.

    Arguments
    ---------
    size : str or dict
        A name of :data:`BENCHMARK_SIZES`, or a dict of fields overriding the
        "smoke" size.
    sizes : dict or None
        Fields overriding the chosen size. A dict-valued field (e.g.
        ``wham_files``) is updated key by key.

    Returns
    -------
    dict
        The configuration, JSON-compatible.

    Example
    -------
    >>> config = resolve_config("smoke", {"wham_files": {"tr": 10}})
    >>> config["wham_files"]
    {'tr': 10, 'cv': 2, 'tt': 2}
    """
    if isinstance(size, str):
        if size not in BENCHMARK_SIZES:
            raise ValueError(f"unknown size {size!r}; known: {list(BENCHMARK_SIZES)}")
        config = copy.deepcopy(BENCHMARK_SIZES[size])
    else:
        config = resolve_config("smoke", size)
    for key, value in (sizes or {}).items():
        if key not in config:
            raise ValueError(
                f"unknown benchmark field {key!r}{_did_you_mean(key, config)}; "
                f"known: {', '.join(sorted(config))}"
            )
        if isinstance(config[key], dict) and isinstance(value, dict):
            for part in value:
                if part not in config[key]:
                    raise ValueError(
                        f"benchmark field {key!r} has no {part!r}"
                        f"{_did_you_mean(part, config[key])}; known: "
                        f"{', '.join(config[key])}"
                    )
            config[key].update(value)
        else:
            config[key] = copy.deepcopy(value)
    unknown = set(config["target_folders"]) - set(TARGET_FOLDERS)
    if unknown:
        raise ValueError(f"unknown target folders {sorted(unknown)}")
    for key in ("source_prosody", "target_prosody"):
        _check_prosody(key, config[key])
    return json.loads(json.dumps(config))


def _did_you_mean(name, known):
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


PROSODY_LIMITS = {"rate": (120, 220), "pitch": (12, 88), "range": (30, 95)}
"""The eSpeak NG settings stress-tested without a crash (rate in words per
minute; pitch and range 0-100). libespeak-ng crashes the process
(segmentation fault, no Python error) beyond them on some sentences, e.g.
pitch 8 with range 98 (see speech.py), so a build refuses them."""


def _check_prosody(key, prosody):
    """Raises ValueError unless ``prosody`` maps each of rate, pitch and
    range to a non-empty list of integer [low, high] intervals (low <= high)
    within :data:`PROSODY_LIMITS`."""
    if not isinstance(prosody, dict):
        raise ValueError(
            f"benchmark field {key!r} must be a dict {{setting: [[low, high], "
            f"...]}} of the settings {list(PROSODY_SETTINGS)}; found {prosody!r}"
        )
    missing = [setting for setting in PROSODY_SETTINGS if setting not in prosody]
    unknown = [setting for setting in prosody if setting not in PROSODY_SETTINGS]
    if missing or unknown:
        raise ValueError(
            f"benchmark field {key!r}: unknown settings {unknown}, missing "
            f"{missing}; it takes exactly {list(PROSODY_SETTINGS)}"
        )
    for setting, intervals in prosody.items():
        lowest, highest = PROSODY_LIMITS[setting]
        where = f"benchmark field {key!r}, {setting}"
        shape = (
            f"{where} must be a non-empty list of integer [low, high] intervals, "
            f"e.g. [[{lowest}, {highest}]]; found {intervals!r}"
        )
        if not isinstance(intervals, (list, tuple)) or not intervals:
            raise ValueError(shape)
        for interval in intervals:
            if not (
                isinstance(interval, (list, tuple))
                and len(interval) == 2
                and all(
                    isinstance(v, int) and not isinstance(v, bool) for v in interval
                )
            ):
                raise ValueError(shape)
            low, high = interval
            if low > high:
                raise ValueError(f"{where}: interval {list(interval)} has low > high")
            if low < lowest or high > highest:
                raise ValueError(
                    f"{where}: interval {list(interval)} is outside "
                    f"{lowest}-{highest}, the settings stress-tested without a "
                    "crash of libespeak-ng (beyond them it can kill the "
                    "process with a segmentation fault)"
                )


def benchmark_paths(root):
    """The three corpus folders of a benchmark, as passed to preparation.

    Arguments
    ---------
    root : str
        Folder of the benchmark.

    Returns
    -------
    dict
        ``librispeech_folder``, ``wham_folder`` and ``dns_folder``.

    Example
    -------
    >>> sorted(benchmark_paths("/data/bench"))
    ['dns_folder', 'librispeech_folder', 'wham_folder']
    """
    return {
        "librispeech_folder": os.path.join(root, "LibriSpeech"),
        "wham_folder": os.path.join(root, "wham_noise"),
        "dns_folder": os.path.join(root, "DNS"),
    }


def _read_record(root):
    try:
        with open(os.path.join(root, RECORD_NAME), encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


def _record_matches(record, config, seed):
    return (
        isinstance(record, dict)
        and record.get("version") == BENCHMARK_VERSION
        and record.get("seed") == seed
        and record.get("config") == config
    )


def _write_record(root, record):
    path = os.path.join(root, RECORD_NAME)
    with open(path + ".tmp", "w", encoding="utf-8") as file:
        json.dump(record, file, indent=2, sort_keys=True)
    os.replace(path + ".tmp", path)


def _remove_previous_build(root):
    for path in [os.path.join(root, RECORD_NAME), *benchmark_paths(root).values()]:
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


# --------------------------------------------------------------------------
# Randomness and file writing
# --------------------------------------------------------------------------


def item_rng(seed, *keys):
    """A random generator that depends only on the seed and an item's keys.

    Arguments
    ---------
    seed : int
        Seed of the whole benchmark (>= 0).
    *keys : str or int
        Identity of the item, e.g. ("librispeech", "dev-clean", 3, 7).

    Returns
    -------
    numpy.random.Generator

    Example
    -------
    >>> a = item_rng(0, "wham", "tr", 1).integers(1000)
    >>> b = item_rng(0, "wham", "tr", 1).integers(1000)
    >>> bool(a == b)
    True
    """
    key = zlib.crc32("/".join(str(k) for k in keys).encode("utf-8"))
    return np.random.default_rng([int(seed), key])


def _write_audio(path, wave, file_format="WAV"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = np.asarray(wave, dtype=np.float32)
    if data.ndim == 2:
        data = data.T  # soundfile wants (samples, channels)
    sf.write(path, data, SAMPLE_RATE, subtype="PCM_16", format=file_format)
    return data.shape[0] / SAMPLE_RATE


def _write_text(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.writelines(line + "\n" for line in lines)


def _ascii_name(rng, n_parts):
    """A pronounceable lowercase ASCII name like ``tomela_rivasi``."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    parts = []
    for _ in range(n_parts):
        n_syllables = int(rng.integers(2, 4))
        parts.append(
            "".join(
                pick(rng, consonants) + pick(rng, vowels) for _ in range(n_syllables)
            )
        )
    return "_".join(parts)


def _distinct(draw, count):
    """Calls draw() until count distinct values came out, in order."""
    values = []
    while len(values) < count:
        value = draw()
        if value not in values:
            values.append(value)
    return values


def _speech_item(seed, speaker, keys, config, level_db, channel=None):
    """Synthesizes one utterance, colours it, adds a room tone, sets its level.

    eSpeak leaves exact digital silence between words; a real recording never
    does, and some metrics and features take logarithms of it. ``channel``
    (a :class:`~speechbrain_srst.benchmark.dsp.Channel`) is the reader's
    recording channel; None leaves the voice as synthesized.
    """
    rng = item_rng(seed, *keys)
    low, high = config["utterance_seconds"]
    wave, text = synthesize_utterance(speaker, rng, low, high)
    if channel is not None and channel != Channel():
        wave = channel.apply(wave).astype(np.float32)
    rms = np.sqrt(np.mean(np.square(wave, dtype=np.float64)))
    floor = colored_noise(rng, len(wave), 1.0) * rms * 10 ** (-SPEECH_FLOOR_DB / 20)
    return normalize_level(wave + floor, level_db + rng.uniform(-2, 2)), text


class _Tally:
    """Counts files and seconds per part of the benchmark."""

    def __init__(self):
        self.parts = {}

    def add(self, part, seconds):
        files, total = self.parts.get(part, (0, 0.0))
        self.parts[part] = (files + 1, total + seconds)

    def summary(self):
        return {
            part: {"files": files, "hours": round(seconds / 3600, 4)}
            for part, (files, seconds) in sorted(self.parts.items())
        }


# --------------------------------------------------------------------------
# Source: LibriSpeech and WHAM!
# --------------------------------------------------------------------------


def _build_librispeech(folder, config, seed, tally):
    rng = item_rng(seed, "librispeech-speakers")
    counts = [config["librispeech_speakers"][s] for s in LIBRISPEECH_SUBSETS]
    speakers = draw_speakers(
        rng,
        sum(counts),
        "en",
        SOURCE_ENGLISH_VOICES,
        SOURCE_VARIANTS,
        config["source_prosody"],
    )
    ids = _distinct(lambda: int(rng.integers(14, 9000)), len(speakers))
    speaker_lines = [";ID  |SEX| SUBSET           |MINUTES| NAME"]
    index = 0
    for subset, count in zip(LIBRISPEECH_SUBSETS, counts, strict=True):
        n_utterances = config["librispeech_utterances"][subset]
        for _ in range(count):
            speaker, speaker_id = speakers[index], ids[index]
            index += 1
            level_db = rng.uniform(-30, -22)
            n_chapters = 2 if n_utterances >= 6 and rng.random() < 0.5 else 1
            chapters = _distinct(lambda: int(rng.integers(1000, 200000)), n_chapters)
            seconds = 0.0
            for c, chapter in enumerate(chapters):
                chapter_dir = os.path.join(
                    folder, subset, str(speaker_id), str(chapter)
                )
                lines = []
                for u in range(c, n_utterances, n_chapters):
                    keys = ("librispeech", speaker_id, chapter, u)
                    wave, text = _speech_item(seed, speaker, keys, config, level_db)
                    utt_id = f"{speaker_id}-{chapter}-{len(lines):04d}"
                    path = os.path.join(chapter_dir, utt_id + ".flac")
                    duration = _write_audio(path, wave, "FLAC")
                    tally.add(f"LibriSpeech/{subset}", duration)
                    seconds += duration
                    lines.append(f"{utt_id} {text.rstrip('.').upper()}")
                name = f"{speaker_id}-{chapter}.trans.txt"
                _write_text(os.path.join(chapter_dir, name), lines)
            sex = "F" if speaker.gender == "female" else "M"
            name = f"{speaker.voice_name} rate {speaker.rate} pitch {speaker.pitch}"
            speaker_lines.append(
                f"{speaker_id:<5}| {sex} | {subset:<17}| {seconds / 60:5.2f} | {name}"
            )
    _write_text(os.path.join(folder, "SPEAKERS.TXT"), speaker_lines)


def _wham_name(rng):
    """A WHAM!-like name: two WSJ-like ids with opposite SNRs."""
    alphabet = string.digits + string.ascii_lowercase

    def wsj_id():
        head = "".join(pick(rng, alphabet) for _ in range(3))
        return head + pick(rng, "acoz") + f"{int(rng.integers(16**4)):04x}"

    snr = rng.uniform(0, 2.5)
    return f"{wsj_id()}_{snr:.5f}_{wsj_id()}_{-snr:.5f}.wav"


def _build_wham(folder, config, seed, tally):
    low, high = config["noise_seconds"]
    talkers = tuple(config["babble_talkers"])
    for split in WHAM_SPLITS:
        names = set()
        for i in range(config["wham_files"][split]):
            rng = item_rng(seed, "wham", split, i)
            name = _wham_name(rng)
            while name in names:
                name = _wham_name(rng)
            names.add(name)
            noise = make_source_noise(rng, rng.uniform(low, high), talkers)
            duration = _write_audio(os.path.join(folder, split, name), noise)
            tally.add(f"wham_noise/{split}", duration)


# --------------------------------------------------------------------------
# Target: DNS-Challenge clean speech and noise
# --------------------------------------------------------------------------


def _target_speakers(config, seed, dns_folder_name):
    language, voices, layout, _ = TARGET_FOLDERS[dns_folder_name]
    rng = item_rng(seed, "dns-speakers", dns_folder_name)
    source_like = dns_folder_name in SOURCE_LIKE_FOLDERS
    speakers = draw_speakers(
        rng,
        config["target_speakers"],
        language,
        voices,
        SOURCE_VARIANTS if source_like else TARGET_VARIANTS,
        config["source_prosody" if source_like else "target_prosody"],
    )
    strength = 0.0 if source_like else config["target_channel_strength"]
    channels = [draw_channel(rng, strength) for _ in speakers]
    if layout == "mailabs":
        names = _distinct(
            lambda: _ascii_name(rng, int(rng.integers(1, 3))), len(speakers)
        )
    elif layout == "thchs30":
        names = _distinct(
            lambda: pick(rng, "ABCD") + str(int(rng.integers(2, 37))),
            len(speakers),
        )
    else:
        names = _distinct(lambda: f"{int(rng.integers(100000)):05d}", len(speakers))
    levels = rng.uniform(-30, -22, size=len(speakers))
    return list(zip(speakers, names, levels, channels, strict=True)), rng


def target_readers(size="default", seed=0, sizes=None):
    """The DNS-like readers a benchmark build draws, with their voice settings.

    The same draw as the build itself (same seed, same order), so that an
    analysis can group results by what makes a reader differ from the source
    readers (pitch, rate, recording channel) without reading any audio.

    Arguments
    ---------
    size : str or dict
        Benchmark size, as for :func:`build_benchmark`.
    seed : int
        The build's data seed.
    sizes : dict or None
        Fields overriding the size, as for :func:`build_benchmark`.

    Returns
    -------
    dict
        ``(folder, name)`` -> dict, where ``folder`` is the DNS clean-speech
        folder (e.g. ``"german_speech"``, part of every file path) and
        ``name`` the reader (the ``speaker`` of the manifests; two languages
        may draw the same name). The dict holds
        ``language``, ``voice`` (eSpeak NG name), ``gender``,
        ``rate``, ``pitch``, ``pitch_range`` (eSpeak NG settings) and
        ``channel`` (a :class:`Channel`).

    Example
    -------
    >>> readers = target_readers("smoke", seed=0)
    >>> len(readers) == 3 * len(TARGET_FOLDERS)
    True
    >>> reader = next(iter(readers.values()))
    >>> sorted(reader)[:4]
    ['channel', 'gender', 'language', 'pitch']
    """
    config = resolve_config(size, sizes)
    readers = {}
    for folder in config["target_folders"]:
        speakers, _ = _target_speakers(config, seed, folder)
        layout = TARGET_FOLDERS[folder][2]
        for speaker, name, _, channel in speakers:
            # The preparation names a DNS read-speech reader "reader_<id>".
            name = f"reader_{name}" if layout == "read" else name
            readers[folder, name] = {
                "language": speaker.language,
                "voice": speaker.voice_name,
                "gender": speaker.gender,
                "rate": speaker.rate,
                "pitch": speaker.pitch,
                "pitch_range": speaker.pitch_range,
                "channel": channel,
            }
    return readers


def _build_dns_language(clean_folder, config, seed, dns_folder_name, tally):
    _, _, layout, locale = TARGET_FOLDERS[dns_folder_name]
    speakers, rng = _target_speakers(config, seed, dns_folder_name)
    base = os.path.join(clean_folder, dns_folder_name)
    part = f"DNS/datasets/clean/{dns_folder_name}"
    for speaker, name, level_db, channel in speakers:
        if layout == "mailabs":
            book = _ascii_name(rng, int(rng.integers(1, 4)))
            book_dir = os.path.join(
                base, "M-AILABS", locale, "by_book", speaker.gender, name, book
            )
            metadata = []
        elif layout == "read":
            book_id, chapter = int(rng.integers(100000)), int(rng.integers(10000))
        for u in range(config["target_utterances"]):
            keys = ("dns", dns_folder_name, name, u)
            wave, text = _speech_item(seed, speaker, keys, config, level_db, channel)
            if layout == "mailabs":
                utt_id = f"{book}_{u + 1:06d}"
                path = os.path.join(book_dir, "wavs", utt_id + ".wav")
                metadata.append(f"{utt_id}|{text}|{text}")
            elif layout == "thchs30":
                path = os.path.join(
                    base, "slr18", "data_thchs30", "train", f"{name}_{u}.wav"
                )
                _write_text(path + ".trn", [text])
            else:
                file_name = (
                    f"book_{book_id:05d}_chp_{chapter:04d}_reader_{name}_{u}.wav"
                )
                path = os.path.join(base, file_name)
            tally.add(part, _write_audio(path, wave))
        if layout == "mailabs":
            _write_text(os.path.join(book_dir, "metadata.csv"), metadata)


def _build_dns_noise(noise_folder, config, seed, tally):
    low, high = config["noise_seconds"]
    families = list(TARGET_NOISE_FAMILIES)
    for i in range(config["dns_noise_files"]):
        rng = item_rng(seed, "dns-noise", i)
        family = families[i % len(families)]
        noise, kind = make_target_noise(rng, family, rng.uniform(low, high))
        path = os.path.join(noise_folder, f"{kind}_{i:04d}.wav")
        tally.add(f"DNS/datasets/noise/{family}", _write_audio(path, noise))


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def build_benchmark(root, size="smoke", seed=0, sizes=None):
    """Builds (or reuses) the synthetic large-domain-gap benchmark.

    Writes ``<root>/LibriSpeech``, ``<root>/wham_noise`` and ``<root>/DNS`` in
    the layouts of the real corpora, then ``<root>/benchmark.json`` (version,
    seed, configuration, counts). If that record exists and matches, nothing
    is rebuilt; otherwise the three folders are removed and rebuilt. Other
    content of ``root`` is left alone. Build on one process only (e.g. under
    SpeechBrain's ``run_on_main``): two builds into one root would collide.

    Arguments
    ---------
    root : str
        Folder of the benchmark (created if needed).
    size : str or dict
        A name of :data:`BENCHMARK_SIZES` ("smoke", "default"), or a dict of
        fields overriding "smoke".
    seed : int
        Seed (>= 0); a given seed and size give byte-identical files.
    sizes : dict or None
        Fields overriding the chosen size (see :func:`resolve_config`).

    Returns
    -------
    dict
        ``librispeech_folder``, ``wham_folder`` and ``dns_folder``.

    Example
    -------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> tiny = {"librispeech_speakers": {"train-clean-100": 1, "dev-clean": 1,
    ...         "test-clean": 1}, "target_folders": ["german_speech"],
    ...         "target_speakers": 1, "target_utterances": 1,
    ...         "wham_files": {"tr": 1, "cv": 1, "tt": 1}, "dns_noise_files": 1,
    ...         "noise_seconds": [1.0, 1.0], "babble_talkers": [2, 2]}
    >>> paths = build_benchmark(root, "smoke", seed=0, sizes=tiny)
    >>> sorted(os.listdir(paths["wham_folder"]))
    ['cv', 'tr', 'tt']
    >>> paths == build_benchmark(root, "smoke", seed=0, sizes=tiny)  # cached
    True
    >>> shutil.rmtree(root)
    """
    if int(seed) < 0:
        raise ValueError("seed must be >= 0")
    seed = int(seed)
    config = resolve_config(size, sizes)
    root = os.path.abspath(root)
    paths = benchmark_paths(root)
    if _record_matches(_read_record(root), config, seed):
        logger.info("Benchmark in %s is up to date", root)
        return paths
    logger.info("Building the synthetic benchmark in %s (seed %d)", root, seed)
    start = time.time()
    _remove_previous_build(root)
    os.makedirs(root, exist_ok=True)
    tally = _Tally()
    _build_librispeech(paths["librispeech_folder"], config, seed, tally)
    _build_wham(paths["wham_folder"], config, seed, tally)
    datasets = os.path.join(paths["dns_folder"], "datasets")
    for dns_folder_name in config["target_folders"]:
        clean = os.path.join(datasets, "clean")
        _build_dns_language(clean, config, seed, dns_folder_name, tally)
    _build_dns_noise(os.path.join(datasets, "noise"), config, seed, tally)
    record = {
        "version": BENCHMARK_VERSION,
        "seed": seed,
        "config": config,
        "summary": tally.summary(),
    }
    _write_record(root, record)
    logger.info("Benchmark built in %.1f s", time.time() - start)
    return paths


def main(argv=None):
    """Command line: builds a benchmark and prints what it holds.

    Arguments
    ---------
    argv : list of str or None
        Arguments (None: ``sys.argv[1:]``).

    Returns
    -------
    dict
        The build record (``benchmark.json``).

    Example
    -------
    >>> import tempfile, contextlib, io
    >>> root = tempfile.mkdtemp()
    >>> tiny = {"librispeech_speakers": {"train-clean-100": 1, "dev-clean": 1,
    ...         "test-clean": 1}, "target_folders": ["read_speech"],
    ...         "target_speakers": 1, "target_utterances": 1,
    ...         "wham_files": {"tr": 1, "cv": 1, "tt": 1}, "dns_noise_files": 1,
    ...         "noise_seconds": [1.0, 1.0], "babble_talkers": [2, 2]}
    >>> _ = build_benchmark(root, "smoke", sizes=tiny)
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:
    ...     record = main(["--root", root, "--size", "smoke",
    ...                    "--override", json.dumps(tiny)])
    >>> record["summary"]["DNS/datasets/clean/read_speech"]["files"]
    1
    >>> shutil.rmtree(root)
    """
    parser = argparse.ArgumentParser(
        description="Build the synthetic large-domain-gap benchmark (no download)."
    )
    parser.add_argument("--root", required=True, help="output folder")
    parser.add_argument("--size", default="smoke", choices=sorted(BENCHMARK_SIZES))
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="data seed, >= 0 (the recipe's data_seed is 1234)",
    )
    parser.add_argument(
        "--override",
        default=None,
        help='JSON dict of fields overriding the size, e.g. \'{"wham_files": '
        '{"tr": 10}, "target_prosody": {"pitch": [[20, 30], [70, 80]]}}\'',
    )
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, not {args.seed}")
    try:
        sizes = json.loads(args.override) if args.override else None
    except json.JSONDecodeError as error:
        parser.error(f"--override is not valid JSON ({error}): {args.override}")
    try:
        if sizes is not None and not isinstance(sizes, dict):
            raise ValueError(f"a JSON object is needed, not {args.override!r}")
        resolve_config(args.size, sizes)
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        parser.error(f"--override: {error}")
    start = time.time()
    paths = build_benchmark(args.root, args.size, args.seed, sizes)
    seconds = time.time() - start
    record = _read_record(os.path.abspath(args.root))
    total_files, total_hours = 0, 0.0
    for part, counts in record["summary"].items():
        print(f"{part:40s} {counts['files']:6d} files {counts['hours']:8.4f} h")
        total_files += counts["files"]
        total_hours += counts["hours"]
    size_mb = (
        sum(
            os.path.getsize(os.path.join(folder, name))
            for path in paths.values()
            for folder, _, names in os.walk(path)
            for name in names
        )
        / 2**20
    )
    print(f"{'total':40s} {total_files:6d} files {total_hours:8.4f} h")
    print(f"{size_mb:.1f} MiB on disk, {seconds:.1f} s")
    for key, path in paths.items():
        print(f"{key}: {path}")
    return record


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    main()
