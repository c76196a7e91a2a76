"""DNSMOS: scores, the evaluation's columns, Table 1 and the validation signal.

Tests that run the DNSMOS model are skipped when ``speechmos`` is missing
(``pip install -r recipes/DNS/domain_adaptation/extra_requirements.txt``).
"""

import math
import re

import numpy as np
import pytest
import torch
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.utils.epoch_loop import EpochCounter
from speechbrain.utils.train_logger import FileTrainLogger

from speechbrain_srst import dnsmos, evaluation
from speechbrain_srst.brains.self_training import SelfTrainingBrain
from speechbrain_srst.data.datasets import DomainPairDataset
from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.report import load_rows, table1_markdown

AVAILABLE = dnsmos.dnsmos_available()
needs_speechmos = pytest.mark.skipif(not AVAILABLE, reason=dnsmos.missing_message())


def noisy_tone(seconds=3.0, seed=0):
    rng = np.random.default_rng(seed)
    time = np.arange(int(16000 * seconds)) / 16000
    tone = 0.2 * np.sin(2 * np.pi * 220 * time) * (np.sin(2 * np.pi * 2 * time) > 0)
    return (tone + 0.05 * rng.standard_normal(time.size)).astype(np.float32)


def test_windows_follow_dnsmos_tiling():
    scorer = dnsmos.DNSMOS.__new__(dnsmos.DNSMOS)  # no model needed for windows
    scorer.max_windows = None
    wave = np.arange(3 * 16000, dtype=np.float32) / 1e6
    windows = scorer.windows(wave)
    # 3 s doubled to 6 s then 12 s: floor(12 - 9.01) + 1 = 3 windows, 1 s apart
    assert windows.shape == (3, 144160)
    tiled = np.concatenate([wave] * 4)
    for index, window in enumerate(windows):
        start = index * 16000
        assert np.array_equal(window, tiled[start : start + 144160])
    scorer.max_windows = 1
    assert scorer.windows(wave).shape == (1, 144160)
    loud = scorer.windows(np.full(16000, 3.0, np.float32))
    assert loud.max() == 1.0  # clipped to [-1, 1], as a 16-bit file would be
    with pytest.raises(ValueError, match="empty"):
        scorer.windows(np.zeros(0))


def test_settings_and_missing_message(monkeypatch):
    assert dnsmos.use_dnsmos(False) is False
    with pytest.raises(ValueError, match="dnsmos must be auto, True or False"):
        dnsmos.use_dnsmos("yes")
    monkeypatch.setattr(dnsmos, "dnsmos_available", lambda: False)
    assert dnsmos.use_dnsmos("auto") is False
    assert dnsmos.validation_dnsmos("auto") is None
    with pytest.raises(ImportError, match="pip install -r recipes/DNS/"):
        dnsmos.use_dnsmos(True)
    with pytest.raises(ImportError, match="speechmos"):
        dnsmos.DNSMOS()


@needs_speechmos
def test_scores_equal_speechmos_reference(monkeypatch):
    from speechmos import dnsmos as reference

    wave = noisy_tone()
    # the reference also runs P.808 on a librosa mel spectrogram, not reported
    # here: replace it by zeros (SIG, BAK, OVRL do not depend on it)
    monkeypatch.setattr(
        reference.DNSMOS,
        "audio_melspec",
        lambda self, audio, **kwargs: np.zeros((900, 120), np.float32),
    )
    expected = reference.run(wave, 16000)
    ours = dnsmos.DNSMOS(max_windows=None).score(wave)
    for key in ("sig", "bak", "ovrl"):
        assert ours[key] == pytest.approx(expected[f"{key}_mos"], abs=1e-5), key
    single = dnsmos.DNSMOS().score(torch.from_numpy(wave))
    for key in ("sig", "bak", "ovrl"):
        assert 0.5 <= single[key] <= 5.0, (key, single[key])
        assert abs(single[key] - ours[key]) < 0.1, (key, single[key], ours[key])


def test_metric_columns_are_added_and_failures_recorded(monkeypatch):
    monkeypatch.setattr(
        evaluation,
        "dnsmos_scores",
        lambda wave: {"dnsmos_sig": 3.5, "dnsmos_bak": 4.0, "dnsmos_ovrl": 3.0},
    )
    clean = noisy_tone(1.0, 1)
    scores = evaluation.compute_metrics_dnsmos(clean, clean, clean)
    assert (scores["dnsmos_sig"], scores["dnsmos_bak"], scores["dnsmos_ovrl"]) == (
        3.5,
        4.0,
        3.0,
    )
    assert scores["si_sdri"] == 0.0 and scores["pesq_error"] == ""

    def broken(wave):
        raise RuntimeError("model missing")

    monkeypatch.setattr(evaluation, "dnsmos_scores", broken)
    scores = evaluation.compute_metrics_dnsmos(clean, clean, clean)
    assert all(math.isnan(scores[name]) for name in dnsmos.DNSMOS_METRICS)
    assert scores["pesq_error"] == "DNSMOS: RuntimeError: model missing"
    assert scores["stoi"] == pytest.approx(1.0)


def report_rows(tmp_path, with_dnsmos):
    methods = {"Noisy": None, "RNNoise (off-the-shelf)": lambda x: (0.5 * x, x)}
    clean = torch.from_numpy(noisy_tone(1.0, 2))
    items = [
        {
            "id": f"u{k}",
            "noisy": clean + 0.1 * torch.randn(clean.numel()),
            "clean": clean,
        }
        for k in range(2)
    ]
    fn = (
        evaluation.compute_metrics_dnsmos if with_dnsmos else evaluation.compute_metrics
    )
    evaluation.evaluate_methods(
        methods, {("target_test", 0): items}, str(tmp_path), metric_fn=fn
    )
    return load_rows(tmp_path / "per_utterance.csv")


