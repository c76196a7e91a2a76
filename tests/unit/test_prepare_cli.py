"""Tests of the recipe's prepare.py command line (its options, not the data)."""

import importlib.util
from pathlib import Path

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "DNS" / "domain_adaptation"


def load_prepare_script():
    spec = importlib.util.spec_from_file_location("prepare_cli", RECIPE / "prepare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_option_has_help_text():
    parser = load_prepare_script().build_parser()
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert len(options) >= 12
    assert [a.dest for a in options if not a.help] == []


def test_validation_and_test_sizes_reach_the_preparation(monkeypatch, tmp_path):
    script = load_prepare_script()
    calls = []
    monkeypatch.setattr(
        script, "prepare_domain_adaptation", lambda **kw: calls.append(kw) or {}
    )
    argv = ["--dns_folder", str(tmp_path), "--save_folder", str(tmp_path / "m"),
            "--num_source_mixtures", "20", "--num_source_valid", "5",
            "--num_target_valid", "3", "--num_test_per_snr", "2",
            "--test_seconds", "1.5", "--test_snrs", "0", "5"]  # fmt: skip
    assert script.main(argv) == 0
    (given,) = calls
    assert given["num_source_mixtures"] == 20
    assert given["num_source_valid"] == 5 and given["num_target_valid"] == 3
    assert given["num_test_per_snr"] == 2 and given["test_seconds"] == 1.5
    assert given["test_snrs"] == (0, 5)
