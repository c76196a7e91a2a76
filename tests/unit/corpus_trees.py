"""Tiny corpus trees with the exact LibriSpeech, WHAM! and DNS layouts.

Each builder writes short generated audio under a root folder and returns a
dict describing what it wrote (so tests compare against known counts).
"""

import os

import numpy as np
import soundfile as sf


def signal(seconds, sample_rate=16000, seed=0, kind="speech", channels=1):
    """A short deterministic test signal (modulated tone or noise)."""
    rng = np.random.default_rng(seed)
    time = np.arange(int(round(seconds * sample_rate))) / sample_rate
    if kind == "speech":
        freq = 120 + 40 * (seed % 7)
        envelope = 0.5 * (1 + np.sin(2 * np.pi * 3 * time))
        wav = 0.3 * envelope * np.sin(2 * np.pi * freq * time)
        wav += 0.01 * rng.standard_normal(time.shape)
    else:
        wav = 0.1 * rng.standard_normal(time.shape)
    if channels > 1:
        wav = np.stack([wav] + [0.5 * wav] * (channels - 1), axis=1)
    return wav.astype(np.float32)


def write(path, seconds, sample_rate=16000, seed=0, kind="speech", channels=1):
    """Write one audio file (format from the extension), making folders."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    wav = signal(seconds, sample_rate, seed, kind, channels)
    sf.write(path, wav, sample_rate)
    return path


def touch(path, text="not audio\n"):
    """Write a small non-audio file (README, AppleDouble, ...)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    return path


LIBRI_SUBSETS = {
    "train-clean-100": ["19", "26", "32"],
    "dev-clean": ["84"],
    "test-clean": ["61", "121"],
}


def make_librispeech(root, subsets=None, utterances=2):
    """``root/LibriSpeech/<subset>/<spk>/<chap>/<spk>-<chap>-<utt>.flac``."""
    subsets = LIBRI_SUBSETS if subsets is None else subsets
    folder = os.path.join(root, "LibriSpeech")
    files = {}
    seed = 0
    for subset, speakers in subsets.items():
        files[subset] = []
        for speaker in speakers:
            chapter = f"{100 + int(speaker)}"
            chapter_dir = os.path.join(folder, subset, speaker, chapter)
            lines = []
            for utt in range(utterances):
                utt_id = f"{speaker}-{chapter}-{utt:04d}"
                path = os.path.join(chapter_dir, f"{utt_id}.flac")
                files[subset].append(write(path, 1.0 + 0.25 * utt, seed=seed))
                lines.append(f"{utt_id} HELLO WORLD")
                seed += 1
            touch(
                os.path.join(chapter_dir, f"{speaker}-{chapter}.trans.txt"),
                "\n".join(lines) + "\n",
            )
    return {"folder": folder, "files": files}


def make_wham(root):
    """``root/wham_noise/{tr,cv,tt}/*.wav``, stereo, with sp08/sp12 copies."""
    folder = os.path.join(root, "wham_noise")
    counts = {"tr": 3, "cv": 2, "tt": 2}
    files = {}
    for split, count in counts.items():
        files[split] = [
            write(
                os.path.join(folder, split, f"{split}noise{i}_0.1_x1a_-0.1.wav"),
                1.5,
                seed=100 + i,
                kind="noise",
                channels=2,
            )
            for i in range(count)
        ]
    speed = [
        write(
            os.path.join(folder, "tr", "sp08_trnoise0_0.1_x1a_-0.1.wav"),
            1.5,
            seed=7,
            kind="noise",
            channels=2,
        ),
        write(
            os.path.join(folder, "tr", "sp12", "trnoise1_0.1_x1a_-0.1.wav"),
            1.5,
            seed=8,
            kind="noise",
            channels=2,
        ),
    ]
    touch(os.path.join(folder, "tr", "._trnoise0_0.1_x1a_-0.1.wav"))
    return {"folder": folder, "files": files, "speed_perturbed": speed}


