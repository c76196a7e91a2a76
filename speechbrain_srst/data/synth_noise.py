"""Synthetic noises for the built-in benchmark.

Two families far apart, as between WHAM! and DNS-Challenge noise:

* source (WHAM!-like, two channels): cafe babble made of many overlapping
  English eSpeak NG talkers, cutlery and glass clinks, clicks and a distant
  murmur, in a reverberant room;
* target (DNS-like, one channel): stationary coloured noise (pink, brown,
  blue), mains hum and machinery with harmonics, music-like notes and chords,
  impulsive household sounds (door knocks, footsteps, dish clatter).

Every generator is a pure function of its random generator.

Authors
 * speechbrain-srst contributors
"""

import logging

import numpy as np
from scipy.signal import butter, fftconvolve, sosfilt

from speechbrain_srst.data.synth_speech import (
    SOURCE_ENGLISH_VOICES,
    SOURCE_PROSODY,
    SOURCE_VARIANTS,
    draw_speakers,
    make_sentence,
    speak,
)

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000

# Target noise families and their kinds (the kind names the DNS noise file).
TARGET_NOISE_FAMILIES = {
    "stationary": ("PinkNoise", "BrownNoise", "BlueNoise"),
    "machinery": ("Hum50Hz", "Hum60Hz", "Engine", "Fan"),
    "music": ("Music",),
    "household": ("DoorKnock", "Footsteps", "DishClatter"),
}


# --------------------------------------------------------------------------
# Small signal helpers
# --------------------------------------------------------------------------


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


def room_impulse_response(rng, rt60_s, sample_rate=SAMPLE_RATE):
    """A crude room response: a direct path and an exponential noise tail.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    rt60_s : float
        Reverberation time (60 dB decay) in seconds.
    sample_rate : int
        Sampling rate.

    Returns
    -------
    numpy.ndarray
        The impulse response.

    Example
    -------
    >>> room_impulse_response(np.random.default_rng(0), 0.5).shape
    (8000,)
    """
    n_samples = int(rt60_s * sample_rate)
    t = np.arange(n_samples) / sample_rate
    tail = rng.normal(size=n_samples) * np.exp(-6.9 * t / rt60_s)
    tail = band_filter(tail, high_hz=5000, order=2, sample_rate=sample_rate)
    response = 0.4 * tail / (np.sqrt(np.sum(tail**2)) + 1e-12)
    response[0] += 1.0
    return response


# --------------------------------------------------------------------------
# Source noise: cafe babble and clatter (WHAM!-like, two channels)
# --------------------------------------------------------------------------


