"""RemixIT pseudo-labels: derangements, bootstrapped remixing, teacher updates.

Authors
 * speechbrain-srst developers 2026
"""

import torch


def derangement(batch_size, generator=None):
    """Returns a random permutation in which no item keeps its own position.

    Drawn uniformly over all derangements by rejection (on average about
    ``e`` draws). A batch of one item has no derangement: the identity is
    returned, so the remixed mixture is the teacher's own ``s~ + n~``.

    Arguments
    ---------
    batch_size : int
        Number of items.
    generator : torch.Generator, optional
        Source of randomness.

    Returns
    -------
    torch.Tensor
        Long tensor ``[batch_size]`` of indices.

    Example
    -------
    >>> perm = derangement(5, torch.Generator().manual_seed(0))
    >>> bool((perm != torch.arange(5)).all())
    True
    >>> derangement(1)
    tensor([0])
    """
    if batch_size < 0:
        raise ValueError(f"batch_size must be >= 0, got {batch_size}.")
    identity = torch.arange(batch_size)
    if batch_size < 2:
        return identity
    while True:
        perm = torch.randperm(batch_size, generator=generator)
        if bool((perm != identity).all()):
            return perm


def remix(speech, noise, generator=None):
    """Builds bootstrapped mixtures ``x~ = s~ + P n~`` (the paper's eq. 3).

    Arguments
    ---------
    speech : torch.Tensor
        Teacher speech estimates ``[batch, time]``.
    noise : torch.Tensor
        Teacher noise estimates ``[batch, time]``.
    generator : torch.Generator, optional
        Source of randomness for the permutation.

    Returns
    -------
    mixture : torch.Tensor
        The remixed inputs for the student.
    speech : torch.Tensor
        The speech targets (unchanged).
    permuted_noise : torch.Tensor
        The noise targets ``P n~``.
    permutation : torch.Tensor
        The derangement used.

    Example
    -------
    >>> s, n = torch.zeros(3, 4), torch.arange(3.0).unsqueeze(1).repeat(1, 4)
    >>> mix, _, pn, perm = remix(s, n, torch.Generator().manual_seed(1))
    >>> torch.equal(pn, n[perm]) and torch.equal(mix, s + n[perm])
    True
    """
    permutation = derangement(speech.shape[0], generator).to(speech.device)
    permuted_noise = noise[permutation]
    return speech + permuted_noise, speech, permuted_noise, permutation