def make_dns(root, french_name="french_data", mandarin=True, num_noise=6):
    """``root/DNS/datasets/{clean/<language folders>, noise}`` trees.

    French: nested M-AILABS tree (3 speakers + one ``mix`` book). German:
    M-AILABS tree whose every speaker has an 8 kHz and a 48 kHz file.
    Mandarin: THCHS-30 names (3 speakers) + one AISHELL speaker. English:
    read_speech names (3 readers). Noise: ``num_noise`` files. Hidden,
    AppleDouble and text files are sprinkled in.
    """
    folder = os.path.join(root, "DNS")
    clean = os.path.join(folder, "datasets", "clean")
    speech = {}
    skipped = []
    seed = 1000

    def add(language, path, seconds=1.0, rate=16000):
        nonlocal seed
        seed += 1
        speech.setdefault(language, []).append(
            write(path, seconds, sample_rate=rate, seed=seed)
        )

    book = os.path.join(clean, french_name, "M-AILABS", "fr_FR", "by_book")
    for gender, speaker in (
        ("female", "ezwa"),
        ("female", "nadine"),
        ("male", "bernard"),
    ):
        wavs = os.path.join(book, gender, speaker, f"{speaker}_book", "wavs")
        for i in range(2):
            add(
                "french",
                os.path.join(wavs, f"{speaker}_book_{i:02d}_f{i:06d}.wav"),
                0.75 + 0.5 * i,
            )
        skipped.append(touch(os.path.join(wavs, f"._{speaker}_book_00_f000000.wav")))
        skipped.append(touch(os.path.join(wavs, "..", "metadata.csv"), "a|b\n"))
    add("french", os.path.join(book, "mix", "contes", "wavs", "contes_01_f000001.wav"))
    skipped.append(touch(os.path.join(clean, french_name, "README.txt")))

    book = os.path.join(clean, "german_speech", "M-AILABS", "de_DE", "by_book")
    for speaker in ("karlsson", "ramona", "eva"):
        wavs = os.path.join(book, "female", speaker, "buch", "wavs")
        add("german", os.path.join(wavs, "buch_00_f000001.wav"), 1.0, rate=8000)
        add("german", os.path.join(wavs, "buch_00_f000002.wav"), 1.25, rate=48000)
        skipped.append(touch(os.path.join(wavs, "._buch_00_f000001.wav")))
    skipped.append(touch(os.path.join(clean, "german_speech", "info.json"), "{}"))

    if mandarin:
        thchs = os.path.join(clean, "mandarin_speech", "SLR18", "data_thchs30", "train")
        for speaker in ("A11", "B2", "C4"):
            for i in range(2):
                add("mandarin", os.path.join(thchs, f"{speaker}_{i}.wav"))
        aishell = os.path.join(clean, "mandarin_speech", "SLR33", "train", "S0002")
        add("mandarin", os.path.join(aishell, "BAC009S0002W0122.wav"))
        skipped.append(touch(os.path.join(thchs, ".hidden.wav")))

    read = os.path.join(clean, "read_speech")
    for reader in ("06709", "01234", "00042"):
        for i in range(2):
            add(
                "english",
                os.path.join(read, f"book_{i:05d}_chp_0009_reader_{reader}_{i}.wav"),
                1.5,
            )
    skipped.append(
        touch(os.path.join(read, "._book_00000_chp_0009_reader_06709_0.wav"))
    )

    noise_dir = os.path.join(folder, "datasets", "noise")
    noise = [
        write(
            os.path.join(noise_dir, f"noise_{i:03d}.wav"),
            0.5 + 0.25 * i,
            seed=2000 + i,
            kind="noise",
        )
        for i in range(num_noise)
    ]
    skipped.append(touch(os.path.join(noise_dir, "._noise_000.wav")))
    skipped.append(touch(os.path.join(noise_dir, "README.txt")))
    return {"folder": folder, "speech": speech, "noise": noise, "skipped": skipped}
