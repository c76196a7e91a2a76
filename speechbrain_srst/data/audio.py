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
import re

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


def inspect_audio(path, block_frames=1 << 18):
    """Decode a whole audio file and measure channel 0 (the one loaded).

    Reads the file block by block (memory bounded by ``block_frames``), so a
    file whose data is cut short, holds NaN/inf samples or cannot be decoded
    is found before it is used.

    Arguments
    ---------
    path : str or os.PathLike
        A WAV or FLAC file.
    block_frames : int
        Frames decoded at a time.

    Returns
    -------
    dict
        ``frames``, ``sample_rate``, ``channels`` (from the header) and
        ``rms_dbfs``: RMS of channel 0 around its mean in dBFS (-200 for a
        silent file, as :func:`speechbrain_srst.data.mixing.rms_dbfs`).

    Raises
    ------
    AudioError
        When the file is missing, cannot be decoded, holds fewer samples than
        its header says, no samples, or NaN/inf samples; the message names it.

    Example
    -------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
    >>> save_audio(path, torch.zeros(1600))
    >>> inspect_audio(path)
    {'frames': 1600, 'sample_rate': 16000, 'channels': 1, 'rms_dbfs': -200.0}
    """
    path = os.fspath(path)
    frames, rate, channels = audio_info(path)
    if frames == 0:
        raise AudioError(f"Audio file holds no samples: {path}")
    count, total, total_sq = 0, 0.0, 0.0
    try:
        with sf.SoundFile(path) as handle:
            _check_data_chunk(handle, path)
            for block in handle.blocks(
                blocksize=block_frames, dtype="float32", always_2d=True
            ):  # float32: decoding to float64 took 20 times the CPU time
                channel = np.ascontiguousarray(block[:, 0])
                if not np.isfinite(channel).all():
                    raise AudioError(f"Audio file holds NaN or inf samples: {path}")
                count += channel.size
                total += float(channel.sum(dtype=np.float64))
                total_sq += float(np.dot(channel, channel))
    except AudioError:
        raise
    except Exception as error:
        raise AudioError(f"Cannot decode audio file {path}: {error}") from error
    if count < frames:
        raise AudioError(
            f"Audio file is cut short: {path} decodes to {count} of the "
            f"{frames} samples its header announces"
        )
    variance = max(total_sq / count - (total / count) ** 2, 0.0)
    rms = math.sqrt(variance)
    rms_dbfs = 20.0 * math.log10(rms) if rms > 1e-10 else -200.0
    return {
        "frames": frames,
        "sample_rate": rate,
        "channels": channels,
        "rms_dbfs": round(rms_dbfs, 6),
    }


_DATA_CHUNK = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
_UNKNOWN_SIZES = (0, 0xFFFFFFFF, 0x7FFFFFFF)  # streamed WAV: length not written


def _check_data_chunk(handle, path):
    """A WAV whose data chunk is larger than the file was cut short.

    libsndfile then silently returns the samples present; its log says
    ``data : <declared> (should be <present>)``.
    """
    match = _DATA_CHUNK.search(handle.extra_info or "")
    if match:
        declared, present = int(match.group(1)), int(match.group(2))
        if declared > present and declared not in _UNKNOWN_SIZES:
            raise AudioError(
                f"Audio file is cut short: {path} holds {present} bytes of audio "
                f"data where its header announces {declared}"
            )


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
