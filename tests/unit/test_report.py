"""Tests of the summaries, tables and figures of report.py."""

import math

import numpy as np
import pytest
from speechbrain.utils.train_logger import FileTrainLogger

from speechbrain_srst.report import (
    figure3,
    load_rows,
    mean_ci,
    parse_train_log,
    summarize,
    table1_markdown,
    table2_markdown,
    training_curves,
    write_report,
)
from speechbrain_srst.selection import select_most_target_like

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fake_rows(methods, sets=("target_test",), snrs=(-5, 0, 5), count=4, seed=0):
    """Rows whose metric means grow with the method's position."""
    rng = np.random.default_rng(seed)
    rows = []
    for rank, method in enumerate(methods):
        for set_name in sets:
            for snr in snrs:
                for utt in range(count):
                    base = rank + 0.1 * snr + rng.normal(0, 0.1)
                    rows.append(
                        {
                            "method": method,
                            "set": set_name,
                            "snr": snr,
                            "utterance": f"{set_name}_{snr}_{utt}",
                            "language": "fr",
                            "pesq": 1 + 0.2 * base,
                            "stoi": 0.5 + 0.05 * base,
                            "si_sdr": 5 * base,
                            "si_sdri": 5 * base - snr,
                            "pesq_error": "",
                        }
                    )
    return rows


def test_mean_ci_uses_student_t_and_skips_nan():
    mean, half, n, failed = mean_ci([1.0, 2.0, 3.0, 4.0, float("nan")])
    assert (mean, n, failed) == (2.5, 4, 1)
    assert half == pytest.approx(3.182446 * np.std([1, 2, 3, 4], ddof=1) / 2)
    assert math.isnan(mean_ci([1.0])[1])
    assert math.isnan(mean_ci([float("nan")])[0])


def test_summarize_counts_failed_pesq():
    rows = fake_rows(["Noisy"], snrs=(0,))
    rows[0]["pesq"] = float("nan")
    stat = summarize(rows)[("Noisy", "target_test", 0, "pesq")]
    assert stat["n"] == 3 and stat["failed"] == 1
    assert stat["mean"] == pytest.approx(np.mean([r["pesq"] for r in rows[1:]]))
    pooled = summarize(rows, by=("method", "set"))
    assert pooled[("Noisy", "target_test", "stoi")]["n"] == 4


def test_table1_bolds_best_unsupervised_only():
    methods = ["Noisy", "Source model", "RemixIT", "DANN", "SRST (similar source)"]
    methods.append("Target model")
    table = table1_markdown(fake_rows(methods), methods)
    lines = {line.split("|")[1].strip(): line for line in table.splitlines()[2:8]}
    assert list(lines) == methods
    # The target model is best overall but is no unsupervised method.
    assert "**" not in lines["Target model"] and "**" not in lines["DANN"]
    assert lines["SRST (similar source)"].count("**") == 2 * 12
    assert "n = 4 utterances per cell" in table
    assert "Values left out of the means: none (no metric failed)." in table


def test_table2_gap_is_target_minus_source():
    methods = ["Noisy", "Source model", "Target model"]
    rows = fake_rows(methods, sets=("english_test", "target_test"))
    table = table2_markdown(rows)
    lines = table.splitlines()
    assert [line.split("|")[2].strip() for line in lines[2:10]] == [
        "Noisy",
        "Source model",
        "Target model",
        "Gap",
    ] * 2
    assert lines[2].split("|")[1].strip() == "English"
    assert lines[6].split("|")[1].strip() == "Non-English"
    for first, set_name in ((2, "english_test"), (6, "target_test")):
        gap = float(lines[first + 3].split("|")[5].split("±")[0])
        source, target = (
            np.mean(
                [r["si_sdr"] for r in rows if r["method"] == m and r["set"] == set_name]
            )
            for m in ("Source model", "Target model")
        )
        assert gap == pytest.approx(target - source, abs=0.005)


def test_figure3_writes_png_with_selection_threshold(tmp_path):
    rng = np.random.default_rng(0)
    source = {f"s{i}": float(v) for i, v in enumerate(rng.beta(2, 5, 200))}
    target = {f"t{i}": float(v) for i, v in enumerate(rng.beta(5, 2, 100))}
    path = tmp_path / "figure3.png"
    threshold = figure3(source, target, 0.3, str(path))
    kept = select_most_target_like(source, 0.3)
    assert threshold == min(source[k] for k in kept)
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000


def write_log(path, epochs, stats):
    logger = FileTrainLogger(str(path))
    for epoch in range(1, epochs + 1):
        logger.log_stats(
            {"epoch": epoch, "lr": 1e-3 / epoch},
            train_stats={"loss": -3.0 - epoch},
            valid_stats={name: value * epoch for name, value in stats.items()},
            verbose=False,
        )
    logger.log_stats({"Epoch loaded": epochs}, test_stats={"loss": -9.0}, verbose=False)


