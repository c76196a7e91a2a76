"""Scale-invariant SDR (the paper's eq. 5) and the enhancement loss.

Authors
 * speechbrain-srst developers 2026
"""

import torch

EPS = 1e-8


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
    ``alpha = <est, ref> / ||ref||^2`` the value is
    ``10 log10(||alpha ref||^2 / ||alpha ref - est||^2)``; ``eps`` in the
    numerator, the denominator and ``||ref||^2`` keeps silent references and
    perfect estimates finite.

    Arguments
    ---------
    estimate : torch.Tensor
        Estimated signals ``[batch, time]``.
    reference : torch.Tensor
        Reference signals ``[batch, time']``.
    lengths : torch.Tensor, optional
        Relative lengths of the valid parts (SpeechBrain's ``lens``).
    eps : float
        Stabiliser.

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
    ratio = ((target**2).sum(-1) + eps) / ((distortion**2).sum(-1) + eps)
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
