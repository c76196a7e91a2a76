"""Results over several seeds: means, intervals and paired comparisons.

Each seed of an experiment is a complete run of the recipe in its own folder
(``results/<experiment_name>/<seed>/``), scored on the same fixed test sets:
the per-utterance CSV of every seed (written by
:func:`speechbrain_srst.evaluation.evaluate_methods`) holds the same
utterances. This module reads those CSVs and writes one report beside the
seed folders (``results/<experiment_name>/seeds_<a>_<b>_<c>/``):

* per test set, method, SNR (and all SNRs pooled) and metric, the mean over
  seeds and utterances with a 95 % confidence interval that counts both the
  seed-to-seed and the utterance-to-utterance variation
  (:func:`crossed_mean_ci`);
* the paired differences of the paper's comparisons (:data:`COMPARISONS`,
  then every method against the source model), paired on the same utterance
  within each seed, with the same interval, and in how many seeds each holds.

Methods are read from the CSVs, never from a fixed list, so control rows and
any other method a seed's report holds appear under the label they have
there.

Usage, on finished seed folders::

    python -m speechbrain_srst.aggregate results/benchmark_default \\
        --seeds 1234,1235,1236

``train.py --seeds 1234,1235,1236`` runs the seeds and then this.

Authors
 * speechbrain-srst developers 2026
"""

import argparse
import csv
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from speechbrain_srst.evaluation import METRICS, NOISY
from speechbrain_srst.report import DECIMALS, LABELS, load_rows, mean_ci

SOURCE = "Source model"
"""Label of the source model's rows: every other method is compared with it."""

COMPARISONS = (
    ("SRST (similar source)", "SRST (random source)"),
    ("SRST (random source)", "DANN+RemixIT"),
    ("SRST (similar source)", "DANN+RemixIT"),
    ("DANN+RemixIT", "DANN"),
    ("DANN", "RemixIT"),
    ("RemixIT", SOURCE),
    ("SRST (similar source)", "DANN"),
)
"""The paper's comparisons, ``(better, worse)`` as the paper claims: its
ordering SRST similar >= SRST random >= DANN+RemixIT >= DANN > RemixIT >=
source, link by link, then SRST against DANN+RemixIT and against its DANN
teacher. :func:`default_comparisons` adds every method against the source
model."""

CONTROL_COMPARISONS = (("DANN", "Control: DANN, beta = 0, no target"),)
"""Comparisons with the recipe's controls (labels of ``evaluate.yaml``): DANN
against the same source steps without the adversarial term and without
target items, which separates the domain loss from source fine-tuning.
:func:`default_comparisons` adds them after :data:`COMPARISONS` when both
rows are present; every control is also compared with the source model."""

ORDERING = (
    ("SRST (similar source)", "SRST (random source)"),
    ("SRST (random source)", "DANN+RemixIT"),
    ("DANN+RemixIT", "DANN"),
    ("DANN", "RemixIT"),
    ("RemixIT", SOURCE),
)
"""The links of the paper's ordering SRST similar >= SRST random >=
DANN+RemixIT >= DANN > RemixIT >= source (a verdict list in the report)."""

CSV_NAME = "per_utterance.csv"
"""The per-utterance CSV of a seed's results folder."""

MEAN_FIELDS = (
    "set",
    "snr",
    "method",
    "metric",
    "mean",
    "ci",
    "ci_low",
    "ci_high",
    "df",
    "seeds",
    "utterances",
    "left_out",
    "sd_seed",
    "sd_utterance",
    "sd_residual",
)
"""Columns of ``means.csv``."""

COMPARISON_FIELDS = (
    "set",
    "snr",
    "better",
    "worse",
    "metric",
    "mean",
    "ci",
    "ci_low",
    "ci_high",
    "df",
    "seeds",
    "utterances",
    "left_out",
    "holds",
    "holds_ci",
    "reversed_ci",
    "sd_seed",
    "sd_utterance",
    "sd_residual",
)
"""Columns of ``comparisons.csv``."""

FORMULA = (
    "Interval over seeds and utterances: every seed scores the same "
    "utterances, so the values x[s, u] (S seeds, U utterances) form a two-way "
    "crossed random-effects design x = m + a_s + b_u + e_su (seed effect, "
    "utterance effect, interaction and noise). Its grand mean has variance "
    "V = var(a) / S + var(b) / U + var(e) / (S U). The mean squares "
    "MS_seed = U sum_s (mean_s - mean)^2 / (S - 1), MS_utt = S sum_u "
    "(mean_u - mean)^2 / (U - 1) and MS_res = sum_su (x - mean_s - mean_u + "
    "mean)^2 / ((S - 1)(U - 1)) have the expectations var(e) + U var(a), "
    "var(e) + S var(b) and var(e), so V is estimated without bias by "
    "(MS_seed + MS_utt - MS_res) / (S U); the estimate is floored at "
    "max(MS_seed, MS_utt, MS_res) / (S U), since each of these has an "
    "expectation of at most V. The half-width is t(1 - alpha / 2, df) "
    "sqrt(V) with Satterthwaite's degrees of freedom df = (MS_seed + MS_utt - "
    "MS_res)^2 / (MS_seed^2 / (S - 1) + MS_utt^2 / (U - 1) + MS_res^2 / "
    "((S - 1)(U - 1))), or those of the mean square where the floor applies. "
    "Sources: the expected mean squares of the balanced two-way crossed "
    "classification without replication (Searle, Casella and McCulloch, "
    "Variance Components, Wiley 1992, ch. 4) and F. E. Satterthwaite, "
    "Biometrics Bulletin 2(6), 110-114, 1946. With one seed this is the "
    "Student-t interval over utterances of each seed's own report; with one "
    "utterance, the one over seeds. A paired difference gets the same "
    "interval on the per-utterance differences d[s, u] = x_A[s, u] - "
    "x_B[s, u]."
)
"""How the intervals are computed (written into every report)."""


