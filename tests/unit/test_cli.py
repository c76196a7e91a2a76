"""Tests of the speechbrain-srst-enhance console command (speechbrain_srst.cli)."""

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
