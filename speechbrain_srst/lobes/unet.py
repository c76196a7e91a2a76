"""A U-Net over STFT features that estimates both speech and noise.

The network follows the paper's implementation details: a 512-point STFT with
a Hamming window and a hop of 256 samples at 16 kHz; the real and imaginary
maps of the noisy input go in; real and imaginary maps for the speech AND the
noise come out, and both go back to waveforms through the inverse STFT.

The outputs are complex ratio masks applied to the noisy spectrum, so the
maps the decoder writes are the real and imaginary parts of two masks. The
encoder and the decoder are reachable on their own (:meth:`UNet.encode` and
:meth:`UNet.decode`), because the domain classifier reads the bottleneck.

Authors
 * speechbrain-srst developers 2026
"""

import copy
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


class STFT(nn.Module):
    """Short-time Fourier transform and its inverse with a Hamming window.

    Arguments
    ---------
    n_fft : int
        FFT size (and window length).
    hop_length : int
        Hop between frames, in samples.

    Example
    -------
    >>> stft = STFT()
    >>> wavs = torch.randn(2, 16000)
    >>> spec = stft(wavs)
    >>> spec.shape
    torch.Size([2, 257, 63])
    >>> back = stft.inverse(spec, length=16000)
    >>> torch.allclose(back, wavs, atol=1e-4)
    True
    """

    def __init__(self, n_fft=512, hop_length=256):
        super().__init__()
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.register_buffer(
            "window", torch.hamming_window(n_fft, periodic=True), persistent=False
        )

    def forward(self, wavs):
        """Returns the complex spectrogram ``[batch, freq, frames]`` of ``wavs``."""
        return torch.stft(
            wavs,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            window=self.window,
            center=True,
            return_complex=True,
        )

    def inverse(self, spec, length):
        """Returns waveforms ``[batch, length]`` from a complex spectrogram."""
        return torch.istft(
            spec,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            window=self.window,
            center=True,
            length=length,
        )


class ConvBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and PReLU; the first may stride.

    Arguments
    ---------
    in_channels : int
        Input channels.
    out_channels : int
        Output channels.
    stride : int
        Stride of the first convolution along frequency and time.

    Example
    -------
    >>> block = ConvBlock(2, 8, stride=2)
    >>> block(torch.randn(1, 2, 33, 10)).shape
    torch.Size([1, 8, 17, 5])
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.PReLU(out_channels),
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.PReLU(out_channels),
        )

    def forward(self, x):
        """Applies the block to ``x`` of shape ``[batch, channels, freq, time]``."""
        return self.layers(x)


def fold_batch_norm(module):
    """Returns an eval-mode copy of ``module`` with batch norms folded into convs.

    Every ``Conv2d`` directly followed by a ``BatchNorm2d`` inside an
    ``nn.Sequential`` becomes one convolution whose weights and bias include
    the batch norm's running statistics and affine transform; the batch norm
    becomes ``nn.Identity``. In eval mode the copy computes the same function
    with one pass over the activations fewer per pair, which matters on CPUs
    where the U-Net is memory-bound. ``module`` itself is left unchanged.

    Arguments
    ---------
    module : torch.nn.Module
        A model, e.g. :class:`UNet`.

    Returns
    -------
    torch.nn.Module
        The folded copy, in eval mode (for inference only: it has no batch
        statistics to train).

    Example
    -------
    >>> block = ConvBlock(2, 8).eval()
    >>> _ = block.layers[1].running_mean.normal_()
    >>> folded = fold_batch_norm(block)
    >>> sum(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    0
    >>> x = torch.randn(1, 2, 9, 5)
    >>> torch.allclose(folded(x), block(x), atol=1e-5)
    True
    """
    folded = copy.deepcopy(module).eval()
    for sequence in folded.modules():
        if not isinstance(sequence, nn.Sequential):
            continue
        for index in range(len(sequence) - 1):
            conv, norm = sequence[index], sequence[index + 1]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                sequence[index] = fuse_conv_bn_eval(conv, norm)
                sequence[index + 1] = nn.Identity()
    return folded


