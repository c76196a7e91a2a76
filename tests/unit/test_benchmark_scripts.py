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
    source, target = built["source_prosody"], built["target_prosody"]
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
            drawn = config["target_prosody"][setting]
            if setting in settings:
                assert len(drawn) == len(target[setting]), (variant, setting)
                assert all(interval in source[setting] for interval in drawn)
            else:
                assert drawn == target[setting], (variant, setting)


@pytest.mark.parametrize("data_seed", [99, 7, 1234])
@pytest.mark.parametrize("variant", list(speaker_gap.VARIANTS))
def test_speaker_gap_variants_draw_the_same_readers(variant, data_seed):
    """Only the named setting changes: every variant has the same readers
    (names, voices, genders, levels of the draw) as the build as it is, with
    the same channels unless the variant flattens them, and the same values
    of the settings it does not name."""
    from speechbrain_srst.benchmark.build import target_readers

    as_is = target_readers("default", data_seed)
    sizes = speaker_gap.variant_sizes(variant)
    readers = target_readers("default", data_seed, sizes)
    assert list(readers) == list(as_is)
    named = {
        "pitch": {"pitch"},
        "rate": {"rate"},
        "range": {"pitch_range"},
        "prosody": {"pitch", "rate", "pitch_range"},
    }.get(variant, set())
    source_range = {"pitch": "pitch", "rate": "rate", "pitch_range": "range"}
    source = speaker_gap.build.resolve_config("default")["source_prosody"]
    for key, reader in readers.items():
        before = as_is[key]
        assert reader["voice"] == before["voice"]
        assert reader["gender"] == before["gender"]
        for setting in ("pitch", "rate", "pitch_range"):
            if setting not in named or key[0] == "read_speech":
                assert reader[setting] == before[setting], (key, setting)
            else:
                intervals = source[source_range[setting]]
                assert any(lo <= reader[setting] <= hi for lo, hi in intervals)
        if variant != "flat_channel":
            assert reader["channel"] == before["channel"]
