"""Scoring of enhancement models on the fixed test sets.

Authors
 * speechbrain-srst developers 2026
"""

import csv
import itertools
import logging
import multiprocessing
import os
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import torch
from pesq import pesq
from pystoi import stoi
from threadpoolctl import threadpool_limits

from speechbrain_srst.dnsmos import DNSMOS_METRICS, dnsmos_scores
from speechbrain_srst.losses import si_sdr


@torch.no_grad()
def mean_si_sdr(model, dataset, device="cpu"):
    """Mean SI-SDR of the speech estimates and its improvement over the input.

    Arguments
    ---------
    model : torch.nn.Module
        Maps ``[batch, time]`` noisy audio to (speech, noise).
    dataset : torch.utils.data.Dataset
        Items with ``noisy`` and ``clean`` waveforms.
    device : str
        Where to run.

    Returns
    -------
    dict
        ``{"si_sdr": dB, "si_sdri": dB, "count": items}``.

    Example
    -------
    >>> clean = torch.randn(800)
    >>> data = [{"noisy": clean + 0.1 * torch.randn(800), "clean": clean}]
    >>> identity = lambda x: (x, torch.zeros_like(x))
    >>> scores = mean_si_sdr(identity, data)
    >>> scores["count"], round(scores["si_sdri"], 6)
    (1, 0.0)
    """
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    enhanced, improvement = [], []
    for item in dataset:
        noisy = item["noisy"].unsqueeze(0).to(device)
        clean = item["clean"].unsqueeze(0).to(device)
        speech, _ = model(noisy)
        value = si_sdr(speech, clean)
        enhanced.append(value.item())
        improvement.append((value - si_sdr(noisy, clean)).item())
    if hasattr(model, "train"):
        model.train(was_training)
    count = len(enhanced)
    return {
        "si_sdr": sum(enhanced) / max(count, 1),
        "si_sdri": sum(improvement) / max(count, 1),
        "count": count,
    }


# ---------------------------------------------------------------------------
# Per-utterance metrics (PESQ, STOI, SI-SDR) and the evaluation of methods
# ---------------------------------------------------------------------------

METRICS = ("pesq", "stoi", "si_sdr", "si_sdri")
"""Metric columns of the per-utterance CSV (higher is better for all)."""

CSV_COLUMNS = (
    "method",
    "set",
    "snr",
    "utterance",
    "language",
    "noise_family",
    "pesq",
    "stoi",
    "si_sdr",
    "si_sdri",
    "pesq_error",
    "stoi_error",
    "si_sdr_error",
) + DNSMOS_METRICS
"""Columns of ``per_utterance.csv``, in order (DNSMOS ones empty unless scored)."""

ERROR_FIELDS = {
    "pesq": "pesq_error",
    "stoi": "stoi_error",
    "si_sdr": "si_sdr_error",
    "si_sdri": "si_sdr_error",
}
"""Per metric, the column holding why its value is NaN (``""`` when valid)."""

SILENT_RMS = 1e-10
"""A signal whose RMS (after removing its mean) is at most this (-200 dBFS,
the floor of :func:`speechbrain_srst.data.mixing.rms_dbfs`) is silent."""

NOISY = "Noisy"
"""Conventional name of the no-processing method (model ``None``)."""

logger = logging.getLogger(__name__)


def _to_numpy(signal):
    """Returns a 1-D float64 numpy copy of a numpy array or torch tensor."""
    if hasattr(signal, "detach"):
        signal = signal.detach().cpu().numpy()
    return np.asarray(signal, dtype=np.float64).reshape(-1)


def _error_text(error):
    """Readable ``Type: message`` of an exception (pesq gives bytes)."""
    message = error.args[0] if error.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{type(error).__name__}: {message}".strip().rstrip(":")