def test_report_has_off_the_shelf_rows_and_dnsmos_columns(tmp_path, monkeypatch):
    values = iter(np.arange(1.0, 5.0, 0.25))
    monkeypatch.setattr(
        evaluation,
        "dnsmos_scores",
        lambda wave: dict.fromkeys(dnsmos.DNSMOS_METRICS, next(values)),
    )
    rows = report_rows(tmp_path, with_dnsmos=True)
    assert [row["dnsmos_ovrl"] for row in rows] == [1.0, 1.25, 1.5, 1.75]
    metrics = evaluation.METRICS + dnsmos.DNSMOS_METRICS
    text = table1_markdown(rows, ["Noisy"], snrs=(0,), metrics=metrics)
    header, _, noisy, peer = text.splitlines()[:4]
    assert "SNR=0 DNSMOS SIG" in header and "SNR=0 DNSMOS OVRL" in header
    assert peer.startswith("| RNNoise (off-the-shelf) |")
    cells = [cell.strip() for cell in peer.strip("|").split("|")]
    titles = [cell.strip() for cell in header.strip("|").split("|")]
    assert dict(zip(titles, cells, strict=True))["SNR=0 DNSMOS OVRL"] == "1.62 ± 1.59"
    assert "**" not in peer  # peers never compete for the bold mark
    assert "pretrained denoisers used as shipped" in text
    assert "DNSMOS (P.835 SIG, BAK, OVRL; opinion scale 1-5)" in text


def test_rows_without_dnsmos_read_back_as_nan(tmp_path):
    rows = report_rows(tmp_path, with_dnsmos=False)
    assert all(math.isnan(row["dnsmos_sig"]) for row in rows)
    text = table1_markdown(rows, ["Noisy"], snrs=(0,))
    assert "DNSMOS" not in text and "RNNoise (off-the-shelf)" in text


# ------------------------------------------------------- validation signal
class FakeScorer:
    """Records what the Brain scores; returns fixed DNSMOS values."""

    def __init__(self):
        self.shapes = []

    def __call__(self, wavs):
        self.shapes.append(tuple(wavs.shape))
        count = min(2, wavs.shape[0])
        return {
            "tgt_dnsmos_sig": [3.0] * count,
            "tgt_dnsmos_bak": [4.0] * count,
            "tgt_dnsmos_ovrl": [2.5] * count,
        }


def items(count, seed, labelled=True):
    generator = torch.Generator().manual_seed(seed)
    data = []
    for index in range(count):
        clean = torch.randn(4000, generator=generator)
        noise = 0.5 * torch.randn(4000, generator=generator)
        item = {"id": f"{seed}_{index}", "noisy": clean + noise}
        if labelled:
            item.update(clean=clean, noise=noise)
        data.append(item)
    return data


def self_training_fit(tmp_path, scorer):
    torch.manual_seed(0)
    student, teacher = UNet([8, 16]), UNet([8, 16])
    teacher.load_state_dict(student.state_dict())
    hparams = {
        "epoch_counter": EpochCounter(1),
        "train_logger": FileTrainLogger(str(tmp_path / "train_log.txt")),
        "checkpoint_key": None,
        "seed": 0,
        "teacher": teacher,
        "use_source": False,
    }
    brain = SelfTrainingBrain(
        modules={"model": student},
        opt_class=lambda params: torch.optim.Adam(params, lr=1e-3),
        hparams=hparams,
        run_opts={"device": "cpu"},
        teacher_mode="static",
    )
    brain.valid_dnsmos = scorer
    loader = {"batch_size": 4, "collate_fn": PaddedBatch}
    brain.fit(
        hparams["epoch_counter"],
        DomainPairDataset(items(8, 1, False), None, seed=0),
        DomainPairDataset(items(6, 3), items(6, 4), shuffle_secondary=False),
        train_loader_kwargs=loader,
        valid_loader_kwargs=loader,
    )
    return (tmp_path / "train_log.txt").read_text()


def test_self_training_logs_dnsmos_of_target_validation_items(tmp_path):
    scorer = FakeScorer()
    log = self_training_fit(tmp_path, scorer)
    # the student's outputs on the 6 target validation items, in 2 batches
    assert scorer.shapes == [(4, 4000), (2, 4000)]
    for name, value in (("sig", 3.0), ("bak", 4.0), ("ovrl", 2.5)):
        logged = re.findall(rf"valid tgt_dnsmos_{name}: ([0-9.e+-]+)", log)
        assert [float(v) for v in logged] == [value], (name, log)
    assert "valid src_si_sdr" in log  # beside the source SI-SDR


@needs_speechmos
def test_real_validation_scorer_scores_the_first_items_only():
    scorer = dnsmos.validation_dnsmos(True, items_per_batch=1)
    scores = scorer(
        torch.from_numpy(np.stack([noisy_tone(1.0, 5), noisy_tone(1.0, 6)]))
    )
    assert sorted(scores) == ["tgt_dnsmos_bak", "tgt_dnsmos_ovrl", "tgt_dnsmos_sig"]
    assert all(len(values) == 1 and 0.5 <= values[0] <= 5 for values in scores.values())
