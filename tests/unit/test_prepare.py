"""Tests of speechbrain_srst.data.prepare on tiny corpus trees."""

import json
import math
import os
import re
import shutil

import pytest
import soundfile as sf

from speechbrain_srst.data.audio import load_audio
from speechbrain_srst.data.prepare import (
    CorpusError,
    collect_dns,
    noise_family,
    prepare_domain_adaptation,
    speaker_from_path,
    split_by_family,
    split_groups,
)

try:
    from tests.unit.corpus_trees import make_dns, make_librispeech, make_wham, write
except ImportError:  # tests/ is not a package: pytest put tests/unit on sys.path
    from corpus_trees import make_dns, make_librispeech, make_wham, write

SMALL = dict(
    num_source_mixtures=12,
    num_source_valid=3,
    num_target_mixtures=20,
    num_target_valid=4,
    segment_seconds=0.5,
    num_test_per_snr=3,
    test_seconds=1.0,
    seed=7,
)
PLANS = ["source_train", "source_valid", "target_train", "target_valid"]
TESTS = [
    f"{name}_snr{s}"
    for name in ("source_test", "target_test", "english_test")
    for s in (-5, 0, 5)
]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("corpora"))
    return {
        "librispeech": make_librispeech(root),
        "wham": make_wham(root),
        "dns": make_dns(root),
    }


def folders(corpora):
    return dict(
        librispeech_folder=corpora["librispeech"]["folder"],
        wham_folder=corpora["wham"]["folder"],
        dns_folder=corpora["dns"]["folder"],
    )


@pytest.fixture(scope="module")
def prepared(corpora, tmp_path_factory):
    save = str(tmp_path_factory.mktemp("prepared"))
    summary = prepare_domain_adaptation(save, **folders(corpora), **SMALL)
    return save, summary


def load(save, name):
    with open(os.path.join(save, f"{name}.json")) as handle:
        return json.load(handle)


def all_files(folder):
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = path
    return out


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "path, speaker",
    [
        ("/d/read_speech/book_00000_chp_0009_reader_06709_0.wav", "reader_06709"),
        ("/L/train-clean-100/103/1240/103-1240-0000.flac", "103"),
        ("/m/SLR33/train/S0002/BAC009S0002W0122.wav", "S0002"),
        ("/m/SLR18/data_thchs30/train/A11_0.wav", "A11"),
        ("/m/SLR18/data_thchs30/train/D4_750.wav", "D4"),
        ("/f/by_book/female/ezwa/monsieur_lecoq/wavs/lecoq_01_f000001.wav", "ezwa"),
        ("/f/by_book/mix/contes/wavs/contes_01_f000001.wav", "mix_contes"),
        ("/x/speaker_7/clip.wav", "speaker_7"),
    ],
)
def test_speaker_from_path(path, speaker):
    assert speaker_from_path(path) == speaker


def test_split_groups_disjoint_and_deterministic():
    entries = [
        {"speaker": f"s{i}", "wav": f"s{i}_{j}"} for i in range(10) for j in range(3)
    ]
    splits = split_groups(entries, "speaker", 0.1, 0.2, seed=1)
    speakers = {k: {e["speaker"] for e in v} for k, v in splits.items()}
    assert [len(speakers[k]) for k in ("train", "valid", "test")] == [7, 1, 2]
    assert not speakers["train"] & speakers["test"]
    assert not speakers["valid"] & (speakers["train"] | speakers["test"])
    assert split_groups(entries, "speaker", 0.1, 0.2, seed=1) == splits
    assert split_groups(entries, "speaker", 0.1, 0.2, seed=2) != splits
    two = split_groups(entries[:6], "speaker", 0.1, 0.1, seed=1)
    assert len(two["train"]) == 6 and not two["valid"] and not two["test"]


