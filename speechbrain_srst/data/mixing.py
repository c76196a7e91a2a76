"""Noisy mixtures after the DNS-Challenge convention, and mixture plans.

A *mixture plan* is a manifest ``{mix_id: spec}`` that says, for each
mixture, which speech and noise files to use, where to start in each, how
many samples to take, the SNR and the mixture level. Training audio is mixed
on the fly from a spec with :func:`render_mixture`, so the same spec always
gives the same tensors.

Mixing (:func:`mix_at_snr`): speech and noise are both brought to -25 dBFS
RMS, the noise is scaled to the requested SNR, the three signals are scaled
together so that the mixture has the requested level, and scaled down
together again if the mixture would clip.

Authors
 * speechbrain-srst contributors
"""

import logging
import math
import random

import torch

from speechbrain_srst.data.audio import DEFAULT_SAMPLE_RATE, load_audio

logger = logging.getLogger(__name__)

EPS = 1e-10
NORM_DBFS = -25.0
"""Level both signals are brought to before the SNR scaling (DNS)."""
MAX_PEAK = 0.99
"""Largest absolute sample value a mixture may have."""


def rms_dbfs(wav):
    """RMS level of a signal in dB relative to full scale.

    Arguments
    ---------
    wav : torch.Tensor
        Shape ``[time]``.

    Returns
    -------
    float
        ``20 log10(rms)``; a silent signal gives -200 dB.

    Example
    -------
    >>> round(rms_dbfs(torch.ones(100)), 3)
    0.0
    >>> round(rms_dbfs(0.1 * torch.ones(100)), 3)
    -20.0
    >>> rms_dbfs(torch.zeros(10))
    -200.0
    """
    rms = wav.double().pow(2).mean().sqrt().item() if wav.numel() else 0.0
    return 20.0 * math.log10(max(rms, EPS))


def set_level(wav, dbfs):
    """Scale a signal to a target RMS level.

    Arguments
    ---------
    wav : torch.Tensor
        Shape ``[time]``.
    dbfs : float
        Target RMS level in dBFS.

    Returns
    -------
    torch.Tensor
        The scaled signal; a silent input is returned unchanged (no NaN).

    Example
    -------
    >>> wav = set_level(torch.randn(16000), -25.0)
    >>> round(rms_dbfs(wav), 3)
    -25.0
    >>> set_level(torch.zeros(4), -25.0)
    tensor([0., 0., 0., 0.])
    """
    current = rms_dbfs(wav)
    if current <= 20.0 * math.log10(EPS):
        return wav.clone()
    return wav * 10.0 ** ((dbfs - current) / 20.0)


def crop(wav, start, length):
    """Take ``length`` samples from ``start``, looping the signal as needed.

    Arguments
    ---------
    wav : torch.Tensor
        Shape ``[time]``, at least one sample.
    start : int
        First sample (taken modulo the signal length).
    length : int
        Number of samples returned.

    Returns
    -------
    torch.Tensor
        Shape ``[length]``.

    Example
    -------
    >>> crop(torch.arange(5.0), 3, 7)
    tensor([3., 4., 0., 1., 2., 3., 4.])
    >>> crop(torch.arange(5.0), 1, 2)
    tensor([1., 2.])
    """
    size = wav.shape[0]
    if size == 0:
        raise ValueError("crop: cannot take samples from an empty signal")
    length = int(length)
    start = int(start) % size
    if start + length <= size:
        return wav[start : start + length].clone()
    index = (start + torch.arange(length)) % size
    return wav[index]


