"""Source noise of the built-in benchmark: WHAM!-like urban ambience.

Real WHAM! noise was recorded in restaurants, cafes, bars and parks of the
San Francisco Bay Area: broadband ambience in which babble of other talkers
sits among non-speech sources. Each file here is one such scene, two
channels (a pair of microphones), made of:

* babble of 3 to 10 English talkers whose voices are disjoint from the
  foreground speakers of both domains (:data:`BABBLE_VARIANTS`), each
  beyond the room's critical distance (:func:`distant_talkers`);
* two to four non-speech urban sources drawn per scene: traffic (rumble,
  passing vehicles, tyre hiss), wind and street air, ventilation (ducted air
  with a motor tone), cafe clatter (clinks, clicks and low thumps of chairs
  and doors), distant reverberant music (drums, bass and a pad), passing
  footsteps;
* for indoor scenes, a room response.

The target noise (:mod:`speechbrain_srst.benchmark.target_noise`) shares no
generator with these: only the helpers of :mod:`speechbrain_srst.benchmark.dsp`.
Their spectra overlap (rumble and hiss against coloured noise, ventilation
against fans and hum, clatter and footsteps against household impulses,
music against music) as real WHAM! and DNS noise overlap, so that a source
model transfers in part.

Every generator is a pure function of its random generator.

Authors
 * speechbrain-srst contributors
"""

import numpy as np
from scipy.signal import fftconvolve

from speechbrain_srst.benchmark.dsp import (
    SAMPLE_RATE,
    add_event,
    band_filter,
    colored_noise,
    damped_partials,
    normalize_level,
    room_impulse_response,
)
from speechbrain_srst.benchmark.speech import (
    SOURCE_ENGLISH_VOICES,
    draw_speakers,
    make_sentence,
    speak,
)

# Voices of background talkers: eSpeak NG variants used by no foreground
# speaker of either domain (see speech.SOURCE_VARIANTS, TARGET_VARIANTS).
# Left out: "Reed" and "caleb" give different samples for the same text and
# seed (a random state that eSpeak's seed does not reach).
BABBLE_VARIANTS = {
    "Hugo": "male", "Jacky": "male", "Lee": "male", "Marco": "male",
    "ed": "male", "edward2": "male",
    "ian": "male", "iven": "male", "john": "male", "pedro": "male",
    "victor": "male", "zac": "male", "klatt": "male", "klatt3": "male",
    "steph3": "female", "klatt4": "female", "iven2": "female",
    "klatt2": "female", "Gene2": "female", "mike2": "female",
}  # fmt: skip
BABBLE_PROSODY = {"rate": [(140, 200)], "pitch": [(25, 75)], "range": [(30, 80)]}

URBAN_SOURCES = ("traffic", "wind", "ventilation", "clatter", "music", "footsteps")
"""Non-speech sources a scene draws from (two to four per scene)."""


