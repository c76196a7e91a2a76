"""Reading and writing audio files with clear errors.

Every corpus file goes through :func:`load_audio`: it reads WAV and FLAC with
soundfile, keeps the first channel, resamples to 16 kHz and rejects missing,
corrupt, empty and non-finite files with an :class:`AudioError` that names
the file.

Authors
 * speechbrain-srst contributors
"""

import logging
import math
import os

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 16000


class AudioError(ValueError):
    """An audio file is missing, unreadable, empty or holds NaN/inf samples.

    The message always names the file.
    """


def _check_exists(path):
    if not os.path.isfile(path):
        raise AudioError(f"Audio file not found: {path}")


def audio_info(path):
    """Read an audio file's header.

    Arguments
    ---------
    path : str or os.PathLike
        A WAV or FLAC file.

    Returns
    -------
    num_frames : int
        Samples per channel, at the file's own rate.
    sample_rate : int
        The file's sampling rate in Hz.
    channels : int
        Number of channels.

    Example
    -------
    >>> import os, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> path = os.path.join(tmp, "a.wav")
    >>> save_audio(path, torch.zeros(800), sample_rate=8000)
    >>> audio_info(path)
    (800, 8000, 1)
    """
    path = os.fspath(path)
    _check_exists(path)
    try:
        info = sf.info(path)
    except Exception as error:
        raise AudioError(f"Cannot read audio file {path}: {error}") from error
    return int(info.frames), int(info.samplerate), int(info.channels)


def resampled_length(num_frames, orig_rate, sample_rate=DEFAULT_SAMPLE_RATE):
    """Number of samples that :func:`load_audio` returns after resampling.

    Arguments
    ---------
    num_frames : int
        Samples at the original rate.
    orig_rate : int
        The original rate in Hz.
    sample_rate : int
        The target rate in Hz.

    Returns
    -------
    int
        ``ceil(num_frames * sample_rate / orig_rate)`` (torchaudio's rule).

    Example
    -------
    >>> resampled_length(8000, 8000, 16000)
    16000
    >>> resampled_length(441, 44100, 16000)
    160
    """
    if orig_rate == sample_rate:
        return int(num_frames)
    return int(math.ceil(num_frames * sample_rate / orig_rate))


def _read(path, start, frames):
    try:
        data, rate = sf.read(
            path, start=start, frames=frames, dtype="float32", always_2d=True
        )
    except Exception as error:
        raise AudioError(f"Cannot read audio file {path}: {error}") from error
    return data[:, 0], rate


def load_audio(path, sample_rate=DEFAULT_SAMPLE_RATE, start=0, num_samples=None):
    """Load one channel of an audio file as a 1-D float32 tensor.

    Arguments
    ---------
    path : str or os.PathLike
        A WAV or FLAC file (any rate, any number of channels).
    sample_rate : int
        Output rate in Hz; other rates are resampled with
        ``torchaudio.functional.resample``.
    start : int
        First sample to return, counted at ``sample_rate``.
    num_samples : int or None
        How many samples to return at most (None: up to the end). Files at
        ``sample_rate`` are read partially; others are decoded whole.

    Returns
    -------
    torch.Tensor
        Shape ``[time]``, float32, channel 0 only.

    Raises
    ------
    AudioError
        When the file is missing, unreadable, holds no samples at all or
        holds NaN/inf samples; the message names the file.

    Example
    -------
    >>> import os, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> path = os.path.join(tmp, "stereo.wav")
    >>> stereo = np.stack([np.full(8000, 0.5), np.zeros(8000)], axis=1)
    >>> sf.write(path, stereo, 8000)
    >>> wav = load_audio(path)
    >>> wav.shape, wav.dtype
    (torch.Size([16000]), torch.float32)
    >>> load_audio(os.path.join(tmp, "missing.wav"))
    Traceback (most recent call last):
    ...
    speechbrain_srst.data.audio.AudioError: Audio file not found: ...missing.wav
    """
    path = os.fspath(path)
    _check_exists(path)
    num_frames, rate, _ = audio_info(path)
    if num_frames == 0:
        raise AudioError(f"Audio file holds no samples: {path}")
    if rate == sample_rate:
        frames = -1 if num_samples is None else int(num_samples)
        data, _ = _read(path, int(start), frames)
        wav = torch.from_numpy(np.ascontiguousarray(data))
    else:
        data, _ = _read(path, 0, -1)
        wav = AF.resample(torch.from_numpy(data), rate, sample_rate)
        stop = None if num_samples is None else start + int(num_samples)
        wav = wav[start:stop]
    if not torch.isfinite(wav).all():
        raise AudioError(f"Audio file holds NaN or inf samples: {path}")
    return wav.contiguous()


def save_audio(path, wav, sample_rate=DEFAULT_SAMPLE_RATE):
    """Write a mono signal as a 32-bit float WAV file (lossless round trip).

    Parent folders are created as needed. The file holds no time stamp, so
    the same signal always gives the same bytes.

    Arguments
    ---------
    path : str or os.PathLike
        Destination ``.wav`` file.
    wav : torch.Tensor or numpy.ndarray
        Shape ``[time]``.
    sample_rate : int
        Rate in Hz written in the header.

    Example
    -------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "sub", "x.wav")
    >>> wav = torch.rand(1600) - 0.5
    >>> save_audio(path, wav)
    >>> torch.equal(load_audio(path), wav)
    True
    """
    path = os.fspath(path)
    if isinstance(wav, torch.Tensor):
        wav = wav.detach().cpu().numpy()
    wav = np.asarray(wav, dtype=np.float32)
    if wav.ndim != 1:
        raise ValueError(f"save_audio expects a 1-D signal, got {wav.shape} ({path})")
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with sf.SoundFile(
        path, "w", samplerate=sample_rate, channels=1, subtype="FLOAT", format="WAV"
    ) as handle:
        _no_peak_chunk(handle)
        handle.write(wav)


SFC_SET_ADD_PEAK_CHUNK = 0x1050


def _no_peak_chunk(handle):
    """Stop libsndfile from adding a PEAK chunk to a float WAV file.

    The PEAK chunk holds the time of writing, so two runs would give files
    that differ in their header; without it the files are byte-identical.
    """
    try:
        sf._snd.sf_command(handle._file, SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
    except AttributeError:  # soundfile internals changed: keep the PEAK chunk
        logger.debug("Cannot disable the PEAK chunk of %s", handle.name)
