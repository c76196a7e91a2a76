"""DNSMOS P.835 (SIG, BAK, OVRL): speech quality without a clean reference.

Target-domain data has no clean reference, so RemixIT and the CHiME-7 UDASE
task report DNSMOS. The models ship in the ``speechmos`` package (which
imports ``librosa``); both are optional (``pip install -r
recipes/DNS/domain_adaptation/extra_requirements.txt``).

Scoring follows DNSMOS's own procedure (that of ``speechmos.dnsmos`` and of
Microsoft's ``dnsmos_local.py``): the 16 kHz signal is repeated until it is at
least 9.01 s long, the ``sig_bak_ovr`` model scores 9.01 s windows taken every
second, its raw outputs go through DNSMOS's polynomial calibration and the
windows are averaged. Two differences, both to save time on a CPU: only the
first ``max_windows`` windows are scored (default 1; ``None`` scores every
window, as the reference code), and the P.808 score, which needs a librosa
mel spectrogram and is not reported here, is not computed. A 3 s clip is
repeated to 12 s, whose three windows are shifts of the same repeated clip.
Signals beyond [-1, 1] are clipped first (speechmos refuses them), as writing
them to a 16-bit file would.

Authors
 * speechbrain-srst developers 2026
"""

import importlib.util
import os

import numpy as np

DNSMOS_METRICS = ("dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")
"""Per-utterance DNSMOS columns (speech quality, background, overall)."""

SAMPLE_RATE = 16000
WINDOW_SECONDS = 9.01
REQUIREMENTS = "recipes/DNS/domain_adaptation/extra_requirements.txt"


def dnsmos_available():
    """Whether ``speechmos`` and what it imports are installed.

    Returns
    -------
    bool
        True when DNSMOS can be scored.

    Example
    -------
    >>> isinstance(dnsmos_available(), bool)
    True
    """
    modules = ("speechmos", "onnxruntime", "librosa")
    return all(importlib.util.find_spec(name) is not None for name in modules)


def missing_message():
    """The message saying how to install what DNSMOS needs.

    Returns
    -------
    str
        The message.

    Example
    -------
    >>> missing_message().startswith("DNSMOS needs the packages speechmos")
    True
    """
    return (
        "DNSMOS needs the packages speechmos, onnxruntime and librosa: "
        f"`pip install -r {REQUIREMENTS}` (or `pip install "
        "speechbrain-srst[dnsmos]`), or set `dnsmos: False`."
    )


class DNSMOS:
    """DNSMOS P.835 scorer (SIG, BAK, OVRL) on 16 kHz signals.

    Arguments
    ---------
    num_threads : int
        Threads of the ONNX runtime session.
    max_windows : int or None
        9.01 s windows averaged per signal (``None``: all, as DNSMOS's
        reference code).
    personalized : bool
        The personalized DNSMOS model (interfering talkers count as noise).

    Raises
    ------
    ImportError
        When ``speechmos`` (or onnxruntime, librosa) is missing.

    Example
    -------
    >>> scorer = DNSMOS()  # doctest: +SKIP
    >>> scorer.score(np.zeros(16000))  # doctest: +SKIP
    {'sig': ..., 'bak': ..., 'ovrl': ...}
    """

    def __init__(self, num_threads=1, max_windows=1, personalized=False):
        if not dnsmos_available():
            raise ImportError(missing_message())
        import onnxruntime
        from speechmos import dnsmos

        folder = "pdnsmos_models" if personalized else "dnsmos_models"
        path = os.path.join(
            os.path.dirname(dnsmos.__file__), folder, "sig_bak_ovr.onnx"
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(num_threads)
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            path, options, providers=["CPUExecutionProvider"]
        )
        self.calibrate = dnsmos.DNSMOS.get_polyfit_val  # uses no instance state
        self.max_windows = max_windows
        self.personalized = personalized

    def windows(self, wave):
        """The 9.01 s windows DNSMOS scores, as a ``[windows, samples]`` array."""
        audio = np.clip(np.asarray(wave, dtype=np.float32).reshape(-1), -1.0, 1.0)
        if audio.size == 0:
            raise ValueError("DNSMOS cannot score an empty signal.")
        length = int(WINDOW_SECONDS * SAMPLE_RATE)
        while audio.size < length:
            audio = np.append(audio, audio)
        count = int(np.floor(audio.size / SAMPLE_RATE) - WINDOW_SECONDS) + 1
        if self.max_windows is not None:
            count = min(count, self.max_windows)
        starts = [index * SAMPLE_RATE for index in range(count)]
        return np.stack([audio[start : start + length] for start in starts])

    def score(self, wave):
        """SIG, BAK and OVRL of one 16 kHz signal.

        Arguments
        ---------
        wave : numpy.ndarray or torch.Tensor
            1-D signal at 16 kHz.

        Returns
        -------
        dict
            ``{"sig", "bak", "ovrl"}`` as floats (a 1-5 opinion scale; the
            calibration polynomial can go slightly below 1).
        """
        if hasattr(wave, "detach"):
            wave = wave.detach().cpu().numpy()
        values = []
        for window in self.windows(wave):
            raw = self.session.run(None, {"input_1": window[None]})[0][0]
            values.append(self.calibrate(None, *raw, self.personalized))
        sig, bak, ovrl = np.mean(np.asarray(values, dtype=np.float64), axis=0)
        return {"sig": float(sig), "bak": float(bak), "ovrl": float(ovrl)}

    def score_batch(self, wavs, max_items=None):
        """Scores the first ``max_items`` rows of a ``[batch, time]`` tensor.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, time]`` at 16 kHz.
        max_items : int, optional
            Rows scored (all by default).

        Returns
        -------
        dict
            ``{"sig", "bak", "ovrl"}``, each a list of floats, one per row.
        """
        rows = wavs if max_items is None else wavs[:max_items]
        scores = [self.score(row) for row in rows]
        return {key: [s[key] for s in scores] for key in ("sig", "bak", "ovrl")}