def babble_talkers(rng, n_samples, n_talkers):
    """Many English eSpeak NG talkers speaking at once, one row each.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.
    n_talkers : int
        Number of talkers.

    Returns
    -------
    numpy.ndarray
        (n_talkers, n_samples) array, each row at unit RMS.

    Example
    -------
    >>> talkers = babble_talkers(np.random.default_rng(0), 16000, 2)
    >>> talkers.shape
    (2, 16000)
    """
    speakers = draw_speakers(
        rng,
        n_talkers,
        "en",
        SOURCE_ENGLISH_VOICES,
        SOURCE_VARIANTS,
        SOURCE_PROSODY,
    )
    rows = np.zeros((n_talkers, n_samples))
    n_words = max(4, int(3 * n_samples / SAMPLE_RATE) + 2)
    for row, speaker in zip(rows, speakers, strict=True):
        position = -int(rng.integers(0, SAMPLE_RATE))
        while position < n_samples:
            text = make_sentence("en", rng, n_words)
            speech = speak(speaker, text, seed=int(rng.integers(2**31)))
            start = max(position, 0)
            add_event(row, speech[start - position :], start)
            position += len(speech) + int(rng.integers(0, SAMPLE_RATE // 4))
        row /= np.sqrt(np.mean(row**2)) + 1e-12
    return rows


def cafe_clatter(rng, n_samples, events_per_second):
    """Cutlery and glass clinks and short clicks at random times.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.
    events_per_second : float
        Mean event rate.

    Returns
    -------
    list of (numpy.ndarray, int)
        Events with their start sample.

    Example
    -------
    >>> events = cafe_clatter(np.random.default_rng(0), 32000, 3.0)
    >>> all(0 <= start < 32000 for _, start in events)
    True
    """
    n_events = rng.poisson(events_per_second * n_samples / SAMPLE_RATE)
    events = []
    for _ in range(n_events):
        start = int(rng.integers(0, n_samples))
        if rng.random() < 0.7:
            # A glass or a spoon: high, inharmonic, ringing partials.
            base = rng.uniform(1800, 4500)
            ratios = [1.0, rng.uniform(1.4, 1.7), rng.uniform(2.2, 2.9)]
            freqs = [base * r for r in ratios if base * r < 7800]
            duration = int(rng.uniform(0.08, 0.35) * SAMPLE_RATE)
            event = damped_partials(rng, duration, freqs, rng.uniform(0.02, 0.1))
        else:
            # A click: a few milliseconds of high-passed noise.
            duration = int(rng.uniform(0.002, 0.012) * SAMPLE_RATE)
            event = band_filter(rng.normal(size=duration), low_hz=1500)
            event *= np.hanning(duration)
            event /= np.max(np.abs(event)) + 1e-12
        events.append((event * rng.uniform(0.3, 1.0), start))
    return events


def make_source_noise(rng, seconds, n_talkers=(4, 10)):
    """A two-channel cafe noise: babble, clatter and murmur in a room.

    The channels see each component with its own small delay and gain, and
    their own room tails, like a pair of microphones.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    seconds : float
        Duration.
    n_talkers : (int, int)
        Smallest and largest number of babble talkers.

    Returns
    -------
    numpy.ndarray
        float32 array (2, samples) at 16 kHz.

    Example
    -------
    >>> noise = make_source_noise(np.random.default_rng(0), 1.0, (2, 3))
    >>> noise.shape, bool(np.abs(noise).max() <= 0.9)
    ((2, 16000), True)
    """
    n_samples = int(seconds * SAMPLE_RATE)
    n_talkers = int(rng.integers(n_talkers[0], n_talkers[1] + 1))
    talkers = babble_talkers(rng, n_samples, n_talkers)
    components = [(row * rng.uniform(0.3, 1.0), 0) for row in talkers]
    # A distant murmur: the same room, low-passed, a little behind.
    murmur = band_filter(talkers.sum(axis=0), high_hz=rng.uniform(500, 900))
    components.append((murmur * rng.uniform(0.2, 0.6), 0))
    clatter_gain = 10 ** (rng.uniform(-12, 0) / 20)
    for event, start in cafe_clatter(rng, n_samples, rng.uniform(0.5, 3.0)):
        components.append((event * clatter_gain * 4, start))
    rt60 = rng.uniform(0.3, 0.8)
    channels = np.zeros((2, n_samples))
    for channel in channels:
        for signal, start in components:
            delay = int(rng.integers(0, 9))
            gain = 10 ** (rng.uniform(-1.5, 1.5) / 20)
            add_event(channel, signal * gain, start + delay)
        reverberant = fftconvolve(channel, room_impulse_response(rng, rt60))
        channel[:] = reverberant[:n_samples]
    return normalize_level(channels, rng.uniform(-32, -22))


# --------------------------------------------------------------------------
# Target noise: stationary, machinery, music, household (DNS-like, mono)
# --------------------------------------------------------------------------


def stationary_noise(rng, n_samples, kind):
    """Pink, brown or blue noise with a slow level drift.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.
    kind : str
        "PinkNoise", "BrownNoise" or "BlueNoise".

    Returns
    -------
    numpy.ndarray
        The noise.

    Example
    -------
    >>> stationary_noise(np.random.default_rng(0), 1600, "BlueNoise").shape
    (1600,)
    """
    exponent = {"PinkNoise": 1.0, "BrownNoise": 2.0, "BlueNoise": -1.0}[kind]
    noise = colored_noise(rng, n_samples, exponent + rng.uniform(-0.2, 0.2))
    t = np.arange(n_samples) / SAMPLE_RATE
    drift_db = 1.5 * np.sin(
        2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 2 * np.pi)
    )
    return noise * 10 ** (drift_db / 20)


def harmonic_tone(rng, n_samples, f0_hz, n_harmonics, slope, jitter=0.002):
    """A periodic buzz: harmonics of f0 falling as 1 / k**slope.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.
    f0_hz : float or numpy.ndarray
        Fundamental, constant or per sample.
    n_harmonics : int
        Number of harmonics (those above 7.8 kHz are dropped).
    slope : float
        Spectral slope of the harmonic amplitudes.
    jitter : float
        Relative depth of a slow random frequency wander.

    Returns
    -------
    numpy.ndarray
        The tone, peak about 1.

    Example
    -------
    >>> tone = harmonic_tone(np.random.default_rng(0), 16000, 50.0, 10, 1.0)
    >>> int(np.argmax(np.abs(np.fft.rfft(tone))))
    50
    """
    wander = np.cumsum(rng.normal(size=n_samples)) / np.sqrt(n_samples)
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=float), (n_samples,))
    phase = 2 * np.pi * np.cumsum(f0 * (1 + jitter * wander)) / SAMPLE_RATE
    tone = np.zeros(n_samples)
    max_f0 = float(np.max(f0))
    for k in range(1, n_harmonics + 1):
        if k * max_f0 > 7800:
            break
        amplitude = rng.uniform(0.5, 1.0) / k**slope
        tone += amplitude * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    return tone / (np.max(np.abs(tone)) + 1e-12)


