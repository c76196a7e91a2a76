"""Tests of the built-in synthetic benchmark (layouts, audio, cache, gap)."""

import glob
import hashlib
import os
import re
import time

import numpy as np
import pytest
import soundfile as sf

from speechbrain_srst.benchmark.build import (
    LIBRISPEECH_SUBSETS,
    RECORD_NAME,
    TARGET_FOLDERS,
    WHAM_SPLITS,
    build_benchmark,
    resolve_config,
)
from speechbrain_srst.benchmark.speech import EspeakError, synthesize

TINY = {
    "librispeech_speakers": {"train-clean-100": 1, "dev-clean": 1, "test-clean": 1},
    "librispeech_utterances": {"train-clean-100": 2, "dev-clean": 1, "test-clean": 1},
    "target_folders": ["french_data", "mandarin_speech"],
    "target_speakers": 1,
    "target_utterances": 1,
    "wham_files": {"tr": 1, "cv": 1, "tt": 1},
    "dns_noise_files": 2,
    "noise_seconds": [1.0, 1.5],
    "babble_talkers": [2, 3],
}

MAILABS_LOCALES = {
    "french_data": "fr_FR",
    "german_speech": "de_DE",
    "italian_speech": "it_IT",
    "russian_speech": "ru_RU",
    "spanish_speech": "es_ES",
}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("smoke"))
    start = time.time()
    paths = build_benchmark(root, size="smoke", seed=0)
    return {"root": root, "paths": paths, "seconds": time.time() - start}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("tiny"))
    build_benchmark(root, size="smoke", seed=0, sizes=TINY)
    return root


def all_files(root):
    """Relative path -> file bytes digest, for every file under root."""
    digests = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as file:
                digest = hashlib.sha1(file.read()).hexdigest()
            digests[os.path.relpath(path, root)] = digest
    return digests


def mtimes(root):
    return {
        os.path.join(folder, name): os.stat(os.path.join(folder, name)).st_mtime_ns
        for folder, _, names in os.walk(root)
        for name in names
    }


def audio_files(root):
    return sorted(
        glob.glob(os.path.join(root, "**", "*.wav"), recursive=True)
        + glob.glob(os.path.join(root, "**", "*.flac"), recursive=True)
    )


def dns_clean(smoke, folder):
    return os.path.join(smoke["paths"]["dns_folder"], "datasets", "clean", folder)


def test_paths_and_build_time(smoke):
    root = smoke["root"]
    assert smoke["paths"] == {
        "librispeech_folder": os.path.join(root, "LibriSpeech"),
        "wham_folder": os.path.join(root, "wham_noise"),
        "dns_folder": os.path.join(root, "DNS"),
    }
    assert os.path.isfile(os.path.join(root, RECORD_NAME))
    assert smoke["seconds"] < 60


def test_librispeech_layout_and_transcripts(smoke):
    folder = smoke["paths"]["librispeech_folder"]
    for subset in LIBRISPEECH_SUBSETS:
        flacs = glob.glob(os.path.join(folder, subset, "*", "*", "*-*-*.flac"))
        assert len(flacs) >= 6
        for flac in flacs:
            speaker, chapter = flac.split(os.sep)[-3:-1]
            assert re.fullmatch(
                rf"{speaker}-{chapter}-\d{{4}}\.flac", os.path.basename(flac)
            )
            info = sf.info(flac)
            assert (info.samplerate, info.channels, info.format) == (16000, 1, "FLAC")
        for trans in glob.glob(os.path.join(folder, subset, "*", "*", "*.trans.txt")):
            chapter_dir = os.path.dirname(trans)
            speaker, chapter = chapter_dir.split(os.sep)[-2:]
            assert os.path.basename(trans) == f"{speaker}-{chapter}.trans.txt"
            with open(trans, encoding="utf-8") as file:
                lines = file.read().splitlines()
            ids = [line.split(" ", 1)[0] for line in lines]
            flac_ids = sorted(
                os.path.basename(f)[: -len(".flac")]
                for f in glob.glob(os.path.join(chapter_dir, "*.flac"))
            )
            assert sorted(ids) == flac_ids
            for line in lines:
                assert re.fullmatch(r"\d+-\d+-\d{4} [A-Z]+( [A-Z]+){3,11}", line)


