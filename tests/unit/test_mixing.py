"""Tests of speechbrain_srst.data.audio and speechbrain_srst.data.mixing."""

import math
import os
import time

import numpy as np
import pytest
import soundfile as sf
import torch

from speechbrain_srst.data.audio import (
    AudioError,
    audio_info,
    load_audio,
    save_audio,
)
from speechbrain_srst.data.mixing import (
    crop,
    draw_mixture_plan,
    mix_at_snr,
    render_mixture,
    rms_dbfs,
    set_level,
)

try:
    from tests.unit.corpus_trees import write
except ImportError:  # tests/ is not a package: pytest put tests/unit on sys.path
    from corpus_trees import write


def snr_of(speech, noise):
    return 10 * math.log10(speech.double().pow(2).sum() / noise.double().pow(2).sum())


# ---------------------------------------------------------------- audio


def test_load_audio_stereo_takes_channel_zero(tmp_path):
    path = tmp_path / "stereo.wav"
    data = np.stack([np.full(1600, 0.25), np.full(1600, -0.5)], axis=1)
    sf.write(path, data.astype(np.float32), 16000, subtype="FLOAT")
    wav = load_audio(path)
    assert wav.dtype == torch.float32 and wav.ndim == 1
    assert torch.allclose(wav, torch.full((1600,), 0.25))
    assert audio_info(path) == (1600, 16000, 2)


@pytest.mark.parametrize("rate", [8000, 22050, 48000])
def test_load_audio_resamples_to_16k(tmp_path, rate):
    path = write(str(tmp_path / f"r{rate}.flac"), 1.0, sample_rate=rate)
    wav = load_audio(path)
    assert wav.shape[0] == 16000
    # a 1 s tone keeps its energy through resampling
    assert abs(rms_dbfs(wav) - rms_dbfs(torch.from_numpy(sf.read(path)[0]))) < 0.5


def test_load_audio_partial_read_matches_full(tmp_path):
    path = tmp_path / "x.wav"
    wav = torch.rand(5000) - 0.5
    save_audio(path, wav)
    assert torch.equal(load_audio(path, start=1200, num_samples=300), wav[1200:1500])
    assert torch.equal(load_audio(path), wav)


def test_load_audio_errors_name_the_file(tmp_path):
    missing = tmp_path / "missing.wav"
    with pytest.raises(AudioError, match="missing.wav"):
        load_audio(missing)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00garbage" * 10)
    with pytest.raises(AudioError, match="corrupt.wav"):
        load_audio(corrupt)
    with pytest.raises(AudioError, match="corrupt.wav"):
        audio_info(corrupt)
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="empty.wav"):
        load_audio(empty)
    nan = tmp_path / "nan.wav"
    sf.write(
        nan, np.array([0.1, np.nan, 0.2], dtype=np.float32), 16000, subtype="FLOAT"
    )
    with pytest.raises(AudioError, match="nan.wav"):
        load_audio(nan)


def test_save_audio_is_exact_float32(tmp_path):
    path = tmp_path / "a" / "b" / "x.wav"
    wav = torch.randn(1234) * 1e-3
    save_audio(path, wav)
    assert sf.info(str(path)).subtype == "FLOAT"
    assert torch.equal(load_audio(path), wav)


def test_save_audio_same_bytes_at_another_time(tmp_path):
    # libsndfile's PEAK chunk would hold a time stamp (seconds)
    wav = torch.rand(100) - 0.5
    save_audio(tmp_path / "a.wav", wav)
    time.sleep(1.1)
    save_audio(tmp_path / "b.wav", wav)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


# ---------------------------------------------------------------- mixing


def test_rms_and_set_level():
    wav = torch.randn(8000)
    assert rms_dbfs(set_level(wav, -33.0)) == pytest.approx(-33.0, abs=1e-4)
    silent = set_level(torch.zeros(100), -25.0)
    assert torch.equal(silent, torch.zeros(100))
    assert math.isfinite(rms_dbfs(torch.zeros(10)))


@pytest.mark.parametrize("snr", [-5.0, 0.0, 2.5, 5.0, 10.0])
@pytest.mark.parametrize("level", [-35.0, -25.0, -15.0])
def test_mix_at_snr_invariants(snr, level):
    g = torch.Generator().manual_seed(int(snr * 10 + level))
    speech = torch.randn(16000, generator=g) * torch.linspace(0, 1, 16000)
    noise = torch.randn(7000, generator=g) * 3.0
    noisy, s, n = mix_at_snr(speech, noise, snr, level)
    assert noisy.shape == s.shape == n.shape == speech.shape
    assert torch.allclose(noisy, s + n, atol=1e-7)
    assert abs(snr_of(s, n) - snr) < 0.1
    peak = noisy.abs().max().item()
    assert peak <= 0.99 + 1e-6
    if peak < 0.99 - 1e-4:  # no clipping control: the level is exact
        assert abs(rms_dbfs(noisy) - level) < 0.01
    else:  # scaled down together to avoid clipping
        assert rms_dbfs(noisy) < level
    # the speech keeps its shape (only scaled)
    ratio = s[8000:8010] / speech[8000:8010]
    assert torch.allclose(ratio, ratio[0].expand(10), rtol=1e-4)