def mix_at_snr(speech, noise, snr_db, mixture_dbfs=NORM_DBFS):
    """Mix speech and noise at a given SNR and mixture level (DNS convention).

    The noise is looped or cropped to the speech length. Both signals are
    brought to -25 dBFS RMS, the noise is scaled so that
    ``10 log10(P_speech / P_noise) == snr_db``, then all three signals are
    scaled by one gain so that the mixture RMS is ``mixture_dbfs``; if the
    mixture peak then exceeds 0.99 the three are scaled down together.

    Arguments
    ---------
    speech : torch.Tensor
        Shape ``[time]``.
    noise : torch.Tensor
        Shape ``[time']``, any length.
    snr_db : float
        Speech-to-noise ratio in dB.
    mixture_dbfs : float
        RMS level of the returned mixture in dBFS (before clipping control).

    Returns
    -------
    noisy : torch.Tensor
        ``speech_scaled + noise_scaled``, shape ``[time]``.
    speech_scaled : torch.Tensor
        The speech as it appears in the mixture.
    noise_scaled : torch.Tensor
        The noise as it appears in the mixture.

    Example
    -------
    >>> g = torch.Generator().manual_seed(0)
    >>> speech = torch.randn(16000, generator=g)
    >>> noise = torch.randn(4000, generator=g)
    >>> noisy, s, n = mix_at_snr(speech, noise, 5.0, mixture_dbfs=-30.0)
    >>> noisy.shape
    torch.Size([16000])
    >>> round(rms_dbfs(s) - rms_dbfs(n), 3)
    5.0
    >>> round(rms_dbfs(noisy), 2)
    -30.0
    >>> torch.allclose(noisy, s + n)
    True
    """
    speech = speech.float()
    noise = crop(noise.float(), 0, speech.shape[0])
    speech = set_level(speech, NORM_DBFS)
    noise = set_level(noise, NORM_DBFS) * 10.0 ** (-float(snr_db) / 20.0)
    mixture = speech + noise
    gain = 10.0 ** ((mixture_dbfs - rms_dbfs(mixture)) / 20.0)
    if rms_dbfs(mixture) <= 20.0 * math.log10(EPS):
        gain = 1.0
    peak = mixture.abs().max().item() * gain if mixture.numel() else 0.0
    if peak > MAX_PEAK:
        gain *= MAX_PEAK / peak
    speech = speech * gain
    noise = noise * gain
    return speech + noise, speech, noise


def _load_cached(path, sample_rate, cache):
    if cache is None:
        return load_audio(path, sample_rate)
    if path not in cache:
        cache[path] = load_audio(path, sample_rate)
    return cache[path]


def _segment(path, start, length, sample_rate, cache):
    """Return ``crop(load_audio(path), start, length)``, reading little."""
    if cache is None:
        wav = load_audio(path, sample_rate, start=start, num_samples=length)
        if wav.shape[0] == length:
            return wav
    return crop(_load_cached(path, sample_rate, cache), start, length)


def render_mixture(spec, sample_rate=DEFAULT_SAMPLE_RATE, cache=None):
    """Create the audio of one mixture-plan entry.

    Arguments
    ---------
    spec : dict
        One value of a mixture plan (see :func:`draw_mixture_plan`), with keys
        ``speech``, ``noise``, ``speech_start``, ``noise_start``, ``length``,
        ``snr`` and ``level_dbfs``.
    sample_rate : int
        Rate in Hz at which the files are read.
    cache : dict or None
        Optional ``{path: tensor}`` store of whole decoded files, filled as
        files are loaded (useful when few files are reused many times).

    Returns
    -------
    dict
        ``noisy``, ``clean`` and ``noise``, each a float32 tensor of shape
        ``[length]``, with ``noisy == clean + noise``.

    Example
    -------
    >>> import os, tempfile
    >>> from speechbrain_srst.data.audio import save_audio
    >>> tmp = tempfile.mkdtemp()
    >>> save_audio(os.path.join(tmp, "s.wav"), torch.randn(16000))
    >>> save_audio(os.path.join(tmp, "n.wav"), torch.randn(3000))
    >>> spec = {"speech": os.path.join(tmp, "s.wav"),
    ...         "noise": os.path.join(tmp, "n.wav"), "speech_start": 100,
    ...         "noise_start": 2500, "length": 8000, "snr": 0.0,
    ...         "level_dbfs": -25.0}
    >>> out = render_mixture(spec)
    >>> out["noisy"].shape
    torch.Size([8000])
    >>> torch.equal(render_mixture(spec)["noisy"], out["noisy"])
    True
    """
    length = int(spec["length"])
    speech = _segment(
        spec["speech"], int(spec["speech_start"]), length, sample_rate, cache
    )
    noise = _segment(
        spec["noise"], int(spec["noise_start"]), length, sample_rate, cache
    )
    noisy, clean, noise = mix_at_snr(
        speech, noise, float(spec["snr"]), float(spec["level_dbfs"])
    )
    return {"noisy": noisy, "clean": clean, "noise": noise}


