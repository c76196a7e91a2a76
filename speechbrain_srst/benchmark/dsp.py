"""Signal helpers shared by the benchmark's speech and noise generators.

Levels, filters, coloured noise, struck-object events, a crude room response
and the channel colouring of target recordings. Every function that draws
anything takes a ``numpy.random.Generator``.

Authors
 * speechbrain-srst contributors
"""

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfilt

SAMPLE_RATE = 16000


def normalize_level(wave, rms_db, max_peak=0.9):
    """Scales a signal to an RMS level in dBFS without exceeding a peak.

    Arguments
    ---------
    wave : numpy.ndarray
        Signal, any shape.
    rms_db : float
        Wanted RMS level in dB relative to full scale.
    max_peak : float
        The largest absolute sample allowed after scaling.

    Returns
    -------
    numpy.ndarray
        float32 scaled signal.

    Example
    -------
    >>> wave = normalize_level(np.random.default_rng(0).normal(size=1000), -20)
    >>> round(float(20 * np.log10(np.sqrt(np.mean(wave ** 2)))), 1)
    -20.0
    """
    rms = np.sqrt(np.mean(np.square(wave, dtype=np.float64)))
    if rms <= 0:
        return wave.astype(np.float32)
    gain = 10 ** (rms_db / 20) / rms
    peak = np.max(np.abs(wave)) * gain
    if peak > max_peak:
        gain *= max_peak / peak
    return (wave * gain).astype(np.float32)


def band_filter(wave, low_hz=None, high_hz=None, order=4, sample_rate=SAMPLE_RATE):
    """Butterworth low-, high- or band-pass filter.

    Arguments
    ---------
    wave : numpy.ndarray
        1-D signal.
    low_hz, high_hz : float or None
        Cut-off frequencies (None: that side open).
    order : int
        Filter order.
    sample_rate : int
        Sampling rate.

    Returns
    -------
    numpy.ndarray
        Filtered signal.

    Example
    -------
    >>> band_filter(np.ones(100), high_hz=1000).shape
    (100,)
    """
    nyquist = sample_rate / 2
    if low_hz and high_hz:
        sos = butter(order, [low_hz / nyquist, high_hz / nyquist], "band", output="sos")
    elif low_hz:
        sos = butter(order, low_hz / nyquist, "high", output="sos")
    elif high_hz:
        sos = butter(order, high_hz / nyquist, "low", output="sos")
    else:
        return wave
    return sosfilt(sos, wave)


def colored_noise(rng, n_samples, exponent, sample_rate=SAMPLE_RATE):
    """Gaussian noise whose power spectrum falls as 1 / f**exponent.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length.
    exponent : float
        1 pink, 2 brown, 0 white, -1 blue.
    sample_rate : int
        Sampling rate.

    Returns
    -------
    numpy.ndarray
        Unit-variance noise (below 20 Hz removed).

    Example
    -------
    >>> noise = colored_noise(np.random.default_rng(0), 16000, 2)
    >>> spectrum = np.abs(np.fft.rfft(noise)) ** 2
    >>> bool(spectrum[100:1000].mean() > 100 * spectrum[5000:8000].mean())
    True
    """
    spectrum = np.fft.rfft(rng.normal(size=n_samples))
    freqs = np.fft.rfftfreq(n_samples, 1 / sample_rate)
    shape = np.zeros_like(freqs)
    audible = freqs >= 20
    shape[audible] = freqs[audible] ** (-exponent / 2)
    noise = np.fft.irfft(spectrum * shape, n_samples)
    return noise / (np.std(noise) + 1e-12)


def damped_partials(rng, n_samples, freqs, decay_s, sample_rate=SAMPLE_RATE):
    """A struck object: exponentially decaying sinusoids.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness (phases and amplitudes).
    n_samples : int
        Length of the event.
    freqs : sequence of float
        Partial frequencies in Hz.
    decay_s : float
        Time constant of the decay in seconds.
    sample_rate : int
        Sampling rate.

    Returns
    -------
    numpy.ndarray
        The event, peak about 1.

    Example
    -------
    >>> event = damped_partials(np.random.default_rng(0), 800, [3000, 4700], 0.01)
    >>> bool(abs(event[:80]).max() > 10 * abs(event[-80:]).max())
    True
    """
    t = np.arange(n_samples) / sample_rate
    event = np.zeros(n_samples)
    for freq in freqs:
        amplitude = rng.uniform(0.3, 1.0)
        phase = rng.uniform(0, 2 * np.pi)
        decay = decay_s * rng.uniform(0.6, 1.4)
        event += amplitude * np.sin(2 * np.pi * freq * t + phase) * np.exp(-t / decay)
    return event / (np.max(np.abs(event)) + 1e-12)


def add_event(signal, event, start):
    """Adds an event into a signal at a sample index, cut at the end.

    Arguments
    ---------
    signal : numpy.ndarray
        1-D signal, changed in place.
    event : numpy.ndarray
        1-D event.
    start : int
        Where the event begins.

    Example
    -------
    >>> signal = np.zeros(5)
    >>> add_event(signal, np.ones(3), 3)
    >>> signal.tolist()
    [0.0, 0.0, 0.0, 1.0, 1.0]
    """
    stop = min(start + len(event), len(signal))
    if stop > start:
        signal[start:stop] += event[: stop - start]


