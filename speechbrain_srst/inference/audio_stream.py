"""Reading any audio file as 16 kHz mono, one span at a time.

:class:`AudioStream` lets :class:`~speechbrain_srst.inference.SRSTEnhancer`
read long files chunk by chunk: other rates are resampled block by block
with the same samples as resampling the whole file.

Authors
 * speechbrain-srst developers 2026
"""

import math
import os

import numpy as np
import soundfile as sf
import torch
import torch.nn.functional as F
import torchaudio.functional as AF

from speechbrain_srst.data.audio import AudioError, resampled_length

SAMPLE_RATE = 16000

# torchaudio's default sinc resampler (lowpass_filter_width=6, rolloff=0.99).
_RESAMPLE_WIDTH = 6
_RESAMPLE_ROLLOFF = 0.99


class AudioStream:
    """Reads a WAV/FLAC file as 16 kHz mono, any span at a time.

    Multi-channel files are averaged to mono. Other rates are resampled block
    by block with ``torchaudio.functional.resample``: each block is read with
    enough context (aligned on the resampler's period) that the samples equal
    those of resampling the whole file. Samples are checked for NaN/inf as
    they are read.

    Arguments
    ---------
    path : str or os.PathLike
        The audio file.
    sample_rate : int
        Output rate in Hz.

    Raises
    ------
    AudioError
        When the file is missing, unreadable, empty or (on reading) holds
        NaN/inf samples; the message names the file.

    Example
    -------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "stereo.wav")
    >>> sf.write(path, np.stack([np.ones(800), np.zeros(800)], 1), 8000)
    >>> with AudioStream(path) as stream:
    ...     print(stream.num_samples, stream.read(600, 4).round(decimals=2))
    1600 tensor([0.5000, 0.5000, 0.5000, 0.5000])
    """

    def __init__(self, path, sample_rate=SAMPLE_RATE):
        self.path = os.fspath(path)
        self.sample_rate = sample_rate
        if not os.path.isfile(self.path):
            raise AudioError(f"Audio file not found: {self.path}")
        try:
            self._file = sf.SoundFile(self.path)
        except Exception as error:
            raise AudioError(f"Cannot read audio file {self.path}: {error}") from error
        self.orig_rate = int(self._file.samplerate)
        self.orig_frames = int(self._file.frames)
        self.channels = int(self._file.channels)
        if self.orig_frames <= 0:
            self.close()
            raise AudioError(f"Audio file holds no samples: {self.path}")
        self.num_samples = resampled_length(
            self.orig_frames, self.orig_rate, sample_rate
        )
        gcd = math.gcd(self.orig_rate, sample_rate)
        self._orig_step = self.orig_rate // gcd
        self._new_step = sample_rate // gcd
        width = math.ceil(
            _RESAMPLE_WIDTH
            * self._orig_step
            / (min(self._orig_step, self._new_step) * _RESAMPLE_ROLLOFF)
        )
        # context on each side, a whole number of resampler periods
        self._margin = self._orig_step * (math.ceil(width / self._orig_step) + 1)

    def close(self):
        """Closes the file."""
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_raw(self, start, stop):
        """Mono samples ``[start, stop)`` at the file's rate, zeros outside it."""
        lo, hi = max(start, 0), min(stop, self.orig_frames)
        if hi <= lo:
            return torch.zeros(stop - start)
        try:
            self._file.seek(lo)
            data = self._file.read(hi - lo, dtype="float32", always_2d=True)
        except Exception as error:
            raise AudioError(f"Cannot read audio file {self.path}: {error}") from error
        if data.shape[0] != hi - lo:
            raise AudioError(
                f"Cannot read audio file {self.path}: got {data.shape[0]} "
                f"samples at {lo} instead of {hi - lo} (truncated file?)"
            )
        if not np.isfinite(data).all():
            raise AudioError(f"Audio file holds NaN or inf samples: {self.path}")
        data = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
        wav = torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32))
        return F.pad(wav, (lo - start, stop - hi))

    def read(self, start, count):
        """Returns up to ``count`` mono samples from ``start``, at ``sample_rate``.

        Arguments
        ---------
        start : int
            First sample, counted at ``sample_rate``.
        count : int
            Number of samples (fewer at the end of the file).

        Returns
        -------
        torch.Tensor
            Shape ``[n]``, float32.
        """
        stop = min(start + count, self.num_samples)
        if stop <= start:
            return torch.zeros(0)
        if self.orig_rate == self.sample_rate:
            return self._read_raw(start, stop)
        o, n = self._orig_step, self._new_step
        first_block, end_block = start // n, -(-stop // n)
        raw = self._read_raw(
            first_block * o - self._margin, end_block * o + self._margin
        )
        out = AF.resample(raw, o, n)
        offset = self._margin // o * n + start - first_block * n
        return out[offset : offset + stop - start]