DNS_NOISE_NAMES = (
    [f"AirConditioner_{i}.wav" for i in range(1, 9)]
    + [f"door_Freesound_validated_3809{i}_0.wav" for i in range(6)]
    + [f"Typing_{i}.wav" for i in range(12)]
    + [f"CopyMachine_{i}.wav" for i in range(4)]
    + ["Fan_1.wav", "Fan_2.wav", "-0aVkLAHL0E.wav", "3nk2nt4Ynhs.wav"]
)


@pytest.mark.parametrize(
    "name, family",
    [
        ("AirConditioner_8.wav", "airconditioner"),
        ("door_Freesound_validated_380959_0.wav", "door"),
        ("CopyMachine_2.wav", "copymachine"),
        ("Hum60Hz_0007.flac", "hum"),
        ("Fan.wav", "fan"),
        ("-0aVkLAHL0E.wav", "(rare)"),
        ("3nk2nt4Ynhs.wav", "(rare)"),
        ("ab_1.wav", "(rare)"),
    ],
)
def test_noise_family(name, family):
    assert noise_family(os.path.join("/dns/datasets/noise", name)) == family


def test_dns_noise_split_holds_every_family_in_every_split(tmp_path):
    for speaker in ("s1", "s2", "s3"):
        write(tmp_path / "datasets/clean/german_speech" / speaker / "a.wav", 0.1)
    for name in DNS_NOISE_NAMES:
        write(tmp_path / "datasets/noise" / name, 0.1)
    _, noise, _ = collect_dns(
        str(tmp_path), ["german"], 0.1, 0.1, seed=3, min_seconds=0.0
    )
    families = {split: {e["family"] for e in noise[split]} for split in noise}
    expected = {"airconditioner", "door", "typing", "copymachine"}
    for split in ("train", "valid", "test"):
        assert families[split] - {"fan", "(rare)"} == expected, split
    pooled = [
        len([e for e in noise[s] if e["family"] in ("fan", "(rare)")])
        for s in ("train", "valid", "test")
    ]
    assert pooled == [2, 1, 1]  # Fan (2 files) is pooled with the unnamed clips
    files = {split: {e["wav"] for e in noise[split]} for split in noise}
    assert not files["train"] & files["test"] and not files["valid"] & files["test"]
    assert sum(len(v) for v in files.values()) == len(DNS_NOISE_NAMES)
    typing = [len([e for e in noise[s] if e["family"] == "typing"]) for s in noise]
    assert typing == [10, 1, 1]
    again = collect_dns(str(tmp_path), ["german"], 0.1, 0.1, seed=3, min_seconds=0.0)[1]
    assert again == noise


def test_split_by_family_small_families_are_pooled():
    entries = [{"wav": f"{kind}_{i}.wav"} for kind in "ABC" for i in range(2)]
    entries = [{"wav": "Music" + e["wav"]} for e in entries]  # 3 families of 2
    splits = split_by_family(entries, 0.2, 0.2, seed=0)
    assert [len(splits[s]) for s in ("train", "valid", "test")] == [4, 1, 1]
    assert {e["family"] for s in splits.values() for e in s} == {
        "musica",
        "musicb",
        "musicc",
    }


# ---------------------------------------------------------------- full run


def test_manifests_and_counts(prepared, corpora):
    save, summary = prepared
    for name in PLANS + TESTS:
        assert os.path.isfile(os.path.join(save, f"{name}.json")), name
    assert sorted(summary["manifests"]) == sorted(PLANS + TESTS)
    assert len(load(save, "source_train")) == 12
    assert len(load(save, "source_valid")) == 3
    assert len(load(save, "target_train")) == 20
    assert len(load(save, "target_valid")) == 4
    for name in TESTS:
        assert len(load(save, name)) == 3
    for name in PLANS + TESTS:  # the summary matches what is on disk
        manifest = load(save, name)
        stats = summary["manifests"][name]
        assert stats["entries"] == len(manifest)
        hours = sum(e["duration"] for e in manifest.values()) / 3600
        assert stats["hours"] == pytest.approx(hours, abs=1e-5)
        per_lang = {}
        for entry in manifest.values():
            per_lang[entry["language"]] = per_lang.get(entry["language"], 0) + 1
        assert {k: v["entries"] for k, v in stats["languages"].items()} == per_lang
    with open(os.path.join(save, "prepare_summary.json")) as handle:
        assert json.load(handle) == summary
    assert summary["missing_languages"] == ["italian", "russian", "spanish"]