def si_sdr_numpy(estimate, reference, eps=1e-8):
    """SI-SDR in dB of one utterance, in float64 numpy.

    Mirrors :func:`speechbrain_srst.losses.si_sdr` (common length, zero mean,
    the same formula and ``eps``, so a silent estimate gets the -80 dB floor)
    without torch, so worker processes stay light and the value does not
    depend on the number of threads.

    Arguments
    ---------
    estimate : numpy.ndarray or torch.Tensor
        Estimated signal, 1-D.
    reference : numpy.ndarray or torch.Tensor
        Reference signal, 1-D.
    eps : float
        Stabiliser; ``10 log10(eps)`` is the floor.

    Returns
    -------
    float
        SI-SDR in dB.

    Example
    -------
    >>> ref = np.array([1.0, -1.0, 2.0, -2.0])
    >>> round(si_sdr_numpy(ref + np.array([0.1, 0.1, -0.1, -0.1]), ref), 4)
    23.9794
    >>> si_sdr_numpy(np.zeros(4), ref)
    -80.0
    """
    estimate, reference = _to_numpy(estimate), _to_numpy(reference)
    length = min(len(estimate), len(reference))
    estimate = estimate[:length] - np.mean(estimate[:length])
    reference = reference[:length] - np.mean(reference[:length])
    alpha = np.sum(estimate * reference) / (np.sum(reference**2) + eps)
    target = alpha * reference
    ratio = np.sum(target**2) / (np.sum((target - estimate) ** 2) + eps) + eps
    return float(10 * np.log10(ratio))


def is_silent(signal):
    """Whether a signal is silent: RMS around its mean at most :data:`SILENT_RMS`.

    Arguments
    ---------
    signal : numpy.ndarray or torch.Tensor
        1-D signal.

    Returns
    -------
    bool
        True for an empty, all-zero or constant signal.

    Example
    -------
    >>> is_silent(np.zeros(8)), is_silent(np.full(8, 0.5)), is_silent([0.0, 1e-3])
    (True, True, False)
    """
    signal = _to_numpy(signal)
    if signal.size == 0:
        return True
    return bool(np.sqrt(np.mean((signal - np.mean(signal)) ** 2)) <= SILENT_RMS)


