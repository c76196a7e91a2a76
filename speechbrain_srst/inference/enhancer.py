"""``SRSTEnhancer``: the pretrained interface of a speechbrain-srst model.

In the style of SpeechBrain's ``SpectralMaskEnhancement``::

    enhancer = SRSTEnhancer.from_hparams(source="path/to/folder")
    enhanced = enhancer.enhance_file("noisy.wav")          # tensor [time]
    enhancer.enhance_file("long.wav", output_path="out.wav")  # written too

The class only ties together the pieces of this package: model loading
(:mod:`.loading`), chunk planning and overlap-add (:mod:`.chunking`),
micro-batching and the folded model (:mod:`.batching`), and streaming file
input and output (:mod:`.audio_stream`, :mod:`.writing`).

Authors
 * speechbrain-srst developers 2026
"""

import torch
from speechbrain.inference.interfaces import Pretrained
from speechbrain.utils.fetching import LocalStrategy

from speechbrain_srst.inference.audio_stream import SAMPLE_RATE, AudioStream
from speechbrain_srst.inference.batching import (
    DEFAULT_CPU_BATCH_SAMPLES,
    FoldedModel,
    micro_batch_size,
    run_in_groups,
)
from speechbrain_srst.inference.chunking import (
    DEFAULT_CHUNK_SECONDS,
    DEFAULT_OVERLAP_SECONDS,
    chunk_lengths,
    overlap_add,
)
from speechbrain_srst.inference.loading import load_model_folder
from speechbrain_srst.inference.writing import output_format, write_pieces
from speechbrain_srst.losses import length_mask


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
    ``cpu_batch_samples`` and ``fold_batch_norm`` (see
    :meth:`inference_model`). The enhancer never changes process-wide
    state: on the CPU, calling
    :func:`speechbrain_srst.allocator.keep_freed_memory` once (or
    ``speechbrain-srst-enhance --tune-allocator``) makes enhancement about a
    quarter faster on 10 s clips (``benchmarks/README.md``).

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
        hparams = load_model_folder(
            source,
            hparams_file,
            overrides,
            overrides_must_match,
            savedir,
            local_strategy,
            download_only,
        )
        if hparams is None:
            return None
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
        return chunk_lengths(
            chunk_seconds, overlap_seconds, self.sample_rate, self._quantum
        )

    # ------------------------------------------------------------ core

    def _micro_batch(self, wavs):
        """How many items of ``wavs`` to run at once (:func:`micro_batch_size`,
        ``hparams.cpu_batch_samples``, default 10 s at 16 kHz)."""
        limit = self._setting("cpu_batch_samples", DEFAULT_CPU_BATCH_SAMPLES)
        size = micro_batch_size(self.device, wavs.shape[-1], limit)
        return wavs.shape[0] if size is None else size

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
        if not self._setting("fold_batch_norm", True):
            return model
        if getattr(self, "_folded", None) is None:
            self._folded = FoldedModel()
        return self._folded.get(model)

    def _forward(self, wavs, with_noise=True):
        """Runs the model on ``[batch, time]``, zero-padding very short input.

        Returns ``(speech, noise)``, or ``(speech,)`` when ``with_noise`` is
        False (the model then skips the noise estimate, if it can).
        """
        return run_in_groups(
            self.inference_model(),
            wavs,
            self._micro_batch(wavs),
            self._min_samples,
            with_noise,
        )

    def _overlap_add(
        self, read, total, chunk_seconds=None, overlap_seconds=None, with_noise=True
    ):
        """Yields consecutive ``(speech, noise)`` pieces ``[batch, n]`` of the output.

        ``read(start, count)`` returns the input samples ``[batch, count]``
        (or ``[count]``); at most one chunk of input and output is held.
        Without ``with_noise`` the pieces are ``(speech,)``.
        """
        chunk, overlap = self.chunk_sizes(chunk_seconds, overlap_seconds)
        return overlap_add(
            read,
            total,
            chunk,
            overlap,
            lambda wavs: self._forward(wavs, with_noise),
            self.device,
        )

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
        return_tensor=True,
        chunk_seconds=None,
        overlap_seconds=None,
    ):
        """Enhances an audio file (any rate, any channels) at 16 kHz.

        The file is read chunk by chunk; multi-channel audio is averaged to
        mono, other rates are resampled to 16 kHz, and the output has as many
        samples as the input at 16 kHz (``ceil(frames * 16000 / rate)``).
        With ``output_path`` the output is also written, chunk by chunk, to a
        temporary file that replaces ``output_path`` once complete (``.wav``:
        32-bit float WAV, ``.flac``: 24-bit FLAC). With
        ``return_tensor=False`` the signal is not kept, so a long file never
        sits whole in memory (what ``speechbrain-srst-enhance`` does).

        Arguments
        ---------
        path : str or os.PathLike
            The noisy file (WAV, FLAC or anything libsndfile reads).
        output_path : str or os.PathLike, optional
            A ``.wav`` or ``.flac`` file to write the enhanced speech to
            (folders are created).
        return_tensor : bool
            Whether to return the enhanced signal (default True; only
            ``False`` together with ``output_path`` returns None).
        chunk_seconds : float, optional
            Overrides ``hparams.chunk_seconds``.
        overlap_seconds : float, optional
            Overrides ``hparams.overlap_seconds``.

        Returns
        -------
        torch.Tensor or None
            Enhanced speech ``[time]`` at 16 kHz on the CPU, or None with
            ``return_tensor=False`` and an ``output_path``.

        Raises
        ------
        AudioError
            When the file is missing, unreadable, empty or holds NaN/inf
            samples (nothing is left at ``output_path``).
        ValueError
            When ``output_path`` is neither ``.wav`` nor ``.flac`` (checked
            before the file is read).
        """
        if output_path is not None:
            output_format(output_path)
        keep = return_tensor or output_path is None
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
                write_pieces(
                    pieces, output_path, self.sample_rate, collected if keep else None
                )
        return torch.cat(collected) if keep else None
