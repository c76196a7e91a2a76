"""Chunk planning and overlap-add: long signals in bounded memory.

A signal is cut into chunks of ``chunk`` samples that overlap by
``overlap`` samples (:func:`chunk_starts`); each chunk is enhanced on its
own and the outputs are put back together by overlap-add with a
raised-cosine cross-fade whose two halves sum to one
(:func:`crossfade_window`, :func:`overlap_add`). At most one chunk of input
and output is held at a time.

Authors
 * speechbrain-srst developers 2026
"""

import math

import torch

DEFAULT_CHUNK_SECONDS = 30.0
DEFAULT_OVERLAP_SECONDS = 1.0


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


def chunk_lengths(chunk_seconds, overlap_seconds, sample_rate, quantum):
    """Chunk and overlap lengths in samples, rounded to multiples of ``quantum``.

    Arguments
    ---------
    chunk_seconds : float
        Chunk length, > 0.
    overlap_seconds : float
        Overlap, >= 0; a positive overlap is at least one ``quantum``.
    sample_rate : int
        Samples per second.
    quantum : int
        The grid both lengths are rounded to (the model's
        ``hop_length * 2 ** levels``).

    Returns
    -------
    chunk : int
    overlap : int

    Raises
    ------
    ValueError
        A non-positive chunk, a negative overlap, or an overlap that is not
        shorter than the chunk after rounding.

    Example
    -------
    >>> chunk_lengths(1.0, 0.25, 16000, 1024)
    (16384, 4096)
    >>> chunk_lengths(1.0, 0.01, 16000, 1024)  # a positive overlap stays positive
    (16384, 1024)
    """
    if not chunk_seconds > 0 or not overlap_seconds >= 0:
        raise ValueError(
            f"Need chunk_seconds > 0 and overlap_seconds >= 0, got "
            f"{chunk_seconds} and {overlap_seconds}"
        )
    chunk = max(1, round(chunk_seconds * sample_rate / quantum)) * quantum
    overlap = round(overlap_seconds * sample_rate / quantum) * quantum
    if overlap_seconds > 0:
        overlap = max(overlap, quantum)
    if overlap >= chunk:
        raise ValueError(
            f"overlap_seconds ({overlap_seconds}) must be shorter than "
            f"chunk_seconds ({chunk_seconds}) (after rounding to "
            f"{quantum} samples: {overlap} vs {chunk})"
        )
    return chunk, overlap


def overlap_add(read, total, chunk, overlap, forward, device="cpu"):
    """Yields consecutive output pieces ``[batch, n]`` of a chunked signal.

    Arguments
    ---------
    read : callable
        ``read(start, count)`` returns the input samples ``[batch, count]``
        (or ``[count]``).
    total : int
        Signal length.
    chunk, overlap : int
        From :func:`chunk_lengths`.
    forward : callable
        Maps a chunk ``[batch, n]`` to a tuple of outputs ``[batch, n]``.
    device : str or torch.device
        Where chunks are sent before ``forward``.

    Yields
    ------
    tuple of torch.Tensor
        One piece per output of ``forward``; concatenated along time they
        form the whole output.

    Example
    -------
    >>> signal = torch.arange(10.0)
    >>> pieces = overlap_add(lambda s, n: signal[s:s + n], 10, 4, 1,
    ...                      lambda x: (2 * x,))
    >>> torch.cat([p[0] for p in pieces], -1)
    tensor([[ 0.,  2.,  4.,  6.,  8., 10., 12., 14., 16., 18.]])
    """
    starts = chunk_starts(total, chunk, overlap)
    fade_in = crossfade_window(overlap, device=device)
    fade_out = 1.0 - fade_in
    pending = None
    with torch.no_grad():
        for index, start in enumerate(starts):
            wavs = read(start, min(chunk, total - start))
            wavs = wavs.to(device, torch.float32)
            if wavs.dim() == 1:
                wavs = wavs.unsqueeze(0)
            outputs = list(forward(wavs))
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