def test_corpus_counts_and_skipped_files(prepared, corpora):
    _, summary = prepared
    dns = corpora["dns"]
    found = summary["corpora"]["dns_speech"]
    for lang, files in dns["speech"].items():
        assert sum(found[lang][s]["files"] for s in ("train", "valid", "test")) == len(
            files
        ), lang
    assert sorted(found) == ["english", "french", "german", "mandarin"]
    noise = summary["corpora"]["dns_noise"]
    assert [noise[s]["files"] for s in ("train", "valid", "test")] == [4, 1, 1]
    assert summary["corpora"]["dns_skipped_files"] == len(dns["skipped"])
    wham = summary["corpora"]["wham"]
    assert [wham[s]["files"] for s in ("train", "valid", "test")] == [3, 2, 2]
    assert wham["skipped_files"] == 3  # sp08_ file, sp12/ file, ._ file
    libri = summary["corpora"]["librispeech"]
    assert libri["split_mode"] == "subset"
    assert [libri[s]["speakers"] for s in ("train", "valid", "test")] == [3, 1, 2]


def test_no_hidden_speed_perturbed_or_text_files_used(prepared, corpora):
    save, _ = prepared
    used = set()
    for name in PLANS:
        for spec in load(save, name).values():
            used |= {spec["speech"], spec["noise"]}
    for name in TESTS:
        for entry in load(save, name).values():
            used |= {entry["speech_source"], entry["noise_source"]}
    assert used
    for path in used:
        assert os.path.isabs(path) and os.path.isfile(path)
        base = os.path.basename(path)
        assert not base.startswith(".") and base.endswith((".wav", ".flac"))
        assert "sp08" not in path and "sp12" not in path
    wham_train = {spec["noise"] for spec in load(save, "source_train").values()}
    assert wham_train == set(corpora["wham"]["files"]["tr"])


def test_speaker_disjoint_splits(prepared):
    save, _ = prepared
    for side in ("source", "target"):
        speakers = {}
        for split in ("train", "valid"):
            for spec in load(save, f"{side}_{split}").values():
                speakers.setdefault(split, set()).add(
                    (spec["language"], spec["speaker"])
                )
        for snr in (-5, 0, 5):
            for entry in load(save, f"{side}_test_snr{snr}").values():
                speakers.setdefault("test", set()).add(
                    (entry["language"], entry["speaker"])
                )
        assert not speakers["train"] & speakers["valid"]
        assert not speakers["train"] & speakers["test"]
        assert not speakers["valid"] & speakers["test"]
    libri_train = {s["speaker"] for s in load(save, "source_train").values()}
    assert libri_train == {"19", "26", "32"}
    # every target language has all three splits
    langs = {s["language"] for s in load(save, "target_train").values()}
    assert langs == {"french", "german", "mandarin"}
    test_langs = {
        e["language"]
        for n in TESTS
        if n.startswith("target")
        for e in load(save, n).values()
    }
    assert test_langs == {"french", "german", "mandarin"}  # balanced: 1 each per SNR
    english = {
        e["speaker"]
        for n in TESTS
        if n.startswith("english")
        for e in load(save, n).values()
    }
    assert len(english) == 1 and english <= {
        "reader_06709",
        "reader_01234",
        "reader_00042",
    }


def test_plan_entries(prepared):
    save, _ = prepared
    for name in PLANS:
        for spec in load(save, name).values():
            assert spec["length"] == 8000 and spec["duration"] == 0.5
            assert -5.0 <= spec["snr"] <= 10.0
            assert -35.0 <= spec["level_dbfs"] <= -15.0
            assert spec["language"] in {"english", "french", "german", "mandarin"}


