"""Domain classifier pre-training (stage 2) and domain-adversarial training (3).

Batches pair source and target items (see
:class:`speechbrain_srst.data.datasets.DomainPairDataset`): ``src_noisy``,
``src_clean``, ``src_noise`` and ``tgt_noisy`` (plus ``tgt_clean`` in
validation, used for analysis only).

Authors
 * speechbrain-srst developers 2026
"""

import speechbrain as sb
import torch
import torch.nn.functional as F

from speechbrain_srst.brains.common import StageBrain
from speechbrain_srst.losses import enhancement_loss, si_sdr

SOURCE_LABEL = 0.0
TARGET_LABEL = 1.0


def domain_labels(num_source, num_target, device=None):
    """Returns the labels ``[0] * num_source + [1] * num_target``.

    Example
    -------
    >>> domain_labels(2, 1)
    tensor([0., 0., 1.])
    """
    return torch.cat(
        [
            torch.full((num_source,), SOURCE_LABEL, device=device),
            torch.full((num_target,), TARGET_LABEL, device=device),
        ]
    )


def domain_accuracy(logits, labels):
    """Returns per-item correctness (1.0 or 0.0) of ``sigmoid(logits) > 0.5``.

    Example
    -------
    >>> domain_accuracy(torch.tensor([2.0, -1.0, 0.5]), torch.tensor([1.0, 1.0, 1.0]))
    tensor([1., 0., 1.])
    """
    return ((logits > 0).float() == labels).float()


class DomainClassifierBrain(StageBrain):
    """Trains the domain classifier on the bottleneck of a frozen encoder.

    The U-Net (``modules.model``) stays in eval mode and gets no gradient; the
    optimizer holds the classifier's parameters only. The loss is the binary
    cross-entropy on logits, target domain = 1.
    """

    def on_fit_start(self):
        """Freezes the encoder before DDP wrapping and optimizer creation."""
        for parameter in self.modules.model.parameters():
            parameter.requires_grad_(False)
        super().on_fit_start()

    def init_optimizers(self):
        """One optimizer over the classifier alone."""
        self.optimizer = self.opt_class(self.modules.classifier.parameters())
        self.optimizers_dict = {"opt_class": self.optimizer}
        if self.checkpointer is not None:
            self.checkpointer.add_recoverable("optimizer", self.optimizer)

    def on_fit_batch_start(self, batch, should_step):
        """Keeps the frozen encoder in eval mode (``fit`` calls ``train()``)."""
        super().on_fit_batch_start(batch, should_step)
        self.modules.model.eval()

    def compute_forward(self, batch, stage):
        """Returns the domain logits of the source then the target items."""
        batch = batch.to(self.device)
        with torch.no_grad():
            source = self.modules.model.encode(batch.src_noisy.data).bottleneck
            target = self.modules.model.encode(batch.tgt_noisy.data).bottleneck
        return torch.cat(
            [self.modules.classifier(source), self.modules.classifier(target)]
        )

    def compute_objectives(self, logits, batch, stage):
        """Binary cross-entropy; records the accuracy."""
        num_source = batch.src_noisy.data.shape[0]
        labels = domain_labels(num_source, logits.shape[0] - num_source, self.device)
        self.metrics.append("accuracy", domain_accuracy(logits.detach(), labels))
        return F.binary_cross_entropy_with_logits(logits, labels)


class DANNBrain(StageBrain):
    """Domain-adversarial training through a gradient reversal layer.

    Loss: ``-SI-SDR(speech) - SI-SDR(noise)`` on the source items plus
    ``beta * BCE`` on the domain logits of the source and the target items;
    the gradient reversal layer (``modules.grl``) between the encoder and the
    classifier makes the encoder maximise what the classifier minimises. The
    discriminator accuracy is logged every epoch; in validation, the SI-SDR
    on the labelled source items and (for analysis only) on the target items.
    """

    def on_fit_batch_start(self, batch, should_step):
        """Advances the gradient-reversal schedule with training progress."""
        super().on_fit_batch_start(batch, should_step)
        epochs = self.hparams.epoch_counter.limit
        current = self.hparams.epoch_counter.current
        steps = max(getattr(self, "steps_per_epoch", 1), 1)
        progress = (current - 1 + min(self.step / steps, 1.0)) / max(epochs, 1)
        self.modules.grl.set_progress(progress)

    def make_dataloader(self, dataset, stage, *args, **kwargs):
        """Remembers the number of training batches (for the GRL schedule)."""
        loader = super().make_dataloader(dataset, stage, *args, **kwargs)
        if stage == sb.Stage.TRAIN:
            self.steps_per_epoch = len(loader)
        return loader

    def compute_forward(self, batch, stage):
        """Enhances the source items and classifies both domains.

        Source and target items go through the U-Net in one forward call
        (one call per step keeps DistributedDataParallel's bookkeeping
        intact); only the source estimates enter the enhancement loss.
        """
        batch = batch.to(self.device)
        source, target = batch.src_noisy.data, batch.tgt_noisy.data
        length = min(source.shape[-1], target.shape[-1])
        noisy = torch.cat([source[..., :length], target[..., :length]])
        speech, noise, bottleneck = self.modules.model(noisy, return_bottleneck=True)
        logits = self.modules.classifier(self.modules.grl(bottleneck))
        num_source = source.shape[0]
        outputs = {
            "speech": speech[:num_source],
            "noise": noise[:num_source],
            "logits": logits,
        }
        if stage != sb.Stage.TRAIN and hasattr(batch, "tgt_clean"):
            outputs["target_speech"] = speech[num_source:]
        return outputs

    def compute_objectives(self, outputs, batch, stage):
        """Enhancement loss on the source plus ``beta`` times the domain BCE."""
        src_noisy, lengths = batch.src_noisy
        src_clean = batch.src_clean.data
        enhancement = enhancement_loss(
            outputs["speech"],
            outputs["noise"],
            src_clean,
            batch.src_noise.data,
            lengths,
        )
        logits = outputs["logits"]
        num_source = src_noisy.shape[0]
        labels = domain_labels(num_source, logits.shape[0] - num_source, self.device)
        domain = F.binary_cross_entropy_with_logits(logits, labels)
        self.metrics.append("disc_accuracy", domain_accuracy(logits.detach(), labels))
        self.metrics.append("domain_bce", domain.detach())
        if stage != sb.Stage.TRAIN:
            self.metrics.append("src_si_sdr", si_sdr(outputs["speech"], src_clean))
            if "target_speech" in outputs:
                self.metrics.append(
                    "tgt_si_sdr", si_sdr(outputs["target_speech"], batch.tgt_clean.data)
                )
        return enhancement + self.hparams.beta * domain
