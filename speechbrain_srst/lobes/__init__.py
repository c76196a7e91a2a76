"""Neural building blocks: U-Net, gradient reversal, domain classifier."""