def test_test_sets_audio(prepared, corpora):
    save, _ = prepared
    for name in TESTS:
        snr = float(name.rsplit("snr", 1)[1])
        for mix_id, entry in load(save, name).items():
            assert entry["snr"] == snr
            assert set(entry) >= {
                "noisy_wav",
                "clean_wav",
                "noise_wav",
                "snr",
                "language",
                "speaker",
                "duration",
            }
            test_set = name.rsplit("_", 1)[0]
            tag = name.rsplit("_", 1)[1]
            for kind in ("noisy", "clean", "noise"):
                expected = os.path.join(
                    save, "testsets", test_set, tag, kind, f"{mix_id}.wav"
                )
                assert entry[f"{kind}_wav"] == expected
                info = sf.info(expected)
                assert info.samplerate == 16000 and info.channels == 1
                assert info.frames == round(entry["duration"] * 16000)
            clean = load_audio(entry["clean_wav"])
            noise = load_audio(entry["noise_wav"])
            noisy = load_audio(entry["noisy_wav"])
            assert (noisy - clean - noise).abs().max() < 1e-6
            realised = 10 * math.log10(clean.pow(2).sum() / noise.pow(2).sum())
            assert abs(realised - snr) < 0.1
    # the 8 kHz and 48 kHz German files were resampled: durations are real
    german = [
        e
        for n in TESTS
        if n.startswith("target")
        for e in load(save, n).values()
        if e["language"] == "german"
    ]
    sources = {os.path.basename(e["speech_source"]): e["duration"] for e in german}
    assert sources == {"buch_00_f000001.wav": 1.0, "buch_00_f000002.wav": 1.0}
    # 1.25 s at 48 kHz -> cut to test_seconds; 1.0 s at 8 kHz -> 16000 samples


def test_same_seed_identical_other_seed_different(prepared, corpora, tmp_path):
    save, _ = prepared
    again = str(tmp_path / "again")
    other = str(tmp_path / "other")
    prepare_domain_adaptation(again, **folders(corpora), **SMALL)
    prepare_domain_adaptation(other, **folders(corpora), **dict(SMALL, seed=8))
    first = all_files(os.path.join(save, "testsets"))
    second = all_files(os.path.join(again, "testsets"))
    assert sorted(first) == sorted(second) and len(first) == 9 * 3 * 3
    for rel, path in first.items():
        with open(path, "rb") as a, open(second[rel], "rb") as b:
            assert a.read() == b.read(), rel
    for name in PLANS:
        assert load(save, name) == load(again, name)
        assert load(save, name) != load(other, name)
    third = all_files(os.path.join(other, "testsets"))
    differing = 0
    for rel, path in first.items():
        if rel in third:
            with open(path, "rb") as a, open(third[rel], "rb") as b:
                differing += a.read() != b.read()
    assert differing > len(first) // 2


def test_skip_if_done_and_redo(corpora, tmp_path):
    save = str(tmp_path / "save")
    kwargs = dict(SMALL, **folders(corpora))
    first = prepare_domain_adaptation(save, **kwargs)
    mtimes = {p: os.stat(p).st_mtime_ns for p in all_files(save).values()}
    assert os.path.join(save, "prepare_options.json") in mtimes
    second = prepare_domain_adaptation(save, **kwargs)
    assert second == first
    assert {p: os.stat(p).st_mtime_ns for p in all_files(save).values()} == mtimes
    # other options: redone
    prepare_domain_adaptation(save, **dict(kwargs, num_target_valid=5))
    assert len(load(save, "target_valid")) == 5
    options = os.path.join(save, "prepare_options.json")
    assert os.stat(options).st_mtime_ns != mtimes[options]
    # a missing output: redone
    victim = next(p for p in all_files(save).values() if p.endswith(".wav"))
    os.remove(victim)
    prepare_domain_adaptation(save, **dict(kwargs, num_target_valid=5))
    assert os.path.isfile(victim)
    # fewer corpora: the outputs of the dropped ones are removed
    summary = prepare_domain_adaptation(
        save, dns_folder=corpora["dns"]["folder"], **SMALL
    )
    assert sorted(summary["manifests"]) == sorted(
        ["target_train", "target_valid"] + [n for n in TESTS if "source" not in n]
    )
    assert not os.path.exists(os.path.join(save, "source_train.json"))
    assert not os.path.exists(os.path.join(save, "testsets", "source_test"))
    # skip_prep returns without looking at the corpora
    assert prepare_domain_adaptation(save, skip_prep=True) == summary


