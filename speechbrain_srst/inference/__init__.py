"""Pretrained interface of a speechbrain-srst enhancer, with bounded-memory files.

:class:`SRSTEnhancer` loads a model folder written by
:func:`speechbrain_srst.export.export_model` (``hyperparams.yaml`` plus
``model.ckpt``) in the style of SpeechBrain's ``SpectralMaskEnhancement``::

    enhancer = SRSTEnhancer.from_hparams(source="path/to/folder")
    enhanced = enhancer.enhance_file("noisy.wav")          # tensor [time]
    enhancer.enhance_file("long.wav", output_path="out.wav")  # written too

Each concern sits in its own module:

* :mod:`.loading`: local, strict, ``weights_only`` loading of a model folder
  (never the hub; a recipe stage folder is refused with its ``model``
  subfolder named);
* :mod:`.chunking`: chunk planning and overlap-add with a raised-cosine
  cross-fade, so memory is bounded by the chunk (``chunk_seconds`` with
  ``overlap_seconds`` of overlap, both from ``hyperparams.yaml`` and
  overridable per call);
* :mod:`.batching`: CPU micro-batches and the batch-norm-folded copy;
* :mod:`.audio_stream`: reading any file as 16 kHz mono, span by span
  (resampled block by block, with the same result as resampling the whole
  file);
* :mod:`.writing`: writing ``.wav``/``.flac`` piece by piece, published
  only once complete;
* :mod:`.enhancer`: :class:`SRSTEnhancer`, which ties them together.

``hyperparams.yaml`` is executed by HyperPyYAML: load model folders from
trusted sources only.

Authors
 * speechbrain-srst developers 2026
"""

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
    chunk_starts,
    crossfade_window,
    overlap_add,
)
from speechbrain_srst.inference.enhancer import SRSTEnhancer
from speechbrain_srst.inference.loading import (
    check_model_folder,
    load_checkpoint,
    load_model_folder,
)
from speechbrain_srst.inference.writing import output_format, write_pieces

__all__ = [
    "DEFAULT_CHUNK_SECONDS",
    "DEFAULT_CPU_BATCH_SAMPLES",
    "DEFAULT_OVERLAP_SECONDS",
    "SAMPLE_RATE",
    "AudioStream",
    "FoldedModel",
    "SRSTEnhancer",
    "check_model_folder",
    "chunk_lengths",
    "chunk_starts",
    "crossfade_window",
    "load_checkpoint",
    "load_model_folder",
    "micro_batch_size",
    "output_format",
    "overlap_add",
    "run_in_groups",
    "write_pieces",
]
