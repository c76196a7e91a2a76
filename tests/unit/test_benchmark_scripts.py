"""Argument checks of the benchmark scripts (they print numbers; no test
runs them whole)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import benchmark_regime  # noqa: E402
import speaker_gap  # noqa: E402


@pytest.mark.parametrize("text", ["16,x", "", "16,0,64", "16,-32"])
def test_regime_refuses_bad_widths_before_building(text, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        benchmark_regime.main(["--root", str(tmp_path / "r"), "--channels", text])
    assert stop.value.code == 2
    assert "positive widths" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_regime_widths_parse():
    assert benchmark_regime.channel_list("32,64,128,256") == [32, 64, 128, 256]


def test_regime_refuses_an_unknown_size(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        benchmark_regime.main(["--root", str(tmp_path), "--size", "bogus"])
    assert stop.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_speaker_gap_refuses_a_missing_or_stage_model_folder(tmp_path, capsys):
    root = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        speaker_gap.main(["--model", str(tmp_path / "nothing"), "--root", str(root)])
    assert stop.value.code == 2
    assert "--model: Model folder not found" in capsys.readouterr().err
    stage = tmp_path / "supervised"
    (stage / "model").mkdir(parents=True)
    (stage / "model" / "hyperparams.yaml").write_text("pretrainer: 1\n")
    (stage / "hyperparams.yaml").write_text("stage: supervised\n")
    with pytest.raises(SystemExit) as stop:
        speaker_gap.main(["--model", str(stage), "--root", str(root)])
    assert stop.value.code == 2
    assert f"did you mean {stage / 'model'}?" in capsys.readouterr().err
    assert not root.exists()


def test_speaker_gap_refuses_an_unknown_variant(tmp_path, capsys):
    with pytest.raises(SystemExit):
        speaker_gap.main(
            ["--model", str(tmp_path), "--root", str(tmp_path), "--variants", "x"]
        )
    assert "unknown variants ['x']" in capsys.readouterr().err


def test_speaker_gap_variants_take_the_source_intervals():
    """Each variant makes the named settings of the non-English readers the
    source readers' and leaves the rest as built."""
    from speechbrain_srst.benchmark.build import resolve_config

    built = resolve_config("default")
    assert speaker_gap.variant_sizes("as_is") == {}
    assert speaker_gap.variant_sizes("flat_channel") == {
        "target_channel_strength": 1e-6
    }
    for variant, settings in [
        ("pitch", ["pitch"]),
        ("rate", ["rate"]),
        ("range", ["range"]),
        ("prosody", ["pitch", "rate", "range"]),
    ]:
        config = resolve_config("default", speaker_gap.variant_sizes(variant))
        for setting in ("pitch", "rate", "range"):
            expected = built[
                "source_prosody" if setting in settings else "target_prosody"
            ]
            assert config["target_prosody"][setting] == expected[setting], variant