def test_only_some_corpora(corpora, tmp_path):
    save = str(tmp_path / "libri_wham")
    summary = prepare_domain_adaptation(
        save,
        librispeech_folder=corpora["librispeech"]["folder"],
        wham_folder=corpora["wham"]["folder"],
        **SMALL,
    )
    assert sorted(os.listdir(save)) == sorted(
        ["prepare_options.json", "prepare_summary.json", "testsets"]
        + [f"{n}.json" for n in PLANS[:2] + TESTS[:3]]
    )
    assert "dns_speech" not in summary["corpora"]
    # LibriSpeech alone gives nothing to mix, but is validated
    summary = prepare_domain_adaptation(
        str(tmp_path / "libri"),
        librispeech_folder=corpora["librispeech"]["folder"],
        **SMALL,
    )
    assert summary["manifests"] == {}
    assert summary["corpora"]["librispeech"]["train"]["files"] == 6


# ---------------------------------------------------------------- variants


def test_french_speech_and_no_mandarin(tmp_path):
    dns = make_dns(str(tmp_path), french_name="french_speech", mandarin=False)
    summary = prepare_domain_adaptation(
        str(tmp_path / "save"), dns_folder=dns["folder"], **SMALL
    )
    assert sorted(summary["corpora"]["dns_speech"]) == ["english", "french", "german"]
    assert "mandarin" in summary["missing_languages"]
    assert summary["manifests"]["target_train"]["languages"]["french"]["entries"] > 0


def test_librispeech_split_by_speaker_without_dev(tmp_path):
    libri = make_librispeech(
        str(tmp_path), {"train-clean-100": ["1", "2", "3", "4"], "test-clean": ["5"]}
    )
    wham = make_wham(str(tmp_path))
    summary = prepare_domain_adaptation(
        str(tmp_path / "save"),
        librispeech_folder=libri["folder"],
        wham_folder=wham["folder"],
        **SMALL,
    )
    libri_info = summary["corpora"]["librispeech"]
    assert libri_info["split_mode"] == "speaker"
    assert [libri_info[s]["speakers"] for s in ("train", "valid", "test")] == [3, 1, 1]
    subset = prepare_domain_adaptation(
        str(tmp_path / "save2"),
        librispeech_folder=libri["folder"],
        librispeech_subsets=["test-clean"],
        **SMALL,
    )
    assert subset["corpora"]["librispeech"]["subsets"] == ["test-clean"]
    assert subset["corpora"]["librispeech"]["train"]["files"] == 2


# ---------------------------------------------------------------- errors


def assert_nothing_written(save):
    assert not os.path.exists(save) or not os.listdir(save)


def test_missing_folders_are_named(corpora, tmp_path):
    save = str(tmp_path / "save")
    missing = str(tmp_path / "no_such_folder")
    for key in ("librispeech_folder", "wham_folder", "dns_folder"):
        with pytest.raises(CorpusError, match="no_such_folder"):
            prepare_domain_adaptation(save, **dict(folders(corpora), **{key: missing}))
    assert_nothing_written(save)
    with pytest.raises(CorpusError, match="dev-other"):
        prepare_domain_adaptation(
            save,
            librispeech_folder=corpora["librispeech"]["folder"],
            librispeech_subsets=["dev-other"],
        )
    assert_nothing_written(save)


