"""Writing enhanced audio piece by piece, published only once complete.

The pieces go to a hidden temporary file next to the output, which replaces
the output when every piece is written: a failure leaves nothing behind.
``.flac`` is written as 24-bit FLAC, ``.wav`` as 32-bit float WAV; other
extensions are refused (a file named ``x.mp3`` holding WAV data would
mislead every program that opens it).

Authors
 * speechbrain-srst developers 2026
"""

import os
from pathlib import Path

import soundfile as sf

try:  # keeps written files byte-identical between runs (no PEAK chunk)
    from speechbrain_srst.data.audio import _no_peak_chunk
except ImportError:  # pragma: no cover - colleague's helper renamed

    def _no_peak_chunk(handle):
        return None


OUTPUT_FORMATS = {".wav": ("WAV", "FLOAT"), ".flac": ("FLAC", "PCM_24")}
"""Output extension -> (libsndfile format, subtype)."""


def output_format(path):
    """The ``(format, subtype)`` written for ``path``, from its extension.

    Raises
    ------
    ValueError
        For any extension but ``.wav`` and ``.flac``, naming the path.

    Example
    -------
    >>> output_format("a/b.FLAC")
    ('FLAC', 'PCM_24')
    >>> output_format("b.mp3")
    Traceback (most recent call last):
    ...
    ValueError: Cannot write b.mp3: enhanced audio is written as .wav or .flac ...
    """
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise ValueError(
            f"Cannot write {path}: enhanced audio is written as .wav or .flac "
            f"(32-bit float WAV or 24-bit FLAC), not {suffix or 'no extension'}"
        )
    return OUTPUT_FORMATS[suffix]


def write_pieces(pieces, output_path, sample_rate, collected=None):
    """Writes mono pieces ``[1, n]`` (tuples ``(speech,)``) to ``output_path``.

    Arguments
    ---------
    pieces : iterable of tuple of torch.Tensor
        ``(speech,)`` with ``speech`` of shape ``[1, n]``, in order.
    output_path : str or os.PathLike
        A ``.wav`` or ``.flac`` file (folders are created).
    sample_rate : int
        The rate written in the header.
    collected : list, optional
        When given, every piece (on the CPU, ``[n]``) is appended to it.

    Raises
    ------
    ValueError
        Another extension (before anything is read or written).

    Example
    -------
    >>> import os, tempfile, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "x.wav")
    >>> write_pieces([(torch.zeros(1, 3),), (torch.ones(1, 2),)], path, 16000)
    >>> sf.read(path)[0].tolist()
    [0.0, 0.0, 0.0, 1.0, 1.0]
    """
    file_format, subtype = output_format(output_path)
    output_path = Path(os.fspath(output_path))
    output_path.parent.mkdir(parents=True, exist_ok=True)
    flac = file_format == "FLAC"
    temporary = output_path.with_name(f".{output_path.name}.partial")
    try:
        with sf.SoundFile(
            temporary,
            "w",
            samplerate=sample_rate,
            channels=1,
            format=file_format,
            subtype=subtype,
        ) as handle:
            if not flac:
                _no_peak_chunk(handle)
            for (speech,) in pieces:
                speech = speech[0].cpu()
                if collected is not None:
                    collected.append(speech)
                if flac:
                    speech = speech.clamp(-1.0, 1.0)
                handle.write(speech.numpy())
        os.replace(temporary, output_path)
    finally:
        if temporary.exists():
            temporary.unlink()
