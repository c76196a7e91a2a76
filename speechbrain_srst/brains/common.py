"""Pieces shared by the stage Brains: metric accumulation and epoch logging.

Authors
 * speechbrain-srst developers 2026
"""

import logging

import speechbrain as sb
import torch
from torch.nn.parallel import DistributedDataParallel as DDP

logger = logging.getLogger(__name__)


class NonFiniteLossError(RuntimeError):
    """The loss stayed NaN or infinite for too many batches in a row."""


class MeanAccumulator:
    """Accumulates per-item values under names and averages them.

    Example
    -------
    >>> acc = MeanAccumulator()
    >>> acc.append("si_sdr", torch.tensor([1.0, 3.0]))
    >>> acc.append("si_sdr", torch.tensor([5.0]))
    >>> acc.summarize()
    {'si_sdr': 3.0}
    """

    def __init__(self):
        self.totals = {}
        self.counts = {}

    def append(self, name, values):
        """Adds the items of ``values`` (a tensor or a float) under ``name``."""
        values = torch.as_tensor(values, dtype=torch.float64).detach().flatten()
        finite = values[torch.isfinite(values)]
        self.totals[name] = self.totals.get(name, 0.0) + float(finite.sum())
        self.counts[name] = self.counts.get(name, 0) + int(finite.numel())

    def summarize(self):
        """Returns ``{name: mean}`` over everything appended."""
        return {
            name: self.totals[name] / max(self.counts[name], 1) for name in self.totals
        }


class StageBrain(sb.Brain):
    """A Brain that averages named metrics per stage and logs them per epoch.

    Subclasses call ``self.metrics.append(name, values)`` inside
    ``compute_objectives``; :meth:`on_stage_end` logs the training and the
    validation means through ``hparams.train_logger`` and saves a checkpoint
    after each validation. Checkpoints are chosen by ``hparams.checkpoint_key``
    (a metric name, higher is better) or, where it is ``None`` (the
    unsupervised stages, which must not pick checkpoints with target labels),
    the last one is kept.

    A batch whose loss is NaN or infinite is skipped with a warning (no
    optimizer step, gradients dropped, batch-norm statistics restored to
    what they were before the batch); after ``nonfinite_patience`` (a
    SpeechBrain run option, 3 by default) such batches in a row, training
    stops with :class:`NonFiniteLossError`.
    """

    consecutive_nonfinite = 0
    skip_step = False

    def on_fit_batch_start(self, batch, should_step):
        """Remembers the batch-norm statistics, in case the batch is skipped."""
        self.saved_buffers = [
            buffer.detach().clone()
            for buffer in self.modules.buffers()
            if buffer.is_floating_point()
        ]

    def restore_buffers(self):
        """Puts back the batch-norm statistics saved before the batch."""
        floating = (b for b in self.modules.buffers() if b.is_floating_point())
        with torch.no_grad():
            for buffer, saved in zip(floating, self.saved_buffers, strict=True):
                buffer.copy_(saved)

    def check_loss_isfinite(self, loss):
        """Marks a non-finite batch to be skipped; stops after too many in a row."""
        if torch.isfinite(loss):
            self.consecutive_nonfinite = 0
            self.skip_step = False
            return
        self.consecutive_nonfinite += 1
        self.skip_step = True
        if self.consecutive_nonfinite > self.nonfinite_patience:
            raise NonFiniteLossError(
                f"{type(self).__name__}: the loss was not finite for "
                f"{self.consecutive_nonfinite} batches in a row (epoch "
                f"{self.hparams.epoch_counter.current}). Check the data for "
                "NaN audio or lower the learning rate; the last checkpoint is "
                "intact and the same command resumes from it."
            )
        logger.warning(
            "Non-finite loss (%s): batch skipped (%d in a row, patience %d).",
            float(loss),
            self.consecutive_nonfinite,
            self.nonfinite_patience,
        )

    def optimizers_step(self):
        """Steps the optimizers unless the batch's loss was not finite."""
        if self.skip_step:
            # After backward: restoring earlier would break autograd.
            self.restore_buffers()
            self.zero_grad(set_to_none=True)
            self.skip_step = False
            return
        super().optimizers_step()

    def _wrap_distributed(self):
        """DDP on CPU (gloo) without SyncBatchNorm, which needs CUDA.

        SpeechBrain 1.1 converts every batch norm to ``SyncBatchNorm`` before
        wrapping, which fails on CPU; there each process keeps its own batch
        statistics. On GPUs SpeechBrain's own wrapping is used.
        """
        if not self.distributed_launch or str(self.device).startswith("cuda"):
            super()._wrap_distributed()
            return
        for name, module in self.modules.items():
            if any(p.requires_grad for p in module.parameters()):
                self.modules[name] = DDP(
                    module,
                    device_ids=None,
                    find_unused_parameters=self.find_unused_parameters,
                )

    def on_stage_start(self, stage, epoch=None):
        """Resets the metrics of the stage."""
        self.metrics = MeanAccumulator()

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Logs the epoch and saves a checkpoint after validation."""
        stats = {"loss": stage_loss, **self.metrics.summarize()}
        if stage == sb.Stage.TRAIN:
            self.train_stats = stats
            return
        if stage == sb.Stage.VALID:
            self.hparams.train_logger.log_stats(
                stats_meta={"epoch": epoch, **self.epoch_meta()},
                train_stats=getattr(self, "train_stats", None),
                valid_stats=stats,
            )
            self.valid_stats = stats
            self.anneal_learning_rate(epoch)
            self.save_checkpoint(stats)
        elif stage == sb.Stage.TEST:
            self.hparams.train_logger.log_stats(
                stats_meta={"Epoch loaded": self.hparams.epoch_counter.current},
                test_stats=stats,
            )
            self.test_stats = stats

    def anneal_learning_rate(self, epoch):
        """Sets the next epoch's learning rate from ``hparams.lr_annealing``.

        ``lr_annealing`` is optional: any SpeechBrain epoch scheduler that is
        called with the epoch and returns ``(old_lr, new_lr)``, e.g.
        ``speechbrain.nnet.schedulers.LinearScheduler``. The learning rate is
        set before the checkpoint is saved, so a resumed run goes on with it.
        """
        annealing = getattr(self.hparams, "lr_annealing", None)
        optimizer = getattr(self, "optimizer", None)
        if annealing is None or optimizer is None:
            return
        _, new_lr = annealing(epoch)
        sb.nnet.schedulers.update_learning_rate(optimizer, new_lr)

    def epoch_meta(self):
        """Extra values logged with the epoch number (the learning rate)."""
        optimizer = getattr(self, "optimizer", None)
        if optimizer is None:
            return {}
        return {"lr": optimizer.param_groups[0]["lr"]}

    def save_checkpoint(self, stats):
        """Saves a checkpoint and keeps the best (or the last) one."""
        if self.checkpointer is None:
            return
        key = getattr(self.hparams, "checkpoint_key", None)
        meta = {name: float(value) for name, value in stats.items()}
        if key:
            self.checkpointer.save_and_keep_only(meta=meta, max_keys=[key])
        else:
            self.checkpointer.save_and_keep_only(meta=meta, num_to_keep=1)
