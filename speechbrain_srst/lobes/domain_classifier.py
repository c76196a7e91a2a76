"""Domain classifier that reads the U-Net bottleneck.

Authors
 * speechbrain-srst developers 2026
"""

from torch import nn


class DomainClassifier(nn.Module):
    """Two convolutions with PReLU, the mean over time, then one logit.

    The logit is for the *target* domain: ``sigmoid(logit)`` is the
    probability that an input comes from the target domain.

    Arguments
    ---------
    in_channels : int
        Channels of the U-Net bottleneck.
    hidden_channels : int
        Channels of the two convolutions.

    Example
    -------
    >>> import torch
    >>> classifier = DomainClassifier(in_channels=32, hidden_channels=16)
    >>> bottleneck = torch.randn(4, 32, 17, 9)
    >>> classifier(bottleneck).shape
    torch.Size([4])
    """

    def __init__(self, in_channels, hidden_channels=64):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(in_channels, hidden_channels, 3, padding=1),
            nn.PReLU(hidden_channels),
            nn.Conv2d(hidden_channels, hidden_channels, 3, padding=1),
            nn.PReLU(hidden_channels),
        )
        self.output = nn.Linear(hidden_channels, 1)

    def forward(self, bottleneck):
        """Returns one logit per item from ``[batch, channels, freq, frames]``."""
        x = self.convs(bottleneck)
        x = x.mean(dim=(2, 3))
        return self.output(x).squeeze(-1)