@torch.no_grad()
def ema_update(teacher, student, momentum):
    """Moves the teacher towards the student: ``m * teacher + (1 - m) * student``.

    Parameters and floating-point buffers (batch-norm statistics) are
    averaged; integer buffers (batch counters) are copied from the student.

    Arguments
    ---------
    teacher : torch.nn.Module
        Updated in place.
    student : torch.nn.Module
        Same architecture as the teacher.
    momentum : float
        Weight of the old teacher, in ``[0, 1]``.

    Example
    -------
    >>> t, s = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
    >>> with torch.no_grad():
    ...     _ = t.weight.fill_(1.0), s.weight.fill_(3.0)
    >>> ema_update(t, s, 0.75)
    >>> t.weight.item()
    1.5
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"EMA momentum must lie in [0, 1], got {momentum}.")
    teacher_state = teacher.state_dict()
    for name, value in student.state_dict().items():
        target = teacher_state[name]
        if target.is_floating_point():
            target.mul_(momentum).add_(value.detach(), alpha=1.0 - momentum)
        else:
            target.copy_(value)


@torch.no_grad()
def copy_weights(teacher, student):
    """Makes the teacher an exact copy of the student (sequential updates).

    Example
    -------
    >>> t, s = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    >>> copy_weights(t, s)
    >>> torch.equal(t.weight, s.weight)
    True
    """
    teacher.load_state_dict(student.state_dict())


def match_rms(wavs, reference, eps=1e-9):
    """Rescales each waveform to the RMS level of its reference.

    The official RemixIT code (Tzinis et al., IEEE JSTSP 2022; the CHiME-7
    UDASE baseline) normalises every mixture per utterance (zero mean, unit
    variance) before a model sees it, so the remixed mixtures' levels do not
    drift with the teacher's arbitrary output gains; its models normalise
    their input at test time too. This recipe's U-Net sees raw levels at
    test time, so the remixed mixture ``x~`` is brought to the level of the
    target mixture ``x`` it came from instead of to unit variance.

    Arguments
    ---------
    wavs : torch.Tensor
        Waveforms ``[batch, time]``.
    reference : torch.Tensor
        Waveforms ``[batch, time']`` whose RMS levels to take.
    eps : float
        Added to the RMS of ``wavs`` (silent inputs stay finite).

    Returns
    -------
    torch.Tensor
        ``wavs`` rescaled per row, same shape.

    Example
    -------
    >>> x = torch.tensor([[1.0, -1.0, 1.0, -1.0]])
    >>> match_rms(3 * x, 0.5 * x).tolist()
    [[0.5, -0.5, 0.5, -0.5]]
    """
    rms = wavs.pow(2).mean(dim=-1, keepdim=True).sqrt()
    target = reference.pow(2).mean(dim=-1, keepdim=True).sqrt()
    return wavs * (target / (rms + eps))


CONSISTENCY_WEIGHTS = ("uniform", "magsq")


def fit_gains(speech, noise, mixture, eps=1e-8):
    """Rescales speech and noise estimates by the gains that best rebuild x.

    A model trained with scale-invariant losses (``-SI-SDR(s) - SI-SDR(n)``)
    gives each estimate at an arbitrary gain; adding the residual of such
    estimates (:func:`mixture_consistency`) then moves speech into the noise
    or back. The least-squares gains ``(a, b)`` minimising
    ``||x - a s~ - b n~||^2`` (a 2 x 2 system per item) put both at the level
    they have in the mixture first; what is left is orthogonal to both.

    Arguments
    ---------
    speech, noise : torch.Tensor
        Estimates ``[batch, time]``.
    mixture : torch.Tensor
        The mixtures they were estimated from, ``[batch, time]``.
    eps : float
        Ridge on the system's diagonal, relative to its trace (keeps
        collinear or silent estimates finite).

    Returns
    -------
    speech, noise : torch.Tensor
        ``a s~`` and ``b n~``, ``[batch, time]``.

    Example
    -------
    >>> s = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    >>> n = torch.tensor([[0.0, 1.0, 0.0, -1.0]])
    >>> a_s, b_n = fit_gains(3 * s, 0.5 * n, s + n)
    >>> torch.allclose(a_s, s, atol=1e-5), torch.allclose(b_n, n, atol=1e-5)
    (True, True)
    """
    ss = (speech * speech).sum(-1)
    nn_ = (noise * noise).sum(-1)
    sn = (speech * noise).sum(-1)
    xs = (mixture * speech).sum(-1)
    xn = (mixture * noise).sum(-1)
    ridge = eps * (ss + nn_) + 1e-12
    ss, nn_ = ss + ridge, nn_ + ridge
    det = ss * nn_ - sn * sn
    a = (nn_ * xs - sn * xn) / det
    b = (ss * xn - sn * xs) / det
    return a[:, None] * speech, b[:, None] * noise


def mixture_consistency(speech, noise, mixture, weighting="uniform"):
    """Projects speech and noise estimates so that they add up to the mixture.

    The residual ``r = x - (s~ + n~)`` is shared between the two estimates:
    ``s~ + w_s r`` and ``n~ + w_n r`` with ``w_s + w_n = 1``. ``uniform``
    weights are 1/2 each (the least-squares projection); ``magsq`` weights
    are each estimate's share of the estimates' energy. Wisdom et al.,
    "Differentiable consistency constraints for improved deep speech
    enhancement", ICASSP 2019, eq. 4; as the RemixIT code applies it to the
    teacher's estimates before remixing.

    Arguments
    ---------
    speech, noise : torch.Tensor
        Estimates ``[batch, time]``.
    mixture : torch.Tensor
        The mixtures they were estimated from, ``[batch, time]``.
    weighting : str
        ``"uniform"`` or ``"magsq"``.

    Returns
    -------
    speech, noise : torch.Tensor
        Projected estimates; ``speech + noise == mixture`` to float rounding.

    Raises
    ------
    ValueError
        Unknown ``weighting`` or shapes that differ.

    Example
    -------
    >>> s, n, x = torch.ones(1, 4), torch.zeros(1, 4), torch.full((1, 4), 3.0)
    >>> s2, n2 = mixture_consistency(s, n, x)
    >>> s2.tolist(), n2.tolist()
    ([[2.0, 2.0, 2.0, 2.0]], [[1.0, 1.0, 1.0, 1.0]])
    >>> s3, n3 = mixture_consistency(s, n, x, "magsq")
    >>> s3.tolist(), n3.tolist()
    ([[3.0, 3.0, 3.0, 3.0]], [[0.0, 0.0, 0.0, 0.0]])
    """
    if weighting not in CONSISTENCY_WEIGHTS:
        raise ValueError(
            f"weighting must be one of {CONSISTENCY_WEIGHTS}, got '{weighting}'."
        )
    if not speech.shape == noise.shape == mixture.shape:
        raise ValueError(
            "Speech, noise and mixture must have one shape, got "
            f"{tuple(speech.shape)}, {tuple(noise.shape)}, {tuple(mixture.shape)}."
        )
    residual = mixture - speech - noise
    if weighting == "uniform":
        return speech + residual / 2, noise + residual / 2
    speech_energy = speech.pow(2).mean(dim=-1, keepdim=True)
    noise_energy = noise.pow(2).mean(dim=-1, keepdim=True)
    speech_weight = speech_energy / (speech_energy + noise_energy + 1e-9)
    return speech + speech_weight * residual, noise + (1 - speech_weight) * residual
