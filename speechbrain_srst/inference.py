"""Pretrained interface of a speechbrain-srst enhancer, with bounded-memory files.

:class:`SRSTEnhancer` loads a model folder written by
:func:`speechbrain_srst.export.export_model` (``hyperparams.yaml`` plus
``model.ckpt``) in the style of SpeechBrain's ``SpectralMaskEnhancement``::

    enhancer = SRSTEnhancer.from_hparams(source="path/to/folder")
    enhanced = enhancer.enhance_file("noisy.wav")          # tensor [time]
    enhancer.enhance_file("long.wav", output_path="out.wav")  # streamed

Long signals are cut into overlapping chunks (``chunk_seconds`` with
``overlap_seconds`` of overlap, both from ``hyperparams.yaml`` and overridable
per call) that are enhanced one at a time and put back together by
overlap-add with a raised-cosine cross-fade whose two halves sum to one.
Files are read chunk by chunk with soundfile (resampled to 16 kHz on the fly,
block by block, with the same result as resampling the whole file) and, when
``output_path`` is given, written chunk by chunk, so memory is bounded by the
chunk size whatever the length of the file.

Model folders are only ever read from the local disk: a missing folder is a
:class:`FileNotFoundError`, never a request to the HuggingFace hub, and the
checkpoints are read with ``torch.load(..., weights_only=True)`` and applied
with ``load_state_dict(strict=True)`` (SpeechBrain's own Pretrainer loads
non-strictly, so it is not used to load them). ``hyperparams.yaml`` is still
executed by HyperPyYAML: load model folders from trusted sources only.

Authors
 * speechbrain-srst developers 2026
"""

import math
import os
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torch.nn.functional as F
import torchaudio.functional as AF
from hyperpyyaml import load_hyperpyyaml
from speechbrain.inference.interfaces import Pretrained
from speechbrain.utils.fetching import (
    FetchConfig,
    FetchFrom,
    FetchSource,
    LocalStrategy,
)

from speechbrain_srst.allocator import keep_freed_memory
from speechbrain_srst.data.audio import AudioError, resampled_length
from speechbrain_srst.lobes.unet import fold_batch_norm
from speechbrain_srst.losses import length_mask

try:  # keeps written files byte-identical between runs (no PEAK chunk)
    from speechbrain_srst.data.audio import _no_peak_chunk
except ImportError:  # pragma: no cover - colleague's helper renamed

    def _no_peak_chunk(handle):
        return None


SAMPLE_RATE = 16000
DEFAULT_CHUNK_SECONDS = 30.0
DEFAULT_CPU_BATCH_SAMPLES = 160_000  # see SRSTEnhancer._micro_batch
DEFAULT_OVERLAP_SECONDS = 1.0

# torchaudio's default sinc resampler (lowpass_filter_width=6, rolloff=0.99).
_RESAMPLE_WIDTH = 6
_RESAMPLE_ROLLOFF = 0.99


def check_model_folder(source, hparams_file="hyperparams.yaml"):
    """Returns the absolute model folder, or raises if it is not a usable folder.

    Arguments
    ---------
    source : str or os.PathLike
        A local model folder.
    hparams_file : str
        The hyperparameters file that must be inside it.

    Returns
    -------
    pathlib.Path
        The resolved folder.

    Raises
    ------
    FileNotFoundError
        When ``source`` is not a folder or holds no ``hparams_file``; the
        message names the path.

    Example
    -------
    >>> check_model_folder("/no/such/model")
    Traceback (most recent call last):
    ...
    FileNotFoundError: Model folder not found: /no/such/model ...
    """
    folder = Path(os.fspath(source)).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Model folder not found: {source} (SRSTEnhancer only loads local "
            "folders written by speechbrain_srst.export.export_model)"
        )
    if not (folder / hparams_file).is_file():
        raise FileNotFoundError(
            f"Model folder {source} holds no {hparams_file}: not a model folder"
        )
    return folder.resolve()


