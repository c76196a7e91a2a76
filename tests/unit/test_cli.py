"""Tests of the speechbrain-srst-enhance console command (speechbrain_srst.cli)."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from speechbrain_srst.cli import main
from speechbrain_srst.export import export_model
from speechbrain_srst.lobes.unet import UNet


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    torch.manual_seed(0)
    return export_model(tmp_path_factory.mktemp("model"), UNet([8, 16]), "test")


def write(path, num_samples, rate=16000):
    path.parent.mkdir(parents=True, exist_ok=True)
    wav = 0.1 * np.random.default_rng(num_samples).standard_normal(num_samples)
    sf.write(str(path), wav.astype(np.float32), rate)


def test_folder_with_a_corrupt_file(model_folder, tmp_path, capsys):
    inputs = tmp_path / "in"
    write(inputs / "a.wav", 16000)
    write(inputs / "sub" / "b.flac", 12345, rate=8000)
    (inputs / "sub" / "corrupt.wav").write_bytes(b"RIFF0000WAVEjunk")
    out = tmp_path / "out"
    code = main(
        [
            "--model",
            str(model_folder),
            str(inputs),
            "--output-dir",
            str(out),
            "--chunk-seconds",
            "0.5",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "corrupt.wav" in captured.err
    assert "Enhanced 2 file(s)" in captured.out
    assert "skipped 1 file(s)" in captured.out
    assert "corrupt.wav" in captured.out
    a, rate = sf.read(str(out / "a.wav"))
    assert rate == 16000 and a.shape == (16000,)
    b, rate = sf.read(str(out / "sub" / "b.flac"))
    assert rate == 16000 and b.shape == (int(np.ceil(12345 * 2)),)
    assert not (out / "sub" / "corrupt.wav").exists()
    assert sorted(p.name for p in (out / "sub").iterdir()) == ["b.flac"]


def test_single_file_success(model_folder, tmp_path, capsys):
    write(tmp_path / "x.wav", 8000)
    code = main(
        [
            "--model",
            str(model_folder),
            str(tmp_path / "x.wav"),
            "-o",
            str(tmp_path / "out"),
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    assert (tmp_path / "out" / "x.wav").is_file()
    assert "Enhanced 1 file(s)" in capsys.readouterr().out


def test_missing_model_and_missing_input(model_folder, tmp_path, capsys):
    code = main(["--model", str(tmp_path / "nomodel"), "x.wav", "-o", str(tmp_path)])
    assert code == 2
    assert "nomodel" in capsys.readouterr().err
    code = main(
        [
            "--model",
            str(model_folder),
            str(tmp_path / "gone.wav"),
            "-o",
            str(tmp_path / "out"),
        ]
    )
    assert code == 1
    assert "gone.wav" in capsys.readouterr().err


def test_outputs_are_named_after_the_format_written(model_folder, tmp_path, capsys):
    inputs = tmp_path / "in"
    write(inputs / "a.wav", 8000)
    sf.write(str(inputs / "b.ogg"), np.zeros(8000, np.float32) + 0.1, 16000)
    sf.write(str(inputs / "c.mp3"), np.zeros(8000, np.float32) + 0.1, 16000)
    write(inputs / "d.flac", 8000)
    (inputs / "notes.txt").write_text("not audio")
    write(inputs / ".hidden.wav", 8000)
    out = tmp_path / "out"
    code = main(["--model", str(model_folder), str(inputs), "-o", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    formats = {p.name: sf.info(str(p)).format for p in out.iterdir()}
    assert formats == {"a.wav": "WAV", "b.wav": "WAV", "c.wav": "WAV", "d.flac": "FLAC"}
    assert "Enhanced 4 file(s)" in printed and "skipped 0 file(s)" in printed
    assert "left out 2 other file(s)" in printed
    assert "not an audio format libsndfile reads (.txt)" in printed
    assert "notes.txt" in printed and ".hidden.wav" in printed
    code = main(["--model", str(model_folder), str(inputs / "a.wav"), "-o", str(out),
                 "--format", "flac"])  # fmt: skip
    assert code == 0 and sf.info(str(out / "a.flac")).format == "FLAC"


def test_cuda_device_without_cuda_is_one_line_and_exit_2(
    model_folder, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    write(tmp_path / "x.wav", 8000)
    argv = ["--model", str(model_folder), str(tmp_path / "x.wav"), "-o", "out"]
    monkeypatch.chdir(tmp_path)
    code = main([*argv, "--device", "cuda:0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "--device cuda:0" in err and "no CUDA" in err
    assert main([*argv, "--device", "tpu7"]) == 2
    assert "not a torch device" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_stage_folder_as_model_names_its_model_folder(
    model_folder, tmp_path, capsys, monkeypatch
):
    stage = tmp_path / "1234" / "srst"
    (stage / "model").mkdir(parents=True)
    for item in model_folder.iterdir():
        (stage / "model" / item.name).write_bytes(item.read_bytes())
    # what SpeechBrain copies into a stage folder: the stage's YAML
    recipe = Path(__file__).resolve().parents[2] / "recipes/DNS/domain_adaptation"
    stage_yaml = (recipe / "hparams" / "srst.yaml").read_text()
    (stage / "hyperparams.yaml").write_text(stage_yaml)
    write(tmp_path / "x.wav", 8000)
    monkeypatch.chdir(tmp_path)
    code = main(["--model", str(stage), "x.wav", "-o", "out"])
    err = capsys.readouterr().err
    assert code == 2
    assert "not a model folder" in err and f"did you mean {stage / 'model'}?" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1234", "x.wav"]


def test_the_allocator_is_tuned_only_when_asked(model_folder, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "speechbrain_srst.allocator.keep_freed_memory", lambda: calls.append(1)
    )
    write(tmp_path / "x.wav", 8000)
    argv = ["--model", str(model_folder), str(tmp_path / "x.wav"), "-o", "out"]
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 0 and calls == []
    assert main([*argv, "--tune-allocator"]) == 0 and calls == [1]


def test_the_checkpoint_file_as_model_names_its_folder(
    model_folder, tmp_path, capsys, monkeypatch
):
    """Giving the model.ckpt (a file) instead of its folder is an error naming
    the folder, not "Model folder not found"."""
    write(tmp_path / "x.wav", 8000)
    monkeypatch.chdir(tmp_path)
    code = main(["--model", str(model_folder / "model.ckpt"), "x.wav", "-o", "out"])
    err = capsys.readouterr().err
    assert code == 2
    assert "is a file, not a model folder" in err and str(model_folder) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.wav"]