def test_folders_without_audio(corpora, tmp_path):
    save = str(tmp_path / "save")
    empty = tmp_path / "empty"
    (empty / "train-clean-100" / "1" / "2").mkdir(parents=True)
    (empty / "train-clean-100" / "1" / "2" / "1-2.trans.txt").write_text("x\n")
    with pytest.raises(CorpusError, match=re.escape(str(empty))):
        prepare_domain_adaptation(save, librispeech_folder=str(empty))
    # the parent of LibriSpeech/ gets a hint
    parent = os.path.dirname(corpora["librispeech"]["folder"])
    with pytest.raises(CorpusError, match="did you mean"):
        prepare_domain_adaptation(save, librispeech_folder=parent)
    dns = tmp_path / "dns"
    (dns / "datasets" / "clean" / "german_speech").mkdir(parents=True)
    with pytest.raises(CorpusError, match="noise"):
        prepare_domain_adaptation(save, dns_folder=str(dns))
    write(str(dns / "datasets" / "noise" / "n.wav"), 0.5, kind="noise")
    with pytest.raises(CorpusError, match="german_speech"):
        prepare_domain_adaptation(save, dns_folder=str(dns))
    shutil.rmtree(dns / "datasets" / "clean" / "german_speech")
    with pytest.raises(CorpusError, match="No DNS language folder"):
        prepare_domain_adaptation(save, dns_folder=str(dns))
    assert_nothing_written(save)


@pytest.mark.parametrize("kind", ["corrupt", "empty"])
def test_bad_audio_files_are_named(corpora, tmp_path, kind):
    root = str(tmp_path / "copy")
    dns = make_dns(root)
    wavs = os.path.dirname(dns["speech"]["german"][0])
    bad = []
    for i in range(12):
        path = os.path.join(wavs, f"bad_{i:02d}.wav")
        if kind == "corrupt":
            with open(path, "wb") as handle:
                handle.write(b"RIFF1234WAVEfmt garbage")
        else:
            sf.write(path, [], 16000)
        bad.append(path)
    save = str(tmp_path / "save")
    with pytest.raises(CorpusError) as error:
        prepare_domain_adaptation(save, dns_folder=dns["folder"], **SMALL)
    message = str(error.value)
    assert "12 unreadable or empty" in message
    assert bad[0] in message and bad[9] in message and bad[10] not in message
    assert_nothing_written(save)


# ---------------------------------------------------------------- issue 16


def german_wavs(dns):
    return os.path.dirname(dns["speech"]["german"][0])


def test_silent_and_short_files_are_left_out_named_and_counted(tmp_path, caplog):
    """Issue 16: three all-zero German files made pure-noise "0 dB" mixtures."""
    dns = make_dns(str(tmp_path / "copy"))
    wavs = german_wavs(dns)
    silent = []
    for i in range(3):
        path = os.path.join(wavs, f"silent_{i}.wav")
        sf.write(path, [0.0] * 16000, 16000)
        silent.append(path)
    short = write(os.path.join(wavs, "short.wav"), 0.3)
    save = str(tmp_path / "save")
    summary = prepare_domain_adaptation(save, dns_folder=dns["folder"], **SMALL)
    unusable = summary["unusable_files"]
    assert unusable["count"] == 4
    assert unusable["reasons"] == {"silent": 3, "too short": 1}
    reasons = {item["file"]: item["reason"] for item in unusable["files"]}
    assert set(reasons) == set(silent) | {short}
    assert reasons[silent[0]] == "silent (RMS -200.0 dBFS, at most -80.0)"
    assert reasons[short] == "too short (0.300 s, under 0.5 s)"
    assert summary["corpora"]["dns_unusable_files"] == 4
    with open(os.path.join(save, "prepare_summary.json")) as handle:
        assert json.load(handle)["unusable_files"] == unusable
    assert "4 unusable audio file(s)" in caplog.text and silent[0] in caplog.text
    used = set()
    for name in os.listdir(save):
        if name.endswith(".json") and name.startswith(("target_", "english_")):
            for entry in load(save, name[:-5]).values():
                used.add(entry.get("speech") or entry.get("speech_source"))
    assert used and not used & (set(silent) | {short})
    german = summary["corpora"]["dns_speech"]["german"]
    assert sum(german[s]["files"] for s in ("train", "valid", "test")) == 6