# ------------------------------------------------------------------ seeds
def parse_seeds(text):
    """Parses a comma-separated list of seeds, e.g. ``"1234,1235,1236"``.

    Arguments
    ---------
    text : str
        Seeds separated by commas (spaces allowed).

    Returns
    -------
    list of int
        The seeds, in the order given.

    Raises
    ------
    ValueError
        Empty list, a value that is not an integer, a negative or too large
        seed, or a seed given twice; the message names the culprit.

    Example
    -------
    >>> parse_seeds("1234, 1235,1236")
    [1234, 1235, 1236]
    >>> parse_seeds("1,x")
    Traceback (most recent call last):
    ...
    ValueError: --seeds '1,x': 'x' is not an integer; give integers ...
    """
    example = "e.g. --seeds 1234,1235,1236"
    parts = [part.strip() for part in str(text).split(",")]
    if not any(parts):
        raise ValueError(f"--seeds '{text}' names no seed; {example}.")
    seeds = []
    for part in parts:
        if not part:
            raise ValueError(
                f"--seeds '{text}' has an empty entry; give integers separated "
                f"by single commas, {example}."
            )
        try:
            seed = int(part)
        except ValueError:
            raise ValueError(
                f"--seeds '{text}': '{part}' is not an integer; give integers "
                f"separated by commas, {example}."
            ) from None
        if not 0 <= seed < 2**32:
            raise ValueError(
                f"--seeds '{text}': {seed} is out of range; a seed is an "
                f"integer from 0 to {2**32 - 1}."
            )
        if seed in seeds:
            raise ValueError(
                f"--seeds '{text}': {seed} is given twice; each seed runs once."
            )
        seeds.append(seed)
    return seeds


