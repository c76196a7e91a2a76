"""Batch-norm statistics re-estimated on another domain (AdaBN).

Li et al., "Revisiting Batch Normalization for Practical Domain Adaptation"
(ICLR workshop 2017): keep every weight of a source model and replace the
running mean and variance of its batch-norm layers by those of the target
data. No label and no gradient step. In this recipe it is a control: any
stage that passes target items through the U-Net in train mode (DANN,
self-training) also moves these statistics towards the target, and this
control measures how much of an adaptation method's gain that alone gives.

Authors
 * speechbrain-srst developers 2026
"""

import torch
from torch import nn


def batch_norm_layers(model):
    """The batch-norm layers of a model, in module order.

    Example
    -------
    >>> net = nn.Sequential(nn.Conv1d(1, 2, 1), nn.BatchNorm1d(2))
    >>> len(batch_norm_layers(net))
    1
    """
    norm = nn.modules.batchnorm._BatchNorm
    return [module for module in model.modules() if isinstance(module, norm)]


@torch.no_grad()
def reestimate_batch_norm(model, batches, device="cpu"):
    """Replaces the running statistics of every batch norm by those of ``batches``.

    The statistics are reset, then accumulated as a cumulative (equal-weight)
    average over all the batches (``momentum=None``), in train mode and
    without gradients; the model's weights do not change. The model is left
    in eval mode with its layers' momenta restored.

    Arguments
    ---------
    model : torch.nn.Module
        Called as ``model(wavs)`` on ``[batch, time]`` waveforms.
    batches : iterable of torch.Tensor
        Noisy waveforms ``[batch, time]`` of the new domain.
    device : str or torch.device
        Where the forward passes run.

    Returns
    -------
    int
        The number of waveforms seen.

    Raises
    ------
    ValueError
        The model has no batch norm, or ``batches`` is empty.

    Example
    -------
    >>> net = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    >>> weight = net[0].weight.clone()
    >>> data = [torch.randn(8, 3) + 5.0 for _ in range(4)]
    >>> reestimate_batch_norm(net, data)
    32
    >>> expected = net[0](torch.cat(data)).mean(0)
    >>> torch.allclose(net[1].running_mean, expected, atol=1e-5)
    True
    >>> torch.equal(net[0].weight, weight), net.training
    (True, False)
    """
    layers = batch_norm_layers(model)
    if not layers:
        raise ValueError("The model has no batch-norm layer to re-estimate.")
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None
    model.to(device).train()
    seen = 0
    try:
        for wavs in batches:
            model(wavs.to(device))
            seen += wavs.shape[0]
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
        model.eval()
    if seen == 0:
        raise ValueError("No batch to re-estimate the batch-norm statistics on.")
    return seen
