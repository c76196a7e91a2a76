"""Tests of the aggregation over seeds (speechbrain_srst/aggregate.py)."""

import csv
import json
import math

import numpy as np
import pytest
from scipy import stats

from speechbrain_srst.aggregate import (
    aggregate_comparisons,
    aggregate_means,
    build_parser,
    crossed_mean_ci,
    default_comparisons,
    main,
    ordering_verdicts,
    parse_seeds,
    seed_holding,
    split_seeds_argument,
    write_aggregate,
)
from speechbrain_srst.evaluation import write_rows_csv
from speechbrain_srst.report import mean_ci

T975 = stats.t.ppf(0.975, 1)  # 12.706...


def rows_from(table, method="A", set_name="target_test", snr=0, seeds=(1, 2)):
    """``{seed: rows}`` from a ``[seeds, utterances]`` table of SI-SDR values."""
    return {
        seed: [
            {
                "method": method,
                "set": set_name,
                "snr": snr,
                "utterance": f"u{u}",
                "si_sdr": float(value),
            }
            for u, value in enumerate(values)
        ]
        for seed, values in zip(seeds, table, strict=True)
    }


def merge(*parts):
    """Joins several ``{seed: rows}`` dicts."""
    merged = {}
    for part in parts:
        for seed, rows in part.items():
            merged.setdefault(seed, []).extend(rows)
    return merged


# ------------------------------------------------------------ the interval
def test_crossed_mean_ci_hand_computed():
    # x = [[1, 2, 6], [4, 4, 7]]: seed means 3, 5; utterance means 2.5, 3, 6.5;
    # grand mean 4. MS_seed = 3 * (1 + 1) / 1 = 6; MS_utt = 2 * (2.25 + 1 +
    # 6.25) / 2 = 9.5; residuals -0.5, 0, 0.5 / 0.5, 0, -0.5 -> MS_res = 1 / 2.
    # V = (6 + 9.5 - 0.5) / 6 = 2.5; df = 15^2 / (36 + 9.5^2 / 2 + 0.25 / 2).
    stat = crossed_mean_ci([[1, 2, 6], [4, 4, 7]])
    df = 225 / (36 + 90.25 / 2 + 0.25 / 2)
    expected_ci = stats.t.ppf(0.975, df) * math.sqrt(2.5)
    assert stat["mean"] == pytest.approx(4.0), stat
    assert stat["df"] == pytest.approx(df, rel=1e-12), (stat["df"], df)
    assert stat["se"] == pytest.approx(math.sqrt(2.5), rel=1e-12), stat
    assert stat["ci"] == pytest.approx(expected_ci, rel=1e-12), (stat, expected_ci)
    assert stat["sd_seed"] == pytest.approx(math.sqrt(5.5 / 3)), stat
    assert stat["sd_utterance"] == pytest.approx(math.sqrt(4.5)), stat
    assert stat["sd_residual"] == pytest.approx(math.sqrt(0.5)), stat


def test_crossed_mean_ci_floor():
    # No seed or utterance effect: MS_seed = MS_utt = 0, MS_res = 1, so the
    # unbiased combination is -1 < 0 and the floor MS_res / (S U) = 1 / 4
    # applies with the residual's (S - 1)(U - 1) = 1 degree of freedom.
    stat = crossed_mean_ci([[1.0, 2.0], [2.0, 1.0]])
    assert stat["mean"] == 1.5
    assert stat["df"] == 1, stat
    assert stat["ci"] == pytest.approx(T975 * 0.5, rel=1e-12), stat


def test_crossed_mean_ci_one_seed_is_the_student_interval():
    values = [0.3, -1.2, 2.5, 0.7, 1.1]
    stat = crossed_mean_ci([values])
    mean, half, n, _ = mean_ci(values)
    assert (stat["mean"], stat["df"]) == (pytest.approx(mean), n - 1), stat
    assert stat["ci"] == pytest.approx(half, rel=1e-12), (stat["ci"], half)