def _seeds_type(text):
    """``argparse`` type of ``--seeds``: :func:`parse_seeds` as a usage error."""
    try:
        return parse_seeds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def split_seeds_argument(argv, prog="train.py"):
    """Takes ``--seeds A,B,C`` out of a command line.

    The rest goes to SpeechBrain's parser unchanged. ``--seeds`` together
    with ``--seed`` is an error: the seeds replace the single seed.

    Arguments
    ---------
    argv : list of str
        The command line without the program name.
    prog : str
        Program name shown in error messages.

    Returns
    -------
    tuple
        ``(seeds, rest)``: the list of seeds (``None`` without ``--seeds``)
        and the other arguments, in order.

    Raises
    ------
    SystemExit
        A bad ``--seeds`` value or ``--seed`` given too (the message is
        printed to stderr, exit status 2, as every usage error).

    Example
    -------
    >>> split_seeds_argument(["hparams/srst.yaml", "--seeds=1,2", "--lr", "1"])
    ([1, 2], ['hparams/srst.yaml', '--lr', '1'])
    >>> split_seeds_argument(["hparams/srst.yaml", "--seed", "3"])
    (None, ['hparams/srst.yaml', '--seed', '3'])
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=f"{prog} HPARAMS_FILE [--seeds A,B,C] [--key value ...]",
        add_help=False,
        allow_abbrev=False,
    )
    parser.add_argument("--seeds", type=_seeds_type, default=None)
    known, rest = parser.parse_known_args(list(argv))
    if known.seeds is not None and any(
        arg == "--seed" or arg.startswith("--seed=") for arg in rest
    ):
        parser.error(
            "--seeds and --seed were both given: --seeds runs every seed it "
            "lists, so leave out --seed (or use --seed alone for one run)."
        )
    return known.seeds, rest


def seeds_folder_name(seeds):
    """Name of the folder of the report over ``seeds``.

    Example
    -------
    >>> seeds_folder_name([1234, 1235, 1236])
    'seeds_1234_1235_1236'
    """
    return "seeds_" + "_".join(str(seed) for seed in seeds)


# ------------------------------------------------------------- statistics
def crossed_mean_ci(values, confidence=0.95):
    """Mean of a seeds x utterances table and its confidence interval.

    Every seed scores the same utterances, so the table is a two-way crossed
    design; the interval counts the variation between seeds, between
    utterances and their interaction (:data:`FORMULA` gives the formula and
    its sources). With one seed it is the Student-t interval over utterances
    (:func:`speechbrain_srst.report.mean_ci`); with one utterance, the one
    over seeds.

    Arguments
    ---------
    values : array-like
        ``[seeds, utterances]`` values, all finite.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    dict
        ``mean``, ``ci`` (half-width; NaN for a single value), ``df``,
        ``se`` (the estimated standard error, sqrt(V / (S U)) below),
        ``seeds``, ``utterances`` and the estimated standard deviations of
        the seed, utterance and residual effects (``sd_seed``,
        ``sd_utterance``, ``sd_residual``; negative variance estimates read
        as 0).

    Raises
    ------
    ValueError
        The table is not two-dimensional, is empty or holds a NaN or an
        infinity.

    Example
    -------
    >>> stat = crossed_mean_ci([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    >>> stat["mean"], round(stat["ci"], 4), round(stat["df"], 4)
    (3.0, 5.977, 1.6842)
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2 or x.size == 0:
        raise ValueError(
            f"crossed_mean_ci needs a non-empty [seeds, utterances] table, got "
            f"shape {x.shape}."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(
            "crossed_mean_ci got a NaN or infinite value; leave failed scores "
            "out (for every seed) before aggregating."
        )
    seeds, utterances = x.shape
    mean = float(x.mean())
    seed_means = x.mean(axis=1)
    utterance_means = x.mean(axis=0)
    terms = []  # (mean square, degrees of freedom, sign)
    ms_seed = ms_utt = ms_res = 0.0
    if seeds > 1:
        ms_seed = utterances * float(np.sum((seed_means - mean) ** 2)) / (seeds - 1)
        terms.append((ms_seed, seeds - 1, 1.0))
    if utterances > 1:
        ms_utt = seeds * float(np.sum((utterance_means - mean) ** 2)) / (utterances - 1)
        terms.append((ms_utt, utterances - 1, 1.0))
    if seeds > 1 and utterances > 1:
        residual = x - seed_means[:, None] - utterance_means[None, :] + mean
        ms_res = float(np.sum(residual**2)) / ((seeds - 1) * (utterances - 1))
        terms.append((ms_res, (seeds - 1) * (utterances - 1), -1.0))
    result = {
        "mean": mean,
        "ci": float("nan"),
        "df": float("nan"),
        "se": float("nan"),
        "seeds": seeds,
        "utterances": utterances,
        "sd_seed": math.sqrt(max(ms_seed - ms_res, 0.0) / utterances),
        "sd_utterance": math.sqrt(max(ms_utt - ms_res, 0.0) / seeds),
        "sd_residual": math.sqrt(ms_res),
    }
    if not terms:
        return result
    combined = sum(sign * ms for ms, _, sign in terms)
    floor, floor_df, _ = max(terms, key=lambda term: term[0])
    if combined >= floor:
        denominator = sum(ms**2 / df for ms, df, _ in terms)
        df = combined**2 / denominator if denominator > 0 else float("inf")
        variance = combined
    else:
        variance, df = floor, floor_df
    se = math.sqrt(variance / x.size)
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    result.update(ci=float(half), df=float(df), se=se)
    return result


def seed_holding(differences, confidence=0.95):
    """In how many seeds a paired difference is positive.

    Arguments
    ---------
    differences : array-like
        ``[seeds, utterances]`` paired differences (better − worse).
    confidence : float
        Coverage of each seed's Student-t interval over its utterances.

    Returns
    -------
    dict
        ``holds`` (seeds whose mean difference is > 0), ``holds_ci`` (whose
        interval lies above 0), ``reversed_ci`` (whose interval lies below
        0) and ``per_seed`` (``[(mean, half-width), ...]`` in seed order).

    Example
    -------
    >>> seed_holding([[1.0, 1.2, 0.8], [0.1, -0.3, 0.3], [-1.0, -1.1, -0.9]])
    {'holds': 2, 'holds_ci': 1, 'reversed_ci': 1,
     'per_seed': [(1.0, 0.4968), (0.0333, 0.7589), (-1.0, 0.2484)]}
    """
    counts = {"holds": 0, "holds_ci": 0, "reversed_ci": 0, "per_seed": []}
    for row in np.asarray(differences, dtype=np.float64):
        mean, half, _, _ = mean_ci(row, confidence)
        counts["holds"] += int(mean > 0)
        counts["holds_ci"] += int(math.isfinite(half) and mean - half > 0)
        counts["reversed_ci"] += int(math.isfinite(half) and mean + half < 0)
        counts["per_seed"].append((round(mean, 4), round(half, 4)))
    return counts


# -------------------------------------------------------------- the data
def load_seed_rows(results_folders, csv_name=CSV_NAME):
    """Reads every seed's per-utterance CSV.

    Arguments
    ---------
    results_folders : dict
        ``{seed: results folder}`` (the evaluation stage's output folder).
    csv_name : str
        File name of the per-utterance CSV in each folder.

    Returns
    -------
    dict
        ``{seed: rows}`` as read by :func:`speechbrain_srst.report.load_rows`.

    Raises
    ------
    FileNotFoundError
        A seed has no CSV (its evaluation has not run); every missing one is
        named.
    """
    missing = [
        str(Path(folder) / csv_name)
        for folder in results_folders.values()
        if not (Path(folder) / csv_name).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            "No per-utterance results for: "
            + ", ".join(missing)
            + ". Run the evaluation of those seeds first (python train.py "
            "hparams/srst.yaml --seeds ... runs everything that is missing)."
        )
    return {
        seed: load_rows(Path(folder) / csv_name)
        for seed, folder in results_folders.items()
    }


def check_same_test_sets(rows_by_seed, noisy=NOISY, tolerance=1e-4):
    """Checks that every seed scored the same test mixtures.

    Utterance names alone cannot tell (another ``data_seed`` gives other
    mixtures under the same names), but the noisy input's SI-SDR is a
    function of the mixture alone: it must agree across seeds.

    Arguments
    ---------
    rows_by_seed : dict
        ``{seed: per-utterance rows}``.
    noisy : str
        Label of the no-processing rows (seeds without them are not checked).
    tolerance : float
        Largest difference allowed (dB).

    Raises
    ------
    ValueError
        The noisy input of one utterance differs between two seeds; the
        message names them.

    Example
    -------
    >>> row = {"method": "Noisy", "set": "t", "snr": 0, "utterance": "u",
    ...        "si_sdr": 1.0}
    >>> check_same_test_sets({1: [row], 2: [dict(row, si_sdr=3.0)]})
    Traceback (most recent call last):
    ...
    ValueError: Seeds 1 and 2 have different noisy inputs for u on t ...
    """
    reference = {}
    for seed, rows in rows_by_seed.items():
        for row in rows:
            if row["method"] != noisy or not math.isfinite(row["si_sdr"]):
                continue
            key = (row["set"], row["snr"], row["utterance"])
            first = reference.setdefault(key, (seed, row["si_sdr"]))
            if abs(first[1] - row["si_sdr"]) > tolerance:
                raise ValueError(
                    f"Seeds {first[0]} and {seed} have different noisy inputs for "
                    f"{key[2]} on {key[0]} at SNR {key[1]} (SI-SDR {first[1]:.4f} "
                    f"vs {row['si_sdr']:.4f} dB): their test sets differ (another "
                    "data_seed, corpus or benchmark version). Aggregate only seeds "
                    "scored on the same data."
                )


def method_order(rows_by_seed):
    """Every method in the rows, in order of first appearance (seed by seed).

    Example
    -------
    >>> method_order({1: [{"method": "A"}, {"method": "B"}],
    ...               2: [{"method": "C"}, {"method": "A"}]})
    ['A', 'B', 'C']
    """
    order = []
    for rows in rows_by_seed.values():
        for row in rows:
            if row["method"] not in order:
                order.append(row["method"])
    return order


def default_comparisons(methods, source=SOURCE, noisy=NOISY):
    """:data:`COMPARISONS` and :data:`CONTROL_COMPARISONS` whose two methods
    are present, then every method (but the noisy input) against the source
    model.

    Example
    -------
    >>> default_comparisons(["Noisy", "Source model", "DANN", "RemixIT", "X"])
    [('DANN', 'RemixIT'), ('RemixIT', 'Source model'), ('DANN', 'Source model'),
     ('X', 'Source model')]
    """
    pairs = [
        pair
        for pair in COMPARISONS + CONTROL_COMPARISONS
        if pair[0] in methods and pair[1] in methods
    ]
    if source in methods:
        pairs += [
            (method, source)
            for method in methods
            if method not in (source, noisy) and (method, source) not in pairs
        ]
    return pairs


def _index(rows_by_seed):
    """``{(method, set, snr): {seed: {utterance: row}}}``."""
    index = {}
    for seed, rows in rows_by_seed.items():
        for row in rows:
            group = (row["method"], row["set"], row["snr"])
            utterances = index.setdefault(group, {}).setdefault(seed, {})
            if row["utterance"] in utterances:
                raise ValueError(
                    f"Seed {seed}: utterance {row['utterance']} appears twice for "
                    f"{row['method']} on {row['set']} at SNR {row['snr']}; the "
                    "per-utterance CSV is corrupt (rerun that seed's evaluation)."
                )
            utterances[row["utterance"]] = row
    return index


def _snr_groups(index, set_name):
    """The SNRs of a test set (sorted) followed by ``"all"``."""
    snrs = sorted({snr for _, s, snr in index if s == set_name}, key=float)
    return [*snrs, "all"]


def _utterances(index, method, set_name, snrs):
    """``{seed: {(snr, utterance): row}}`` of a method over some SNRs."""
    out = {}
    for snr in snrs:
        for seed, rows in index.get((method, set_name, snr), {}).items():
            target = out.setdefault(seed, {})
            target.update({(snr, utt): row for utt, row in rows.items()})
    return out


def _table(per_seed, label):
    """``[seeds, utterances]`` table on the utterances every seed scored.

    Returns ``(seeds, table, left_out)``; raises ``ValueError`` when two
    seeds scored different utterances (they do not share their test sets).
    """
    seeds = sorted(per_seed)
    keys = set(per_seed[seeds[0]])
    for seed in seeds[1:]:
        other = set(per_seed[seed])
        if other != keys:
            extra = sorted(other ^ keys)[0]
            raise ValueError(
                f"{label}: seeds {seeds[0]} and {seed} scored different "
                f"utterances (e.g. {extra[1]} at SNR {extra[0]} in one of them "
                "only): their test sets differ. Aggregate only seeds of one "
                "experiment folder with the same data_seed and test sets."
            )
    ordered = sorted(keys, key=lambda key: (float(key[0]), str(key[1])))
    table = np.array(
        [[per_seed[seed][key] for key in ordered] for seed in seeds],
        dtype=np.float64,
    ).reshape(len(seeds), len(ordered))
    finite = np.all(np.isfinite(table), axis=0)
    return seeds, table[:, finite], int(np.sum(~finite))


def _values(per_seed, metric):
    """``{seed: {key: value}}`` of one metric."""
    return {
        seed: {key: row[metric] for key, row in rows.items()}
        for seed, rows in per_seed.items()
    }


def _differences(first, second, seeds, metric, label):
    """``{seed: {key: first − second}}`` per utterance, for the given seeds."""
    differences = {}
    for seed in seeds:
        a, b = first[seed], second[seed]
        if set(a) != set(b):
            raise ValueError(
                f"{label}: seed {seed} scored the two methods on different "
                "utterances, so they cannot be paired; rerun that seed's "
                "evaluation."
            )
        differences[seed] = {key: a[key][metric] - b[key][metric] for key in a}
    return differences


def _statistics(seeds, table, left_out, confidence):
    """The record fields shared by means and comparisons."""
    if table.shape[1] == 0:
        stat = {"mean": float("nan"), "ci": float("nan"), "df": float("nan")}
        stat.update(sd_seed=float("nan"), sd_utterance=float("nan"))
        stat.update(sd_residual=float("nan"))
    else:
        stat = crossed_mean_ci(table, confidence)
    return {
        "mean": stat["mean"],
        "ci": stat["ci"],
        "ci_low": stat["mean"] - stat["ci"],
        "ci_high": stat["mean"] + stat["ci"],
        "df": stat["df"],
        "seeds": len(seeds),
        "seed_list": list(seeds),
        "utterances": int(table.shape[1]),
        "left_out": left_out,
        "sd_seed": stat["sd_seed"],
        "sd_utterance": stat["sd_utterance"],
        "sd_residual": stat["sd_residual"],
        "per_seed_mean": dict(
            zip(seeds, np.mean(table, axis=1).tolist(), strict=True)
            if table.shape[1]
            else {}
        ),
    }


def aggregate_means(rows_by_seed, metrics=METRICS, confidence=0.95):
    """Mean and interval over seeds and utterances per set, method and SNR.

    Each SNR of a test set and ``"all"`` (every SNR pooled) get one record
    per method and metric. A method is averaged over the seeds that scored
    it (``seeds``); utterances whose score failed (NaN) in any of them are
    left out of every seed (``left_out``).

    Arguments
    ---------
    rows_by_seed : dict
        ``{seed: per-utterance rows}``.
    metrics : sequence of str
        Metric columns.
    confidence : float
        Coverage of the intervals.

    Returns
    -------
    list of dict
        Records with the fields of :data:`MEAN_FIELDS` (plus ``seed_list``
        and ``per_seed_mean``).

    Raises
    ------
    ValueError
        Two seeds scored a method on different utterances.

    Example
    -------
    >>> rows = {seed: [{"method": "A", "set": "t", "snr": 0, "utterance": u,
    ...                 "si_sdr": seed + u} for u in range(3)]
    ...         for seed in (1, 2)}
    >>> record = aggregate_means(rows, metrics=("si_sdr",))[0]
    >>> record["snr"], record["mean"], record["seeds"], record["utterances"]
    (0, 2.5, 2, 3)
    """
    index = _index(rows_by_seed)
    methods = method_order(rows_by_seed)
    sets = list(dict.fromkeys(s for _, s, _ in index))
    records = []
    for set_name in sets:
        for snr in _snr_groups(index, set_name):
            snrs = _snr_groups(index, set_name)[:-1] if snr == "all" else [snr]
            for method in methods:
                per_seed = _utterances(index, method, set_name, snrs)
                if not per_seed:
                    continue
                for metric in metrics:
                    label = f"{method} on {set_name}, SNR {snr}, {metric}"
                    seeds, table, left_out = _table(_values(per_seed, metric), label)
                    records.append(
                        {
                            "set": set_name,
                            "snr": snr,
                            "method": method,
                            "metric": metric,
                            **_statistics(seeds, table, left_out, confidence),
                        }
                    )
    return records


def aggregate_comparisons(
    rows_by_seed, comparisons=None, metrics=METRICS, confidence=0.95
):
    """Paired differences ``better − worse`` over seeds and utterances.

    Differences are taken per utterance within each seed, on the seeds that
    scored both methods; utterances where either score failed in any of
    those seeds are left out. ``holds`` counts the seeds whose mean
    difference is positive, ``holds_ci`` those whose own Student-t interval
    lies above 0, ``reversed_ci`` those whose interval lies below 0.

    Arguments
    ---------
    rows_by_seed : dict
        ``{seed: per-utterance rows}``.
    comparisons : sequence of (str, str), optional
        ``(better, worse)`` pairs; default :func:`default_comparisons` of the
        methods in the rows. A pair whose methods never share a test set is
        left out.
    metrics : sequence of str
        Metric columns.
    confidence : float
        Coverage of the intervals.

    Returns
    -------
    list of dict
        Records with the fields of :data:`COMPARISON_FIELDS` (plus
        ``seed_list``, ``per_seed_mean`` and ``per_seed``: the mean and
        half-width of each seed).

    Example
    -------
    >>> rows = {seed: [{"method": m, "set": "t", "snr": 0, "utterance": u,
    ...                 "si_sdr": base + seed * u}
    ...                for m, base in (("A", 1.0), ("B", 0.0)) for u in range(3)]
    ...         for seed in (1, 2)}
    >>> record = aggregate_comparisons(rows, [("A", "B")], ("si_sdr",))[0]
    >>> record["mean"], record["ci"], record["holds"], record["holds_ci"]
    (1.0, 0.0, 2, 2)
    """
    index = _index(rows_by_seed)
    if comparisons is None:
        comparisons = default_comparisons(method_order(rows_by_seed))
    sets = list(dict.fromkeys(s for _, s, _ in index))
    records = []
    for better, worse in comparisons:
        for set_name in sets:
            for snr in _snr_groups(index, set_name):
                snrs = _snr_groups(index, set_name)[:-1] if snr == "all" else [snr]
                first = _utterances(index, better, set_name, snrs)
                second = _utterances(index, worse, set_name, snrs)
                seeds = sorted(set(first) & set(second))
                if not seeds:
                    continue
                for metric in metrics:
                    label = f"{better} − {worse} on {set_name}, SNR {snr}, {metric}"
                    differences = _differences(first, second, seeds, metric, label)
                    used, table, left_out = _table(differences, label)
                    holding = seed_holding(table, confidence)
                    records.append(
                        {
                            "set": set_name,
                            "snr": snr,
                            "better": better,
                            "worse": worse,
                            "metric": metric,
                            **_statistics(used, table, left_out, confidence),
                            **holding,
                        }
                    )
    return records


# ---------------------------------------------------------------- report
def _fmt(value, digits, sign=False):
    """A number with fixed decimals (``–`` for NaN)."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _mean_cell(record, metric, sign=False):
    """``mean ± ci`` of a record."""
    if record is None or not math.isfinite(record["mean"]):
        return "–"
    digits = DECIMALS.get(metric, 3)
    text = _fmt(record["mean"], digits, sign)
    if math.isfinite(record["ci"]):
        text += f" ± {record['ci']:.{digits}f}"
    return text


def _snr_title(snr):
    """Column title of an SNR group."""
    return "all SNRs" if snr == "all" else f"{snr} dB"


def means_markdown(records, set_name, metric, methods):
    """Table of the mean over seeds per method (rows) and SNR (columns).

    Example
    -------
    >>> record = {"set": "t", "snr": 0, "method": "A", "metric": "si_sdr",
    ...           "mean": 1.0, "ci": 0.5, "seeds": 2}
    >>> print(means_markdown([record], "t", "si_sdr", ["A"]))
    | Method | 0 dB | seeds |
    |---|---:|---:|
    | A | 1.00 ± 0.50 | 2 |
    """
    mine = {
        (r["method"], r["snr"]): r
        for r in records
        if r["set"] == set_name and r["metric"] == metric
    }
    snrs = list(dict.fromkeys(snr for _, snr in mine))
    lines = [
        "| Method | " + " | ".join(_snr_title(s) for s in snrs) + " | seeds |",
        "|---|" + "---:|" * (len(snrs) + 1),
    ]
    for method in methods:
        cells = [mine.get((method, snr)) for snr in snrs]
        present = [c for c in cells if c]
        if not present:
            continue
        seeds = sorted({c["seeds"] for c in present})
        lines.append(
            f"| {method} | "
            + " | ".join(_mean_cell(c, metric) for c in cells)
            + f" | {'–'.join(str(s) for s in seeds)} |"
        )
    return "\n".join(lines)


def _holding_text(record):
    """``3/3 > 0; ↑2 ↓0`` of a comparison record."""
    return (
        f"{record['holds']}/{record['seeds']} > 0; "
        f"↑{record['holds_ci']} ↓{record['reversed_ci']}"
    )


def comparisons_markdown(records, set_name, metric):
    """Table of the paired differences (rows) per SNR (columns).

    Example
    -------
    >>> record = {"set": "t", "snr": 0, "better": "A", "worse": "B",
    ...           "metric": "si_sdr", "mean": 1.0, "ci": 0.5, "seeds": 2,
    ...           "holds": 2, "holds_ci": 1, "reversed_ci": 0}
    >>> print(comparisons_markdown([record], "t", "si_sdr"))
    | Comparison | 0 dB |
    |---|---:|
    | A − B | +1.00 ± 0.50 (2/2 > 0; ↑1 ↓0) |
    """
    mine = [r for r in records if r["set"] == set_name and r["metric"] == metric]
    snrs = list(dict.fromkeys(r["snr"] for r in mine))
    pairs = list(dict.fromkeys((r["better"], r["worse"]) for r in mine))
    cells = {(r["better"], r["worse"], r["snr"]): r for r in mine}
    lines = [
        "| Comparison | " + " | ".join(_snr_title(s) for s in snrs) + " |",
        "|---|" + "---:|" * len(snrs),
    ]
    for better, worse in pairs:
        row = []
        for snr in snrs:
            record = cells.get((better, worse, snr))
            row.append(
                "–"
                if record is None
                else f"{_mean_cell(record, metric, sign=True)} "
                f"({_holding_text(record)})"
            )
        lines.append(f"| {better} − {worse} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def ordering_verdicts(records, set_name="target_test", metric="si_sdr"):
    """One line per link of the paper's ordering (:data:`ORDERING`), all SNRs.

    A link holds when the interval over seeds and utterances lies above 0,
    is reversed when it lies below 0 and is unresolved otherwise.

    Example
    -------
    >>> record = {"set": "target_test", "snr": "all", "better": "RemixIT",
    ...           "worse": "Source model", "metric": "si_sdr", "mean": 0.3,
    ...           "ci": 0.1, "seeds": 3, "holds": 3, "holds_ci": 2,
    ...           "reversed_ci": 0}
    >>> ordering_verdicts([record])
    ['RemixIT ≥ Source model: holds (+0.30 ± 0.10 dB; 3/3 > 0; ↑2 ↓0)']
    """
    cells = {
        (r["better"], r["worse"]): r
        for r in records
        if r["set"] == set_name and r["metric"] == metric and r["snr"] == "all"
    }
    unit = " dB" if metric in ("si_sdr", "si_sdri") else ""
    lines = []
    for better, worse in ORDERING:
        record = cells.get((better, worse))
        if record is None or not math.isfinite(record["mean"]):
            continue
        relation = ">" if (better, worse) == ("DANN", "RemixIT") else "≥"
        if record["mean"] - record["ci"] > 0:
            verdict = "holds"
        elif record["mean"] + record["ci"] < 0:
            verdict = "reversed"
        else:
            verdict = "not resolved (the interval includes 0)"
        lines.append(
            f"{better} {relation} {worse}: {verdict} "
            f"({_mean_cell(record, metric, sign=True)}{unit}; "
            f"{_holding_text(record)})"
        )
    return lines


def seed_wall_times(seed_folders):
    """Seconds of every finished stage of each seed, from its markers.

    Arguments
    ---------
    seed_folders : dict
        ``{seed: folder holding the seed's stage folders}``.

    Returns
    -------
    dict
        ``{seed: seconds}`` (the sum of ``seconds`` in every
        ``<stage>/stage_done.json``; 0 when there is none).

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "dann").mkdir()
    >>> _ = (folder / "dann" / "stage_done.json").write_text('{"seconds": 12.5}')
    >>> seed_wall_times({7: folder})
    {7: 12.5}
    """
    times = {}
    for seed, folder in seed_folders.items():
        total = 0.0
        for marker in sorted(Path(folder).glob("*/stage_done.json")):
            try:
                total += float(json.loads(marker.read_text()).get("seconds", 0.0))
            except (ValueError, AttributeError):
                continue
        times[seed] = total
    return times


def _hardware_line(results_folder):
    """The ``Hardware: ...`` line of a seed's ``results.md`` (or ``None``)."""
    path = Path(results_folder) / "results.md"
    if not path.is_file():
        return None
    for line in reversed(path.read_text(encoding="utf-8").splitlines()):
        if line.startswith("Hardware:"):
            return line
    return None


def _csv_value(value):
    """A CSV field: empty for NaN, the number otherwise."""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value


def _write_csv(records, fields, path):
    """Writes records with the given columns."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({key: _csv_value(record.get(key)) for key in fields})


def _json_safe(value):
    """NaN and infinities as ``None`` (JSON has neither), recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def write_aggregate(
    results_folders,
    output_folder,
    title=None,
    comparisons=None,
    confidence=0.95,
    csv_name=CSV_NAME,
):
    """Aggregates the seeds' per-utterance results and writes the report.

    Writes into ``output_folder``: ``results.md`` (tables per test set and
    metric, the paired comparisons, the paper's ordering, the wall times and
    the formula), ``means.csv``, ``comparisons.csv`` and ``aggregate.json``
    (every record, with the mean of each seed).

    Arguments
    ---------
    results_folders : dict
        ``{seed: results folder of that seed}`` (holding ``csv_name``); the
        seed's stage folders are its parent.
    output_folder : str
        Where the report goes (created if missing).
    title : str, optional
        Heading of ``results.md``.
    comparisons : sequence of (str, str), optional
        ``(better, worse)`` pairs (default :func:`default_comparisons`).
    confidence : float
        Coverage of the intervals.
    csv_name : str
        Name of each seed's per-utterance CSV.

    Returns
    -------
    dict
        ``{"markdown": text, "means": records, "comparisons": records,
        "files": {name: path}}``.

    Raises
    ------
    FileNotFoundError
        A seed has no per-utterance CSV.
    ValueError
        The seeds did not score the same utterances, or not the same noisy
        mixtures (:func:`check_same_test_sets`), or a comparison names a
        method no seed scored.
    """
    seeds = list(results_folders)
    rows_by_seed = load_seed_rows(results_folders, csv_name)
    check_same_test_sets(rows_by_seed)
    methods = method_order(rows_by_seed)
    means = aggregate_means(rows_by_seed, confidence=confidence)
    if comparisons is None:
        comparisons = default_comparisons(methods)
    unknown = sorted({m for pair in comparisons for m in pair} - set(methods))
    if unknown:
        raise ValueError(
            f"No seed scored {', '.join(map(repr, unknown))}; the methods in the "
            f"per-utterance CSVs are: {', '.join(map(repr, methods))}."
        )
    compared = aggregate_comparisons(rows_by_seed, comparisons, confidence=confidence)
    output = Path(output_folder)
    output.mkdir(parents=True, exist_ok=True)
    times = seed_wall_times({s: Path(f).parent for s, f in results_folders.items()})
    markdown = _report_text(
        title or f"Results over seeds {', '.join(map(str, seeds))}",
        seeds,
        results_folders,
        output,
        methods,
        means,
        compared,
        comparisons,
        times,
        confidence,
    )
    files = {
        "markdown": output / "results.md",
        "means": output / "means.csv",
        "comparisons": output / "comparisons.csv",
        "json": output / "aggregate.json",
    }
    files["markdown"].write_text(markdown, encoding="utf-8")
    _write_csv(means, MEAN_FIELDS, files["means"])
    _write_csv(compared, COMPARISON_FIELDS, files["comparisons"])
    files["json"].write_text(
        json.dumps(
            _json_safe(
                {
                    "seeds": seeds,
                    "results_folders": {s: str(f) for s, f in results_folders.items()},
                    "confidence": confidence,
                    "formula": FORMULA,
                    "wall_time_seconds": times,
                    "means": means,
                    "comparisons": compared,
                }
            ),
            indent=1,
        ),
        encoding="utf-8",
    )
    return {
        "markdown": markdown,
        "means": means,
        "comparisons": compared,
        "files": {k: str(v) for k, v in files.items()},
    }


def _report_text(
    title,
    seeds,
    results_folders,
    output,
    methods,
    means,
    compared,
    comparisons,
    times,
    confidence,
):
    """The markdown of :func:`write_aggregate`."""
    percent = f"{confidence:.0%}".replace("%", " %")
    parts = [f"# {title}", ""]
    links = []
    for seed, folder in results_folders.items():
        report = Path(folder) / "results.md"
        link = os.path.relpath(report, output) if report.is_file() else None
        links.append(f"[{seed}]({link})" if link else str(seed))
    parts += [
        f"{len(seeds)} seeds; per-seed reports: {', '.join(links)}. Every cell: "
        f"mean over seeds and utterances ± half-width of its {percent} "
        "confidence interval counting the variation between seeds and between "
        "utterances (formula at the end); `seeds`: how many seeds scored the "
        "method.",
        "",
    ]
    sets = list(dict.fromkeys(r["set"] for r in means))
    for set_name in sets:
        parts += [f"## Test set `{set_name}`: mean over seeds", ""]
        for metric in METRICS:
            if not any(r["set"] == set_name and r["metric"] == metric for r in means):
                continue
            parts += [
                f"### {LABELS.get(metric, metric)}",
                "",
                means_markdown(means, set_name, metric, methods),
                "",
            ]
    parts += ["## Paired differences (better − worse), over all seeds", ""]
    parts += [
        "Differences per utterance within each seed, averaged over seeds and "
        f"utterances, ± the {percent} interval of the same formula. In "
        "brackets: `k/S > 0`, in how many of the S seeds that scored both "
        f"methods the seed's mean difference is positive; `↑m ↓r`, in how many "
        f"the seed's own {percent} Student-t interval over its utterances lies "
        "above 0 (m) or below 0 (r).",
        "",
    ]
    for set_name in sets:
        for metric in ("si_sdr", "pesq", "stoi"):
            if not any(
                r["set"] == set_name and r["metric"] == metric for r in compared
            ):
                continue
            parts += [
                f"### `{set_name}`, {LABELS.get(metric, metric)}",
                "",
                comparisons_markdown(compared, set_name, metric),
                "",
            ]
    present = {(r["better"], r["worse"]) for r in compared}
    skipped = [f"{a} − {b}" for a, b in comparisons if (a, b) not in present]
    if skipped:
        parts += ["Left out (a method is missing): " + "; ".join(skipped) + ".", ""]
    verdicts = ordering_verdicts(compared)
    if verdicts:
        parts += [
            "## The paper's ordering on `target_test` (SI-SDR, all SNRs)",
            "",
            *[f"- {line}" for line in verdicts],
            "",
        ]
    left = [r for r in means + compared if r["left_out"]]
    if left:
        worst = max(left, key=lambda r: r["left_out"])
        parts += [
            f"Failed scores (NaN) left out: {len(left)} cells lost utterances "
            f"(at most {worst['left_out']}, e.g. {worst['metric']} of "
            f"{worst.get('method') or worst['better'] + ' − ' + worst['worse']} on "
            f"{worst['set']} at SNR {worst['snr']}); an utterance that failed in "
            "one seed is left out of every seed of that cell (counts in "
            "`means.csv` and `comparisons.csv`, column `left_out`).",
            "",
        ]
    total = sum(times.values())
    parts += [
        "## Runs",
        "",
        "Wall time per seed (sum of the stages' `seconds` in their "
        "`stage_done.json`, evaluation included): "
        + ", ".join(f"{s}: {t:.0f} s" for s, t in times.items())
        + f"; {total:.0f} s ({total / 60:.1f} min) in all.",
        "",
    ]
    hardware = {s: _hardware_line(f) for s, f in results_folders.items()}
    lines = [f"- Seed {seed}: {line}" for seed, line in hardware.items() if line]
    if lines:
        parts += [*lines, ""]
    parts += ["## Formula", "", FORMULA, ""]
    return "\n".join(parts)


# ------------------------------------------------------------------- CLI
def find_seeds(experiment_folder, results_subfolder="results", csv_name=CSV_NAME):
    """The seeds of an experiment folder that have per-utterance results.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "12" / "results").mkdir(parents=True)
    >>> _ = (folder / "12" / "results" / CSV_NAME).write_text("method\\n")
    >>> (folder / "data").mkdir()
    >>> find_seeds(folder)
    [12]
    """
    seeds = []
    for child in Path(experiment_folder).iterdir():
        if child.name.isdigit() and (child / results_subfolder / csv_name).is_file():
            seeds.append(int(child.name))
    return sorted(seeds)


def build_parser():
    """The parser of ``python -m speechbrain_srst.aggregate``.

    Example
    -------
    >>> args = build_parser().parse_args(["results/x", "--seeds", "1,2"])
    >>> args.experiment_folder, args.seeds, args.results_subfolder
    ('results/x', [1, 2], 'results')
    """
    parser = argparse.ArgumentParser(
        prog="python -m speechbrain_srst.aggregate",
        description=(
            "Aggregate the per-utterance results of several seeds of one "
            "experiment (EXPERIMENT/<seed>/results/per_utterance.csv) into one "
            "report: means over seeds with intervals counting seeds and "
            "utterances, and the paired comparisons of the paper."
        ),
    )
    parser.add_argument(
        "experiment_folder", help="e.g. results/benchmark_default (holds <seed>/)"
    )
    parser.add_argument(
        "--seeds",
        type=_seeds_type,
        default=None,
        help="comma-separated seeds, e.g. 1234,1235,1236 (default: every seed "
        "folder that has per-utterance results)",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="report folder (default: EXPERIMENT/seeds_<a>_<b>_...)",
    )
    parser.add_argument(
        "--results_subfolder",
        default="results",
        help="the evaluation's folder inside each seed folder (default: results)",
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=None,
        metavar="BETTER:WORSE",
        help="a comparison 'method A:method B' (labels as in the CSVs); may be "
        "repeated; replaces the default list",
    )
    parser.add_argument("--confidence", type=float, default=0.95)
    return parser


def _parse_comparison(parser, text):
    """``"A:B"`` -> ``("A", "B")``, or a usage error."""
    parts = [part.strip() for part in text.split(":")]
    if len(parts) != 2 or not all(parts):
        parser.error(
            f"--compare '{text}': give two method labels separated by one ':', "
            "e.g. --compare 'DANN:Source model'."
        )
    return tuple(parts)


def main(argv=None):
    """Runs the aggregation from the command line; prints the report."""
    parser = build_parser()
    args = parser.parse_args(argv)
    folder = Path(args.experiment_folder)
    if not folder.is_dir():
        parser.error(f"{folder} is not a folder (give the experiment folder).")
    if not 0 < args.confidence < 1:
        parser.error(f"--confidence {args.confidence} must lie between 0 and 1.")
    seeds = args.seeds or find_seeds(folder, args.results_subfolder)
    if not seeds:
        parser.error(
            f"{folder} holds no <seed>/{args.results_subfolder}/{CSV_NAME}; run "
            "the recipe's evaluation first or give --seeds."
        )
    comparisons = (
        [_parse_comparison(parser, text) for text in args.compare]
        if args.compare
        else None
    )
    output = Path(args.output) if args.output else folder / seeds_folder_name(seeds)
    try:
        result = write_aggregate(
            {seed: folder / str(seed) / args.results_subfolder for seed in seeds},
            output,
            title=f"Results over seeds {', '.join(map(str, seeds))}: {folder.name}",
            comparisons=comparisons,
            confidence=args.confidence,
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(result["markdown"])
    print(f"Aggregated results are in {output.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
