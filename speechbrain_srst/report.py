"""Tables and figures of the results: the paper's Table 1, Table 2 and Fig. 3.

Everything reads the per-utterance rows written by
:func:`speechbrain_srst.evaluation.evaluate_methods` and writes into one
results folder chosen by the caller. Nothing here prints.

Authors
 * speechbrain-srst developers 2026
"""

import csv
import math
import os
import re
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from speechbrain_srst.dnsmos import DNSMOS_METRICS  # noqa: E402
from speechbrain_srst.evaluation import ERROR_FIELDS, METRICS  # noqa: E402
from speechbrain_srst.selection import number_to_keep  # noqa: E402

UNSUPERVISED = (
    "RemixIT",
    "DANN",
    "DANN+RemixIT",
    "SRST (random source)",
    "SRST (similar source)",
)
"""The unsupervised domain-adaptation methods, among which Table 1 marks the best."""

LABELS = {
    "pesq": "PESQ",
    "stoi": "STOI",
    "si_sdr": "SI-SDR (dB)",
    "si_sdri": "SI-SDRi (dB)",
    "dnsmos_sig": "DNSMOS SIG",
    "dnsmos_bak": "DNSMOS BAK",
    "dnsmos_ovrl": "DNSMOS OVRL",
}
"""Column titles of the metrics."""

DECIMALS = {
    "pesq": 3,
    "stoi": 3,
    "si_sdr": 2,
    "si_sdri": 2,
    "dnsmos_sig": 2,
    "dnsmos_bak": 2,
    "dnsmos_ovrl": 2,
}
"""Decimals shown per metric."""

OFF_THE_SHELF = "(off-the-shelf)"
"""Suffix of the method names of off-the-shelf pretrained peers."""

EXTERNAL_TEACHER = "teacher: "
"""Marks the method names of students of an external teacher (``evaluate.yaml``'s
``optional_methods``, e.g. ``RemixIT (teacher: DeepFilterNet 3)``)."""

CI_NOTE = (
    "mean ± half-width of the 95 % confidence interval of the mean "
    "(Student t with n − 1 degrees of freedom, t·s/√n)"
)


