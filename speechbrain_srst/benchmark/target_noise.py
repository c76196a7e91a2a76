"""Target noise of the built-in benchmark: DNS-Challenge-like, one channel.

Four families, each with kinds that name the DNS noise file (the DNS
preparation groups noise files by the leading word of their name):

* ``stationary``: pink, brown and blue noise with a slow level drift;
* ``machinery``: mains hum (50/60 Hz harmonics), an engine, a fan;
* ``music``: notes and chords of a scale over a bass line;
* ``household``: door knocks, footsteps, dish clatter over a faint room tone.

No generator here is used by the source noise
(:mod:`speechbrain_srst.benchmark.source_noise`): the two domains share only
the signal helpers of :mod:`speechbrain_srst.benchmark.dsp`.

Authors
 * speechbrain-srst contributors
"""

import numpy as np

from speechbrain_srst.benchmark.dsp import (
    SAMPLE_RATE,
    add_event,
    band_filter,
    colored_noise,
    damped_partials,
    normalize_level,
)

# Target noise families and their kinds (the kind names the DNS noise file).
TARGET_NOISE_FAMILIES = {
    "stationary": ("PinkNoise", "BrownNoise", "BlueNoise"),
    "machinery": ("Hum50Hz", "Hum60Hz", "Engine", "Fan"),
    "music": ("Music",),
    "household": ("DoorKnock", "Footsteps", "DishClatter"),
}


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