def machinery_noise(rng, n_samples, kind):
    """Mains hum, an engine or a fan.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.
    kind : str
        "Hum50Hz", "Hum60Hz", "Engine" or "Fan".

    Returns
    -------
    numpy.ndarray
        The noise.

    Example
    -------
    >>> machinery_noise(np.random.default_rng(0), 1600, "Engine").shape
    (1600,)
    """
    t = np.arange(n_samples) / SAMPLE_RATE
    if kind in ("Hum50Hz", "Hum60Hz"):
        mains = 50.0 if kind == "Hum50Hz" else 60.0
        f0 = mains * (2 if rng.random() < 0.4 else 1)
        hum = harmonic_tone(rng, n_samples, f0, 40, rng.uniform(0.5, 1.5), 0.0005)
        return hum + 0.05 * colored_noise(rng, n_samples, 1.0)
    if kind == "Engine":
        rpm_hz = rng.uniform(15, 60) * (1 + 0.2 * np.sin(2 * np.pi * 0.1 * t))
        engine = harmonic_tone(rng, n_samples, rpm_hz, 60, rng.uniform(0.3, 1.0))
        rumble = band_filter(colored_noise(rng, n_samples, 1.0), high_hz=1200)
        rumble /= np.std(rumble) + 1e-12
        depth = rng.uniform(0.3, 0.8)
        am = 1 + depth * np.sin(2 * np.pi * rng.uniform(2, 12) * t)
        return am * (engine + rng.uniform(0.2, 0.6) * rumble)
    # A fan: broadband air noise and a blade-pass tone.
    air = band_filter(rng.normal(size=n_samples), 200, rng.uniform(2000, 5000))
    air /= np.std(air) + 1e-12
    blade = harmonic_tone(rng, n_samples, rng.uniform(80, 250), 8, 1.5)
    return air + rng.uniform(0.3, 1.0) * blade


def music_noise(rng, n_samples):
    """Random notes and chords of a scale, with a bass line.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.

    Returns
    -------
    numpy.ndarray
        The music.

    Example
    -------
    >>> music = music_noise(np.random.default_rng(0), 16000)
    >>> music.shape, bool(np.abs(music).max() > 0)
    ((16000,), True)
    """
    scale = [0, 2, 4, 7, 9] if rng.random() < 0.5 else [0, 2, 4, 5, 7, 9, 11]
    tonic = int(rng.integers(48, 60))  # MIDI note
    beat = int(SAMPLE_RATE * 60 / rng.uniform(80, 160))
    brightness = rng.uniform(0.8, 2.0)
    music = np.zeros(n_samples)

    def note(midi, length, gain):
        freq = 440.0 * 2 ** ((midi - 69) / 12)
        t = np.arange(length) / SAMPLE_RATE
        tone = sum(
            np.sin(2 * np.pi * k * freq * t) / k**brightness
            for k in range(1, 9)
            if k * freq < 7800
        )
        attack = min(int(0.01 * SAMPLE_RATE), length)
        envelope = np.exp(-t / rng.uniform(0.2, 0.8))
        envelope[:attack] *= np.linspace(0, 1, attack)
        return gain * tone * envelope

    position = 0
    while position < n_samples:
        length = beat * int(rng.choice([1, 1, 2, 2, 4]))
        degrees = rng.choice(len(scale), size=int(rng.integers(1, 4)), replace=False)
        for degree in degrees:
            octave = 12 * int(rng.integers(1, 3))
            add_event(
                music, note(tonic + octave + scale[degree], length, 0.5), position
            )
        add_event(
            music, note(tonic - 12 + scale[int(degrees[0])], length, 0.7), position
        )
        position += length
    return music


