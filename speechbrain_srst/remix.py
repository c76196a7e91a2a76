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