def test_librispeech_speakers_are_disjoint(smoke):
    folder = smoke["paths"]["librispeech_folder"]
    speakers = {
        subset: set(os.listdir(os.path.join(folder, subset)))
        for subset in LIBRISPEECH_SUBSETS
    }
    assert all(len(s) == 3 for s in speakers.values())
    train, dev, test = (speakers[s] for s in LIBRISPEECH_SUBSETS)
    assert not (train & dev or train & test or dev & test)
    # The voices behind the ids are distinct too (SPEAKERS.TXT names them).
    with open(os.path.join(folder, "SPEAKERS.TXT"), encoding="utf-8") as file:
        voices = [line.split("|")[-1].split()[0] for line in file if line[0] != ";"]
    assert len(voices) == len(set(voices)) == 9


def test_wham_layout(smoke):
    folder = smoke["paths"]["wham_folder"]
    names = {}
    for split in WHAM_SPLITS:
        files = glob.glob(os.path.join(folder, split, "*.wav"))
        assert files
        names[split] = {os.path.basename(f) for f in files}
        for path in files:
            info = sf.info(path)
            assert (info.samplerate, info.channels) == (16000, 2)
            assert 3.0 <= info.duration <= 4.0
            assert re.fullmatch(
                r"\w{8}_\d\.\d{5}_\w{8}_-\d\.\d{5}\.wav", os.path.basename(path)
            )
    assert not (names["tr"] & names["cv"] or names["tr"] & names["tt"])
    digests = [d for p, d in all_files(folder).items()]
    assert len(digests) == len(set(digests)) == 8


def test_dns_layouts(smoke):
    for folder, locale in MAILABS_LOCALES.items():
        base = os.path.join(dns_clean(smoke, folder), "M-AILABS", locale, "by_book")
        wavs = glob.glob(os.path.join(base, "*", "*", "*", "wavs", "*.wav"))
        assert len(wavs) == 9, folder
        for wav in wavs:
            gender, _, book = wav.split(os.sep)[-5:-2]
            assert gender in ("female", "male")
            assert re.fullmatch(rf"{book}_\d{{6}}\.wav", os.path.basename(wav))
        assert glob.glob(os.path.join(base, "*", "*", "*", "metadata.csv"))
    thchs = os.path.join(
        dns_clean(smoke, "mandarin_speech"), "slr18", "data_thchs30", "train"
    )
    wavs = glob.glob(os.path.join(thchs, "*.wav"))
    assert len(wavs) == 9
    assert all(re.fullmatch(r"[A-D]\d+_\d+\.wav", os.path.basename(w)) for w in wavs)
    reads = glob.glob(os.path.join(dns_clean(smoke, "read_speech"), "*.wav"))
    assert len(reads) == 9
    pattern = r"book_\d{5}_chp_\d{4}_reader_\d{5}_\d+\.wav"
    assert all(re.fullmatch(pattern, os.path.basename(w)) for w in reads)
    for wav in audio_files(smoke["paths"]["dns_folder"]):
        info = sf.info(wav)
        assert (info.samplerate, info.channels) == (16000, 1)
    noises = glob.glob(
        os.path.join(smoke["paths"]["dns_folder"], "datasets", "noise", "*.wav")
    )
    assert len(noises) == 8


def dns_speaker(folder, path):
    name = os.path.basename(path)
    if folder == "mandarin_speech":
        return name.split("_")[0]
    if folder == "read_speech":
        return re.search(r"reader_(\d{5})", name).group(1)
    return path.split(os.sep)[-4]  # M-AILABS speaker folder


def test_every_target_language_has_three_speakers(smoke):
    for folder in TARGET_FOLDERS:
        wavs = audio_files(dns_clean(smoke, folder))
        speakers = {dns_speaker(folder, w) for w in wavs}
        assert len(speakers) >= 3, folder