def household_noise(rng, n_samples, kind):
    """Door knocks, footsteps or dish clatter over a faint room tone.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.
    kind : str
        "DoorKnock", "Footsteps" or "DishClatter".

    Returns
    -------
    numpy.ndarray
        The noise.

    Example
    -------
    >>> household_noise(np.random.default_rng(0), 16000, "DoorKnock").shape
    (16000,)
    """
    sound = 0.01 * colored_noise(rng, n_samples, 1.5)
    if kind == "DoorKnock":
        position = int(rng.integers(0, SAMPLE_RATE // 2))
        while position < n_samples:
            resonance = rng.uniform(120, 350)
            for _ in range(int(rng.integers(2, 5))):
                length = int(0.12 * SAMPLE_RATE)
                partials = [resonance, resonance * rng.uniform(2.3, 2.9)]
                knock = damped_partials(rng, length, partials, rng.uniform(0.01, 0.03))
                add_event(sound, knock * rng.uniform(0.6, 1.0), position)
                position += int(rng.uniform(0.12, 0.25) * SAMPLE_RATE)
            position += int(rng.uniform(0.8, 2.0) * SAMPLE_RATE)
    elif kind == "Footsteps":
        step = int(SAMPLE_RATE / rng.uniform(1.5, 2.3))
        position = int(rng.integers(0, step))
        while position < n_samples:
            length = int(0.08 * SAMPLE_RATE)
            thud = band_filter(rng.normal(size=length), high_hz=rng.uniform(300, 800))
            thud *= np.exp(-np.arange(length) / (0.015 * SAMPLE_RATE))
            thud /= np.max(np.abs(thud)) + 1e-12
            add_event(sound, thud * rng.uniform(0.5, 1.0), position)
            position += step + int(rng.normal(0, 0.03 * SAMPLE_RATE))
    else:
        n_events = max(1, rng.poisson(1.5 * n_samples / SAMPLE_RATE))
        for _ in range(n_events):
            base = rng.uniform(600, 1800)
            partials = [
                base,
                base * rng.uniform(1.9, 2.4),
                base * rng.uniform(3.1, 3.8),
            ]
            length = int(0.2 * SAMPLE_RATE)
            clank = damped_partials(rng, length, partials, rng.uniform(0.02, 0.06))
            start = int(rng.integers(0, n_samples))
            add_event(sound, clank * rng.uniform(0.3, 1.0), start)
    return sound


def make_target_noise(rng, family, seconds):
    """A mono DNS-like noise of one target family.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    family : str
        A key of :data:`TARGET_NOISE_FAMILIES`.
    seconds : float
        Duration.

    Returns
    -------
    noise : numpy.ndarray
        float32 noise at 16 kHz.
    kind : str
        The kind of noise drawn inside the family (e.g. "BrownNoise").

    Example
    -------
    >>> noise, kind = make_target_noise(np.random.default_rng(0), "music", 1.0)
    >>> noise.shape, kind
    ((16000,), 'Music')
    """
    n_samples = int(seconds * SAMPLE_RATE)
    kinds = TARGET_NOISE_FAMILIES[family]
    kind = str(kinds[int(rng.integers(len(kinds)))])
    if family == "stationary":
        noise = stationary_noise(rng, n_samples, kind)
    elif family == "machinery":
        noise = machinery_noise(rng, n_samples, kind)
    elif family == "music":
        noise = music_noise(rng, n_samples)
    else:
        noise = household_noise(rng, n_samples, kind)
    return normalize_level(noise, rng.uniform(-35, -20)), kind