def test_crossed_mean_ci_one_utterance_is_the_interval_over_seeds():
    stat = crossed_mean_ci([[1.0], [2.0], [6.0]])
    mean, half, _, _ = mean_ci([1.0, 2.0, 6.0])
    assert stat["ci"] == pytest.approx(half, rel=1e-12), (stat["ci"], half)
    assert stat["mean"] == pytest.approx(mean) and stat["df"] == 2


def test_crossed_mean_ci_constant_table_has_zero_width():
    stat = crossed_mean_ci(np.full((3, 4), 2.5))
    assert (stat["mean"], stat["ci"]) == (2.5, 0.0), stat


@pytest.mark.parametrize("bad", [[], [1.0, 2.0], [[1.0, float("nan")]]])
def test_crossed_mean_ci_rejects_bad_tables(bad):
    with pytest.raises(ValueError, match="crossed_mean_ci"):
        crossed_mean_ci(bad)


def test_crossed_mean_ci_covers_the_mean_in_simulation():
    """Seeds and utterances both vary: the interval keeps its 95 % coverage.

    A Student-t interval over the pooled utterances (ignoring the seeds)
    would cover far less, which the test also shows.
    """
    rng = np.random.default_rng(0)
    seeds, utterances, trials = 3, 48, 1500
    sd_seed, sd_utt, sd_res = 0.5, 4.0, 1.0
    true_var = sd_seed**2 / seeds + sd_utt**2 / utterances
    true_var += sd_res**2 / (seeds * utterances)
    covered = naive_covered = 0
    variances = []
    for _ in range(trials):
        x = (
            rng.normal(0, sd_seed, (seeds, 1))
            + rng.normal(0, sd_utt, (1, utterances))
            + rng.normal(0, sd_res, (seeds, utterances))
        )
        stat = crossed_mean_ci(x)
        covered += abs(stat["mean"]) <= stat["ci"]
        variances.append(stat["se"] ** 2)
        mean, half, _, _ = mean_ci(x.ravel())
        naive_covered += abs(mean) <= half
    coverage, naive = covered / trials, naive_covered / trials
    ratio = np.mean(variances) / true_var
    assert 0.93 <= coverage <= 0.97, (coverage, naive)
    assert 0.9 <= ratio <= 1.1, (ratio, np.mean(variances), true_var)
    assert naive < coverage - 0.1, (coverage, naive)


# ------------------------------------------------------- seeds holding
def test_seed_holding_counts():
    # seed 1: +1 with a narrow interval; seed 2: +0.033, interval across 0;
    # seed 3: -1, interval below 0.
    counts = seed_holding([[1.0, 1.2, 0.8], [0.1, -0.3, 0.3], [-1.0, -1.1, -0.9]])
    assert (counts["holds"], counts["holds_ci"], counts["reversed_ci"]) == (
        2,
        1,
        1,
    ), counts


# ------------------------------------------------- means and comparisons
def test_aggregate_means_known_values():
    table_a = [[1.0, 2.0, 6.0], [4.0, 4.0, 7.0]]
    table_b = [[0.0, 1.0, 2.0], [1.0, 1.0, 2.0]]
    rows = merge(
        rows_from(table_a, "A", snr=0),
        rows_from(table_b, "A", snr=5),
        rows_from(table_b, "Control (beta 0)", snr=0),
        {2: rows_from([[9.0, 9.0]], "Only seed 2", seeds=(2,))[2]},
    )
    records = aggregate_means(rows, metrics=("si_sdr",))
    by = {(r["method"], r["snr"]): r for r in records}
    assert list(dict.fromkeys(r["method"] for r in records)) == [
        "A",
        "Control (beta 0)",
        "Only seed 2",
    ]
    assert by[("A", 0)]["mean"] == pytest.approx(4.0)
    assert by[("A", 0)]["ci"] == pytest.approx(crossed_mean_ci(table_a)["ci"])
    assert by[("A", 5)]["mean"] == pytest.approx(7 / 6)
    # all SNRs: utterances of both SNRs side by side, per seed
    pooled = np.hstack([table_a, table_b])
    assert by[("A", "all")]["mean"] == pytest.approx(pooled.mean())
    assert by[("A", "all")]["ci"] == pytest.approx(crossed_mean_ci(pooled)["ci"])
    assert by[("A", "all")]["utterances"] == 6
    assert by[("A", 0)]["per_seed_mean"] == {1: 3.0, 2: 5.0}
    only = by[("Only seed 2", 0)]
    assert (only["seeds"], only["seed_list"], only["mean"]) == (1, [2], 9.0), only