def match_size(x, reference):
    """Crops or zero-pads the last two dimensions of ``x`` to those of ``reference``.

    Arguments
    ---------
    x : torch.Tensor
        Tensor ``[batch, channels, freq, time]`` to resize.
    reference : torch.Tensor
        Tensor whose last two sizes are the target.

    Returns
    -------
    torch.Tensor
        ``x`` with the last two sizes of ``reference``.

    Example
    -------
    >>> match_size(torch.ones(1, 1, 4, 6), torch.ones(1, 1, 3, 7)).shape
    torch.Size([1, 1, 3, 7])
    """
    freq, time = reference.shape[-2:]
    x = x[..., :freq, :time]
    pad_freq = freq - x.shape[-2]
    pad_time = time - x.shape[-1]
    if pad_freq or pad_time:
        x = F.pad(x, (0, pad_time, 0, pad_freq))
    return x


class Encoded(NamedTuple):
    """What :meth:`UNet.encode` returns and :meth:`UNet.decode` takes."""

    bottleneck: torch.Tensor
    skips: list
    spec: torch.Tensor
    length: int


class UNet(nn.Module):
    """U-Net speech enhancer that outputs speech and noise waveforms.

    Arguments
    ---------
    channels : list of int
        Output channels of each encoder level; every level halves frequency
        and time. The last entry is the bottleneck width.
    n_fft : int
        STFT size.
    hop_length : int
        STFT hop.
    input_compression : float
        Exponent applied to the magnitude of the input features (the phase is
        kept); 1.0 feeds the raw real and imaginary maps, smaller values
        compress the dynamic range. Masks are always applied to the raw
        spectrum.
    channels_last : bool
        Run the convolutions on channels-last (NHWC) activations. The output
        is the same (to float rounding) and the weights are not touched, but
        oneDNN's CPU convolutions are much faster in this layout: measured
        -20 % inference time at batch 1, -46 % at batch 8 and -14 % per
        bare forward and backward on 2 AVX2 cores; inside a full Brain step
        the gain was within the machine's timing drift
        (``benchmarks/README.md``).

    Example
    -------
    >>> model = UNet(channels=[8, 16, 32])
    >>> wavs = torch.randn(3, 8001)
    >>> speech, noise = model(wavs)
    >>> speech.shape, noise.shape
    (torch.Size([3, 8001]), torch.Size([3, 8001]))
    >>> model.encode(wavs).bottleneck.shape
    torch.Size([3, 32, 33, 4])
    """

    def __init__(
        self,
        channels=(32, 64, 128, 256),
        n_fft=512,
        hop_length=256,
        input_compression=0.3,
        channels_last=True,
    ):
        super().__init__()
        self.channels_last = channels_last
        channels = list(channels)
        if not channels:
            raise ValueError("UNet needs at least one level in `channels`.")
        self.stft = STFT(n_fft, hop_length)
        self.input_compression = input_compression
        self.bottleneck_channels = channels[-1]
        self.encoder = nn.ModuleList()
        in_channels = 2
        for out_channels in channels:
            self.encoder.append(ConvBlock(in_channels, out_channels, stride=2))
            in_channels = out_channels
        self.upsamplers = nn.ModuleList()
        self.decoder = nn.ModuleList()
        skip_channels = [2] + channels[:-1]
        for skip in reversed(skip_channels):
            out_channels = max(skip, channels[0])
            self.upsamplers.append(
                nn.ConvTranspose2d(in_channels, out_channels, 2, stride=2)
            )
            self.decoder.append(ConvBlock(out_channels + skip, out_channels))
            in_channels = out_channels
        self.mask_head = nn.Conv2d(in_channels, 4, 1)

    def encoder_parameters(self):
        """Returns the parameters of the encoder (the feature extractor)."""
        return list(self.encoder.parameters())

    def decoder_parameters(self):
        """Returns the parameters of the decoder and the mask head."""
        return [
            *self.upsamplers.parameters(),
            *self.decoder.parameters(),
            *self.mask_head.parameters(),
        ]

    def features(self, spec):
        """Returns the real and imaginary input maps ``[batch, 2, freq, frames]``."""
        if self.input_compression != 1.0:
            magnitude = spec.abs().clamp_min(1e-8)
            spec = spec * magnitude.pow(self.input_compression - 1.0)
        return torch.stack([spec.real, spec.imag], dim=1)

    def encode(self, wavs):
        """Runs the STFT and the encoder.

        Arguments
        ---------
        wavs : torch.Tensor
            Noisy waveforms ``[batch, time]``.

        Returns
        -------
        Encoded
            The bottleneck ``[batch, channels, freq', frames']``, the skip
            connections, the noisy spectrum and the input length.
        """
        if wavs.dim() != 2:
            raise ValueError(f"UNet expects [batch, time] audio, got {wavs.shape}.")
        spec = self.stft(wavs)
        x = self.features(spec)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        skips = []
        for block in self.encoder:
            skips.append(x)
            x = block(x)
        return Encoded(x, skips, spec, wavs.shape[-1])

    def decode(self, encoded, with_noise=True):
        """Runs the decoder and the inverse STFT.

        Arguments
        ---------
        encoded : Encoded
            What :meth:`encode` returned (the bottleneck may be replaced).
        with_noise : bool
            Also estimate the noise; False skips its mask and its inverse
            STFT (what :meth:`enhance` does) and returns None for it.

        Returns
        -------
        speech : torch.Tensor
            Speech estimate ``[batch, time]``.
        noise : torch.Tensor or None
            Noise estimate ``[batch, time]``.
        """
        x = encoded.bottleneck
        for upsample, block, skip in zip(
            self.upsamplers, self.decoder, reversed(encoded.skips), strict=True
        ):
            x = match_size(upsample(x), skip)
            x = block(torch.cat([x, skip], dim=1))
        outputs = 4 if with_noise else 2  # speech mask (re, im), noise mask
        weight, bias = self.mask_head.weight[:outputs], self.mask_head.bias[:outputs]
        # Complex masks and the iSTFT stay in float32 under autocast (bf16).
        masks = F.conv2d(x, weight, bias).float()
        speech_mask = torch.complex(masks[:, 0], masks[:, 1])
        speech = self.stft.inverse(speech_mask * encoded.spec, encoded.length)
        if not with_noise:
            return speech, None
        noise_mask = torch.complex(masks[:, 2], masks[:, 3])
        noise = self.stft.inverse(noise_mask * encoded.spec, encoded.length)
        return speech, noise

    def enhance(self, wavs):
        """Returns only the speech estimate ``[batch, time]`` of ``wavs``.

        The same speech as ``forward(wavs)[0]``, without computing the noise
        estimate (for inference).

        Arguments
        ---------
        wavs : torch.Tensor
            Noisy waveforms ``[batch, time]``.

        Returns
        -------
        torch.Tensor
            Speech estimate ``[batch, time]``.

        Example
        -------
        >>> model = UNet(channels=[8, 16]).eval()
        >>> wavs = torch.randn(2, 8000)
        >>> torch.allclose(model.enhance(wavs), model(wavs)[0], atol=1e-6)
        True
        """
        return self.decode(self.encode(wavs), with_noise=False)[0]

    def forward(self, wavs, return_bottleneck=False):
        """Enhances ``wavs`` ``[batch, time]``.

        Arguments
        ---------
        wavs : torch.Tensor
            Noisy waveforms ``[batch, time]``.
        return_bottleneck : bool
            Also return the encoder bottleneck (for the domain classifier).
            Going through ``forward`` rather than :meth:`encode` keeps
            DistributedDataParallel's gradient bookkeeping intact.

        Returns
        -------
        tuple
            ``(speech, noise)``, or ``(speech, noise, bottleneck)``.
        """
        encoded = self.encode(wavs)
        speech, noise = self.decode(encoded)
        if return_bottleneck:
            return speech, noise, encoded.bottleneck
        return speech, noise
