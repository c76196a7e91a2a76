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

from speechbrain_srst.brains.common import REQUIRED, StageBrain
from speechbrain_srst.losses import enhancement_loss, si_sdr

SOURCE_LABEL = 0.0
TARGET_LABEL = 1.0
ENHANCEMENT_TARGETS = ("speech", "speech_noise")
"""DANN enhancement terms: eq. 6's speech SI-SDR, or speech and noise."""


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

    Loss (the paper's eq. 6): ``-SI-SDR(speech)`` on the source items plus
    ``beta * BCE`` on the domain logits of the source and the target items;
    the gradient reversal layer (``modules.grl``) between the encoder and the
    classifier makes the encoder maximise what the classifier minimises
    (Ganin et al., JMLR 2016). ``enhancement_target`` selects the
    enhancement term: ``speech`` (eq. 6, the default) or ``speech_noise``
    (``-SI-SDR(speech) - SI-SDR(noise)``, the supervised stages' loss, which
    triples the encoder's enhancement gradient and so weakens the reversed
    one). ``use_target`` False leaves the target items out of the
    batch (a control: with ``beta = 0`` it is plain source fine-tuning, with
    no batch-norm statistics taken from the target).

    Logged per epoch: the discriminator accuracy, the domain BCE, the
    gradient-reversal coefficient and, every ``grad_probe_interval``
    training steps, the ratio of the reversed domain gradient's norm to the
    enhancement gradient's norm over the encoder parameters
    (``grl_grad_ratio``) and over the encoder's last block
    (``grl_grad_ratio_last``), so a user can see whether the adversarial term
    acts. In validation: the SI-SDR on the labelled source items and (for
    analysis only) on the target items.

    The options ``beta`` (required), ``enhancement_target``, ``use_target``
    and ``grad_probe_interval`` are constructor arguments (see
    :class:`~speechbrain_srst.brains.common.StageBrain`).
    """

    OPTIONS = {
        "beta": REQUIRED,
        "enhancement_target": "speech",
        "use_target": True,
        "grad_probe_interval": 0,
    }

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
        source = batch.src_noisy.data
        use_target = self.use_target
        if use_target or stage != sb.Stage.TRAIN:
            target = batch.tgt_noisy.data
            length = min(source.shape[-1], target.shape[-1])
            noisy = torch.cat([source[..., :length], target[..., :length]])
        else:
            noisy = source
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

    def enhancement_term(self, outputs, batch):
        """The enhancement loss on the source items (``enhancement_target``)."""
        src_noisy, lengths = batch.src_noisy
        target = self.enhancement_target
        if target not in ENHANCEMENT_TARGETS:
            raise ValueError(
                f"enhancement_target must be one of {ENHANCEMENT_TARGETS}, "
                f"got '{target}'."
            )
        clean = batch.src_clean.data
        if target == "speech":
            return -si_sdr(outputs["speech"], clean, lengths).mean()
        return enhancement_loss(
            outputs["speech"], outputs["noise"], clean, batch.src_noise.data, lengths
        )

    def compute_objectives(self, outputs, batch, stage):
        """Enhancement loss on the source plus ``beta`` times the domain BCE."""
        enhancement = self.enhancement_term(outputs, batch)
        logits = outputs["logits"]
        num_source = batch.src_noisy.data.shape[0]
        labels = domain_labels(num_source, logits.shape[0] - num_source, self.device)
        domain = F.binary_cross_entropy_with_logits(logits, labels)
        self.metrics.append("disc_accuracy", domain_accuracy(logits.detach(), labels))
        self.metrics.append("domain_bce", domain.detach())
        beta = self.beta
        if stage == sb.Stage.TRAIN:
            self.metrics.append("grl_coeff", torch.tensor([self.modules.grl.coeff]))
            if self.should_probe_gradients():
                self.probe_gradients(enhancement, beta * domain)
        else:
            src_clean = batch.src_clean.data
            self.metrics.append("src_si_sdr", si_sdr(outputs["speech"], src_clean))
            if "target_speech" in outputs:
                self.metrics.append(
                    "tgt_si_sdr", si_sdr(outputs["target_speech"], batch.tgt_clean.data)
                )
        return enhancement + beta * domain

    def should_probe_gradients(self):
        """Whether this training step measures the gradient ratio."""
        interval = self.grad_probe_interval or 0
        return (
            interval > 0
            and not self.distributed_launch
            and (self.step - 1) % interval == 0
        )

    def probe_gradients(self, enhancement, domain):
        """Logs the reversed-to-enhancement gradient norm ratio at the encoder."""
        model = getattr(self.modules.model, "module", self.modules.model)
        blocks = [list(block.parameters()) for block in model.encoder]
        ratios = gradient_norm_ratio(domain, enhancement, blocks)
        self.metrics.append("grl_grad_ratio", torch.tensor([ratios[0]]))
        self.metrics.append("grl_grad_ratio_last", torch.tensor([ratios[1]]))


def gradient_norm_ratio(numerator_loss, denominator_loss, blocks):
    """Ratio of two losses' gradient norms over parameter blocks.

    Used to see how strong the reversed domain gradient is against the
    enhancement gradient at the encoder (both reach the encoder's
    parameters; the domain one through the gradient reversal layer).

    Arguments
    ---------
    numerator_loss, denominator_loss : torch.Tensor
        Scalar losses of one graph (kept for the real backward pass).
    blocks : list of list of torch.nn.Parameter
        Parameter groups, e.g. the encoder's blocks in order.

    Returns
    -------
    (float, float)
        The ratio over all blocks and over the last block; NaN where the
        denominator's gradient is zero.

    Example
    -------
    >>> w = torch.nn.Parameter(torch.ones(2))
    >>> a, b = (3 * w).sum(), (w * 1.5).sum()
    >>> gradient_norm_ratio(b, a, [[w]])
    (0.5, 0.5)
    """
    params = [p for block in blocks for p in block if p.requires_grad]
    last = {id(p) for p in blocks[-1] if p.requires_grad}

    def norms(loss):
        grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
        total, tail = 0.0, 0.0
        for param, grad in zip(params, grads, strict=True):
            value = 0.0 if grad is None else float(grad.detach().pow(2).sum())
            total += value
            tail += value if id(param) in last else 0.0
        return total**0.5, tail**0.5

    top, top_last = norms(numerator_loss)
    bottom, bottom_last = norms(denominator_loss)
    return (
        top / bottom if bottom > 0 else float("nan"),
        top_last / bottom_last if bottom_last > 0 else float("nan"),
    )
