"""Running the model: micro-batches on the CPU, a batch-norm-folded copy.

On the CPU the cost per item grows with the batch (the activations of
several long signals do not stay in cache), so a batch is run in groups of
at most ``cpu_batch_samples`` samples (:func:`micro_batch_size`,
:func:`run_in_groups`); in eval mode grouping does not change the output.
:class:`FoldedModel` keeps a copy of the model whose batch norms are folded
into the convolutions before them, rebuilt whenever the weights change.

Authors
 * speechbrain-srst developers 2026
"""

import torch
import torch.nn.functional as F

from speechbrain_srst.lobes.unet import fold_batch_norm

DEFAULT_CPU_BATCH_SAMPLES = 160_000  # 10 s at 16 kHz


def micro_batch_size(device, length, limit=DEFAULT_CPU_BATCH_SAMPLES):
    """How many signals of ``length`` samples to run through the model at once.

    On CPU: as many as fit in ``limit`` samples, at least one (with NCHW
    activations, measured RTF 0.0116 at batch 1 and 0.0200 at batch 8 on
    10 s clips; channels-last activations shrink but do not remove the gap,
    see ``benchmarks/README.md``). Other devices take the whole batch
    (returns None).

    Example
    -------
    >>> micro_batch_size("cpu", 16000), micro_batch_size("cpu", 10**6)
    (10, 1)
    >>> micro_batch_size("cuda:0", 16000) is None
    True
    """
    if not str(device).startswith("cpu"):
        return None
    return max(1, int(limit) // max(int(length), 1))


def run_in_groups(model, wavs, group_size, min_samples=0, with_noise=True):
    """Runs ``model`` on ``[batch, time]`` in groups, zero-padding short input.

    Arguments
    ---------
    model : torch.nn.Module
        Returns ``(speech, noise)``; with ``with_noise=False`` its
        ``enhance`` method (speech only), if it has one, is used.
    wavs : torch.Tensor
        ``[batch, time]``.
    group_size : int or None
        Items per forward pass (None: the whole batch).
    min_samples : int
        Shorter input is zero-padded to this length (the outputs are cut
        back to the input's length).
    with_noise : bool
        Whether to return the noise estimate too.

    Returns
    -------
    tuple of torch.Tensor
        ``(speech, noise)`` or ``(speech,)``, each ``[batch, time]``.

    Example
    -------
    >>> class Halves(torch.nn.Module):
    ...     def forward(self, x):
    ...         return x / 2, x / 2
    >>> speech, noise = run_in_groups(Halves(), torch.ones(3, 4), group_size=2)
    >>> speech.shape, float(noise.sum())
    (torch.Size([3, 4]), 6.0)
    """
    length = wavs.shape[-1]
    if length < min_samples:
        wavs = F.pad(wavs, (0, min_samples - length))
    groups = wavs.split(group_size or wavs.shape[0])
    if not with_noise and hasattr(model, "enhance"):
        return (torch.cat([model.enhance(group) for group in groups])[..., :length],)
    outputs = [model(group) for group in groups]
    speech = torch.cat([speech for speech, _ in outputs])[..., :length]
    if not with_noise:
        return (speech,)
    return speech, torch.cat([noise for _, noise in outputs])[..., :length]


class FoldedModel:
    """A batch-norm-folded copy of a model, rebuilt when its weights change.

    In eval mode, every convolution followed by a batch norm is folded into
    one convolution (:func:`speechbrain_srst.lobes.unet.fold_batch_norm`),
    which computes the same output with fewer passes over memory. The copy
    is rebuilt whenever the model's weights change (new tensors or in-place
    updates such as ``load_state_dict``).

    Example
    -------
    >>> from speechbrain_srst.lobes.unet import UNet
    >>> model, folded = UNet([8, 16]).eval(), FoldedModel()
    >>> copy = folded.get(model)
    >>> copy is model, copy is folded.get(model)
    (False, True)
    """

    def __init__(self):
        self._version = None
        self._model = None

    def get(self, model):
        """The folded copy of ``model`` (the model itself in training mode)."""
        if model.training:
            return model
        version = tuple(
            (tensor.data_ptr(), tensor._version)
            for tensor in (*model.parameters(), *model.buffers())
        )
        if self._version != version:
            self._model = fold_batch_norm(model)
            self._version = version
        return self._model