def longest_zero_run(wave):
    """Length of the longest run of exact zeros."""
    padded = np.concatenate([[0], (wave == 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int(np.max(edges[1::2] - edges[::2], initial=0))


def test_audio_is_neither_silent_nor_clipped(smoke):
    files = audio_files(smoke["root"])
    assert len(files) == 100
    for path in files:
        wave, _ = sf.read(path, always_2d=True)
        rms_db = 20 * np.log10(np.sqrt(np.mean(wave[:, 0] ** 2)))
        assert -45 < rms_db < -10, path
        assert np.max(np.abs(wave)) < 0.99, path
        assert longest_zero_run(wave[:, 0]) < 160, path  # no digital silence


def test_utterance_durations(smoke):
    durations = [
        sf.info(p).duration
        for p in audio_files(smoke["paths"]["librispeech_folder"])
        + audio_files(os.path.join(smoke["paths"]["dns_folder"], "datasets", "clean"))
    ]
    assert 1.0 < min(durations) and max(durations) < 4.5
    assert 1.8 < np.mean(durations) < 3.2


def test_same_seed_gives_identical_bytes(smoke, tmp_path):
    build_benchmark(str(tmp_path), size="smoke", seed=0)
    assert all_files(str(tmp_path)) == all_files(smoke["root"])


def test_other_seed_gives_other_files(tiny, tmp_path):
    build_benchmark(str(tmp_path), size="smoke", seed=1, sizes=TINY)
    digests_0 = all_files(tiny)
    digests_1 = all_files(str(tmp_path))
    assert len(digests_0) == len(digests_1)
    assert not set(digests_0.values()) & set(digests_1.values())


def test_cache_hit_returns_fast_without_writing(smoke):
    before = mtimes(smoke["root"])
    start = time.time()
    paths = build_benchmark(smoke["root"], size="smoke", seed=0)
    assert time.time() - start < 0.5
    assert paths == smoke["paths"]
    assert mtimes(smoke["root"]) == before


def test_interrupted_build_is_rebuilt(tiny):
    before = all_files(tiny)
    os.remove(os.path.join(tiny, RECORD_NAME))
    stray = os.path.join(tiny, "LibriSpeech", "dev-clean", "partial.flac")
    with open(stray, "wb") as file:
        file.write(b"half a file")
    unrelated = os.path.join(tiny, "notes.txt")
    with open(unrelated, "w") as file:
        file.write("not ours")
    build_benchmark(tiny, size="smoke", seed=0, sizes=TINY)
    assert not os.path.exists(stray)
    assert os.path.exists(unrelated)
    os.remove(unrelated)
    assert all_files(tiny) == before


def test_changed_config_rebuilds(tmp_path):
    root = str(tmp_path)
    small = dict(TINY, target_folders=["german_speech"], dns_noise_files=1)
    build_benchmark(root, size="smoke", seed=0, sizes=small)
    build_benchmark(root, size="smoke", seed=0, sizes=dict(small, dns_noise_files=3))
    noise = os.listdir(os.path.join(root, "DNS", "datasets", "noise"))
    assert len(noise) == 3


def test_resolve_config_rejects_unknown_names():
    with pytest.raises(ValueError):
        resolve_config("huge")
    with pytest.raises(ValueError):
        resolve_config("smoke", {"not_a_field": 1})
    with pytest.raises(ValueError):
        resolve_config("smoke", {"target_folders": ["klingon_speech"]})
    assert resolve_config({"dns_noise_files": 5})["dns_noise_files"] == 5


@pytest.mark.parametrize(
    "prosody, culprit",
    [
        ({"ptich": [[20, 30]]}, "ptich"),  # a typo adds a setting
        ({"pitch": [[30, 20]]}, "pitch"),  # low above high
        ({"pitch": [[20, 101]]}, "pitch"),  # beyond eSpeak's 0-100
        ({"rate": [[50, 70]]}, "rate"),  # eSpeak's slowest is 80
        ({"range": []}, "range"),  # nothing to draw from
        ({"pitch": [[20.5, 30]]}, "pitch"),  # eSpeak takes integers
        ({"pitch": [20, 30]}, "pitch"),  # an interval, not a list of them
        ({"pitch": [[False, True]]}, "pitch"),  # booleans are not settings
        ({"pitch": [[5, 50]]}, "segmentation fault"),  # eSpeak crashes there
        ({"range": [[60, 50]]}, "low > high"),
    ],
)
def test_prosody_fields_are_checked(prosody, culprit):
    """A wrong prosody override stops the build with the field and setting
    named, before any file is written."""
    for field in ("source_prosody", "target_prosody"):
        with pytest.raises(ValueError, match=field) as error:
            resolve_config("smoke", {field: prosody})
        assert culprit in str(error.value)


def test_a_misspelt_field_or_part_is_named_with_the_closest_one():
    with pytest.raises(ValueError, match="did you mean 'target_prosody'"):
        resolve_config("smoke", {"target_prosodi": {}})
    with pytest.raises(ValueError, match="'wham_files' has no 'trr'.*'tr'"):
        resolve_config("smoke", {"wham_files": {"trr": 10}})
    with pytest.raises(ValueError, match="has no 'ptich' \\(did you mean 'pitch'"):
        resolve_config("smoke", {"target_prosody": {"ptich": [[20, 30]]}})


def test_prosody_overrides_reach_the_readers():
    """``target_prosody`` sets the non-English readers' intervals and
    ``source_prosody`` the source-like ones; a partial override keeps the
    other settings."""
    from speechbrain_srst.benchmark.build import SOURCE_LIKE_FOLDERS, target_readers
    from speechbrain_srst.benchmark.speech import SOURCE_PROSODY, TARGET_PROSODY

    config = resolve_config("default")
    assert config["target_prosody"]["rate"] == [list(i) for i in TARGET_PROSODY["rate"]]
    assert config["source_prosody"]["pitch"] == [
        list(i) for i in SOURCE_PROSODY["pitch"]
    ]
    sizes = {
        "target_prosody": {"pitch": [[50, 50]]},
        "source_prosody": {"rate": [[150, 150]]},
    }
    readers = target_readers("smoke", seed=0, sizes=sizes)
    for (folder, _), reader in readers.items():
        if folder in SOURCE_LIKE_FOLDERS:
            assert reader["rate"] == 150
            assert any(
                lo <= reader["pitch"] <= hi for lo, hi in SOURCE_PROSODY["pitch"]
            )
        else:
            assert reader["pitch"] == 50
            assert any(lo <= reader["rate"] <= hi for lo, hi in TARGET_PROSODY["rate"])
    assert resolve_config("smoke", sizes)["target_prosody"]["range"] == [
        list(i) for i in TARGET_PROSODY["range"]
    ]


def test_source_scenes_can_hold_passing_footsteps():
    """Footsteps are one of the scene sources: impulsive (a crest factor far
    above noise's), mostly below 1 kHz, and a pure function of the seed."""
    from speechbrain_srst.benchmark.source_noise import URBAN_SOURCES, passing_footsteps

    assert "footsteps" in URBAN_SOURCES
    steps = passing_footsteps(np.random.default_rng(3), 5 * 16000)
    assert np.isclose(np.std(steps), 1.0)
    assert np.max(np.abs(steps)) > 6.0  # Gaussian noise: about 4.4 over 80,000 samples
    spectrum = np.abs(np.fft.rfft(steps)) ** 2
    below_1k = spectrum[: 5 * 1000].sum() / spectrum.sum()
    assert below_1k > 0.6, below_1k
    assert np.array_equal(steps, passing_footsteps(np.random.default_rng(3), 5 * 16000))


def test_espeak_is_reproducible_and_strict():
    first = synthesize("bonjour tout le monde", voice="fr+m3", seed=3)
    synthesize("etwas ganz anderes", voice="de+f2", rate=200)
    assert np.array_equal(first, synthesize("bonjour tout le monde", "fr+m3", seed=3))
    with pytest.raises(EspeakError):
        synthesize("hello", voice="no-such-voice")


def test_missing_espeak_library_gives_a_clear_error(monkeypatch):
    import espeakng_loader

    from speechbrain_srst.benchmark import speech as synth_speech

    monkeypatch.setattr(synth_speech, "_LIBRARY", None)
    monkeypatch.setattr(espeakng_loader, "get_library_path", lambda: "/no/lib.so")
    with pytest.raises(EspeakError, match="not found"):
        synthesize("hello")


def band_log_energies(path, n_bands=16):
    """Mean log energy in 16 bands of equal width on a log frequency axis."""
    wave, _ = sf.read(path, always_2d=True)
    wave = wave[:, 0]
    frames = np.lib.stride_tricks.sliding_window_view(wave, 512)[::256]
    power = np.mean(np.abs(np.fft.rfft(frames * np.hanning(512))) ** 2, axis=0)
    edges = np.geomspace(4, 257, n_bands + 1).astype(int)
    bands = [power[a:b].mean() for a, b in zip(edges[:-1], edges[1:], strict=True)]
    log_bands = 10 * np.log10(np.array(bands) + 1e-12)
    return log_bands - log_bands.mean()  # spectral shape, not level


def band_shares(path, edges_hz=(500, 2000, 4000)):
    """Share of the power below 0.5, 0.5-2, 2-4 and 4-8 kHz (channel 0)."""
    wave, rate = sf.read(path, always_2d=True)
    power = np.abs(np.fft.rfft(wave[:, 0])) ** 2
    freqs = np.fft.rfftfreq(len(wave), 1 / rate)
    bounds = (0,) + tuple(edges_hz) + (rate / 2 + 1,)
    pairs = zip(bounds[:-1], bounds[1:], strict=True)
    bands = [power[(freqs >= a) & (freqs < b)].sum() for a, b in pairs]
    return np.array(bands) / np.sum(bands)


def test_source_noise_is_broadband_urban_ambience(smoke):
    """WHAM!-like scenes are broadband, not speech-shaped babble only.

    Babble alone puts about 91 % of its power below 2 kHz and 3 % above
    4 kHz (benchmark v3); urban scenes carry more high-frequency power
    (measured on this smoke build: 11.8 % above 2 kHz, 4.8 % above 4 kHz).
    """
    source = sorted(glob.glob(os.path.join(smoke["paths"]["wham_folder"], "*", "*")))
    shares = np.array([band_shares(p) for p in source]).mean(axis=0)
    assert shares[2] + shares[3] > 0.10, shares
    assert shares[3] > 0.04, shares
    assert shares[0] < 0.75, shares


def test_source_and_target_noise_spectra_overlap(smoke):
    """Every target noise's spectral shape lies near some source noise.

    The feature is the spectral shape (16 log bands, level removed). Each
    target noise is closer to its nearest source noise than the two noise
    centroids of benchmark v3 were apart (6 dB over 16 bands), so that a
    source model can transfer in part.
    """
    source = sorted(glob.glob(os.path.join(smoke["paths"]["wham_folder"], "*", "*")))
    target = sorted(
        glob.glob(os.path.join(smoke["paths"]["dns_folder"], "datasets", "noise", "*"))
    )
    source_features = np.array([band_log_energies(p) for p in source])
    target_features = np.array([band_log_energies(p) for p in target])
    centroid_gap = np.linalg.norm(
        source_features.mean(axis=0) - target_features.mean(axis=0)
    )
    assert centroid_gap < 30.0, centroid_gap
    nearest = [
        np.min(np.linalg.norm(source_features - feature, axis=1))
        for feature in target_features
    ]
    assert np.median(nearest) < 40.0, nearest


def test_source_and_target_noise_share_no_generator():
    """The two noise modules import nothing from each other."""
    import inspect

    from speechbrain_srst.benchmark import source_noise, target_noise

    assert "target_noise" not in inspect.getsource(source_noise).split('"""', 2)[2]
    assert "source_noise" not in inspect.getsource(target_noise).split('"""', 2)[2]


def test_voice_pools_are_disjoint():
    """Babble talkers, source readers and non-English readers never share a
    voice variant; English DNS readers are source-like."""
    from speechbrain_srst.benchmark.build import SOURCE_LIKE_FOLDERS
    from speechbrain_srst.benchmark.source_noise import BABBLE_VARIANTS
    from speechbrain_srst.benchmark.speech import SOURCE_VARIANTS, TARGET_VARIANTS

    assert not set(BABBLE_VARIANTS) & set(SOURCE_VARIANTS)
    assert not set(BABBLE_VARIANTS) & set(TARGET_VARIANTS)
    assert not set(SOURCE_VARIANTS) & set(TARGET_VARIANTS)
    assert SOURCE_LIKE_FOLDERS == ("read_speech",)


def test_babble_talkers_are_distant():
    """Each babble talker is beyond the critical distance: a click comes out
    with more reverberant than direct energy, and no louder than it went in."""
    from speechbrain_srst.benchmark.source_noise import distant_talkers

    click = np.zeros((3, 32000))
    click[:, 1000] = 1.0
    far = distant_talkers(np.random.default_rng(0), click)
    for row in far:
        peak = int(np.argmax(np.abs(row)))
        direct = np.sum(row[peak - 40 : peak + 40] ** 2)
        reverberant = np.sum(row[peak + 80 :] ** 2)
        assert reverberant > direct, (direct, reverberant)
    np.testing.assert_allclose(far.std(axis=1), click.std(axis=1), rtol=1e-6)


def test_default_size_has_three_test_readers_per_language():
    """The default size's target readers split into at least three valid and
    three test readers per language (one test reader per language made the
    target test set a handful of voice draws)."""
    from speechbrain_srst.data.prepare import _split_counts

    readers = resolve_config("default")["target_speakers"]
    train, valid, test = _split_counts(readers, 0.1, 0.1)
    assert valid >= 3 and test >= 3 and train >= 20, (train, valid, test)


def test_target_readers_have_coloured_channels():
    """Non-English readers get a recording channel; English ones do not."""
    from speechbrain_srst.benchmark.build import _target_speakers, resolve_config
    from speechbrain_srst.benchmark.dsp import Channel

    config = resolve_config("smoke")
    for folder, flat in (("german_speech", False), ("read_speech", True)):
        speakers, _ = _target_speakers(config, 0, folder)
        channels = [channel for _, _, _, channel in speakers]
        assert all((c == Channel()) == flat for c in channels), (folder, channels)


@pytest.mark.parametrize("pool", ["babble", "source", "target"])
def test_every_voice_variant_is_reproducible(pool):
    """The same text and seed give the same samples for every variant used
    (eSpeak's seed does not reach some variants' random state)."""
    from speechbrain_srst.benchmark.source_noise import BABBLE_VARIANTS
    from speechbrain_srst.benchmark.speech import (
        SOURCE_VARIANTS,
        TARGET_VARIANTS,
        Speaker,
        speak,
    )

    variants = {
        "babble": BABBLE_VARIANTS,
        "source": SOURCE_VARIANTS,
        "target": TARGET_VARIANTS,
    }[pool]
    changing = []
    for variant, gender in variants.items():
        speaker = Speaker("en", "en-us", variant, gender, 170, 50, 50)
        first = speak(speaker, "Hello there, my friend.", seed=3)
        speak(Speaker("en", "en-us", "m1", "male", 170, 50, 50), "Other words.", 4)
        second = speak(speaker, "Hello there, my friend.", seed=3)
        if len(first) != len(second) or not np.array_equal(first, second):
            changing.append(variant)
    assert changing == []


def test_target_readers_are_the_readers_of_the_build(smoke):
    """``target_readers`` names exactly the readers whose files the build
    wrote, per folder, with the prosody pools of their domain."""
    from speechbrain_srst.benchmark.build import TARGET_FOLDERS, target_readers
    from speechbrain_srst.benchmark.dsp import Channel
    from speechbrain_srst.benchmark.speech import SOURCE_PROSODY, TARGET_PROSODY
    from speechbrain_srst.data.prepare import speaker_from_path

    readers = target_readers("smoke", seed=0)
    clean = os.path.join(smoke["root"], "DNS", "datasets", "clean")
    written = set()
    for folder in TARGET_FOLDERS:
        for path in glob.glob(
            os.path.join(clean, folder, "**", "*.wav"), recursive=True
        ):
            written.add((folder, speaker_from_path(path)))
    assert written == set(readers)
    for (folder, _), reader in readers.items():
        source_like = folder == "read_speech"
        pool = SOURCE_PROSODY if source_like else TARGET_PROSODY
        assert any(lo <= reader["pitch"] <= hi for lo, hi in pool["pitch"])
        assert any(lo <= reader["rate"] <= hi for lo, hi in pool["rate"])
        assert (reader["channel"] == Channel()) == source_like
    assert target_readers("smoke", seed=1) != readers


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--seed", "-1"], "--seed must be >= 0"),
        (["--override", "{nojson"], "--override is not valid JSON"),
        (["--override", "[1]"], "a JSON object is needed"),
        (["--override", '{"wham_file": {}}'], "did you mean 'wham_files'"),
        (["--override", '{"target_prosody": {"pitch": [[5, 9]]}}'], "segmentation"),
    ],
)
def test_build_command_refuses_bad_arguments_before_writing(
    argv, message, tmp_path, capsys
):
    from speechbrain_srst.benchmark.build import main

    with pytest.raises(SystemExit) as stop:
        main(["--root", str(tmp_path / "b"), *argv])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
