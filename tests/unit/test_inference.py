"""Tests of speechbrain_srst.inference (SRSTEnhancer) with a small U-Net."""

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio.functional as AF

from speechbrain_srst.data.audio import AudioError
from speechbrain_srst.export import export_model
from speechbrain_srst.inference import AudioStream, SRSTEnhancer, crossfade_window
from speechbrain_srst.lobes.unet import UNet

SR = 16000


def si_sdr_db(estimate, reference):
    estimate = estimate.double() - estimate.double().mean()
    reference = reference.double() - reference.double().mean()
    scale = (estimate * reference).sum() / reference.pow(2).sum()
    target = scale * reference
    return (
        10 * torch.log10(target.pow(2).sum() / (target - estimate).pow(2).sum())
    ).item()


def perturbed_unet():
    """A small U-Net whose weights and BN statistics differ from the defaults."""
    torch.manual_seed(0)
    model = UNet(channels=[8, 16])
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn_like(param))
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 2.0)
    return model.eval()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    model = perturbed_unet()
    folder = export_model(tmp_path_factory.mktemp("model"), model, "test")
    return model, folder


@pytest.fixture(scope="module")
def enhancer(trained, tmp_path_factory):
    _, folder = trained
    return SRSTEnhancer.from_hparams(
        source=folder,
        savedir=tmp_path_factory.mktemp("savedir"),
        run_opts={"device": "cpu"},
    )


def reference(model, wav):
    with torch.no_grad():
        return model(wav.reshape(1, -1))[0][0]


def noisy(num_samples, seed=0):
    generator = torch.Generator().manual_seed(seed)
    t = torch.arange(num_samples) / SR
    tone = 0.3 * torch.sin(2 * math.pi * 220 * t)
    return tone + 0.05 * torch.randn(num_samples, generator=generator)


def write(path, wav, rate=SR):
    sf.write(str(path), np.asarray(wav, dtype=np.float32), rate, subtype="FLOAT")
    return path


# ---------------------------------------------------------------- loading