def test_training_curves_parse_file_train_logger(tmp_path):
    write_log(tmp_path / "a.txt", 3, {"loss": -2.5, "si_sdr": 2.0, "si_sdri": 3.1})
    write_log(tmp_path / "b.txt", 2, {"loss": 0.693, "accuracy": 0.4})
    parsed = parse_train_log(str(tmp_path / "a.txt"))
    assert parsed["epoch"] == [1, 2, 3]
    assert parsed["train loss"] == [-4.0, -5.0, -6.0]
    assert parsed["valid si_sdr"] == [2.0, 4.0, 6.0]
    assert parsed["valid loss"] == pytest.approx([-2.5, -5.0, -7.5])
    assert "test loss" not in parsed
    path = tmp_path / "curves.png"
    curves = training_curves(
        {
            "source": str(tmp_path / "a.txt"),
            "dann": str(tmp_path / "b.txt"),
            "missing": str(tmp_path / "none.txt"),
        },
        str(path),
    )
    assert curves["dann"]["valid accuracy"] == pytest.approx([0.4, 0.8])
    assert curves["missing"] == {"epoch": []}
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000


def test_write_report_and_csv_round_trip(tmp_path, capsys):
    from speechbrain_srst.evaluation import write_rows_csv

    methods = ["Noisy", "Source model", "DANN", "Target model"]
    rows = fake_rows(methods, sets=("english_test", "target_test"))
    failed = next(i for i, r in enumerate(rows) if r["set"] == "target_test")
    rows[failed]["pesq"] = float("nan")
    rows[failed]["pesq_error"] = "NoUtterancesError: x"
    write_rows_csv(rows, str(tmp_path / "per_utterance.csv"))
    loaded = load_rows(str(tmp_path / "per_utterance.csv"))
    assert loaded[5]["si_sdr"] == rows[5]["si_sdr"] and math.isnan(
        loaded[failed]["pesq"]
    )
    text = write_report(
        str(tmp_path),
        loaded,
        methods,
        {"hardware": "2 CPU cores", "wall_time": 125.0, "figures": {"Fig": "f.png"}},
    )
    assert (tmp_path / "results.md").read_text() == text
    assert "## Table 1" in text and "## Table 2" in text
    assert "Noisy: 1 of 12" in text and "![Fig](f.png)" in text
    assert text.rstrip().endswith("Hardware: 2 CPU cores; wall time: 125 s (2.1 min).")
    assert capsys.readouterr().out == ""


def test_both_tables_count_left_out_values_with_their_reasons():
    methods = ["Noisy", "Source model", "Target model"]
    rows = fake_rows(methods, sets=("english_test", "target_test"))
    reasons = ["STOI undefined: too short", "STOI undefined: too short", "other"]
    failing = [r for r in rows if r["method"] == "Source model"][:3]
    for row, reason in zip(failing, reasons, strict=True):
        row["stoi"], row["stoi_error"] = float("nan"), reason
    expected = (
        "- STOI undefined, left out of the means: Source model: 3 of 24 "
        "(2 × `STOI undefined: too short`; 1 × `other`)."
    )
    table2 = table2_markdown(rows)
    assert expected in table2.splitlines(), table2
    table1 = table1_markdown(rows, methods, set_name="english_test")
    assert expected.replace("3 of 24", "3 of 12") in table1.splitlines(), table1
    assert "PESQ undefined" not in table1 and "no metric failed" not in table1
    # older CSVs without stoi_error: the reason falls back to pesq_error
    failing[0].pop("stoi_error")
    failing[0]["pesq_error"] = "metrics failed: boom"
    assert "1 × `metrics failed: boom`" in table2_markdown(rows)


def test_a_mean_over_fewer_utterances_never_gets_the_bold():
    methods = ["DANN", "RemixIT"]  # RemixIT has the higher means
    rows = fake_rows(methods, snrs=(0,))
    for row in [r for r in rows if r["method"] == "RemixIT"][:2]:
        row["pesq"], row["pesq_error"] = float("nan"), "estimate is silent"
    table = table1_markdown(rows, methods, snrs=(0,), metrics=("pesq", "stoi"))
    lines = {line.split("|")[1].strip(): line for line in table.splitlines()[2:4]}
    pesq = {m: line.split("|")[2] for m, line in lines.items()}
    stoi = {m: line.split("|")[3] for m, line in lines.items()}
    assert "**" in pesq["DANN"] and "**" not in pesq["RemixIT"], table
    assert "**" in stoi["RemixIT"] and "**" not in stoi["DANN"], table