def stoi_or_nan(clean, enhanced, sample_rate=16000):
    """STOI, or NaN with the reason where pystoi cannot score the reference.

    pystoi drops the frames 40 dB below the loudest one and, when fewer than
    30 frames (about 0.4 s of speech at its 10 kHz) are left, warns and
    returns 1e-5, which would read as "unintelligible". That warning (or any
    other) turns the value into NaN with its message.

    Arguments
    ---------
    clean, enhanced : numpy.ndarray
        Reference and estimate, 1-D, same length.
    sample_rate : int
        Their sample rate (Hz).

    Returns
    -------
    value : float
        STOI (0-1), or NaN.
    error : str
        ``""``, or why the value is NaN.

    Example
    -------
    >>> clean = np.random.default_rng(0).standard_normal(16000) * np.hanning(16000)
    >>> stoi_or_nan(clean, clean)
    (1.0, '')
    >>> value, error = stoi_or_nan(clean[:4000], clean[:4000])
    >>> value, error[:14]
    (nan, 'STOI undefined')
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(stoi(clean, enhanced, sample_rate, extended=False))
    if caught:
        return float("nan"), f"STOI undefined: {caught[0].message}"
    if not np.isfinite(value):
        return float("nan"), "STOI undefined: pystoi returned a non-finite value"
    return value, ""


def compute_metrics(enhanced, clean, noisy, sample_rate=16000):
    """PESQ (wide-band), STOI, SI-SDR and SI-SDR improvement of one utterance.

    The three signals are trimmed to their common length. A value is either
    what the metric means or NaN with the reason in its error field
    (:data:`ERROR_FIELDS`); nothing is raised:

    * a silent clean reference (or NaN/inf samples anywhere): every metric
      NaN;
    * a silent estimate: SI-SDR at its -80 dB floor (so its improvement is
      far below 0 dB), STOI as pystoi gives it (0), PESQ NaN (pesq cannot
      score silence);
    * a reference with too little speech for STOI (pystoi's warning, where
      it would return 1e-5): STOI NaN;
    * any PESQ failure (``BufferTooShortError``...): PESQ NaN;
    * a silent noisy input: SI-SDR improvement NaN.

    Arguments
    ---------
    enhanced : numpy.ndarray or torch.Tensor
        Speech estimate, 1-D.
    clean : numpy.ndarray or torch.Tensor
        Clean reference, 1-D.
    noisy : numpy.ndarray or torch.Tensor
        Input mixture, 1-D (reference point of ``si_sdri``).
    sample_rate : int
        16000 (wide-band PESQ needs 16 kHz; 8000 gives narrow-band).

    Returns
    -------
    dict
        ``pesq``, ``stoi``, ``si_sdr`` (dB), ``si_sdri`` (dB) as floats and
        ``pesq_error``, ``stoi_error``, ``si_sdr_error`` (``""`` where the
        value is valid; ``si_sdr_error`` also covers ``si_sdri``).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> clean = rng.standard_normal(16000) * np.hanning(16000)
    >>> scores = compute_metrics(clean, clean, clean + rng.standard_normal(16000))
    >>> scores["si_sdr"] > 50, round(scores["stoi"], 3), scores["pesq_error"]
    (True, 1.0, '')
    >>> silent = compute_metrics(np.zeros(16000), clean, clean)
    >>> silent["si_sdr"], silent["si_sdri"] < -70, silent["pesq_error"]
    (-80.0, True, 'estimate is silent: PESQ cannot score it')
    >>> short = compute_metrics(clean[:4000], clean[:4000], clean[:4000])
    >>> short["stoi"], short["stoi_error"][:40]
    (nan, 'STOI undefined: Not enough STFT frames t')
    """
    enhanced, clean, noisy = _to_numpy(enhanced), _to_numpy(clean), _to_numpy(noisy)
    length = min(len(enhanced), len(clean), len(noisy))
    enhanced, clean, noisy = enhanced[:length], clean[:length], noisy[:length]
    for name, signal in (
        ("estimate", enhanced),
        ("reference", clean),
        ("input", noisy),
    ):
        if not np.isfinite(signal).all():
            return _failed(f"{name} holds NaN or inf samples")
    if is_silent(clean):
        return _failed("clean reference is silent: no metric is defined")
    scores = {name: float("nan") for name in METRICS}
    scores.update({field: "" for field in ERROR_FIELDS.values()})
    if is_silent(enhanced):  # pesq fails with "cannot convert float NaN to integer"
        scores["pesq_error"] = "estimate is silent: PESQ cannot score it"
    else:
        scores["pesq"], scores["pesq_error"] = _pesq(clean, enhanced, sample_rate)
    scores["stoi"], scores["stoi_error"] = stoi_or_nan(clean, enhanced, sample_rate)
    scores["si_sdr"] = si_sdr_numpy(enhanced, clean)
    if is_silent(noisy):
        scores["si_sdr_error"] = "input is silent: no SI-SDR improvement defined"
    else:
        scores["si_sdri"] = scores["si_sdr"] - si_sdr_numpy(noisy, clean)
    return scores


def _pesq(clean, enhanced, sample_rate):
    """PESQ and ``""``, or NaN and the error message (never raises)."""
    mode = "wb" if sample_rate == 16000 else "nb"
    try:
        return float(pesq(sample_rate, clean, enhanced, mode)), ""
    except Exception as error:  # any PESQ failure is recorded, not raised
        return float("nan"), _error_text(error)


def compute_metrics_dnsmos(enhanced, clean, noisy, sample_rate=16000):
    """:func:`compute_metrics` plus DNSMOS SIG, BAK and OVRL of ``enhanced``.

    DNSMOS needs no reference (see :mod:`speechbrain_srst.dnsmos`; optional
    package ``speechmos``). Each process scores with its own single-threaded
    ONNX session. A DNSMOS failure leaves NaN in its columns and its message
    in ``pesq_error`` (after PESQ's, if any); it is never raised.

    Arguments
    ---------
    enhanced : numpy.ndarray or torch.Tensor
        Speech estimate, 1-D, at 16 kHz.
    clean : numpy.ndarray or torch.Tensor
        Clean reference, 1-D.
    noisy : numpy.ndarray or torch.Tensor
        Input mixture, 1-D.
    sample_rate : int
        16000 (DNSMOS's only rate).

    Returns
    -------
    dict
        The entries of :func:`compute_metrics` and ``dnsmos_sig``,
        ``dnsmos_bak``, ``dnsmos_ovrl``.
    """
    scores = compute_metrics(enhanced, clean, noisy, sample_rate)
    try:
        if sample_rate != 16000:
            raise ValueError(f"DNSMOS needs 16 kHz audio, got {sample_rate} Hz")
        scores.update(dnsmos_scores(_to_numpy(enhanced)))
    except Exception as error:  # recorded like a PESQ failure, never raised
        scores.update(dict.fromkeys(DNSMOS_METRICS, float("nan")))
        message = f"DNSMOS: {_error_text(error)}"
        scores["pesq_error"] = "; ".join(filter(None, [scores["pesq_error"], message]))
    return scores


def _failed(error):
    """Metrics of a job that could not be scored at all."""
    scores = {name: float("nan") for name in METRICS}
    scores.update({field: error for field in ERROR_FIELDS.values()})
    return scores


def _guarded(metric_fn, enhanced, clean, noisy, sample_rate):
    """Runs ``metric_fn``; an exception becomes NaN scores with its message."""
    try:
        return metric_fn(enhanced, clean, noisy, sample_rate)
    except Exception as error:
        return _failed(f"metrics failed: {_error_text(error)}")


def _one_thread_per_worker():
    """Pool initializer: each metric worker uses one BLAS/OpenMP thread.

    Forked workers inherit the parent's thread pools (numpy's and scipy's
    OpenBLAS size theirs to every core), so N workers would run N x cores
    threads. On 2 cores, 32 utterances of 3 s took 3.42 s with 2 such
    workers against 2.73 s inline; with this initializer, 2.08 s (against
    3.27 s inline in that run).
    """
    global _WORKER_THREAD_LIMITS  # keeps the limits for the worker's life
    _WORKER_THREAD_LIMITS = threadpool_limits(limits=1)


def _stop_pool(executor, terminate):
    """Shuts a pool down; ``terminate`` kills workers that may hang."""
    if terminate:
        kill = getattr(executor, "terminate_workers", None)  # Python >= 3.14
        if kill is not None:
            kill()
        else:
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)


def _pool_pass(
    source, workers, context, metric_fn, sample_rate, timeout, startup, results
):
    """Scores jobs pulled from ``source`` in one pool until done or broken.

    At most ``workers`` jobs are in flight, so each starts (about) when it is
    submitted and its timeout counts from there; until the pool has returned
    a first result, the jobs in flight get ``startup`` more seconds for the
    workers to start (with ``spawn`` they import torch), and from that result
    on at most ``timeout``. A timed-out job is recorded
    as failed and the pool is killed; the other jobs in flight are returned to
    be run again. When a worker dies the pool breaks and the culprit is
    unknown: with one worker it is the job in flight (recorded as failed),
    otherwise all jobs in flight are returned as suspects, to run one at a
    time.

    Returns
    -------
    tuple
        ``(finished, requeue, suspects)``.
    """
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_one_thread_per_worker
    )
    in_flight = {}
    warm = False
    exhausted = False
    terminate = False
    try:
        while True:
            while not exhausted and len(in_flight) < workers:
                job = next(source, None)
                if job is None:
                    exhausted = True
                    break
                args = (metric_fn, job[1], job[2], job[3], sample_rate)
                deadline = time.monotonic() + timeout + (0.0 if warm else startup)
                in_flight[executor.submit(_guarded, *args)] = (job, deadline)
            if not in_flight:
                return True, [], []
            first = min(deadline for _, deadline in in_flight.values())
            wait_for = max(0.0, first - time.monotonic())
            done, _ = wait(in_flight, timeout=wait_for, return_when=FIRST_COMPLETED)
            broken = []
            for future in done:
                job, _ = in_flight.pop(future)
                try:
                    results[job[0]] = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                except Exception as error:  # e.g. a job that cannot be pickled
                    results[job[0]] = _failed(f"worker failed: {_error_text(error)}")
                if not warm:  # workers are up: the startup allowance ends now
                    warm, now = True, time.monotonic()
                    for key, (other, deadline) in in_flight.items():
                        in_flight[key] = (other, min(deadline, now + timeout))
            if broken:
                terminate = True
                suspects = broken + [job for job, _ in in_flight.values()]
                if workers == 1 and len(suspects) == 1:
                    results[suspects[0][0]] = _failed("worker process crashed")
                    logger.warning("Scoring %s crashed its worker.", suspects[0][0])
                    return False, [], []
                return False, [], suspects
            now = time.monotonic()
            expired = [f for f, (_, deadline) in in_flight.items() if now > deadline]
            if expired:
                terminate = True
                for future in expired:
                    job, _ = in_flight.pop(future)
                    results[job[0]] = _failed(f"timed out after {timeout:g} s")
                    logger.warning("Scoring %s timed out.", job[0])
                return False, [job for job, _ in in_flight.values()], []
    finally:
        _stop_pool(executor, terminate)


def score_utterances(
    jobs,
    num_workers=1,
    sample_rate=16000,
    timeout=300.0,
    mp_context="fork",
    metric_fn=compute_metrics,
    startup_timeout=None,
):
    """Scores ``(key, enhanced, clean, noisy)`` jobs, in worker processes.

    ``jobs`` may be a generator: it is consumed lazily, with at most
    ``num_workers`` jobs held in flight, so the caller can enhance the next
    utterance while the workers score. Every job yields a result: a job that
    raises, runs past ``timeout`` seconds or crashes its worker gets NaN scores
    and the message in every error field; nothing hangs and nothing is retried
    forever (jobs caught in a crashed pool run once more, one at a time, to
    find the culprit). ``num_workers <= 1`` runs inline, in this process,
    without a timeout.

    Arguments
    ---------
    jobs : iterable
        ``(key, enhanced, clean, noisy)`` tuples; ``key`` is hashable and
        unique, the signals are 1-D numpy arrays or tensors.
    num_workers : int
        Worker processes.
    sample_rate : int
        Sampling rate of the signals.
    timeout : float
        Seconds one job may take in a worker.
    mp_context : str
        Start method of the workers: ``"fork"`` (fast; the workers only run
        numpy, pesq and pystoi code, no torch) or ``"spawn"``.
    metric_fn : callable
        ``metric_fn(enhanced, clean, noisy, sample_rate) -> dict``; must be a
        picklable module-level function.
    startup_timeout : float, optional
        Extra seconds allowed to the jobs in flight in a (re)started pool
        until its first result, while the workers start; default 10 s with
        ``fork``, 300 s otherwise (``spawn`` workers import torch).

    Returns
    -------
    dict
        ``{key: scores}`` in the order of the jobs.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> clean = rng.standard_normal(16000) * np.hanning(16000)
    >>> noisy = clean + 0.3 * rng.standard_normal(16000)
    >>> jobs = [("a", noisy, clean, noisy), ("b", clean, clean, noisy)]
    >>> scores = score_utterances(jobs, num_workers=2)
    >>> list(scores), round(scores["a"]["si_sdri"], 6), scores["b"]["si_sdri"] > 10
    (['a', 'b'], 0.0, True)
    """
    order, seen, results = [], set(), {}

    def _tracked(iterable):
        for job in iterable:
            if job[0] in seen:
                raise ValueError(f"Duplicate job key {job[0]!r}.")
            seen.add(job[0])
            order.append(job[0])
            yield (
                job[0],
                _to_numpy(job[1]).astype(np.float32),
                _to_numpy(job[2]).astype(np.float32),
                _to_numpy(job[3]).astype(np.float32),
            )

    if num_workers <= 1:
        for key, enhanced, clean, noisy in _tracked(jobs):
            results[key] = _guarded(metric_fn, enhanced, clean, noisy, sample_rate)
        return results
    context = multiprocessing.get_context(mp_context)
    if startup_timeout is None:
        startup_timeout = 10.0 if mp_context == "fork" else 300.0
    pending = _tracked(jobs)
    run = (context, metric_fn, sample_rate, timeout, startup_timeout, results)
    while True:
        finished, requeue, suspects = _pool_pass(pending, num_workers, *run)
        alone = iter(suspects)
        while suspects:
            done_alone, again, _ = _pool_pass(alone, 1, *run)
            alone = itertools.chain(again, alone)
            if done_alone:
                break
        if finished:
            break
        pending = itertools.chain(requeue, pending)
    return {key: results[key] for key in order}


def _enhance(model, noisy, device):
    """Speech estimate of one utterance (``None`` returns the input)."""
    if model is None:
        return noisy
    with torch.no_grad():
        output = model(noisy.unsqueeze(0).to(device))
    speech = output[0] if isinstance(output, (tuple, list)) else output
    return speech.reshape(-1).detach().float().cpu()


def write_rows_csv(rows, path):
    """Writes per-utterance rows (dicts with :data:`CSV_COLUMNS`) to a CSV.

    Floats are written with full precision (``repr``), NaN as ``nan``.

    Arguments
    ---------
    rows : list of dict
        Rows as returned by :func:`evaluate_methods`.
    path : str
        Destination file.

    Example
    -------
    >>> import tempfile, os
    >>> row = dict.fromkeys(CSV_COLUMNS, "")
    >>> row.update(method="Noisy", snr=0, pesq=float("nan"))
    >>> path = os.path.join(tempfile.mkdtemp(), "rows.csv")
    >>> write_rows_csv([row], path)
    >>> open(path).read().splitlines()[1]
    'Noisy,,0,,,,nan,,,,,,,,,'
    """
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k, "")) for k in CSV_COLUMNS})


def _csv_value(value):
    """Full-precision text of a float; other values unchanged."""
    return repr(float(value)) if isinstance(value, float) else value


def evaluate_methods(
    methods,
    test_sets,
    output_folder,
    num_workers=1,
    device="cpu",
    sample_rate=16000,
    timeout=300.0,
    csv_name="per_utterance.csv",
    metric_fn=compute_metrics,
):
    """Enhances every test utterance with every method and scores it.

    Enhancement runs in this process on ``device`` (eval mode, no gradients,
    batch 1, each model's train/eval mode restored afterwards; a model that is
    a ``torch.nn.Module`` is moved to ``device`` first); the metrics run in
    ``num_workers`` worker processes (:func:`score_utterances`) while the
    next utterances are enhanced. The rows are written to
    ``<output_folder>/<csv_name>`` with the columns :data:`CSV_COLUMNS`.

    Arguments
    ---------
    methods : dict
        Ordered ``{method_name: model or None}``; a model maps ``[batch,
        time]`` noisy audio to ``(speech, noise)``, ``None`` scores the noisy
        input itself (the "Noisy" row).
    test_sets : dict
        ``{(set_name, snr): dataset}``; items hold ``noisy``, ``clean`` (1-D
        tensors), and optionally ``id`` and ``language``.
    output_folder : str
        Where the CSV goes (created if missing).
    num_workers : int
        Metric worker processes (1 = inline).
    device : str
        Where the models run (``torch.nn.Module`` models are moved there).
    sample_rate : int
        Sampling rate of the test sets.
    timeout : float
        Seconds the metrics of one utterance may take in a worker.
    csv_name : str
        File name of the CSV.
    metric_fn : callable
        Per-utterance metrics (:func:`compute_metrics`, or
        :func:`compute_metrics_dnsmos` to add the DNSMOS columns).

    Returns
    -------
    list of dict
        One row per (method, set, snr, utterance), in that order.

    Example
    -------
    >>> import tempfile
    >>> clean = torch.randn(16000) * torch.hann_window(16000)
    >>> item = {"id": "u1", "noisy": clean + 0.3 * torch.randn(16000),
    ...         "clean": clean, "language": "fr"}
    >>> methods = {"Noisy": None, "Identity": lambda x: (x, 0 * x)}
    >>> rows = evaluate_methods(methods, {("target_test", 0): [item]},
    ...                         tempfile.mkdtemp())
    >>> [(r["method"], r["set"], r["snr"], r["utterance"]) for r in rows]
    [('Noisy', 'target_test', 0, 'u1'), ('Identity', 'target_test', 0, 'u1')]
    >>> rows[0]["si_sdr"] == rows[1]["si_sdr"]
    True
    """
    os.makedirs(output_folder, exist_ok=True)
    meta = {}

    def jobs():
        for method, model in methods.items():
            was_training = getattr(model, "training", None)
            if isinstance(model, torch.nn.Module):
                model.to(device)
            if hasattr(model, "eval"):
                model.eval()
            try:
                for (set_name, snr), dataset in test_sets.items():
                    logger.info("Enhancing %s with %s (SNR %s)", set_name, method, snr)
                    for index in range(len(dataset)):
                        item = dataset[index]
                        key = (method, set_name, snr, str(item.get("id", index)))
                        meta[key] = (
                            item.get("language", ""),
                            item.get("noise_family", ""),
                        )
                        enhanced = _enhance(model, item["noisy"], device)
                        yield key, enhanced, item["clean"], item["noisy"]
            finally:
                if was_training is not None and hasattr(model, "train"):
                    model.train(was_training)

    scores = score_utterances(
        jobs(),
        num_workers=num_workers,
        sample_rate=sample_rate,
        timeout=timeout,
        metric_fn=metric_fn,
    )
    rows = []
    for key, values in scores.items():
        method, set_name, snr, utterance = key
        row = {
            "method": method,
            "set": set_name,
            "snr": snr,
            "utterance": utterance,
            "language": meta[key][0],
            "noise_family": meta[key][1],
        }
        row.update({name: float(values[name]) for name in METRICS})
        for field in dict.fromkeys(ERROR_FIELDS.values()):
            row[field] = values.get(field, "")
        row.update(
            {name: float(values[name]) for name in DNSMOS_METRICS if name in values}
        )
        rows.append(row)
    write_rows_csv(rows, os.path.join(output_folder, csv_name))
    return rows