def test_mix_at_snr_avoids_clipping():
    speech = torch.zeros(16000)
    speech[::400] = 1.0  # very peaky: -25 dBFS RMS -> huge peaks at 0 dBFS
    noise = torch.randn(16000)
    noisy, s, n = mix_at_snr(speech, noise, 5.0, mixture_dbfs=-5.0)
    assert noisy.abs().max() <= 0.99 + 1e-6
    assert noisy.abs().max() > 0.98  # scaled down to the limit, not below
    assert abs(snr_of(s, n) - 5.0) < 0.1
    assert rms_dbfs(noisy) < -5.0


def test_mix_at_snr_loops_short_noise():
    noise = torch.arange(1.0, 4.0)
    _, _, n = mix_at_snr(torch.randn(10), noise, 0.0)
    assert torch.allclose(n / n[0], torch.tensor([1.0, 2, 3, 1, 2, 3, 1, 2, 3, 1]))


def test_crop_loops_and_has_exact_length():
    wav = torch.arange(4.0)
    assert crop(wav, 0, 2).tolist() == [0, 1]
    assert crop(wav, 3, 6).tolist() == [3, 0, 1, 2, 3, 0]
    assert crop(wav, 9, 3).tolist() == [1, 2, 3]
    assert crop(wav, 2, 11).shape == (11,)
    with pytest.raises(ValueError):
        crop(torch.zeros(0), 0, 3)


def _entries(tmp_path, count, seconds, rate=16000, prefix="s"):
    entries = []
    for i in range(count):
        path = write(
            str(tmp_path / f"{prefix}{i}.wav"),
            seconds,
            rate,
            seed=i,
            kind="speech" if prefix == "s" else "noise",
        )
        entries.append(
            {
                "wav": path,
                "num_samples": round(seconds * 16000),
                "language": "french",
                "speaker": f"spk{i % 2}",
            }
        )
    return entries


def test_draw_mixture_plan_reproducible_and_cycled(tmp_path):
    speech = _entries(tmp_path, 3, 1.0)
    noise = _entries(tmp_path, 2, 0.5, prefix="n")
    plan = draw_mixture_plan(
        speech, noise, 9, 8000, (-5, 10), (-35, -15), seed=3, id_prefix="tr"
    )
    assert list(plan) == [f"tr_{i:06d}" for i in range(9)]
    uses = [sum(spec["speech"] == e["wav"] for spec in plan.values()) for e in speech]
    assert uses == [3, 3, 3]
    for spec in plan.values():
        assert set(spec) == {
            "speech",
            "noise",
            "snr",
            "speech_start",
            "noise_start",
            "length",
            "level_dbfs",
            "language",
            "speaker",
            "duration",
        }
        assert spec["length"] == 8000 and spec["duration"] == 0.5
        assert 0 <= spec["speech_start"] <= 16000 - 8000
        assert spec["noise_start"] == 0  # noise is exactly 8000 samples
        assert -5 <= spec["snr"] <= 10 and -35 <= spec["level_dbfs"] <= -15
        assert spec["language"] == "french"
    again = draw_mixture_plan(
        speech, noise, 9, 8000, (-5, 10), (-35, -15), seed=3, id_prefix="tr"
    )
    other = draw_mixture_plan(
        speech, noise, 9, 8000, (-5, 10), (-35, -15), seed=4, id_prefix="tr"
    )
    assert plan == again and plan != other


def test_draw_mixture_plan_short_speech(tmp_path):
    speech = _entries(tmp_path, 1, 0.5)
    noise = _entries(tmp_path, 1, 2.0, prefix="n")
    fixed = draw_mixture_plan(speech, noise, 2, 16000, (0, 0), (-25, -25), 0, "m")
    for spec in fixed.values():
        assert spec["length"] == 16000 and spec["speech_start"] == 0
        assert spec["snr"] == 0.0
        assert 0 <= spec["noise_start"] <= 16000
    free = draw_mixture_plan(
        speech, noise, 2, 16000, (0, 0), (-25, -25), 0, "m", fixed_length=False
    )
    assert [s["length"] for s in free.values()] == [8000, 8000]
    with pytest.raises(ValueError):
        draw_mixture_plan([], noise, 1, 16000, (0, 0), (-25, -25), 0, "m")


def test_render_mixture(tmp_path):
    speech = _entries(tmp_path, 2, 1.0) + _entries(tmp_path, 1, 0.5, 8000, "s8k")
    speech[2]["num_samples"] = 8000
    noise = _entries(tmp_path, 1, 0.3, prefix="n")
    plan = draw_mixture_plan(speech, noise, 6, 12000, (-5, 5), (-30, -20), 1, "m")
    for spec in plan.values():
        out = render_mixture(spec)
        assert set(out) == {"noisy", "clean", "noise"}
        assert all(
            v.shape == (12000,) and v.dtype == torch.float32 for v in out.values()
        )
        assert torch.allclose(out["noisy"], out["clean"] + out["noise"], atol=1e-7)
        assert abs(snr_of(out["clean"], out["noise"]) - spec["snr"]) < 0.1
        assert abs(rms_dbfs(out["noisy"]) - spec["level_dbfs"]) < 0.01
        again = render_mixture(spec)
        cached = render_mixture(spec, cache={})
        assert torch.equal(again["noisy"], out["noisy"])
        assert torch.allclose(cached["noisy"], out["noisy"], atol=1e-7)
    # the segment really starts at speech_start
    spec = dict(next(iter(plan.values())), speech_start=4000, snr=30.0)
    clean = render_mixture(spec)["clean"]
    source = load_audio(spec["speech"])[4000:16000]
    assert torch.allclose(clean / clean.norm(), source / source.norm(), atol=1e-4)
    assert os.path.isfile(spec["speech"])