def babble_talkers(rng, n_samples, n_talkers):
    """Background English talkers speaking at once, one row each.

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
        rng, n_talkers, "en", SOURCE_ENGLISH_VOICES, BABBLE_VARIANTS, BABBLE_PROSODY
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


def traffic_noise(rng, n_samples):
    """Street traffic: low rumble, passing vehicles and tyre hiss.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.

    Returns
    -------
    numpy.ndarray
        The noise at unit RMS.

    Example
    -------
    >>> traffic = traffic_noise(np.random.default_rng(0), 32000)
    >>> spectrum = np.abs(np.fft.rfft(traffic)) ** 2
    >>> bool(spectrum[:2000].sum() > spectrum[8000:].sum())  # below 1 kHz
    True
    """
    t = np.arange(n_samples) / SAMPLE_RATE
    rumble = band_filter(colored_noise(rng, n_samples, 1.6), high_hz=600)
    rumble /= np.std(rumble) + 1e-12
    passing = np.zeros(n_samples)
    n_vehicles = 1 + rng.poisson(0.4 * n_samples / SAMPLE_RATE)
    for _ in range(n_vehicles):
        centre = rng.uniform(-1, n_samples / SAMPLE_RATE + 1)
        width = rng.uniform(0.8, 3.0)
        swell = 1 / (1 + ((t - centre) / width * 2) ** 2)
        body = band_filter(
            rng.normal(size=n_samples), rng.uniform(60, 150), rng.uniform(900, 2500)
        )
        passing += rng.uniform(0.5, 1.5) * swell * body / (np.std(body) + 1e-12)
    hiss = band_filter(rng.normal(size=n_samples), low_hz=rng.uniform(1500, 3000))
    hiss /= np.std(hiss) + 1e-12
    hiss *= 0.2 + np.abs(passing) / (np.abs(passing).max() + 1e-12)
    noise = rumble + passing + rng.uniform(0.1, 0.5) * hiss
    return noise / (np.std(noise) + 1e-12)


def wind_noise(rng, n_samples):
    """Street air and wind: broadband noise in slow gusts.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.

    Returns
    -------
    numpy.ndarray
        The noise at unit RMS.

    Example
    -------
    >>> wind_noise(np.random.default_rng(0), 16000).shape
    (16000,)
    """
    exponent = rng.uniform(0.3, 1.3)
    air = colored_noise(rng, n_samples, exponent)
    gusts = band_filter(rng.normal(size=n_samples), high_hz=rng.uniform(0.5, 2.0))
    gusts /= np.std(gusts) + 1e-12
    envelope = np.exp(rng.uniform(0.3, 0.8) * gusts)
    noise = air * envelope
    return noise / (np.std(noise) + 1e-12)


def ventilation_noise(rng, n_samples):
    """Ducted air with a few resonances and a motor's tonal whine.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.

    Returns
    -------
    numpy.ndarray
        The noise at unit RMS.

    Example
    -------
    >>> ventilation_noise(np.random.default_rng(0), 16000).shape
    (16000,)
    """
    air = colored_noise(rng, n_samples, rng.uniform(0.5, 1.2))
    for _ in range(int(rng.integers(2, 5))):
        centre = rng.uniform(150, 3000)
        band = band_filter(
            rng.normal(size=n_samples), centre / 1.15, centre * 1.15, order=2
        )
        air += rng.uniform(0.3, 1.0) * band / (np.std(band) + 1e-12)
    t = np.arange(n_samples) / SAMPLE_RATE
    motor_hz = rng.uniform(90, 400)
    whine = sum(
        rng.uniform(0.2, 1.0)
        / k
        * np.sin(2 * np.pi * k * motor_hz * t + rng.uniform(0, 6.3))
        for k in (1, 2, 3)
    )
    noise = air / (np.std(air) + 1e-12) + rng.uniform(0.05, 0.4) * whine
    return noise / (np.std(noise) + 1e-12)


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


def furniture_thumps(rng, n_samples, events_per_second):
    """Chairs set down, doors swinging shut, bags dropped: low, short thumps.

    Each thump is a decaying low sine (60-160 Hz) with a burst of low-passed
    noise on its attack.

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
    >>> events = furniture_thumps(np.random.default_rng(0), 32000, 2.0)
    >>> all(len(event) == 2400 for event, _ in events)
    True
    """
    length = int(0.15 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    events = []
    for _ in range(rng.poisson(events_per_second * n_samples / SAMPLE_RATE)):
        body = np.sin(2 * np.pi * rng.uniform(60, 160) * t) * np.exp(
            -t / rng.uniform(0.02, 0.06)
        )
        attack = band_filter(rng.normal(size=length), high_hz=rng.uniform(400, 1200))
        attack *= np.exp(-t / 0.008)
        event = body + rng.uniform(0.2, 0.8) * attack / (np.max(np.abs(attack)) + 1e-12)
        event /= np.max(np.abs(event)) + 1e-12
        events.append((event * rng.uniform(0.4, 1.0), int(rng.integers(0, n_samples))))
    return events


def clatter_noise(rng, n_samples):
    """Cafe clatter and thumps (:func:`cafe_clatter`, :func:`furniture_thumps`)
    as one signal at unit RMS.

    Example
    -------
    >>> clatter_noise(np.random.default_rng(0), 16000).shape
    (16000,)
    """
    signal = 0.01 * rng.normal(size=n_samples)
    events = cafe_clatter(rng, n_samples, rng.uniform(1.0, 4.0))
    events += furniture_thumps(rng, n_samples, rng.uniform(0.3, 2.0))
    for event, start in events:
        add_event(signal, event, start)
    return signal / (np.std(signal) + 1e-12)


def distant_music(rng, n_samples):
    """Music from another room: drums, a bass line and a pad, muffled.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.

    Returns
    -------
    numpy.ndarray
        The music at unit RMS.

    Example
    -------
    >>> distant_music(np.random.default_rng(0), 16000).shape
    (16000,)
    """
    beat = int(SAMPLE_RATE * 60 / rng.uniform(90, 130))
    music = np.zeros(n_samples)
    kick_t = np.arange(int(0.15 * SAMPLE_RATE)) / SAMPLE_RATE
    kick = np.sin(2 * np.pi * (55 + 60 * np.exp(-kick_t / 0.02)) * kick_t)
    kick *= np.exp(-kick_t / 0.06)
    snare = band_filter(rng.normal(size=len(kick_t)), 300, 5000) * np.exp(
        -kick_t / 0.04
    )
    snare /= np.max(np.abs(snare)) + 1e-12
    root_hz = rng.uniform(45, 80)
    t_beat = np.arange(beat) / SAMPLE_RATE
    for index, position in enumerate(range(0, n_samples, beat)):
        add_event(music, kick if index % 2 == 0 else 0.6 * snare, position)
        bass_hz = root_hz * 2 ** (int(rng.choice([0, 3, 5, 7])) / 12)
        bass = np.sin(2 * np.pi * bass_hz * t_beat) * np.exp(-t_beat / 0.3)
        add_event(music, 0.5 * bass, position)
    t = np.arange(n_samples) / SAMPLE_RATE
    pad = sum(
        np.sin(2 * np.pi * root_hz * 4 * 2 ** (semitones / 12) * t)
        for semitones in (0, 4, 7)
    )
    music += 0.15 * pad
    music = band_filter(music, high_hz=rng.uniform(1500, 3500))
    return music / (np.std(music) + 1e-12)


def passing_footsteps(rng, n_samples):
    """Passers-by walking on pavement or a wooden floor, approaching and
    receding.

    One to three walkers, each at a cadence of 1.5 to 2.5 steps per second.
    A step is a heel strike (a decaying burst of noise, low-passed at
    250-1200 Hz, with a weaker body resonance at 50-140 Hz) followed
    40-110 ms later by a weaker toe strike; hard soles add a short click
    above 2 kHz. Each walker's level swells and fades as they pass the
    microphones. Low impulsive thuds like these are in WHAM!'s street,
    cafe and restaurant recordings. Over many draws the power splits about
    22 / 20 / 25 / 25 / 8 % over 0-100 / 100-200 / 200-400 / 400-800 /
    800-1600 Hz, as that of the DNS-like indoor footsteps does (22 / 19 /
    32 / 25 / 3 %), which come from a generator of their own: a single
    walker at a steady level, one low-passed strike per step.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Length at 16 kHz.

    Returns
    -------
    numpy.ndarray
        The footsteps at unit RMS.

    Example
    -------
    >>> steps = passing_footsteps(np.random.default_rng(0), 48000)
    >>> spectrum = np.abs(np.fft.rfft(steps)) ** 2
    >>> bool(spectrum[:3000].sum() > spectrum[3000:].sum())  # mostly < 1 kHz
    True
    """
    length = int(0.12 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    times = np.arange(n_samples) / SAMPLE_RATE
    signal = 0.005 * colored_noise(rng, n_samples, 1.0)
    for _ in range(int(rng.integers(1, 4))):
        period = 1 / rng.uniform(1.5, 2.5)
        cutoff = rng.uniform(250, 1200)
        body_hz = rng.uniform(50, 140)
        hard_soles = rng.random() < 0.5
        centre = rng.uniform(0, n_samples / SAMPLE_RATE)
        width = rng.uniform(1.0, 4.0)
        swell = 0.15 + 1 / (1 + ((times - centre) / width) ** 2)
        walker = np.zeros(n_samples)
        position = int(rng.uniform(0, period) * SAMPLE_RATE)
        while position < n_samples:
            for strike, gain in ((0, 1.0), (rng.uniform(0.04, 0.11), 0.5)):
                burst = band_filter(rng.normal(size=length), high_hz=cutoff)
                burst *= np.exp(-t / rng.uniform(0.008, 0.025))
                burst /= np.max(np.abs(burst)) + 1e-12
                burst += 0.25 * np.sin(2 * np.pi * body_hz * t) * np.exp(-t / 0.03)
                if hard_soles:
                    click = band_filter(rng.normal(size=length), low_hz=2000)
                    burst += (
                        0.3
                        * click
                        * np.exp(-t / 0.003)
                        / (np.max(np.abs(click)) + 1e-12)
                    )
                start = position + int(strike * SAMPLE_RATE)
                add_event(walker, burst * gain * rng.uniform(0.6, 1.0), start)
            position += int((period + rng.normal(0, 0.02)) * SAMPLE_RATE)
        signal += walker * swell
    return signal / (np.std(signal) + 1e-12)


_URBAN_GENERATORS = {
    "traffic": traffic_noise,
    "wind": wind_noise,
    "ventilation": ventilation_noise,
    "clatter": clatter_noise,
    "music": distant_music,
    "footsteps": passing_footsteps,
}


def distant_talkers(rng, talkers, drr_db=(-6.0, 0.0), rt60_s=(0.4, 0.9)):
    """Places each babble talker beyond the room's critical distance.

    Background talkers in the restaurants, cafes and bars of WHAM! are far
    from the microphones: their direct sound is weaker than their
    reverberation, and air and furnishings dull their high frequencies. Each
    talker gets a room response of its own with a direct-to-reverberant
    ratio drawn in ``drr_db`` and a low-pass at 3-6 kHz, so that what tells
    a background talker from the foreground speaker is distance, as in real
    recordings, not the voice.

    Arguments
    ---------
    rng : numpy.random.Generator
        Source of randomness.
    talkers : numpy.ndarray
        Dry talkers, (n_talkers, samples) at 16 kHz.
    drr_db : (float, float)
        Range of the direct-to-reverberant ratio, dB.
    rt60_s : (float, float)
        Range of the reverberation time, seconds.

    Returns
    -------
    numpy.ndarray
        (n_talkers, samples), each row at its input's RMS.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> dry = rng.normal(size=(2, 16000))
    >>> far = distant_talkers(rng, dry)
    >>> far.shape, bool(np.allclose(far.std(axis=1), dry.std(axis=1), rtol=1e-3))
    ((2, 16000), True)
    """
    n_samples = talkers.shape[1]
    out = np.empty_like(talkers, dtype=np.float64)
    for index, talker in enumerate(talkers):
        response = room_impulse_response(
            rng, rng.uniform(*rt60_s), direct_to_reverberant_db=rng.uniform(*drr_db)
        )
        wet = fftconvolve(talker, response)[:n_samples]
        wet = band_filter(wet, high_hz=rng.uniform(3000, 6000))
        out[index] = wet * np.std(talker) / (np.std(wet) + 1e-12)
    return out


def make_source_noise(rng, seconds, n_talkers=(3, 10)):
    """A two-channel urban scene: babble among non-speech sources.

    The babble (distant talkers, :func:`distant_talkers`) takes a share of
    the scene's power drawn in [15 %, 60 %]; two to
    four non-speech sources (:data:`URBAN_SOURCES`) share the rest. Indoor
    scenes (two in three) are reverberated. The channels see each component
    with its own small delay and gain, like a pair of microphones.

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
    babble = distant_talkers(rng, talkers) * rng.uniform(0.3, 1.0, (n_talkers, 1))
    babble_share = rng.uniform(0.15, 0.6)
    babble *= np.sqrt(babble_share / (np.mean(babble.sum(axis=0) ** 2) + 1e-12))
    components = list(babble)
    n_sources = int(rng.integers(2, 5))
    names = rng.choice(len(URBAN_SOURCES), size=n_sources, replace=False)
    weights = rng.dirichlet(np.ones(n_sources)) * (1 - babble_share)
    for name_index, weight in zip(names, weights, strict=True):
        generator = _URBAN_GENERATORS[URBAN_SOURCES[int(name_index)]]
        components.append(generator(rng, n_samples) * np.sqrt(weight))
    indoor = rng.random() < 2 / 3
    rt60 = rng.uniform(0.3, 0.8)
    channels = np.zeros((2, n_samples))
    for channel in channels:
        for signal in components:
            delay = int(rng.integers(0, 9))
            gain = 10 ** (rng.uniform(-1.5, 1.5) / 20)
            add_event(channel, signal * gain, delay)
        if indoor:
            reverberant = fftconvolve(channel, room_impulse_response(rng, rt60))
            channel[:] = reverberant[:n_samples]
    return normalize_level(channels, rng.uniform(-32, -22))