@pytest.mark.parametrize("kind", ["cut_short", "nan"])
def test_files_that_do_not_decode_whole_stop_before_writing(tmp_path, kind):
    dns = make_dns(str(tmp_path / "copy"))
    path = os.path.join(german_wavs(dns), "bad.wav")
    if kind == "cut_short":
        sf.write(path, [0.1, -0.1] * 8000, 16000, subtype="PCM_16")
        data = open(path, "rb").read()
        with open(path, "wb") as handle:
            handle.write(data[: len(data) // 2])
        expected = "cut short"
    else:
        sf.write(path, [0.1, float("nan")] * 8000, 16000, subtype="FLOAT")
        expected = "NaN or inf"
    save = str(tmp_path / "save")
    with pytest.raises(CorpusError) as error:
        prepare_domain_adaptation(save, dns_folder=dns["folder"], **SMALL)
    assert path in str(error.value) and expected in str(error.value), error.value
    assert_nothing_written(save)


def make_one_reader_dns(root):
    """DNS layout, M-AILABS folders, one reader per language (4 clips each)."""
    clean = os.path.join(root, "DNS", "datasets", "clean")
    seed = 0
    for folder, locale, reader in (
        ("french_data", "fr_FR", "ezwa"),
        ("german_speech", "de_DE", "eva"),
        ("italian_speech", "it_IT", "lisa"),
    ):
        wavs = os.path.join(
            clean, folder, "M-AILABS", locale, "by_book", "female", reader, "b", "wavs"
        )
        for i in range(4):
            seed += 1
            write(os.path.join(wavs, f"b_{i:02d}_f{i:06d}.wav"), 1.0, seed=seed)
    for i in range(3):  # italian gets 3 readers: it is not named
        for reader in ("anna", "bea"):
            wavs = os.path.join(
                clean, "italian_speech", "M-AILABS", "it_IT", "by_book", "female"
            )
            seed += 1
            write(os.path.join(wavs, reader, "b", "wavs", f"b_{i}.wav"), 1.0, seed=seed)
    for i in range(6):
        write(
            os.path.join(root, "DNS", "datasets", "noise", f"noise_{i}.wav"),
            1.0,
            seed=100 + i,
            kind="noise",
        )
    return os.path.join(root, "DNS")


def test_empty_splits_fail_at_once_naming_split_and_languages(tmp_path):
    """Issue 16: one reader per language left target_valid/test unwritten."""
    dns = make_one_reader_dns(str(tmp_path))
    save = str(tmp_path / "save")
    with pytest.raises(CorpusError) as error:
        prepare_domain_adaptation(save, dns_folder=dns, **SMALL)
    message = str(error.value)
    assert message.startswith("Cannot prepare target_valid, target_test: ")
    assert (
        "target_valid would hold no french, german speech (speakers per "
        "language: french 1, german 1)" in message
    ), message
    assert "italian" not in message and "allow_utterance_split=True" in message
    assert_nothing_written(save)


def test_utterance_split_option_fills_every_split(tmp_path, caplog):
    dns = make_one_reader_dns(str(tmp_path))
    save = str(tmp_path / "save")
    summary = prepare_domain_adaptation(
        save, dns_folder=dns, allow_utterance_split=True, **SMALL
    )
    speech = summary["corpora"]["dns_speech"]
    assert speech["german"]["split_mode"] == "utterance"
    assert speech["italian"]["split_mode"] == "speaker"
    assert [speech["german"][s]["files"] for s in ("train", "valid", "test")] == [
        2,
        1,
        1,
    ]
    assert {"target_valid", "target_test_snr0"} <= set(summary["manifests"])
    languages = summary["manifests"]["target_test_snr0"]["languages"]
    assert set(languages) == {"french", "german", "italian"}
    assert "the same speakers are in train, valid and test" in caplog.text