def room_impulse_response(
    rng, rt60_s, sample_rate=SAMPLE_RATE, direct_to_reverberant_db=7.96
):
    """A crude room response: a direct path and an exponential noise tail.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    rt60_s : float
        Reverberation time (60 dB decay) in seconds.
    sample_rate : int
        Sampling rate.
    direct_to_reverberant_db : float
        Energy of the direct path over that of the tail, in dB: about 8 dB
        (the default) for a source near the microphone, 0 dB or less for a
        distant one (beyond the critical distance of the room).

    Returns
    -------
    numpy.ndarray
        The impulse response.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> room_impulse_response(rng, 0.5).shape
    (8000,)
    >>> far = room_impulse_response(rng, 0.5, direct_to_reverberant_db=-3.0)
    >>> round(float(10 * np.log10(far[0] ** 2 / np.sum(far[1:] ** 2))), 1)
    -3.0
    """
    n_samples = int(rt60_s * sample_rate)
    t = np.arange(n_samples) / sample_rate
    tail = rng.normal(size=n_samples) * np.exp(-6.9 * t / rt60_s)
    tail = band_filter(tail, high_hz=5000, order=2, sample_rate=sample_rate)
    tail[0] = 0.0
    tail_gain = 10 ** (-direct_to_reverberant_db / 20)
    response = tail_gain * tail / (np.sqrt(np.sum(tail**2)) + 1e-12)
    response[0] += 1.0
    return response


def fft_filter(wave, gain_db, sample_rate=SAMPLE_RATE):
    """Zero-phase filtering by a magnitude response given in dB per frequency.

    Arguments
    ---------
    wave : numpy.ndarray
        1-D signal.
    gain_db : callable
        Maps an array of frequencies in Hz to gains in dB.
    sample_rate : int
        Sampling rate in Hz.

    Returns
    -------
    numpy.ndarray
        The filtered signal, same length.

    Example
    -------
    >>> t = np.arange(16000) / 16000
    >>> tone = np.sin(2 * np.pi * 1000 * t)
    >>> quieter = fft_filter(tone, lambda f: np.full_like(f, -20.0))
    >>> round(float(np.std(quieter) / np.std(tone)), 3)
    0.1
    """
    spectrum = np.fft.rfft(wave)
    freqs = np.fft.rfftfreq(len(wave), 1 / sample_rate)
    return np.fft.irfft(spectrum * 10 ** (gain_db(freqs) / 20), len(wave))


@dataclass(frozen=True)
class Channel:
    """A recording channel's colouring: band limits, tilt and a resonance.

    The magnitude response (dB) is the sum of an 8th-power high-pass and
    low-pass edge, a spectral tilt around 1 kHz and a Gaussian peak (or dip)
    on a log-frequency axis: what a cheap microphone, a room and a codec do
    to a voice, as between M-AILABS audiobooks and LibriSpeech.

    Arguments
    ---------
    highpass_hz, lowpass_hz : float
        Band edges (-3 dB) in Hz.
    tilt_db_per_octave : float
        Slope of the response around 1 kHz.
    peak_hz, peak_db, peak_octaves : float
        Centre, gain and width (standard deviation, octaves) of the peak.

    Example
    -------
    >>> flat = Channel()
    >>> float(flat.response_db(np.array([1000.0]))[0]) > -0.01
    True
    >>> phone = Channel(highpass_hz=300, lowpass_hz=3400)
    >>> [round(float(g)) for g in phone.response_db(np.array([100.0, 6000.0]))]
    [-38, -20]
    """

    highpass_hz: float = 20.0
    lowpass_hz: float = 7900.0
    tilt_db_per_octave: float = 0.0
    peak_hz: float = 1000.0
    peak_db: float = 0.0
    peak_octaves: float = 0.7

    def response_db(self, freqs):
        """The magnitude response in dB at ``freqs`` (Hz, array)."""
        f = np.maximum(np.asarray(freqs, dtype=float), 1.0)
        edges = -10 * np.log10(1 + (self.highpass_hz / f) ** 8)
        edges -= 10 * np.log10(1 + (f / self.lowpass_hz) ** 8)
        octaves = np.log2(f / 1000.0)
        tilt = self.tilt_db_per_octave * octaves
        peak_octaves = np.log2(f / self.peak_hz) / self.peak_octaves
        peak = self.peak_db * np.exp(-0.5 * peak_octaves**2)
        return edges + tilt + peak

    def apply(self, wave, sample_rate=SAMPLE_RATE):
        """Colours a 1-D signal (zero phase, same length)."""
        return fft_filter(wave, self.response_db, sample_rate)


def draw_channel(rng, strength=1.0):
    """Draws a recording channel; ``strength`` 0 gives a flat one.

    At full strength: a high-pass edge at 150-400 Hz, a low-pass edge at
    3.2-6 kHz (band-limited audiobook recordings, narrow-band microphones
    and codecs), a tilt of up to 4 dB per octave and a resonance or dip of
    5-10 dB between 1.2 and 4 kHz.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    strength : float
        Scales how far the channel is from flat (0: flat, 1: full strength).

    Returns
    -------
    Channel

    Example
    -------
    >>> Channel() == draw_channel(np.random.default_rng(0), strength=0.0)
    True
    >>> c = draw_channel(np.random.default_rng(0))
    >>> 150 <= c.highpass_hz <= 400 and 3200 <= c.lowpass_hz <= 6000
    True
    """
    if strength <= 0:
        return Channel()
    return Channel(
        highpass_hz=20 + strength * (rng.uniform(150, 400) - 20),
        lowpass_hz=7900 - strength * (7900 - rng.uniform(3200, 6000)),
        tilt_db_per_octave=strength * rng.uniform(-4.0, 4.0),
        peak_hz=rng.uniform(1200, 4000),
        peak_db=strength * rng.choice([-1, 1]) * rng.uniform(5, 10),
        peak_octaves=rng.uniform(0.4, 0.9),
    )