def test_loaded_model_matches_in_memory_model(trained, enhancer):
    model, _ = trained
    loaded = enhancer.mods.model.state_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(loaded[key], value), key
    defaults = UNet(channels=[8, 16]).state_dict()
    assert not torch.equal(defaults["mask_head.weight"], loaded["mask_head.weight"])
    wavs = torch.stack([noisy(16000, 1), noisy(16000, 2)])
    with torch.no_grad():
        expected = model(wavs)
    speech, noise = enhancer.separate_batch(wavs)
    torch.testing.assert_close(speech, expected[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(noise, expected[1], atol=1e-5, rtol=0)
    torch.testing.assert_close(
        enhancer.enhance_batch(wavs), expected[0], atol=1e-5, rtol=0
    )


def test_loading_is_strict(trained, tmp_path):
    _, folder = trained
    bad = export_model(tmp_path / "bad", UNet(channels=[8, 16]), "test")
    state = torch.load(folder / "model.ckpt", weights_only=True)
    state.pop("mask_head.bias")
    torch.save(state, bad / "model.ckpt")
    with pytest.raises(RuntimeError, match="model.ckpt does not match"):
        SRSTEnhancer.from_hparams(bad, run_opts={"device": "cpu"})


def test_missing_model_folder_never_reaches_the_hub(tmp_path, monkeypatch):
    import huggingface_hub

    def no_network(*args, **kwargs):
        raise AssertionError("tried to reach the HuggingFace hub")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_network)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", no_network)
    missing = tmp_path / "no_such_model"
    with pytest.raises(FileNotFoundError, match="no_such_model"):
        SRSTEnhancer.from_hparams(source=str(missing), savedir=tmp_path / "save")
    with pytest.raises(FileNotFoundError, match="hyperparams.yaml"):
        SRSTEnhancer.from_hparams(source=tmp_path)
    # a hub-like id that is not a local folder is refused the same way
    with pytest.raises(FileNotFoundError, match="speechbrain/sepformer"):
        SRSTEnhancer.from_hparams(source="speechbrain/sepformer")


# ---------------------------------------------------------------- chunking


def test_crossfade_sums_to_one():
    fade_in = crossfade_window(1000, dtype=torch.float64)
    assert torch.allclose(fade_in + fade_in.flip(0), torch.ones(1000).double())
    assert (fade_in.diff() > 0).all()


def test_chunked_file_matches_whole_file(trained, enhancer, tmp_path):
    """5 s file, 1 s chunks with 0.25 s overlap: SI-SDR to whole > 40 dB."""
    model, _ = trained
    wav = noisy(5 * SR)
    path = write(tmp_path / "five.wav", wav)
    whole = reference(model, wav)
    chunked = enhancer.enhance_file(path, chunk_seconds=1.0, overlap_seconds=0.25)
    assert chunked.shape == whole.shape
    assert si_sdr_db(chunked, whole) > 40.0
    assert (chunked - whole).abs().max() < 0.01 * whole.abs().max()
    # streamed to disk: the written file holds the same samples, and the
    # enhanced signal is returned too (None only with return_tensor=False)
    out = tmp_path / "out" / "five.wav"
    returned = enhancer.enhance_file(
        path, output_path=out, chunk_seconds=1.0, overlap_seconds=0.25
    )
    torch.testing.assert_close(returned, chunked, atol=0, rtol=0)
    streamed = tmp_path / "out2" / "five.wav"
    kept = enhancer.enhance_file(
        path,
        output_path=streamed,
        return_tensor=False,
        chunk_seconds=1.0,
        overlap_seconds=0.25,
    )
    assert kept is None
    assert streamed.read_bytes() == out.read_bytes()
    written, rate = sf.read(str(out), dtype="float32")
    assert rate == SR
    torch.testing.assert_close(torch.from_numpy(written), chunked, atol=1e-6, rtol=0)
    assert sorted(p.name for p in out.parent.iterdir()) == ["five.wav"]
    # the default (30 s chunks) processes the file whole
    default = enhancer.enhance_file(path)
    torch.testing.assert_close(default, whole, atol=1e-5, rtol=0)


@pytest.mark.parametrize("num_samples", [1600, 16001, 12345, 100, 1, 30 * SR])
def test_output_length_equals_input_length(enhancer, tmp_path, num_samples):
    path = write(tmp_path / "x.wav", noisy(num_samples))
    out = enhancer.enhance_file(path, chunk_seconds=4.0, overlap_seconds=0.5)
    assert out.shape == (num_samples,)
    assert torch.isfinite(out).all()
    batch = enhancer.enhance_batch(noisy(num_samples).unsqueeze(0))
    assert batch.shape == (1, num_samples)


def test_enhance_batch_zeroes_padding(enhancer):
    wavs = torch.stack([noisy(8000, 1), noisy(8000, 2)])
    out = enhancer.enhance_batch(wavs, lengths=torch.tensor([1.0, 0.5]))
    assert out[1, 4000:].abs().max() == 0
    assert out[1, :4000].abs().max() > 0
    assert out[0, 4000:].abs().max() > 0


def test_enhance_batch_rejects_bad_input(enhancer):
    with pytest.raises(ValueError, match="empty"):
        enhancer.enhance_batch(torch.zeros(1, 0))
    with pytest.raises(ValueError, match="NaN"):
        enhancer.enhance_batch(torch.full((1, 1000), float("nan")))
    with pytest.raises(ValueError, match=r"\[batch, time\]"):
        enhancer.enhance_batch(torch.zeros(1000))
    with pytest.raises(ValueError, match="shorter than"):
        enhancer.enhance_batch(torch.zeros(1, 1000), chunk_seconds=1, overlap_seconds=2)


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("rate", [8000, 44100])
def test_other_sample_rates_are_resampled(trained, enhancer, tmp_path, rate):
    model, _ = trained
    num = int(1.3 * rate) + 7
    wav = noisy(num) * 0.5
    path = write(tmp_path / f"r{rate}.wav", wav, rate)
    out = enhancer.enhance_file(path, chunk_seconds=0.5, overlap_seconds=0.125)
    expected_len = math.ceil(num * SR / rate)
    assert out.shape == (expected_len,)
    # the streamed resampling equals resampling the whole file
    with AudioStream(path) as stream:
        streamed = torch.cat([stream.read(s, 999) for s in range(0, expected_len, 999)])
    resampled = AF.resample(wav, rate, SR)
    torch.testing.assert_close(streamed, resampled, atol=1e-6, rtol=0)
    assert si_sdr_db(out, reference(model, resampled)) > 30.0


def test_stereo_is_averaged_to_mono(enhancer, tmp_path):
    left, right = noisy(12000, 1), noisy(12000, 2)
    stereo = write(tmp_path / "stereo.wav", torch.stack([left, right], 1))
    mono = write(tmp_path / "mono.wav", (left + right) / 2)
    out = enhancer.enhance_file(stereo)
    assert out.shape == (12000,)
    torch.testing.assert_close(out, enhancer.enhance_file(mono), atol=1e-6, rtol=0)


def test_flac_output(enhancer, tmp_path):
    path = write(tmp_path / "in.wav", noisy(4000))
    out = tmp_path / "o" / "x.flac"
    tensor = enhancer.enhance_file(path, output_path=out, return_tensor=True)
    written, rate = sf.read(str(out), dtype="float32")
    assert rate == SR and written.shape == (4000,)
    assert np.abs(written - tensor.clamp(-1, 1).numpy()).max() < 1e-5


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_file_is_named(enhancer, tmp_path, value):
    wav = noisy(40000)
    wav[30000] = value
    path = write(tmp_path / "broken.wav", wav)
    with pytest.raises(AudioError, match="broken.wav") as error:
        enhancer.enhance_file(path)
    assert "NaN or inf" in str(error.value)
    out = tmp_path / "out" / "broken.wav"
    with pytest.raises(AudioError, match="broken.wav"):
        enhancer.enhance_file(path, output_path=out, chunk_seconds=1.0)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []


def test_unreadable_empty_and_missing_files_are_named(enhancer, tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....WAVEfmt not really audio")
    with pytest.raises(AudioError, match="corrupt.wav"):
        enhancer.enhance_file(corrupt)
    empty = write(tmp_path / "empty.wav", np.zeros(0))
    with pytest.raises(AudioError, match="holds no samples: .*empty.wav"):
        enhancer.enhance_file(empty)
    with pytest.raises(AudioError, match="not found: .*missing.wav"):
        enhancer.enhance_file(tmp_path / "missing.wav")


def test_cpu_micro_batches_give_the_whole_batch_output(enhancer, monkeypatch):
    wavs = torch.stack([noisy(16000, seed) for seed in range(3)])
    whole = enhancer.separate_batch(wavs)
    assert enhancer._micro_batch(wavs) >= 3  # 3 x 1 s fit in one group of 10 s
    monkeypatch.setattr(enhancer.hparams, "cpu_batch_samples", 16000, raising=False)
    assert enhancer._micro_batch(wavs) == 1
    calls = []
    hook = enhancer.inference_model().register_forward_pre_hook(
        lambda module, args: calls.append(args[0].shape[0])
    )
    grouped = enhancer.separate_batch(wavs)
    hook.remove()
    assert calls == [1, 1, 1]
    for expected, actual in zip(whole, grouped, strict=True):
        torch.testing.assert_close(actual, expected, atol=1e-5, rtol=0)


def test_folded_batch_norm_gives_the_model_output(trained, enhancer, monkeypatch):
    model, _ = trained
    folded = enhancer.inference_model()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    wavs = torch.stack([noisy(16000, seed) for seed in range(2)])
    with torch.no_grad():
        expected = model(wavs)
    for actual, reference_output in zip(
        enhancer.separate_batch(wavs), expected, strict=True
    ):
        torch.testing.assert_close(actual, reference_output, atol=1e-5, rtol=0)
    monkeypatch.setattr(enhancer.hparams, "fold_batch_norm", False, raising=False)
    assert enhancer.inference_model() is enhancer.mods.model


def test_folded_copy_follows_new_weights(trained, tmp_path):
    model, folder = trained
    enhancer = SRSTEnhancer.from_hparams(folder, run_opts={"device": "cpu"})
    wavs = noisy(16000).reshape(1, -1)
    before = enhancer.enhance_batch(wavs)
    enhancer.mods.model.load_state_dict(UNet(channels=[8, 16]).state_dict())
    with torch.no_grad():
        expected = enhancer.mods.model(wavs)[0]
    after = enhancer.enhance_batch(wavs)
    torch.testing.assert_close(after, expected, atol=1e-5, rtol=0)
    assert not torch.allclose(after, before, atol=1e-3)


def test_enhancement_never_touches_the_allocator(trained, tmp_path, monkeypatch):
    """Tuning glibc's malloc is process-wide: only an explicit call does it."""
    calls = []
    monkeypatch.setattr(
        "speechbrain_srst.allocator._tune", lambda *args: calls.append(args)
    )
    _, folder = trained
    enhancer = SRSTEnhancer.from_hparams(folder, run_opts={"device": "cpu"})
    enhancer.enhance_batch(noisy(16000).reshape(1, -1))
    enhancer.enhance_file(write(tmp_path / "x.wav", noisy(8000)))
    assert calls == []


def test_other_output_extensions_are_refused_before_reading(enhancer, tmp_path):
    path = write(tmp_path / "in.wav", noisy(4000))
    for name in ("x.mp3", "x.ogg", "x"):
        with pytest.raises(ValueError, match=f"Cannot write .*{name}: .*wav or .flac"):
            enhancer.enhance_file(path, output_path=tmp_path / "o" / name)
    assert not (tmp_path / "o").exists()


def test_a_stage_folder_is_refused_naming_its_model_folder(trained, tmp_path):
    _, folder = trained
    stage = tmp_path / "1234" / "srst"
    (stage / "model").mkdir(parents=True)
    for item in folder.iterdir():
        (stage / "model" / item.name).write_bytes(item.read_bytes())
    (stage / "hyperparams.yaml").write_text(
        "output_folder: results/x\ncheckpointer: !new:"
        "speechbrain.utils.checkpoints.Checkpointer\n"
        "    checkpoints_dir: results/x/save\n"
    )
    with pytest.raises(FileNotFoundError) as error:
        SRSTEnhancer.from_hparams(stage, run_opts={"device": "cpu"})
    assert "not a model folder" in str(error.value)
    assert f"did you mean {stage / 'model'}?" in str(error.value)
    assert not (tmp_path / "results").exists() and not Path("results/x").exists()
    # the same folder spelt with "..": the suggestion is the plain path
    with pytest.raises(FileNotFoundError) as error:
        SRSTEnhancer.from_hparams(stage / "model" / "..", run_opts={"device": "cpu"})
    assert f"did you mean {stage / 'model'}?" in str(error.value)


def test_speech_only_path_gives_the_separated_speech(enhancer, monkeypatch):
    """enhance_batch skips the noise estimate but returns the same speech."""
    wavs = torch.stack([noisy(40000, seed) for seed in range(2)])
    lengths = torch.tensor([1.0, 0.6])
    stft = enhancer.inference_model().stft
    inverse, calls = stft.inverse, []

    def counted(*args, **kwargs):
        calls.append(1)
        return inverse(*args, **kwargs)

    monkeypatch.setattr(stft, "inverse", counted)
    chunks = {"chunk_seconds": 1.0, "overlap_seconds": 0.25}
    speech, _ = enhancer.separate_batch(wavs, lengths, **chunks)
    with_noise, calls[:] = len(calls), []
    only_speech = enhancer.enhance_batch(wavs, lengths, **chunks)
    torch.testing.assert_close(only_speech, speech, atol=1e-6, rtol=0)
    assert with_noise == 2 * len(calls) > 0  # one inverse STFT instead of two