def load_checkpoint(module, path):
    """Loads a ``state_dict`` into ``module`` safely and strictly.

    Arguments
    ---------
    module : torch.nn.Module
        The module to fill.
    path : str or os.PathLike
        A file written with ``torch.save(module.state_dict(), path)``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    RuntimeError
        When the keys or shapes do not match the module (the message names
        the file).

    Example
    -------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "lin.ckpt")
    >>> torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    >>> load_checkpoint(torch.nn.Linear(2, 2), path)
    >>> load_checkpoint(torch.nn.Linear(2, 3), path)
    Traceback (most recent call last):
    ...
    RuntimeError: Checkpoint ...lin.ckpt does not match the model ...
    """
    path = Path(os.fspath(path))
    if not path.exists():
        raise FileNotFoundError(f"Checkpoint not found: {path}")
    state_dict = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state_dict, dict):
        raise RuntimeError(f"Checkpoint {path} does not hold a state_dict")
    try:
        module.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise RuntimeError(
            f"Checkpoint {path} does not match the model built by "
            f"hyperparams.yaml: {error}"
        ) from error


def crossfade_window(overlap, device=None, dtype=torch.float32):
    """Raised-cosine fade-in of ``overlap`` samples; ``1 - fade_in`` fades out.

    ``fade_in[t] = sin^2(pi / 2 * (t + 0.5) / overlap)``, so a chunk's
    fade-out (``1 - fade_in``) plus the next chunk's fade-in is exactly one
    on every overlapping sample, and both are smooth.

    Arguments
    ---------
    overlap : int
        Number of overlapping samples.
    device : torch.device, optional
        Device of the window.
    dtype : torch.dtype
        Type of the window.

    Returns
    -------
    torch.Tensor
        Shape ``[overlap]``, increasing from near 0 to near 1.

    Example
    -------
    >>> fade_in = crossfade_window(4)
    >>> fade_in
    tensor([0.0381, 0.3087, 0.6913, 0.9619])
    >>> torch.allclose(fade_in + (1 - fade_in), torch.ones(4))
    True
    >>> torch.allclose(fade_in.flip(0), 1 - fade_in)
    True
    """
    t = (torch.arange(overlap, device=device, dtype=torch.float64) + 0.5) / overlap
    return torch.sin(0.5 * math.pi * t).pow(2).to(dtype)


def chunk_starts(total, chunk, overlap):
    """First samples of the chunks that cover ``total`` samples.

    Consecutive chunks start ``chunk - overlap`` samples apart; the last one
    may be shorter than ``chunk`` but always extends past the overlap with the
    one before it.

    Arguments
    ---------
    total : int
        Signal length.
    chunk : int
        Chunk length.
    overlap : int
        Overlap between consecutive chunks, ``0 <= overlap < chunk``.

    Returns
    -------
    list of int

    Example
    -------
    >>> chunk_starts(10, 4, 1)
    [0, 3, 6]
    >>> chunk_starts(4, 4, 1)
    [0]
    """
    if not 0 <= overlap < chunk:
        raise ValueError(f"Need 0 <= overlap < chunk, got {overlap} and {chunk}")
    starts = [0]
    while starts[-1] + chunk < total:
        starts.append(starts[-1] + chunk - overlap)
    return starts


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