def _number(text):
    """Parses a CSV field into a float (``nan`` for empty or invalid)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def load_rows(csv_path):
    """Reads ``per_utterance.csv`` back into row dicts.

    Metrics become floats (``nan`` where scoring failed), ``snr`` an int
    where it is integral, the error fields stay strings (``""`` if absent).

    Arguments
    ---------
    csv_path : str
        The CSV written by :func:`speechbrain_srst.evaluation.evaluate_methods`.

    Returns
    -------
    list of dict
        The rows, in file order.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_srst.evaluation import write_rows_csv
    >>> path = os.path.join(tempfile.mkdtemp(), "rows.csv")
    >>> write_rows_csv([{"method": "Noisy", "snr": -5, "pesq": float("nan"),
    ...                  "stoi": 0.5, "pesq_error": "NoUtterancesError"}], path)
    >>> row = load_rows(path)[0]
    >>> row["snr"], math.isnan(row["pesq"]), row["stoi"], row["pesq_error"]
    (-5, True, 0.5, 'NoUtterancesError')
    """
    rows = []
    with open(csv_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for name in METRICS:
                row[name] = _number(row.get(name))
            for name in DNSMOS_METRICS:  # empty (nan) where DNSMOS was not scored
                row[name] = _number(row.get(name))
            snr = _number(row.get("snr"))
            row["snr"] = int(snr) if math.isfinite(snr) and snr == int(snr) else snr
            for field in set(ERROR_FIELDS.values()):
                row[field] = row.get(field) or ""
            rows.append(row)
    return rows


def mean_ci(values, confidence=0.95):
    """Mean and half-width of its Student-t confidence interval.

    NaN values are left out. The half-width is ``t(1 - (1 - confidence) / 2,
    n - 1) * s / sqrt(n)`` with ``s`` the sample standard deviation; it is NaN
    for fewer than two values.

    Arguments
    ---------
    values : sequence of float
        The per-utterance values.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    tuple
        ``(mean, half_width, n, failed)``, ``failed`` counting the NaNs.

    Example
    -------
    >>> mean, ci, n, failed = mean_ci([1.0, 2.0, 3.0, float("nan")])
    >>> mean, round(ci, 4), n, failed
    (2.0, 2.4841, 3, 1)
    """
    values = np.asarray(list(values), dtype=np.float64)
    valid = values[~np.isnan(values)]
    n, failed = int(valid.size), int(values.size - valid.size)
    if n == 0:
        return float("nan"), float("nan"), 0, failed
    mean = float(np.mean(valid))
    if n < 2:
        return mean, float("nan"), n, failed
    std = float(np.std(valid, ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std / math.sqrt(n))
    return mean, half, n, failed


def summarize(rows, by=("method", "set", "snr"), metrics=METRICS):
    """Mean and 95 % Student-t confidence interval per group and metric.

    NaN values (an undefined metric) are left out of the means and counted.

    Arguments
    ---------
    rows : list of dict
        Per-utterance rows.
    by : tuple of str
        Row fields that form a group (``("method", "set")`` pools the SNRs).
    metrics : tuple of str
        Metric fields to summarize.

    Returns
    -------
    dict
        ``{(*group, metric): {"mean", "ci", "n", "failed"}}``.

    Example
    -------
    >>> rows = [{"method": "A", "set": "t", "snr": 0, "pesq": p}
    ...         for p in (1.0, 2.0, 3.0, float("nan"))]
    >>> summarize(rows, metrics=("pesq",))[("A", "t", 0, "pesq")]["failed"]
    1
    """
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[field] for field in by), []).append(row)
    summary = {}
    for group, members in groups.items():
        for metric in metrics:
            mean, half, n, failed = mean_ci(row[metric] for row in members)
            summary[group + (metric,)] = {
                "mean": mean,
                "ci": half,
                "n": n,
                "failed": failed,
            }
    return summary


def _cell(stat, metric):
    """``mean ± ci`` text of one summary entry."""
    if stat is None or not math.isfinite(stat["mean"]):
        return "–"
    digits = DECIMALS.get(metric, 3)
    text = f"{stat['mean']:.{digits}f}"
    if math.isfinite(stat["ci"]):
        text += f" ± {stat['ci']:.{digits}f}"
    return text


def _ordered_methods(rows, methods_order):
    """``methods_order`` followed by any other method found in the rows."""
    order = list(methods_order)
    for row in rows:
        if row["method"] not in order:
            order.append(row["method"])
    return order


def _count_text(counts):
    """``n = 5`` or ``n = 4–5`` for a set of counts."""
    counts = sorted(set(counts))
    if not counts:
        return "n = 0"
    if len(counts) == 1:
        return f"n = {counts[0]}"
    return f"n = {counts[0]}–{counts[-1]}"


def _failure_reason(row, metric):
    """Why ``row[metric]`` is NaN (older CSVs only have ``pesq_error``)."""
    field = ERROR_FIELDS.get(metric, "pesq_error")
    return row.get(field) or row.get("pesq_error") or "no message"


def _failure_notes(rows, methods, metrics):
    """Footnote lines counting the NaN cells left out, per metric and method.

    Each method's count comes with every distinct reason and how often it
    occurred; without any NaN a single line says so.
    """
    notes = []
    for metric in metrics:
        parts = []
        for method in methods:
            mine = [row for row in rows if row["method"] == method]
            bad = [row for row in mine if math.isnan(row[metric])]
            if bad:
                reasons = Counter(_failure_reason(row, metric) for row in bad)
                why = "; ".join(f"{n} × `{text}`" for text, n in reasons.most_common())
                parts.append(f"{method}: {len(bad)} of {len(mine)} ({why})")
        if parts:
            notes.append(
                f"{LABELS.get(metric, metric)} undefined, left out of the means: "
                + "; ".join(parts)
                + "."
            )
    if not notes:
        notes.append("Values left out of the means: none (no metric failed).")
    return notes


def table1_markdown(
    rows,
    methods_order,
    set_name="target_test",
    snrs=(-5, 0, 5),
    unsupervised=UNSUPERVISED,
    metrics=METRICS,
):
    """The paper's Table 1: methods by rows, SNR x metric by columns.

    Each cell is ``mean ± 95 % CI half-width``. In every column the best mean
    (after rounding; ties all marked) among the unsupervised methods present
    with the fewest NaN values left out (a mean over fewer utterances does
    not compete) is in bold, when at least two of them have a value.
    Footnotes give the interval, ``n`` per cell and, per metric and method,
    the NaN values left out of the means with their reasons.

    Arguments
    ---------
    rows : list of dict
        Per-utterance rows.
    methods_order : sequence of str
        Row order; methods found in ``rows`` but not listed follow.
    set_name : str
        Test set of the table.
    snrs : sequence
        SNR columns.
    unsupervised : sequence of str
        Methods competing for the bold mark.
    metrics : sequence of str
        Metrics per SNR.

    Returns
    -------
    str
        Markdown table and footnotes.

    Example
    -------
    >>> rows = [{"method": m, "set": "target_test", "snr": 0, "utterance": u,
    ...          "pesq": p + u, "stoi": p / 4, "pesq_error": ""}
    ...         for m, p in (("DANN", 1.0), ("RemixIT", 2.0)) for u in (0, 1)]
    >>> text = table1_markdown(rows, ["RemixIT", "DANN"], snrs=(0,),
    ...                        metrics=("pesq", "stoi"))
    >>> print("\\n".join(text.splitlines()[:4]))
    | Method | SNR=0 PESQ | SNR=0 STOI |
    |---|---:|---:|
    | RemixIT | **2.500 ± 6.353** | **0.500 ± 0.000** |
    | DANN | 1.500 ± 6.353 | 0.250 ± 0.000 |
    """
    rows = [row for row in rows if row["set"] == set_name and row["snr"] in snrs]
    methods = _ordered_methods(rows, methods_order)
    summary = summarize(rows, metrics=metrics)
    header = ["Method"] + [
        f"SNR={snr} {LABELS.get(metric, metric)}" for snr in snrs for metric in metrics
    ]
    cells = {
        (method, snr, metric): _cell(
            summary.get((method, set_name, snr, metric)), metric
        )
        for method in methods
        for snr in snrs
        for metric in metrics
    }
    for snr in snrs:
        for metric in metrics:
            digits = DECIMALS.get(metric, 3)
            means, failed = {}, {}
            for method in methods:
                stat = summary.get((method, set_name, snr, metric))
                if method in unsupervised and stat and math.isfinite(stat["mean"]):
                    means[method] = round(stat["mean"], digits)
                    failed[method] = stat["failed"]
            competing = len(means)
            fewest = min(failed.values(), default=0)  # a mean over fewer
            means = {m: v for m, v in means.items() if failed[m] == fewest}
            if competing >= 2:
                best = max(means.values())
                for method, value in means.items():
                    if value == best:
                        key = (method, snr, metric)
                        cells[key] = f"**{cells[key]}**"
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    for method in methods:
        row = [method] + [cells[(method, snr, m)] for snr in snrs for m in metrics]
        lines.append("| " + " | ".join(row) + " |")
    counts = [
        stat["n"] + stat["failed"]
        for key, stat in summary.items()
        if key[-1] == "si_sdr"
    ]
    present = [m for m in unsupervised if m in methods]
    notes = [
        f"Test set `{set_name}`; each cell: {CI_NOTE}; "
        f"{_count_text(counts)} utterances per cell, less the undefined values "
        "listed below.",
        "Bold: best mean per column among the unsupervised methods ("
        + (", ".join(present) or "none present")
        + ") with the fewest values left out in that column.",
    ]
    notes += _failure_notes(rows, methods, metrics)
    notes += off_the_shelf_notes(methods, metrics)
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def off_the_shelf_notes(methods, metrics=()):
    """Footnotes on the off-the-shelf rows and the DNSMOS columns of Table 1.

    Arguments
    ---------
    methods : sequence of str
        The methods of the table.
    metrics : sequence of str
        Its metrics.

    Returns
    -------
    list of str
        Zero, one or two footnotes.

    Example
    -------
    >>> off_the_shelf_notes(["DANN", "RNNoise (off-the-shelf)"])[0][:40]
    'RNNoise (off-the-shelf): pretrained deno'
    >>> off_the_shelf_notes(["RemixIT (teacher: NSNet2)"])[0][:45]
    'RemixIT (teacher: NSNet2): beyond the paper, '
    """
    notes = []
    students = [method for method in methods if EXTERNAL_TEACHER in method]
    if students:
        notes.append(
            ", ".join(students) + ": beyond the paper, the recipe's U-Net "
            "trained by self-training on the pseudo-labels of an off-the-shelf "
            "enhancer (speech: its delay-compensated output; noise: the mixture "
            "residual; `remixit_external.yaml`, `srst_external.yaml`); the "
            "teacher's own row is its off-the-shelf row. Not among the methods "
            "competing for the bold mark."
        )
    peers = [method for method in methods if method.endswith(OFF_THE_SHELF)]
    if peers:
        notes.append(
            ", ".join(peers) + ": pretrained denoisers used as shipped in their "
            "packages (not trained or adapted here; `speechbrain_srst/peers.py`), "
            "run at their native rate (DeepFilterNet 3 and RNNoise at 48 kHz, "
            "resampled from and back to 16 kHz) with their delay compensated."
        )
    if any(metric in DNSMOS_METRICS for metric in metrics):
        notes.append(
            "DNSMOS (P.835 SIG, BAK, OVRL; opinion scale 1-5) needs no clean "
            "reference; first 9.01 s window of each clip repeated to that length "
            "(`speechbrain_srst/dnsmos.py`)."
        )
    return notes


def _paired_gap(rows, target_method, source_method, metric):
    """Mean and CI of the per-utterance difference target − source."""
    source = {
        (row["set"], row["snr"], row["utterance"]): row[metric]
        for row in rows
        if row["method"] == source_method
    }
    differences = [
        row[metric] - source[key]
        for row in rows
        if row["method"] == target_method
        and (key := (row["set"], row["snr"], row["utterance"])) in source
    ]
    mean, half, n, failed = mean_ci(differences)
    return {"mean": mean, "ci": half, "n": n, "failed": failed}


def table2_markdown(
    rows,
    sets=(("english_test", "English"), ("target_test", "Non-English")),
    noisy_method="Noisy",
    source_method="Source model",
    target_method="Target model",
    metrics=("pesq", "stoi", "si_sdr"),
):
    """The paper's Table 2: the domain gap on English and non-English speech.

    For each test speech: Noisy, Source model, Target model and Gap (target −
    source) rows, averaged over all SNRs (the utterances of every SNR pooled).
    The gap is the mean of the paired per-utterance differences, with its own
    95 % confidence interval.

    Arguments
    ---------
    rows : list of dict
        Per-utterance rows.
    sets : sequence of (str, str)
        ``(set_name, label)`` pairs, one block each.
    noisy_method : str
        Name of the no-processing rows.
    source_method : str
        Model trained on the source domain.
    target_method : str
        Model trained on the target domain (the oracle).
    metrics : sequence of str
        Columns.

    Returns
    -------
    str
        Markdown table and footnotes.

    Example
    -------
    >>> rows = [{"method": m, "set": "target_test", "snr": 0, "utterance": u,
    ...          "pesq": p + u, "stoi": p, "si_sdr": p, "pesq_error": ""}
    ...         for m, p in (("Source model", 1.0), ("Target model", 2.0))
    ...         for u in (0, 1)]
    >>> print(table2_markdown(rows).splitlines()[5])
    | Non-English | Gap | 1.000 ± 0.000 | 1.000 ± 0.000 | 1.00 ± 0.00 |
    """
    summary = summarize(rows, by=("method", "set"), metrics=metrics)
    header = ["Test speech", "Method"] + [LABELS.get(m, m) for m in metrics]
    lines = [
        "| " + " | ".join(header) + " |",
        "|---|---|" + "|".join(["---:"] * len(metrics)) + "|",
    ]
    counts, missing = [], []
    for set_name, label in sets:
        if not any(row["set"] == set_name for row in rows):
            missing.append(set_name)
            continue
        for method in (noisy_method, source_method, target_method):
            stats_ = [summary.get((method, set_name, metric)) for metric in metrics]
            counts += [s["n"] + s["failed"] for s in stats_ if s]
            cells = [_cell(s, m) for s, m in zip(stats_, metrics, strict=True)]
            lines.append("| " + " | ".join([label, method] + cells) + " |")
        selected = [row for row in rows if row["set"] == set_name]
        gaps = [
            _paired_gap(selected, target_method, source_method, metric)
            for metric in metrics
        ]
        cells = [_cell(g, m) for g, m in zip(gaps, metrics, strict=True)]
        lines.append("| " + " | ".join([label, "Gap"] + cells) + " |")
    notes = [
        f"Averaged over all SNRs; each cell: {CI_NOTE}; {_count_text(counts)} "
        "utterances per cell.",
        f"Gap: mean of the paired per-utterance differences {target_method} − "
        f"{source_method}.",
    ]
    if missing:
        notes.append("No rows for: " + ", ".join(f"`{s}`" for s in missing) + ".")
    shown = [noisy_method, source_method, target_method]
    selected = [row for row in rows if any(row["set"] == s for s, _ in sets)]
    notes += _failure_notes(selected, shown, metrics)
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def _scores_array(scores):
    """float64 array of the values of a ``{id: score}`` dict or a sequence."""
    values = scores.values() if hasattr(scores, "values") else scores
    return np.asarray(list(values), dtype=np.float64)


def figure3(scores_source, scores_target, keep_fraction, path, bins=40):
    """Histogram of the domain classifier's soft decisions after DANN (Fig. 3).

    Densities of ``P(target)`` for the source and the target items, and a
    dashed line at the score of the last source item kept by the selection
    (the top ``keep_fraction``, counted as in
    :func:`speechbrain_srst.selection.number_to_keep`).

    Arguments
    ---------
    scores_source : dict or sequence
        ``{id: P(target)}`` (or the bare values) of the source items.
    scores_target : dict or sequence
        The same for the target items.
    keep_fraction : float
        Share of the source items kept.
    path : str
        PNG file to write.
    bins : int
        Histogram bins over ``[0, 1]``.

    Returns
    -------
    float
        The threshold (lowest kept source score).

    Example
    -------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "fig3.png")
    >>> figure3({"a": 0.1, "b": 0.2, "c": 0.9}, [0.7, 0.8], 1 / 3, path)
    0.9
    >>> os.path.getsize(path) > 0
    True
    """
    source = np.asarray(
        list(
            scores_source.values()
            if hasattr(scores_source, "values")
            else scores_source
        ),
        dtype=np.float64,
    )
    target = np.asarray(
        list(
            scores_target.values()
            if hasattr(scores_target, "values")
            else scores_target
        ),
        dtype=np.float64,
    )
    kept = number_to_keep(len(source), keep_fraction)
    threshold = float(np.sort(source)[::-1][kept - 1]) if kept else float("nan")
    figure, axes = plt.subplots(figsize=(6, 3.5))
    edges = np.linspace(0.0, 1.0, bins + 1)
    axes.hist(source, bins=edges, density=True, alpha=0.6, label="Source")
    axes.hist(target, bins=edges, density=True, alpha=0.6, label="Target")
    if math.isfinite(threshold):
        axes.axvline(
            threshold,
            color="black",
            linestyle="--",
            label=f"Top {keep_fraction:.0%} of source (≥ {threshold:.3f})",
        )
    axes.set_xlabel("Classifier soft decision P(target)")
    axes.set_ylabel("Density")
    axes.set_title("Domain classifier decisions after DANN")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return threshold


_ENTRY = re.compile(r"^\s*(?P<key>[^:]+?)\s*:\s*(?P<value>\S+)\s*$")


def parse_train_log(path):
    """Reads a SpeechBrain ``FileTrainLogger`` log into per-epoch series.

    Lines look like ``epoch: 1, lr: 1.00e-03 - train loss: -3.21e+00 - valid
    loss: -5.10e+00, valid si_sdr: 4.20``. Lines without an ``epoch`` entry
    (e.g. the final ``Epoch loaded: ... - test ...`` line) are skipped; an
    epoch logged twice (after a restart) keeps its last line.

    Arguments
    ---------
    path : str
        The ``train_log.txt``.

    Returns
    -------
    dict
        ``{"epoch": [...], "train loss": [...], "valid si_sdr": [...], ...}``
        with the ``train``/``valid`` series aligned on the epochs (NaN where
        an epoch lacks a value).

    Example
    -------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "train_log.txt")
    >>> with open(path, "w") as log:
    ...     _ = log.write("epoch: 1, lr: 1.00e-03 - train loss: -3.21e+00 - "
    ...                   "valid loss: -5.10e+00, valid si_sdr: 5.10\\n")
    >>> parse_train_log(path)
    {'epoch': [1], 'train loss': [-3.21], 'valid loss': [-5.1], 'valid si_sdr': [5.1]}
    """
    epochs = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            values = {}
            for group in line.strip().split(" - "):
                for entry in group.split(", "):
                    match = _ENTRY.match(entry)
                    if match:
                        values[match["key"]] = match["value"]
            epoch = _number(values.get("epoch"))
            if not math.isfinite(epoch):
                continue
            epochs[int(epoch)] = {
                key: _number(value)
                for key, value in values.items()
                if key.startswith(("train ", "valid "))
            }
    ordered = sorted(epochs)
    keys = []
    for epoch in ordered:
        keys += [key for key in epochs[epoch] if key not in keys]
    series = {"epoch": ordered}
    for key in keys:
        series[key] = [epochs[e].get(key, float("nan")) for e in ordered]
    return series


def training_curves(log_paths, path):
    """Draws every stage's training curves, one subplot per stage.

    Each subplot shows the train loss and every valid metric per epoch,
    parsed by :func:`parse_train_log`; a missing or empty log gets a note
    instead of curves.

    Arguments
    ---------
    log_paths : dict
        ``{stage_name: path to train_log.txt}``, in plotting order.
    path : str
        PNG file to write.

    Returns
    -------
    dict
        ``{stage_name: parsed series}``.

    Example
    -------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> log = os.path.join(folder, "train_log.txt")
    >>> with open(log, "w") as handle:
    ...     _ = handle.write("epoch: 1 - train loss: 2.00 - valid loss: 1.50\\n")
    >>> curves = training_curves({"source": log}, os.path.join(folder, "c.png"))
    >>> curves["source"]["valid loss"]
    [1.5]
    """
    parsed = {}
    figure, axes = plt.subplots(
        max(len(log_paths), 1),
        1,
        figsize=(7, 2.8 * max(len(log_paths), 1)),
        squeeze=False,
    )
    for axis, (stage, log_path) in zip(axes[:, 0], log_paths.items(), strict=False):
        series = (
            parse_train_log(log_path) if os.path.isfile(log_path) else {"epoch": []}
        )
        parsed[stage] = series
        for key, values in series.items():
            if key != "epoch":
                axis.plot(series["epoch"], values, marker="o", markersize=3, label=key)
        if not series["epoch"]:
            axis.text(0.5, 0.5, "no epochs logged", ha="center", va="center")
        else:
            axis.legend(fontsize="small")
        axis.set_title(stage)
        axis.set_xlabel("Epoch")
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return parsed


def family_table_markdown(
    rows, methods_order, set_name="target_test", snr=0, metric="si_sdri"
):
    """Mean of a metric per noise family and method, at one SNR.

    Shows where a model transfers and where it does not: a method can win on
    average and still make one noise family worse than the noisy input.

    Arguments
    ---------
    rows : list of dict
        Per-utterance rows with ``noise_family``.
    methods_order : sequence of str
        Column order; methods found in ``rows`` but not listed follow.
    set_name : str
        Test set.
    snr : int or float
        The SNR of the table.
    metric : str
        The metric averaged (``si_sdri`` by default).

    Returns
    -------
    str
        A markdown table (families by rows, methods by columns, ``mean (n)``
        per cell; NaN values left out of the mean and of ``n``), or ``""``
        when no row has a noise family.

    Example
    -------
    >>> rows = [{"method": m, "set": "target_test", "snr": 0, "utterance": u,
    ...          "noise_family": f, "si_sdri": v}
    ...         for m, f, u, v in (("A", "hum", 1, 2.0), ("A", "hum", 2, 4.0),
    ...                            ("B", "hum", 1, 1.0), ("B", "hum", 2, 1.0))]
    >>> print(family_table_markdown(rows, ["A", "B"]))
    | Noise family (SNR 0 dB, SI-SDRi (dB)) | A | B |
    |---|---:|---:|
    | hum | 3.00 (2) | 1.00 (2) |
    """
    rows = [
        row
        for row in rows
        if row["set"] == set_name and row["snr"] == snr and row.get("noise_family")
    ]
    if not rows:
        return ""
    methods = _ordered_methods(rows, methods_order)
    families = sorted({row["noise_family"] for row in rows})
    digits = DECIMALS.get(metric, 3)
    values = {}
    for row in rows:
        value = float(row.get(metric, float("nan")))
        if math.isfinite(value):
            values.setdefault((row["noise_family"], row["method"]), []).append(value)
    title = f"Noise family (SNR {snr:g} dB, {LABELS.get(metric, metric)})"
    lines = [
        "| " + " | ".join([title, *methods]) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(methods)) + "|",
    ]
    for family in families:
        cells = []
        for method in methods:
            found = values.get((family, method), [])
            mean = sum(found) / len(found) if found else float("nan")
            cells.append(f"{mean:.{digits}f} ({len(found)})")
        lines.append("| " + " | ".join([family, *cells]) + " |")
    return "\n".join(lines)


def write_report(output_folder, rows, methods_order, extra=None):
    """Writes ``results.md``: Table 1, Table 2, footnotes and the run facts.

    Arguments
    ---------
    output_folder : str
        The results folder (created if missing).
    rows : list of dict
        Per-utterance rows.
    methods_order : sequence of str
        Row order of Table 1.
    extra : dict, optional
        ``hardware`` (str), ``wall_time`` (seconds or str), ``notice`` (str
        shown under the title, e.g. that smoke-size numbers are
        meaningless; None for none), ``notes`` (list of str), ``figures``
        (``{caption: file name in output_folder}``),
        ``title``, and ``table1`` (keyword arguments of
        :func:`table1_markdown`, e.g. ``snrs``).

    Returns
    -------
    str
        The markdown written.

    Example
    -------
    >>> import tempfile
    >>> rows = [{"method": "Noisy", "set": "target_test", "snr": 0,
    ...          "utterance": "u", "pesq": 1.0, "stoi": 0.5, "si_sdr": 0.0,
    ...          "si_sdri": 0.0, "pesq_error": ""}]
    >>> text = write_report(tempfile.mkdtemp(), rows, ["Noisy"],
    ...                     {"hardware": "2 CPU cores", "wall_time": 61.0})
    >>> text.splitlines()[-1]
    'Hardware: 2 CPU cores; wall time: 61 s (1.0 min).'
    """
    extra = dict(extra or {})
    os.makedirs(output_folder, exist_ok=True)
    parts = [f"# {extra.get('title', 'Results')}", ""]
    if extra.get("notice"):
        parts += [extra["notice"], ""]
    parts += [
        "## Table 1: enhancement of the target-domain (non-English) test set",
        "",
        table1_markdown(rows, methods_order, **extra.get("table1", {})),
        "## Table 2: domain gap on English and non-English test speech",
        "",
        table2_markdown(rows),
    ]
    families = family_table_markdown(rows, methods_order)
    if families:
        parts += [
            "## Per noise family: target test set at 0 dB",
            "",
            families,
            "",
        ]
    for caption, file_name in extra.get("figures", {}).items():
        parts += [f"![{caption}]({file_name})", ""]
    for note in extra.get("notes", []):
        parts += [note, ""]
    wall = extra.get("wall_time")
    if isinstance(wall, (int, float)):
        wall = f"{wall:.0f} s ({wall / 60:.1f} min)"
    parts.append(
        f"Hardware: {extra.get('hardware', 'not given')}; "
        f"wall time: {wall if wall is not None else 'not given'}."
    )
    text = "\n".join(parts) + "\n"
    with open(os.path.join(output_folder, "results.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return text