_PROCESS_SCORER = None


def dnsmos_scores(wave):
    """DNSMOS columns of one signal, with one single-threaded scorer per process.

    Used by the evaluation's metric workers (each builds its own ONNX session
    on first use, so nothing is shared across ``fork``).

    Arguments
    ---------
    wave : numpy.ndarray
        1-D signal at 16 kHz.

    Returns
    -------
    dict
        ``{"dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"}``.
    """
    global _PROCESS_SCORER
    if _PROCESS_SCORER is None or _PROCESS_SCORER[0] != os.getpid():
        _PROCESS_SCORER = (os.getpid(), DNSMOS(num_threads=1))
    scores = _PROCESS_SCORER[1].score(wave)
    return {f"dnsmos_{key}": value for key, value in scores.items()}


class ValidationDNSMOS:
    """Label-free validation signal of the self-training stages.

    Scores the student's output on the first ``items_per_batch`` noisy
    target validation items of each batch; the Brain logs the means per
    epoch as ``valid tgt_dnsmos_sig / _bak / _ovrl``, beside the source
    SI-SDR. It never picks a checkpoint unless ``checkpoint_key`` names it.

    Arguments
    ---------
    items_per_batch : int or None
        Items scored per validation batch (``None``: all).
    num_threads : int
        Threads of the ONNX runtime session.
    """

    def __init__(self, items_per_batch=2, num_threads=1):
        self.scorer = DNSMOS(num_threads=num_threads)
        self.items_per_batch = items_per_batch

    def __call__(self, wavs):
        """``{"tgt_dnsmos_sig": [...], ...}`` for a ``[batch, time]`` tensor."""
        scores = self.scorer.score_batch(wavs.float(), self.items_per_batch)
        return {f"tgt_dnsmos_{key}": values for key, values in scores.items()}


def use_dnsmos(setting):
    """Whether an ``auto`` / ``True`` / ``False`` DNSMOS setting scores DNSMOS.

    Arguments
    ---------
    setting : bool or str
        ``"auto"``: when ``speechmos`` is installed; ``True``: required;
        ``False``: never.

    Returns
    -------
    bool
        True when DNSMOS is to be scored.

    Raises
    ------
    ImportError
        ``True`` while ``speechmos`` is missing (the message says what to
        install).
    ValueError
        For any other setting.

    Example
    -------
    >>> use_dnsmos(False), use_dnsmos("auto") == dnsmos_available()
    (False, True)
    """
    if setting is False:
        return False
    if setting == "auto":
        return dnsmos_available()
    if setting is True:
        if not dnsmos_available():
            raise ImportError(missing_message())
        return True
    raise ValueError(f"dnsmos must be auto, True or False, got {setting!r}.")


def validation_dnsmos(setting, items_per_batch=2):
    """The validation scorer asked for by a stage's ``valid_dnsmos`` setting.

    Arguments
    ---------
    setting : bool or str
        ``"auto"``: when ``speechmos`` is installed; ``True``: required (an
        error names what to install); ``False``: never.
    items_per_batch : int or None
        Items scored per validation batch.

    Returns
    -------
    ValidationDNSMOS or None
        The scorer, or ``None`` when DNSMOS is off.

    Raises
    ------
    ImportError
        ``True`` while ``speechmos`` is missing.
    ValueError
        For any other setting.

    Example
    -------
    >>> validation_dnsmos(False) is None
    True
    >>> validation_dnsmos("sometimes")
    Traceback (most recent call last):
    ...
    ValueError: valid_dnsmos must be auto, True or False, got 'sometimes'.
    """
    if setting not in (True, False, "auto"):
        raise ValueError(f"valid_dnsmos must be auto, True or False, got {setting!r}.")
    return ValidationDNSMOS(items_per_batch) if use_dnsmos(setting) else None
