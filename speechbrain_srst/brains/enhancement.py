"""Supervised enhancement: the source model (stage 1) and the target oracle (1').

Authors
 * speechbrain-srst developers 2026
"""

import speechbrain as sb

from speechbrain_srst.brains.common import StageBrain
from speechbrain_srst.losses import enhancement_loss, si_sdr


class EnhancementBrain(StageBrain):
    """Trains the U-Net on noisy/clean pairs with -SI-SDR(speech) - SI-SDR(noise).

    Batches hold ``noisy``, ``clean`` and ``noise`` (see
    :class:`speechbrain_srst.data.datasets.MixtureDataset`). Validation logs
    the SI-SDR of the speech estimate and its improvement over the input.
    """

    def compute_forward(self, batch, stage):
        """Returns the speech and noise estimates for ``batch.noisy``."""
        batch = batch.to(self.device)
        noisy, _ = batch.noisy
        return self.modules.model(noisy)

    def compute_objectives(self, predictions, batch, stage):
        """Returns the enhancement loss; records SI-SDR outside training."""
        speech_estimate, noise_estimate = predictions
        noisy, lengths = batch.noisy
        clean, _ = batch.clean
        noise, _ = batch.noise
        loss = enhancement_loss(
            speech_estimate, noise_estimate, clean, noise, lengths, reduction="none"
        )
        if stage != sb.Stage.TRAIN:
            enhanced_sdr = si_sdr(speech_estimate, clean, lengths)
            self.metrics.append("si_sdr", enhanced_sdr)
            self.metrics.append("si_sdri", enhanced_sdr - si_sdr(noisy, clean, lengths))
        return loss.mean()