class SRSTEnhancer(Pretrained):
    """Enhances speech with a speechbrain-srst U-Net (speech and noise outputs).

    Load a folder written by :func:`speechbrain_srst.export.export_model`
    with :meth:`from_hparams`. The model works at 16 kHz; files at other rates
    are resampled, and multi-channel files are averaged to mono (as
    SpeechBrain's ``AudioNormalizer`` does) before enhancement. Signals longer
    than one chunk are enhanced chunk by chunk (see the module docstring).

    The chunk and overlap lengths are rounded to a multiple of
    ``hop_length * 2 ** levels`` samples (1024 for a 2-level U-Net, 4096 for
    4 levels), so every chunk sees the same STFT frames and the same
    down-sampling grid as the whole signal would.

    Arguments
    ---------
    See ``speechbrain.inference.interfaces.Pretrained``; ``hparams`` may set
    ``sample_rate``, ``chunk_seconds``, ``overlap_seconds``,
    ``cpu_batch_samples``, ``fold_batch_norm`` (see :meth:`inference_model`)
    and ``tune_cpu_allocator``: on the CPU, the first enhancement lets
    glibc's ``malloc`` keep freed memory for the next forward pass
    (:func:`speechbrain_srst.allocator.keep_freed_memory`, process-wide,
    about a quarter faster on 10 s clips); ``tune_cpu_allocator: False``, or
    ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` in the
    environment, leaves the allocator alone.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_srst.export import export_model
    >>> from speechbrain_srst.lobes.unet import UNet
    >>> folder = export_model(tempfile.mkdtemp(), UNet([8, 16]), "supervised")
    >>> enhancer = SRSTEnhancer.from_hparams(folder, run_opts={"device": "cpu"})
    >>> enhancer.enhance_batch(torch.randn(2, 1600)).shape
    torch.Size([2, 1600])
    """

    MODULES_NEEDED = ["model"]

    @classmethod
    def from_hparams(
        cls,
        source,
        hparams_file="hyperparams.yaml",
        overrides=None,
        overrides_must_match=True,
        savedir=None,
        local_strategy=LocalStrategy.SYMLINK,
        download_only=False,
        **kwargs,
    ):
        """Builds the enhancer from a LOCAL model folder (never from the hub).

        Arguments
        ---------
        source : str or os.PathLike
            The model folder (``hyperparams.yaml`` and ``<key>.ckpt`` for
            every loadable of its ``pretrainer``).
        hparams_file : str
            Name of the hyperparameters file in ``source``.
        overrides : dict, optional
            HyperPyYAML overrides, e.g. ``{"chunk_seconds": 10.0}``.
        overrides_must_match : bool
            Whether every override must name an existing key.
        savedir : str or os.PathLike, optional
            Where the Pretrainer links (or copies) the checkpoints, as in
            SpeechBrain; None reads them in place.
        local_strategy : speechbrain.utils.fetching.LocalStrategy
            How the checkpoints are linked into ``savedir``.
        download_only : bool
            Only link the checkpoints into ``savedir`` and return None.
        **kwargs : dict
            Passed to the constructor (``run_opts={"device": "cuda:0"}``,
            ``freeze_params``).

        Returns
        -------
        SRSTEnhancer or None

        Raises
        ------
        FileNotFoundError
            When ``source`` is not a folder, or lacks ``hparams_file`` or a
            checkpoint; checked before SpeechBrain sees the path.
        """
        folder = check_model_folder(source, hparams_file)
        with open(folder / hparams_file, encoding="utf-8") as fin:
            hparams = load_hyperpyyaml(fin, overrides or {}, overrides_must_match)
        hparams["savedir"] = savedir
        pretrainer = hparams["pretrainer"]
        pretrainer.set_collect_in(savedir)
        paths = pretrainer.collect_files(
            default_source=FetchSource(FetchFrom.LOCAL, str(folder)),
            local_strategy=local_strategy,
            fetch_config=FetchConfig(allow_network=False, overwrite=True),
        )
        if download_only:
            return None
        for name, module in pretrainer.loadables.items():
            if name in paths:
                load_checkpoint(module, paths[name])
        return cls(modules=hparams["modules"], hparams=hparams, **kwargs)

    # ------------------------------------------------------------ settings

    def _setting(self, name, default):
        return getattr(getattr(self, "hparams", None), name, default)

    @property
    def sample_rate(self):
        """The rate the model works at (16 kHz)."""
        return int(self._setting("sample_rate", SAMPLE_RATE))

    @property
    def _quantum(self):
        model = self.mods.model
        try:
            return int(model.stft.hop_length) * 2 ** len(model.encoder)
        except (AttributeError, TypeError):
            return 1

    @property
    def _min_samples(self):
        try:
            return int(self.mods.model.stft.n_fft)
        except AttributeError:
            return 512

    def chunk_sizes(self, chunk_seconds=None, overlap_seconds=None):
        """Chunk and overlap lengths in samples, rounded to the model's grid.

        Arguments
        ---------
        chunk_seconds : float, optional
            Chunk length (default: ``hparams.chunk_seconds``, else 30 s).
        overlap_seconds : float, optional
            Overlap (default: ``hparams.overlap_seconds``, else 1 s, but at
            most a quarter of the chunk).

        Returns
        -------
        chunk : int
            At least one grid step.
        overlap : int
            Smaller than ``chunk``; non-zero when ``overlap_seconds > 0``.
        """
        if chunk_seconds is None:
            chunk_seconds = self._setting("chunk_seconds", DEFAULT_CHUNK_SECONDS)
        if overlap_seconds is None:
            overlap_seconds = min(
                self._setting("overlap_seconds", DEFAULT_OVERLAP_SECONDS),
                chunk_seconds / 4,
            )
        if not chunk_seconds > 0 or not overlap_seconds >= 0:
            raise ValueError(
                f"Need chunk_seconds > 0 and overlap_seconds >= 0, got "
                f"{chunk_seconds} and {overlap_seconds}"
            )
        quantum = self._quantum
        chunk = max(1, round(chunk_seconds * self.sample_rate / quantum)) * quantum
        overlap = round(overlap_seconds * self.sample_rate / quantum) * quantum
        if overlap_seconds > 0:
            overlap = max(overlap, quantum)
        if overlap >= chunk:
            raise ValueError(
                f"overlap_seconds ({overlap_seconds}) must be shorter than "
                f"chunk_seconds ({chunk_seconds}) (after rounding to "
                f"{quantum} samples: {overlap} vs {chunk})"
            )
        return chunk, overlap

    # ------------------------------------------------------------ core

    def _micro_batch(self, wavs):
        """How many items of ``wavs`` to run through the model at once.

        On CPU the cost per item grows with the batch (the activations of
        several long signals do not stay in cache: with NCHW activations,
        measured RTF 0.0116 at batch 1 and 0.0200 at batch 8 on 10 s clips;
        channels-last activations shrink but do not remove the gap, see
        ``benchmarks/README.md``), so items are run in groups of at most
        ``hparams.cpu_batch_samples`` samples (default 10 s at 16 kHz; at
        least one item). The model is in eval mode, so grouping
        does not change the output. Other devices take the whole batch.
        """
        if not str(self.device).startswith("cpu"):
            return wavs.shape[0]
        limit = self._setting("cpu_batch_samples", DEFAULT_CPU_BATCH_SAMPLES)
        return max(1, int(limit) // max(wavs.shape[-1], 1))

    def inference_model(self):
        """Returns the module that enhances: a batch-norm-folded copy of the model.

        In eval mode, every convolution followed by a batch norm is folded into
        one convolution (:func:`speechbrain_srst.lobes.unet.fold_batch_norm`),
        which computes the same output with fewer passes over memory. The copy
        is rebuilt whenever the model's weights change (new tensors or in-place
        updates such as ``load_state_dict``). A model in training mode, or
        ``fold_batch_norm: False`` in the hyperparameters, is used as it is.

        Example
        -------
        >>> import tempfile
        >>> from speechbrain_srst.export import export_model
        >>> from speechbrain_srst.lobes.unet import UNet
        >>> folder = export_model(tempfile.mkdtemp(), UNet([8, 16]), "supervised")
        >>> enhancer = SRSTEnhancer.from_hparams(folder, run_opts={"device": "cpu"})
        >>> folded = enhancer.inference_model()
        >>> folded is enhancer.mods.model, folded is enhancer.inference_model()
        (False, True)
        >>> with torch.no_grad():
        ...     _ = enhancer.mods.model.mask_head.bias.add_(1.0)
        >>> folded is enhancer.inference_model()  # weights changed: refolded
        False
        """
        model = self.mods.model
        if model.training or not self._setting("fold_batch_norm", True):
            return model
        version = tuple(
            (tensor.data_ptr(), tensor._version)
            for tensor in (*model.parameters(), *model.buffers())
        )
        if getattr(self, "_folded_version", None) != version:
            self._folded_model = fold_batch_norm(model)
            self._folded_version = version
        return self._folded_model

    def _forward(self, wavs, with_noise=True):
        """Runs the model on ``[batch, time]``, zero-padding very short input.

        Returns ``(speech, noise)``, or ``(speech,)`` when ``with_noise`` is
        False (the model then skips the noise estimate, if it can).
        """
        length = wavs.shape[-1]
        if length < self._min_samples:
            wavs = F.pad(wavs, (0, self._min_samples - length))
        if str(wavs.device).startswith("cpu") and self._setting(
            "tune_cpu_allocator", True
        ):
            keep_freed_memory()
        model = self.inference_model()
        groups = wavs.split(self._micro_batch(wavs))
        if not with_noise and hasattr(model, "enhance"):
            return (
                torch.cat([model.enhance(group) for group in groups])[..., :length],
            )
        outputs = [model(group) for group in groups]
        speech = torch.cat([speech for speech, _ in outputs])[..., :length]
        if not with_noise:
            return (speech,)
        return speech, torch.cat([noise for _, noise in outputs])[..., :length]

    def _overlap_add(
        self, read, total, chunk_seconds=None, overlap_seconds=None, with_noise=True
    ):
        """Yields consecutive ``(speech, noise)`` pieces ``[batch, n]`` of the output.

        ``read(start, count)`` returns the input samples ``[batch, count]``
        (or ``[count]``); at most one chunk of input and output is held.
        Without ``with_noise`` the pieces are ``(speech,)``.
        """
        chunk, overlap = self.chunk_sizes(chunk_seconds, overlap_seconds)
        starts = chunk_starts(total, chunk, overlap)
        fade_in = crossfade_window(overlap, device=self.device)
        fade_out = 1.0 - fade_in
        pending = None
        with torch.no_grad():
            for index, start in enumerate(starts):
                wavs = read(start, min(chunk, total - start))
                wavs = wavs.to(self.device, torch.float32)
                if wavs.dim() == 1:
                    wavs = wavs.unsqueeze(0)
                outputs = list(self._forward(wavs, with_noise))
                last = index == len(starts) - 1
                for k, out in enumerate(outputs):
                    if pending is not None and overlap:
                        out[..., :overlap] = out[..., :overlap] * fade_in + pending[k]
                    if not last and overlap:
                        out[..., -overlap:] *= fade_out
                if last:
                    yield tuple(outputs)
                else:
                    keep = outputs[0].shape[-1] - overlap
                    yield tuple(out[..., :keep] for out in outputs)
                    pending = [out[..., keep:].clone() for out in outputs]

    # ------------------------------------------------------------ batches

    def separate_batch(
        self, wavs, lengths=None, chunk_seconds=None, overlap_seconds=None
    ):
        """Estimates the speech and the noise of a batch of 16 kHz signals.

        Arguments
        ---------
        wavs : torch.Tensor
            Noisy signals ``[batch, time]`` at 16 kHz.
        lengths : torch.Tensor, optional
            Relative lengths in ``[0, 1]``; output samples past each length
            are set to zero.
        chunk_seconds : float, optional
            Overrides ``hparams.chunk_seconds``.
        overlap_seconds : float, optional
            Overrides ``hparams.overlap_seconds``.

        Returns
        -------
        speech : torch.Tensor
            ``[batch, time]``, on ``self.device``.
        noise : torch.Tensor
            ``[batch, time]``, on ``self.device``.
        """
        return self._batch_outputs(wavs, lengths, chunk_seconds, overlap_seconds)

    def _batch_outputs(
        self, wavs, lengths, chunk_seconds, overlap_seconds, with_noise=True
    ):
        """``(speech, noise)`` of a batch, or ``(speech,)`` without noise."""
        if not torch.is_tensor(wavs) or wavs.dim() != 2:
            shape = tuple(wavs.shape) if torch.is_tensor(wavs) else type(wavs)
            raise ValueError(f"Expected audio of shape [batch, time], got {shape}")
        total = wavs.shape[-1]
        if total == 0 or wavs.shape[0] == 0:
            raise ValueError(f"Cannot enhance empty audio of shape {tuple(wavs.shape)}")
        if not torch.isfinite(wavs).all():
            raise ValueError("Cannot enhance audio that holds NaN or inf samples")
        pieces = list(
            self._overlap_add(
                lambda start, count: wavs[:, start : start + count],
                total,
                chunk_seconds,
                overlap_seconds,
                with_noise,
            )
        )
        outputs = tuple(
            torch.cat(signal, dim=-1) for signal in zip(*pieces, strict=True)
        )
        if lengths is not None:
            mask = length_mask(
                wavs.shape[0], total, lengths.float(), device=outputs[0].device
            )
            outputs = tuple(signal * mask for signal in outputs)
        return outputs

    def enhance_batch(
        self, wavs, lengths=None, chunk_seconds=None, overlap_seconds=None
    ):
        """Enhances a batch of 16 kHz signals.

        Arguments
        ---------
        wavs : torch.Tensor
            Noisy signals ``[batch, time]`` at 16 kHz.
        lengths : torch.Tensor, optional
            Relative lengths in ``[0, 1]``; the padded tail is zeroed.
        chunk_seconds : float, optional
            Overrides ``hparams.chunk_seconds``.
        overlap_seconds : float, optional
            Overrides ``hparams.overlap_seconds``.

        Returns
        -------
        torch.Tensor
            Enhanced speech ``[batch, time]``, on ``self.device`` (the same as
            ``separate_batch(...)[0]``, without computing the noise).
        """
        return self._batch_outputs(
            wavs, lengths, chunk_seconds, overlap_seconds, with_noise=False
        )[0]

    def forward(self, wavs, lengths=None):
        """Same as :meth:`enhance_batch`."""
        return self.enhance_batch(wavs, lengths)

    # ------------------------------------------------------------ files

    def enhance_file(
        self,
        path,
        output_path=None,
        return_tensor=None,
        chunk_seconds=None,
        overlap_seconds=None,
    ):
        """Enhances an audio file (any rate, any channels) at 16 kHz.

        The file is read chunk by chunk; multi-channel audio is averaged to
        mono, other rates are resampled to 16 kHz, and the output has as many
        samples as the input at 16 kHz (``ceil(frames * 16000 / rate)``).
        With ``output_path`` the output is written chunk by chunk to a
        temporary file that replaces ``output_path`` once complete (``.flac``
        is written as 24-bit FLAC, anything else as 32-bit float WAV), so a
        long file never sits whole in memory unless ``return_tensor=True``.

        Arguments
        ---------
        path : str or os.PathLike
            The noisy file (WAV, FLAC or anything libsndfile reads).
        output_path : str or os.PathLike, optional
            Where to write the enhanced speech (folders are created).
        return_tensor : bool, optional
            Whether to return the enhanced signal; default: only when no
            ``output_path`` is given.
        chunk_seconds : float, optional
            Overrides ``hparams.chunk_seconds``.
        overlap_seconds : float, optional
            Overrides ``hparams.overlap_seconds``.

        Returns
        -------
        torch.Tensor or None
            Enhanced speech ``[time]`` at 16 kHz on the CPU, or None when
            written to ``output_path`` without ``return_tensor``.

        Raises
        ------
        AudioError
            When the file is missing, unreadable, empty or holds NaN/inf
            samples (nothing is left at ``output_path``).
        """
        if return_tensor is None:
            return_tensor = output_path is None
        collected = []
        with AudioStream(path, self.sample_rate) as stream:
            pieces = self._overlap_add(
                stream.read,
                stream.num_samples,
                chunk_seconds,
                overlap_seconds,
                with_noise=False,
            )
            if output_path is None:
                collected = [speech[0].cpu() for (speech,) in pieces]
            else:
                self._write_stream(pieces, output_path, collected, return_tensor)
        if return_tensor:
            return torch.cat(collected)
        return None

    def _write_stream(self, pieces, output_path, collected, keep):
        output_path = Path(os.fspath(output_path))
        output_path.parent.mkdir(parents=True, exist_ok=True)
        flac = output_path.suffix.lower() == ".flac"
        temporary = output_path.with_name(f".{output_path.name}.partial")
        try:
            with sf.SoundFile(
                temporary,
                "w",
                samplerate=self.sample_rate,
                channels=1,
                format="FLAC" if flac else "WAV",
                subtype="PCM_24" if flac else "FLOAT",
            ) as handle:
                if not flac:
                    _no_peak_chunk(handle)
                for (speech,) in pieces:
                    speech = speech[0].cpu()
                    if keep:
                        collected.append(speech)
                    if flac:
                        speech = speech.clamp(-1.0, 1.0)
                    handle.write(speech.numpy())
            os.replace(temporary, output_path)
        finally:
            if temporary.exists():
                temporary.unlink()
