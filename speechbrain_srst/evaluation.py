"""Scoring of enhancement models on the fixed test sets.

Authors
 * speechbrain-srst developers 2026
"""

import torch

from speechbrain_srst.losses import si_sdr


@torch.no_grad()
def mean_si_sdr(model, dataset, device="cpu"):
    """Mean SI-SDR of the speech estimates and its improvement over the input.

    Arguments
    ---------
    model : torch.nn.Module
        Maps ``[batch, time]`` noisy audio to (speech, noise).
    dataset : torch.utils.data.Dataset
        Items with ``noisy`` and ``clean`` waveforms.
    device : str
        Where to run.

    Returns
    -------
    dict
        ``{"si_sdr": dB, "si_sdri": dB, "count": items}``.

    Example
    -------
    >>> clean = torch.randn(800)
    >>> data = [{"noisy": clean + 0.1 * torch.randn(800), "clean": clean}]
    >>> identity = lambda x: (x, torch.zeros_like(x))
    >>> scores = mean_si_sdr(identity, data)
    >>> scores["count"], round(scores["si_sdri"], 6)
    (1, 0.0)
    """
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    enhanced, improvement = [], []
    for item in dataset:
        noisy = item["noisy"].unsqueeze(0).to(device)
        clean = item["clean"].unsqueeze(0).to(device)
        speech, _ = model(noisy)
        value = si_sdr(speech, clean)
        enhanced.append(value.item())
        improvement.append((value - si_sdr(noisy, clean)).item())
    if hasattr(model, "train"):
        model.train(was_training)
    count = len(enhanced)
    return {
        "si_sdr": sum(enhanced) / max(count, 1),
        "si_sdri": sum(improvement) / max(count, 1),
        "count": count,
    }