def test_aggregate_means_leaves_failed_scores_out_of_every_seed():
    table = [[1.0, 2.0, 6.0], [4.0, float("nan"), 7.0]]
    record = aggregate_means(rows_from(table), metrics=("si_sdr",))[0]
    assert (record["utterances"], record["left_out"]) == (2, 1), record
    assert record["mean"] == pytest.approx((1 + 6 + 4 + 7) / 4), record


def test_aggregate_means_rejects_seeds_with_other_test_sets():
    rows = rows_from([[1.0, 2.0], [3.0, 4.0]])
    rows[2][1]["utterance"] = "other"
    with pytest.raises(ValueError, match="seeds 1 and 2 scored different"):
        aggregate_means(rows, metrics=("si_sdr",))


def test_aggregate_comparisons_paired_values_and_holding():
    # Differences A - B per seed: seed 1 [1.0, 1.2, 0.8], seed 2 [0.1, -0.3,
    # 0.3], seed 3 [-1.0, -1.1, -0.9]: mean over all 0.0111..., holds in 2
    # seeds, 1 with its interval above 0, 1 with its interval below 0.
    base = np.array([[5.0, -2.0, 3.0], [1.0, 0.0, 4.0], [2.0, 2.0, 2.0]])
    diff = np.array([[1.0, 1.2, 0.8], [0.1, -0.3, 0.3], [-1.0, -1.1, -0.9]])
    rows = merge(
        rows_from(base + diff, "A", seeds=(1, 2, 3)),
        rows_from(base, "B", seeds=(1, 2, 3)),
    )
    records = aggregate_comparisons(rows, [("A", "B")], ("si_sdr",))
    record = next(r for r in records if r["snr"] == 0)
    assert record["mean"] == pytest.approx(diff.mean()), record
    assert record["ci"] == pytest.approx(crossed_mean_ci(diff)["ci"]), record
    assert (record["holds"], record["holds_ci"], record["reversed_ci"]) == (
        2,
        1,
        1,
    ), record
    assert (record["seeds"], record["utterances"]) == (3, 3), record


def test_aggregate_comparisons_pairs_on_seeds_with_both_methods():
    rows = merge(
        rows_from([[2.0, 3.0], [4.0, 4.0]], "A"),
        {1: rows_from([[1.0, 1.0]], "B", seeds=(1,))[1]},
    )
    record = aggregate_comparisons(rows, [("A", "B")], ("si_sdr",))[0]
    assert (record["seeds"], record["mean"]) == (1, 1.5), record


def test_default_comparisons_paper_list_then_each_against_source():
    methods = [
        "Noisy",
        "Source model",
        "RemixIT",
        "DANN",
        "DANN+RemixIT",
        "SRST (random source)",
        "SRST (similar source)",
        "Target model",
        "Control: source model + AdaBN",
        "Control: DANN, beta = 0, no target",
    ]
    pairs = default_comparisons(methods)
    assert pairs[:8] == [
        ("SRST (similar source)", "SRST (random source)"),
        ("SRST (random source)", "DANN+RemixIT"),
        ("SRST (similar source)", "DANN+RemixIT"),
        ("DANN+RemixIT", "DANN"),
        ("DANN", "RemixIT"),
        ("RemixIT", "Source model"),
        ("SRST (similar source)", "DANN"),
        ("DANN", "Control: DANN, beta = 0, no target"),
    ]
    against_source = [a for a, b in pairs[8:] if b == "Source model"]
    assert against_source == [
        "DANN",
        "DANN+RemixIT",
        "SRST (random source)",
        "SRST (similar source)",
        "Target model",
        "Control: source model + AdaBN",
        "Control: DANN, beta = 0, no target",
    ]
    assert len(pairs) == 15


