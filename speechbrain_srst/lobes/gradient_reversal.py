"""Gradient reversal layer (Ganin et al., 2016) with a coefficient schedule.

Authors
 * speechbrain-srst developers 2026
"""

import math

import torch
from torch import nn


class _ReverseGradient(torch.autograd.Function):
    """Identity forward; multiplies the incoming gradient by ``-coeff``."""

    @staticmethod
    def forward(ctx, x, coeff):
        ctx.coeff = coeff
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.coeff * grad_output, None


def reverse_gradient(x, coeff=1.0):
    """Returns ``x`` unchanged; in backward the gradient is multiplied by ``-coeff``.

    Arguments
    ---------
    x : torch.Tensor
        Any tensor.
    coeff : float
        Non-negative scale of the reversed gradient.

    Returns
    -------
    torch.Tensor
        A tensor equal to ``x``.

    Example
    -------
    >>> x = torch.ones(3, requires_grad=True)
    >>> reverse_gradient(x, 0.5).sum().backward()
    >>> x.grad
    tensor([-0.5000, -0.5000, -0.5000])
    """
    return _ReverseGradient.apply(x, float(coeff))


def dann_schedule(progress, gamma=10.0, max_coeff=1.0):
    """The schedule of Ganin et al.: ``max * (2 / (1 + exp(-gamma p)) - 1)``.

    Arguments
    ---------
    progress : float
        Training progress in ``[0, 1]``.
    gamma : float
        Steepness of the ramp.
    max_coeff : float
        The coefficient reached at the end of training.

    Returns
    -------
    float
        The coefficient, 0 at the start and close to ``max_coeff`` at the end.

    Example
    -------
    >>> dann_schedule(0.0)
    0.0
    >>> round(dann_schedule(1.0), 4)
    0.9999
    """
    progress = min(max(progress, 0.0), 1.0)
    return max_coeff * (2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0)


class GradientReversal(nn.Module):
    """Module form of :func:`reverse_gradient` with an optional schedule.

    Arguments
    ---------
    coeff : float
        The coefficient of the reversed gradient (the maximum when scheduled).
    schedule : str
        ``"constant"`` keeps ``coeff``; ``"dann"`` ramps it from 0 to
        ``coeff`` with :func:`dann_schedule` as :meth:`set_progress` is called.
    gamma : float
        Steepness of the ``"dann"`` ramp.

    Example
    -------
    >>> grl = GradientReversal(coeff=2.0, schedule="dann")
    >>> grl.set_progress(0.0)
    >>> grl.coeff
    0.0
    >>> grl.set_progress(1.0)
    >>> round(grl.coeff, 3)
    2.0
    >>> x = torch.ones(2, requires_grad=True)
    >>> grl(x).sum().backward()
    >>> [round(g, 3) for g in x.grad.tolist()]
    [-2.0, -2.0]
    """

    def __init__(self, coeff=1.0, schedule="constant", gamma=10.0):
        super().__init__()
        if schedule not in ("constant", "dann"):
            raise ValueError(f"Unknown gradient reversal schedule '{schedule}'.")
        if coeff < 0:
            raise ValueError(f"The reversal coefficient must be >= 0, got {coeff}.")
        self.max_coeff = float(coeff)
        self.schedule = schedule
        self.gamma = gamma
        self.coeff = self.max_coeff if schedule == "constant" else 0.0

    def set_progress(self, progress):
        """Updates the coefficient for training progress in ``[0, 1]``."""
        if self.schedule == "dann":
            self.coeff = dann_schedule(progress, self.gamma, self.max_coeff)

    def forward(self, x):
        """Identity in forward, reversed and scaled gradient in backward."""
        return reverse_gradient(x, self.coeff)

    def extra_repr(self):
        return f"coeff={self.coeff}, schedule={self.schedule}"
