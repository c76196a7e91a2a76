"""Tests of the per-utterance metrics, the worker pool and evaluate_methods."""

import csv
import math
import os
import re
import time

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from speechbrain_srst.data.audio import save_audio
from speechbrain_srst.data.datasets import StoredMixtureDataset
from speechbrain_srst.evaluation import (
    CSV_COLUMNS,
    ERROR_FIELDS,
    compute_metrics,
    evaluate_methods,
    score_utterances,
    si_sdr_numpy,
)
from speechbrain_srst.losses import si_sdr
from speechbrain_srst.report import DECIMALS, load_rows, table1_markdown

RATE = 16000


def speech_like(seed, seconds=1.0):
    """Harmonic signal with a syllable-rate envelope (PESQ finds utterances)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 110 + 40 * rng.random()
    voiced = sum(np.sin(2 * np.pi * k * pitch * t) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * (3 + rng.random()) * t), 0, None)
    return (0.1 * voiced * envelope + 0.002 * rng.standard_normal(t.size)).astype(
        np.float32
    )


def noise_like(seed, seconds=1.0):
    return (
        0.05 * np.random.default_rng(seed).standard_normal(int(seconds * RATE))
    ).astype(np.float32)


def test_perfect_estimate_scores_high():
    clean = speech_like(0)
    noisy = clean + noise_like(1)
    scores = compute_metrics(clean, clean, noisy)
    assert scores["si_sdr"] > 60
    assert scores["stoi"] == pytest.approx(1.0, abs=1e-3)
    assert scores["pesq"] > 4.0 and scores["pesq_error"] == ""
    assert scores["si_sdri"] == pytest.approx(
        scores["si_sdr"] - si_sdr_numpy(noisy, clean)
    )
    noisy_scores = compute_metrics(noisy, clean, noisy)
    assert noisy_scores["si_sdri"] == pytest.approx(0.0, abs=1e-9)
    assert noisy_scores["pesq"] < scores["pesq"]
    assert noisy_scores["stoi"] < scores["stoi"]


def test_si_sdr_matches_training_loss_and_accepts_tensors():
    clean = torch.from_numpy(speech_like(2))
    estimate = clean + torch.from_numpy(noise_like(3))
    expected = si_sdr(estimate.unsqueeze(0).double(), clean.unsqueeze(0).double())
    scores = compute_metrics(estimate, clean, estimate)
    assert scores["si_sdr"] == pytest.approx(expected.item(), abs=1e-6)


def test_silent_reference_gives_nan_with_reason_for_every_metric():
    silence = np.zeros(RATE, dtype=np.float32)
    scores = compute_metrics(noise_like(4), silence, noise_like(5))
    for name, field in ERROR_FIELDS.items():
        assert math.isnan(scores[name]), (name, scores[name])
        assert scores[field] == "clean reference is silent: no metric is defined"
    short = compute_metrics(speech_like(6, 0.1), speech_like(6, 0.1), noise_like(7))
    assert math.isnan(short["pesq"]) and short["pesq_error"]


def test_silent_estimate_scores_the_floor_never_an_improvement():
    """Issue 16: zeros at -5 dB got SI-SDR 0.0 dB, i.e. +4.99 dB improvement."""
    clean = speech_like(8, 2.0)
    noise = noise_like(9, 2.0)
    noise *= np.float32(np.linalg.norm(clean) / np.linalg.norm(noise) * 10 ** (5 / 20))
    noisy = clean + noise
    before = si_sdr_numpy(noisy, clean)
    assert before == pytest.approx(-5.0, abs=0.5)
    scores = compute_metrics(np.zeros_like(clean), clean, noisy)
    assert scores["si_sdr"] == -80.0, scores
    assert scores["si_sdri"] == pytest.approx(-80.0 - before, abs=1e-9), scores
    assert scores["si_sdr_error"] == ""
    assert math.isnan(scores["pesq"])
    assert scores["pesq_error"] == "estimate is silent: PESQ cannot score it"
    assert scores["stoi"] == 0.0 and scores["stoi_error"] == ""
    # a constant (DC) output is silent too
    assert compute_metrics(np.full_like(clean, 0.2), clean, noisy)["si_sdr"] == -80.0


@pytest.mark.parametrize("layout", ["sparse", "short"])
def test_stoi_of_too_little_speech_is_nan_with_reason(layout):
    """Issue 16: 0.3 s of speech gave STOI 1e-05 (pystoi's warning suppressed)."""
    speech = speech_like(11, 0.3)
    if layout == "sparse":  # 3 s reference holding 0.3 s of speech
        clean = np.zeros(3 * RATE, dtype=np.float32)
        clean[RATE : RATE + speech.size] = speech
    else:  # a 0.3 s clip
        clean = speech
    estimate = clean + 1e-4 * noise_like(12, clean.size / RATE)
    scores = compute_metrics(estimate, clean, clean + noise_like(13, clean.size / RATE))
    assert math.isnan(scores["stoi"]), scores["stoi"]
    assert scores["stoi_error"].startswith("STOI undefined: Not enough STFT frames")
    assert scores["si_sdr"] > 30, scores  # the other metrics stay valid


def test_nan_samples_give_nan_with_reason():
    clean = speech_like(14)
    broken = clean.copy()
    broken[5] = np.nan
    scores = compute_metrics(broken, clean, clean)
    assert all(math.isnan(scores[name]) for name in ERROR_FIELDS)
    assert scores["si_sdr_error"] == "estimate holds NaN or inf samples"


def make_jobs():
    jobs = []
    for index in range(5):
        clean = speech_like(10 + index)
        noisy = clean + noise_like(20 + index)
        enhanced = clean + 0.3 * noise_like(30 + index)
        jobs.append((f"utt{index}", enhanced, clean, noisy))
    jobs.append(("silent", noise_like(40), np.zeros(RATE, np.float32), noise_like(41)))
    return jobs


def test_one_and_two_workers_give_identical_numbers():
    inline = score_utterances(make_jobs(), num_workers=1)
    pooled = score_utterances(iter(make_jobs()), num_workers=2)
    assert list(inline) == list(pooled) == [job[0] for job in make_jobs()]
    for key in inline:
        for name, value in inline[key].items():
            other = pooled[key][name]
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(other)
            else:
                assert value == other, (key, name)
    assert math.isnan(pooled["silent"]["pesq"])


def misbehaving_metrics(enhanced, clean, noisy, sample_rate):
    """Hangs on a first sample of 7, kills its process on -7, else scores."""
    if enhanced[0] == 7:
        time.sleep(60)
    if enhanced[0] == -7:
        os._exit(3)
    if enhanced[0] == 5:
        raise RuntimeError("broken metric")
    return {"pesq": 1.0, "stoi": 1.0, "si_sdr": float(len(enhanced)), "si_sdri": 0.0}


def test_hung_and_crashed_workers_give_nan_and_do_not_hang():
    def job(key, first):
        signal = np.zeros(100 + len(key), np.float32)
        signal[0] = first
        return key, signal, signal, signal

    jobs = [job("a", 0), job("hang", 7), job("b", 0), job("crash", -7)]
    jobs += [job("raise", 5), job("c", 0), job("d", 0)]
    start = time.monotonic()
    scores = score_utterances(
        jobs, num_workers=2, timeout=2.0, metric_fn=misbehaving_metrics
    )
    assert time.monotonic() - start < 30
    assert list(scores) == [key for key, *_ in jobs]
    assert "timed out" in scores["hang"]["pesq_error"]
    assert "crashed" in scores["crash"]["pesq_error"]
    assert "broken metric" in scores["raise"]["pesq_error"]
    for key in ("hang", "crash", "raise"):
        assert math.isnan(scores[key]["si_sdr"])
    for key in ("a", "b", "c", "d"):
        assert scores[key]["si_sdr"] == 100 + len(key)


class Oracle(torch.nn.Module):
    """Returns a slightly noisy copy of the clean signal of a known mixture."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs
        self.modes = []

    def forward(self, noisy):
        self.modes.append(self.training)
        assert not torch.is_grad_enabled()
        for mixture, clean in self.pairs:
            if mixture.shape == noisy.shape[1:] and torch.allclose(mixture, noisy[0]):
                speech = (clean + 0.05 * mixture).unsqueeze(0)
                return speech, noisy - speech
        raise AssertionError("unknown mixture")


def build_test_sets(folder):
    """Two sets x three SNRs x two utterances; one utterance has silent speech."""
    test_sets, pairs = {}, []
    for set_index, set_name in enumerate(("target_test", "english_test")):
        for snr in (-5, 0, 5):
            entries = {}
            for utt in range(2):
                seed = 100 * set_index + 10 * (snr + 5) + utt
                clean = speech_like(seed)
                if set_name == "target_test" and snr == 0 and utt == 1:
                    clean = np.zeros_like(clean)
                noise = noise_like(seed + 1000) * np.float32(10 ** (-snr / 20))
                noisy = clean + noise
                paths = {}
                for kind, signal in (
                    ("clean", clean),
                    ("noise", noise),
                    ("noisy", noisy),
                ):
                    paths[f"{kind}_wav"] = os.path.join(
                        folder, f"{set_name}_{snr}_{utt}_{kind}.wav"
                    )
                    save_audio(paths[f"{kind}_wav"], torch.from_numpy(signal))
                entries[f"{set_name}_{snr}_{utt}"] = dict(
                    paths, snr=snr, language="fr" if set_name == "target_test" else "en"
                )
                pairs.append((torch.from_numpy(noisy), torch.from_numpy(clean)))
            test_sets[(set_name, snr)] = StoredMixtureDataset(entries)
    return test_sets, pairs


def parse_cell(text):
    match = re.fullmatch(r"\**(-?[\d.]+)(?: ± ([\d.]+))?\**", text.strip())
    assert match, text
    return float(match[1]), float(match[2]) if match[2] else float("nan")


def test_evaluate_methods_writes_csv_and_table1_agrees(tmp_path):
    test_sets, pairs = build_test_sets(str(tmp_path / "audio"))
    oracle = Oracle(pairs)
    oracle.train()
    methods = {
        "Noisy": None,
        "RemixIT": lambda x: (x, torch.zeros_like(x)),
        "SRST (similar source)": oracle,
    }
    out = tmp_path / "results"
    rows = evaluate_methods(methods, test_sets, str(out), num_workers=2)
    assert oracle.training and oracle.modes and not any(oracle.modes)

    with open(out / "per_utterance.csv", newline="") as handle:
        assert next(csv.reader(handle)) == list(CSV_COLUMNS)
    loaded = load_rows(str(out / "per_utterance.csv"))
    assert len(loaded) == len(rows) == 3 * 2 * 3 * 2
    covered = {(r["method"], r["set"], r["snr"]) for r in loaded}
    assert covered == {
        (m, s, snr)
        for m in methods
        for s in ("target_test", "english_test")
        for snr in (-5, 0, 5)
    }
    for row, original in zip(loaded, rows, strict=True):
        for name in ("pesq", "stoi", "si_sdr", "si_sdri"):
            assert row[name] == original[name] or (
                math.isnan(row[name]) and math.isnan(original[name])
            )
    # The oracle beats the input; the noisy row has no improvement.
    noisy_rows = [r for r in loaded if r["method"] == "Noisy"]
    valid = [r["si_sdri"] for r in noisy_rows if r["si_sdr_error"] == ""]
    assert len(valid) == len(noisy_rows) - 1  # the silent reference
    assert all(abs(value) < 1e-9 for value in valid), valid
    oracle_rows = [r for r in loaded if r["method"] == "SRST (similar source)"]
    assert np.nanmean([r["si_sdri"] for r in oracle_rows]) > 5

    # The same numbers come out inline.
    inline = evaluate_methods(methods, test_sets, str(tmp_path / "inline"))
    np.testing.assert_array_equal(
        [r["si_sdr"] for r in inline], [r["si_sdr"] for r in rows]
    )

    table = table1_markdown(loaded, list(methods))
    lines = table.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    for snr in (-5, 0, 5):
        for label in ("PESQ", "STOI", "SI-SDR (dB)", "SI-SDRi (dB)"):
            assert f"SNR={snr} {label}" in header
    names = {"PESQ": "pesq", "STOI": "stoi", "SI-SDR (dB)": "si_sdr"}
    names["SI-SDRi (dB)"] = "si_sdri"
    body = {line.strip("|").split("|")[0].strip(): line for line in lines[2:5]}
    assert set(body) == set(methods)
    for method, line in body.items():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")][1:]
        for title, cell in zip(header[1:], cells, strict=True):
            snr_text, label = title.split(" ", 1)
            snr, metric = int(snr_text[4:]), names[label]
            values = [
                r[metric]
                for r in loaded
                if r["method"] == method
                and r["set"] == "target_test"
                and r["snr"] == snr
            ]
            values = np.array([v for v in values if not math.isnan(v)])
            mean, half = parse_cell(cell)
            tolerance = 0.5 * 10 ** -DECIMALS[metric] + 1e-9
            assert mean == pytest.approx(values.mean(), abs=tolerance), (method, title)
            if len(values) > 1:
                expected = 12.706 * values.std(ddof=1) / math.sqrt(len(values))
                assert half == pytest.approx(expected, abs=tolerance + 1e-3 * expected)
            else:
                assert math.isnan(half)
    # The silent reference left every metric out once per method, with why.
    for label in ("PESQ", "STOI", "SI-SDR (dB)", "SI-SDRi (dB)"):
        note = next(line for line in lines if line.startswith(f"- {label} undef"))
        for method in methods:
            assert f"{method}: 1 of 6 (1 × `clean reference is silent" in note, note
    assert "n = 2 utterances per cell" in table
    # Bold goes to the better of the two unsupervised methods only.
    assert "**" in body["SRST (similar source)"] and "**" not in body["RemixIT"]
    assert "**" not in body["Noisy"]


class DeviceRecorder(torch.nn.Module):
    """Identity enhancer that records the devices it was moved to."""

    def __init__(self):
        super().__init__()
        self.gain = torch.nn.Parameter(torch.ones(()))
        self.moves = []

    def to(self, *args, **kwargs):
        self.moves.append(str(args[0] if args else kwargs.get("device")))
        return super().to(*args, **kwargs)

    def forward(self, wavs):
        return self.gain * wavs, torch.zeros_like(wavs)


def test_evaluate_methods_moves_module_models_to_the_device(tmp_path):
    """A model loaded on the CPU runs where ``device`` says (the GPU bug of a
    run on an H200: the evaluation stage fed CUDA input to a CPU model)."""
    clean = torch.from_numpy(speech_like(0))
    item = {
        "id": "u1",
        "noisy": clean + torch.from_numpy(noise_like(1)),
        "clean": clean,
    }
    model = DeviceRecorder()
    rows = evaluate_methods({"Model": model}, {("target_test", 0): [item]},
                            str(tmp_path), device="cpu")  # fmt: skip
    assert model.moves == ["cpu"]
    assert len(rows) == 1 and rows[0]["si_sdri"] == pytest.approx(0.0, abs=1e-6)


def blas_threads(enhanced, clean, noisy, sample_rate):
    """A metric function that reports the worker's BLAS thread count."""
    return {"threads": max(info["num_threads"] for info in threadpool_info())}


def test_metric_workers_run_one_blas_thread_each():
    """N forked workers with the parent's BLAS pools oversubscribe the cores."""
    jobs = [(key, np.zeros(8), np.zeros(8), np.zeros(8)) for key in range(4)]
    with threadpool_limits(limits=2):  # what the parent has on 2 or more cores
        scores = score_utterances(jobs, num_workers=2, metric_fn=blas_threads)
    assert [row["threads"] for row in scores.values()] == [1, 1, 1, 1]


def test_report_of_silent_method_and_sparse_reference(tmp_path):
    """Issue 16 end to end: zeros never top Table 1; left-out cells are listed."""
    items = []
    for index in range(3):
        clean = speech_like(50 + index, 2.0)
        if index == 2:  # 2 s reference holding 0.3 s of speech: STOI undefined
            clean[: int(1.7 * RATE)] = 0.0
        noise = noise_like(60 + index, 2.0)
        noise *= np.float32(
            np.linalg.norm(clean) / np.linalg.norm(noise) * 10 ** (5 / 20)
        )
        items.append(
            {
                "id": f"u{index}",
                "noisy": torch.from_numpy(clean + noise),
                "clean": torch.from_numpy(clean),
            }
        )
    methods = {
        "Noisy": None,
        "RemixIT": lambda x: (torch.zeros_like(x), x),  # silent output
        "DANN": lambda x: (x, torch.zeros_like(x)),  # identity
    }
    rows = evaluate_methods(methods, {("target_test", -5): items}, str(tmp_path))
    silent = [r for r in rows if r["method"] == "RemixIT"]
    assert [r["si_sdr"] for r in silent] == [-80.0] * 3
    assert all(r["si_sdri"] < -70 for r in silent), [r["si_sdri"] for r in silent]
    table = table1_markdown(rows, list(methods), snrs=(-5,))
    lines = {line.split("|")[1].strip(): line for line in table.splitlines()[2:5]}
    assert "**" in lines["DANN"] and "**" not in lines["RemixIT"], table
    notes = [line for line in table.splitlines() if line.startswith("- ")]
    pesq = next(line for line in notes if line.startswith("- PESQ undefined"))
    assert "RemixIT: 3 of 3 (3 × `estimate is silent: PESQ cannot score it`)" in pesq
    stoi_note = next(line for line in notes if line.startswith("- STOI undefined"))
    for method in ("Noisy", "DANN"):  # the silent estimate's STOI is 0, defined
        assert f"{method}: 1 of 3 (1 × `STOI undefined: Not enough STFT" in stoi_note
    assert "RemixIT: 1 of 3" in stoi_note
    assert not any(line.startswith("- SI-SDR") for line in notes), notes