# -------------------------------------------------------------- the files
def write_seed_csvs(folder, seeds=(1, 2)):
    """Per-utterance CSVs of two seeds as evaluate_methods writes them."""
    results = {}
    for k, seed in enumerate(seeds):
        rows = []
        for method, offset in (
            ("Noisy", 0.0),
            ("Source model", 1.0),
            ("DANN", 1.5),
            ("DANN beta 0, no target (control)", 1.25),
        ):
            shift = 0.0 if method == "Noisy" else 0.2 * k  # same mixtures
            for snr in (-5, 5):
                for u in range(3):
                    rows.append(
                        {
                            "method": method,
                            "set": "target_test",
                            "snr": snr,
                            "utterance": f"target_test_snr{snr}_{u:04d}",
                            "language": "french",
                            "pesq": 1.0 + offset / 10,
                            "stoi": 0.5 + offset / 10,
                            "si_sdr": snr + offset + 0.1 * u + shift,
                            "si_sdri": offset + 0.1 * u + shift,
                            "pesq_error": "",
                        }
                    )
        result_folder = folder / str(seed) / "results"
        result_folder.mkdir(parents=True)
        write_rows_csv(rows, result_folder / "per_utterance.csv")
        (folder / str(seed) / "dann").mkdir()
        (folder / str(seed) / "dann" / "stage_done.json").write_text(
            json.dumps({"seconds": 10.0 + seed})
        )
        results[seed] = result_folder
    return results


def test_write_aggregate_files(tmp_path):
    folders = write_seed_csvs(tmp_path)
    result = write_aggregate(folders, tmp_path / "seeds_1_2", title="T")
    text = result["markdown"]
    assert "DANN beta 0, no target (control)" in text
    assert "| DANN − Source model | +0.50 ± 0.00 (2/2 > 0; ↑2 ↓0)" in text, text
    assert "Wall time per seed" in text and "1: 11 s, 2: 12 s; 23 s" in text, text
    with open(tmp_path / "seeds_1_2" / "means.csv", newline="") as handle:
        means = list(csv.DictReader(handle))
    dann = next(
        r
        for r in means
        if r["method"] == "DANN" and r["snr"] == "all" and r["metric"] == "si_sdri"
    )
    # per seed: 1.5 + mean(0, 0.1, 0.2) + 0.2 k -> 1.6 and 1.8
    assert float(dann["mean"]) == pytest.approx(1.7), dann
    assert dann["seeds"] == "2" and dann["utterances"] == "6", dann
    with open(tmp_path / "seeds_1_2" / "comparisons.csv", newline="") as handle:
        compared = list(csv.DictReader(handle))
    assert {(r["better"], r["worse"]) for r in compared} == {
        ("DANN", "Source model"),
        ("DANN beta 0, no target (control)", "Source model"),
    }
    saved = json.loads((tmp_path / "seeds_1_2" / "aggregate.json").read_text())
    assert saved["seeds"] == [1, 2] and saved["wall_time_seconds"]["2"] == 12.0


def test_write_aggregate_names_missing_seeds(tmp_path):
    folders = write_seed_csvs(tmp_path)
    folders[3] = tmp_path / "3" / "results"
    with pytest.raises(FileNotFoundError, match="3/results/per_utterance.csv"):
        write_aggregate(folders, tmp_path / "out")


def test_cli_aggregates_and_finds_seeds(tmp_path, capsys):
    write_seed_csvs(tmp_path, seeds=(4, 7))
    assert main([str(tmp_path), "--seeds", "7,4"]) == 0
    assert (tmp_path / "seeds_7_4" / "results.md").is_file()
    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "seeds_4_7" / "results.md").is_file()
    out = capsys.readouterr().out
    assert "Results over seeds 4, 7" in out


def test_cli_missing_seed_is_an_error(tmp_path, capsys):
    write_seed_csvs(tmp_path)
    assert main([str(tmp_path), "--seeds", "1,9"]) == 1
    assert "9/results/per_utterance.csv" in capsys.readouterr().err


