"""Scale-invariant SDR (the paper's eq. 5) and the enhancement loss.

Authors
 * speechbrain-srst developers 2026
"""

import torch

EPS = 1e-8
"""Stabiliser of SI-SDR; ``10 log10(EPS)`` = -80 dB is its floor."""


def length_mask(batch_size, max_len, lengths=None, device=None):
    """Returns a float mask ``[batch, max_len]`` that is 1 on the valid samples.

    Arguments
    ---------
    batch_size : int
        Number of items.
    max_len : int
        Padded length.
    lengths : torch.Tensor, optional
        Relative lengths in ``[0, 1]`` as SpeechBrain passes them; ``None``
        means every item is full length.
    device : torch.device, optional
        Device of the mask.

    Returns
    -------
    torch.Tensor
        The mask.

    Example
    -------
    >>> length_mask(2, 4, torch.tensor([1.0, 0.5]))
    tensor([[1., 1., 1., 1.],
            [1., 1., 0., 0.]])
    """
    if lengths is None:
        return torch.ones(batch_size, max_len, device=device)
    absolute = torch.round(lengths.to(device) * max_len)
    positions = torch.arange(max_len, device=device)
    return (positions.unsqueeze(0) < absolute.unsqueeze(1)).float()


def si_sdr(estimate, reference, lengths=None, eps=EPS):
    """Scale-invariant signal-to-distortion ratio in dB, per utterance.

    Both signals are trimmed to their common length, padding is masked out
    with ``lengths`` and each utterance is made zero-mean. With
    ``alpha = <est, ref> / (||ref||^2 + eps)``, ``target = alpha ref`` and
    ``distortion = target - est`` the value is
    ``10 log10(||target||^2 / (||distortion||^2 + eps) + eps)``, the form of
    SpeechBrain's SI-SNR.

    ``eps`` is never added to the numerator's energy: a silent estimate (all
    zeros) has no target and no distortion, and gets the floor
    ``10 log10(eps)`` = -80 dB, as does a silent reference, instead of the
    0 / 0 = 0 dB that an ``eps`` in both terms gave (an "improvement" over
    any noisy input below 0 dB). A perfect estimate stays finite
    (``10 log10(||ref||^2 / eps)``). For a non-silent estimate the value
    differs from the textbook SI-SDR by about ``eps / ||distortion||^2``
    relative, far below float32 precision for audio; estimates so quiet
    that their energy nears ``eps`` (below about -110 dBFS) tend to the floor.

    Arguments
    ---------
    estimate : torch.Tensor
        Estimated signals ``[batch, time]``.
    reference : torch.Tensor
        Reference signals ``[batch, time']``.
    lengths : torch.Tensor, optional
        Relative lengths of the valid parts (SpeechBrain's ``lens``).
    eps : float
        Stabiliser; ``10 log10(eps)`` is the floor.

    Returns
    -------
    torch.Tensor
        SI-SDR in dB, shape ``[batch]``.

    Example
    -------
    >>> ref = torch.tensor([[1.0, -1.0, 2.0, -2.0]])
    >>> est = ref + torch.tensor([[0.1, 0.1, -0.1, -0.1]])
    >>> si_sdr(est, ref)
    tensor([23.9794])
    >>> si_sdr(3 * est, ref)
    tensor([23.9794])
    >>> si_sdr(torch.zeros(1, 4), ref)
    tensor([-80.])
    """
    length = min(estimate.shape[-1], reference.shape[-1])
    estimate = estimate[..., :length]
    reference = reference[..., :length]
    mask = length_mask(estimate.shape[0], length, lengths, estimate.device)
    count = mask.sum(dim=-1, keepdim=True).clamp_min(1.0)
    estimate = estimate * mask
    reference = reference * mask
    estimate = (estimate - estimate.sum(-1, keepdim=True) / count) * mask
    reference = (reference - reference.sum(-1, keepdim=True) / count) * mask
    reference_energy = (reference**2).sum(-1, keepdim=True)
    alpha = (estimate * reference).sum(-1, keepdim=True) / (reference_energy + eps)
    target = alpha * reference
    distortion = target - estimate
    ratio = (target**2).sum(-1) / ((distortion**2).sum(-1) + eps) + eps
    return 10 * torch.log10(ratio)


def enhancement_loss(
    speech_estimate, noise_estimate, speech, noise, lengths=None, reduction="mean"
):
    """Negative SI-SDR of the speech estimate plus that of the noise estimate.

    Arguments
    ---------
    speech_estimate : torch.Tensor
        ``[batch, time]``.
    noise_estimate : torch.Tensor
        ``[batch, time]``.
    speech : torch.Tensor
        Speech target ``[batch, time]``.
    noise : torch.Tensor
        Noise target ``[batch, time]``.
    lengths : torch.Tensor, optional
        Relative lengths.
    reduction : str
        ``"mean"`` over the batch or ``"none"`` for one value per item.

    Returns
    -------
    torch.Tensor
        The loss.

    Example
    -------
    >>> s, n = torch.randn(2, 800), torch.randn(2, 800)
    >>> good = enhancement_loss(s, n, s, n)
    >>> bad = enhancement_loss(n, s, s, n)
    >>> bool(good < bad)
    True
    """
    loss = -si_sdr(speech_estimate, speech, lengths) - si_sdr(
        noise_estimate, noise, lengths
    )
    if reduction == "mean":
        return loss.mean()
    if reduction == "none":
        return loss
    raise ValueError(f"Unknown reduction '{reduction}'.")