class _Cycler:
    """Hands out items in shuffled passes, so each is used about equally."""

    def __init__(self, items, rng):
        self.items = list(items)
        self.rng = rng
        self.order = []

    def next(self):
        if not self.order:
            self.order = list(range(len(self.items)))
            self.rng.shuffle(self.order)
        return self.items[self.order.pop()]


def _random_start(rng, num_samples, length):
    if num_samples > length:
        return rng.randint(0, num_samples - length)
    return 0


def draw_mixture_plan(
    speech_entries,
    noise_entries,
    num_mixtures,
    segment_samples,
    snr_range,
    level_range,
    seed,
    id_prefix,
    fixed_length=True,
    sample_rate=DEFAULT_SAMPLE_RATE,
):
    """Draw a reproducible mixture plan.

    Speech and noise files are handed out in shuffled passes (each file is
    used about equally often). With ``fixed_length=True`` (the default, used
    for training) every mixture has exactly ``segment_samples`` samples:
    speech shorter than that is looped by :func:`render_mixture` (start 0),
    longer speech gets a random start that keeps the segment inside the file.
    With ``fixed_length=False`` (used for the test sets) short speech is not
    looped: ``length = min(segment_samples, speech num_samples)``. Noise is
    always looped or cropped to ``length``.

    Arguments
    ---------
    speech_entries : list of dict
        Each with at least ``wav`` (path), ``num_samples`` (at 16 kHz),
        ``language`` and ``speaker``.
    noise_entries : list of dict
        Each with at least ``wav`` and ``num_samples``.
    num_mixtures : int
        Number of mixtures in the plan.
    segment_samples : int
        Mixture length in samples.
    snr_range : tuple of float
        SNRs are drawn uniformly in ``[low, high]`` dB.
    level_range : tuple of float
        Mixture RMS levels are drawn uniformly in ``[low, high]`` dBFS.
    seed : int
        Seed of the ``random.Random`` generator used for every draw.
    id_prefix : str
        Mixture ids are ``<id_prefix>_<index:06d>``.
    fixed_length : bool
        See above.
    sample_rate : int
        Used to compute ``duration`` in seconds.

    Returns
    -------
    dict
        ``{mix_id: spec}`` in order, spec keys: ``speech``, ``noise``,
        ``snr``, ``speech_start``, ``noise_start``, ``length``,
        ``level_dbfs``, ``language``, ``speaker``, ``duration``.

    Example
    -------
    >>> speech = [{"wav": "/s1.wav", "num_samples": 80000, "language": "en",
    ...            "speaker": "1"}]
    >>> noise = [{"wav": "/n1.wav", "num_samples": 1000}]
    >>> plan = draw_mixture_plan(speech, noise, 2, 64000, (-5, 10),
    ...                          (-35, -15), seed=1, id_prefix="mix")
    >>> list(plan)
    ['mix_000000', 'mix_000001']
    >>> spec = plan["mix_000000"]
    >>> spec["length"], spec["duration"], 0 <= spec["speech_start"] <= 16000
    (64000, 4.0, True)
    >>> plan == draw_mixture_plan(speech, noise, 2, 64000, (-5, 10),
    ...                           (-35, -15), seed=1, id_prefix="mix")
    True
    """
    if num_mixtures > 0 and (not speech_entries or not noise_entries):
        raise ValueError(
            f"draw_mixture_plan({id_prefix}): needs at least one speech and one "
            f"noise file (got {len(speech_entries)} and {len(noise_entries)})"
        )
    rng = random.Random(seed)
    speech_cycle = _Cycler(speech_entries, rng)
    noise_cycle = _Cycler(noise_entries, rng)
    plan = {}
    for index in range(int(num_mixtures)):
        speech = speech_cycle.next()
        noise = noise_cycle.next()
        length = int(segment_samples)
        if not fixed_length:
            length = min(length, int(speech["num_samples"]))
        plan[f"{id_prefix}_{index:06d}"] = {
            "speech": str(speech["wav"]),
            "noise": str(noise["wav"]),
            "snr": float(rng.uniform(*snr_range)),
            "speech_start": _random_start(rng, int(speech["num_samples"]), length),
            "noise_start": _random_start(rng, int(noise["num_samples"]), length),
            "length": length,
            "level_dbfs": float(rng.uniform(*level_range)),
            "language": speech["language"],
            "speaker": str(speech["speaker"]),
            "duration": length / sample_rate,
        }
    return plan