def test_cli_custom_comparison(tmp_path):
    write_seed_csvs(tmp_path)
    main([str(tmp_path), "--compare", "DANN:DANN beta 0, no target (control)"])
    with open(tmp_path / "seeds_1_2" / "comparisons.csv", newline="") as handle:
        pairs = {(r["better"], r["worse"]) for r in csv.DictReader(handle)}
    assert pairs == {("DANN", "DANN beta 0, no target (control)")}


# ------------------------------------------------------------ --seeds parsing
@pytest.mark.parametrize(
    "text, seeds",
    [("1234,1235,1236", [1234, 1235, 1236]), (" 3 , 1", [3, 1]), ("0", [0])],
)
def test_parse_seeds(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "names no seed"),
        ("1,,2", "empty entry"),
        ("1,", "empty entry"),
        ("1,abc", "'abc' is not an integer"),
        ("1.5", "'1.5' is not an integer"),
        ("-1", "-1 is out of range"),
        (str(2**32), "4294967296 is out of range"),
        ("5,6,5", "5 is given twice"),
    ],
)
def test_parse_seeds_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_seeds(text)


def test_split_seeds_argument_keeps_the_rest():
    argv = ["hparams/srst.yaml", "--seeds", "1,2", "--benchmark_size", "smoke"]
    assert split_seeds_argument(argv) == (
        [1, 2],
        ["hparams/srst.yaml", "--benchmark_size", "smoke"],
    )
    assert split_seeds_argument(["x.yaml", "--seed", "5"]) == (
        None,
        ["x.yaml", "--seed", "5"],
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["x.yaml", "--seeds", "1,b"], "argument --seeds: --seeds '1,b': 'b' is not"),
        (["x.yaml", "--seeds"], "argument --seeds: expected one argument"),
        (["x.yaml", "--seeds", "1,2", "--seed", "3"], "leave out --seed"),
        (["x.yaml", "--seeds=1,2", "--seed=3"], "leave out --seed"),
    ],
)
def test_split_seeds_argument_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        split_seeds_argument(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_parser_rejects_bad_seeds(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["results/x", "--seeds", "1,1"])
    assert "1 is given twice" in capsys.readouterr().err


def test_ordering_verdicts_follow_the_interval():
    def record(better, worse, mean, ci):
        return {
            "set": "target_test",
            "snr": "all",
            "metric": "si_sdr",
            "better": better,
            "worse": worse,
            "mean": mean,
            "ci": ci,
            "seeds": 3,
            "holds": 2,
            "holds_ci": 1,
            "reversed_ci": 0,
        }

    records = [
        record("SRST (similar source)", "SRST (random source)", 0.3, 0.1),
        record("DANN", "RemixIT", -0.5, 0.2),
        record("RemixIT", "Source model", 0.1, 0.2),
        record("SRST (similar source)", "DANN+RemixIT", 9.0, 0.1),  # not a link
    ]
    assert ordering_verdicts(records) == [
        "SRST (similar source) ≥ SRST (random source): holds "
        "(+0.30 ± 0.10 dB; 2/3 > 0; ↑1 ↓0)",
        "DANN > RemixIT: reversed (-0.50 ± 0.20 dB; 2/3 > 0; ↑1 ↓0)",
        "RemixIT ≥ Source model: not resolved (the interval includes 0) "
        "(+0.10 ± 0.20 dB; 2/3 > 0; ↑1 ↓0)",
    ]


def test_write_aggregate_rejects_seeds_with_other_mixtures(tmp_path):
    """Same utterance names, other mixtures (another data_seed): an error."""
    folders = write_seed_csvs(tmp_path)
    path = folders[2] / "per_utterance.csv"
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["si_sdr"] = str(float(rows[0]["si_sdr"]) + 0.5)  # a Noisy row
    assert rows[0]["method"] == "Noisy"
    write_rows_csv(rows, path)
    with pytest.raises(ValueError, match="Seeds 1 and 2 have different noisy"):
        write_aggregate(folders, tmp_path / "out")


def test_cli_comparison_with_an_unknown_method_is_an_error(tmp_path, capsys):
    write_seed_csvs(tmp_path)
    assert main([str(tmp_path), "--compare", "DANN:Source"]) == 1
    err = capsys.readouterr().err
    assert "No seed scored 'Source'" in err and "'Source model'" in err, err
