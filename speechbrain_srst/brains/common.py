"""Pieces shared by the stage Brains: metric accumulation and epoch logging.

Authors
 * speechbrain-srst developers 2026
"""

import logging

import speechbrain as sb
import torch
from speechbrain.utils.checkpoints import DEFAULT_SAVE_HOOKS, get_default_hook
from speechbrain.utils.epoch_loop import EpochCounterWithStopper
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


class PlateauEpochCounter(EpochCounterWithStopper):
    """SpeechBrain's early-stopping epoch counter with an absolute tolerance.

    ``EpochCounterWithStopper`` counts an epoch as an improvement when the
    metric beats the best by a *relative* 1e-6, so a validation SI-SDR that
    creeps up by 0.01 dB per epoch never stops; here an epoch improves when
    it beats the best by ``min_delta`` in the metric's own unit (dB). The
    best score, its epoch and the decision are checkpointed by the parent.

    Arguments
    ---------
    limit : int
        The most epochs.
    patience : int
        Epochs without improvement after which training stops.
    min_delta : float
        The smallest change that counts as an improvement.
    direction : str
        ``"max"`` (SI-SDR) or ``"min"`` (a loss).

    Example
    -------
    >>> counter = PlateauEpochCounter(limit=20, patience=2, min_delta=0.1)
    >>> for epoch in counter:
    ...     counter.update_metric([5.0, 6.0, 6.05, 6.08, 7.0][epoch - 1])
    >>> counter.current, counter.best_limit
    (4, 2)
    """

    def __init__(self, limit, patience=3, min_delta=0.05, direction="max"):
        super().__init__(limit, patience, 0, direction)
        self.absolute_delta = float(min_delta)

    def update_metric(self, current_metric):
        """Records one validation value (call once per epoch)."""
        improvement = self.sign * (self.best_score - current_metric)
        if improvement > self.absolute_delta or self.best_limit == 0:
            self.best_limit = self.current
            self.best_score = current_metric
        self.should_stop = self.current - self.best_limit >= self.limit_to_stop
        if self.should_stop:
            logger.info(
                "Epoch %d: no improvement of more than %g for %d epochs "
                "(best %.3f at epoch %d); stopping.",
                self.current,
                self.absolute_delta,
                self.limit_to_stop,
                self.best_score,
                self.best_limit,
            )


REQUIRED = object()
"""Marks a Brain option without a default (see :attr:`StageBrain.OPTIONS`)."""
BRAIN_ARGUMENTS = ("modules", "opt_class", "hparams", "run_opts", "checkpointer")


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

    A Brain's own options (:attr:`OPTIONS`, merged over the class and its
    parents) are constructor arguments, kept as attributes of the same name,
    so a YAML gives them where it names the class::

        brain_class: !name:speechbrain_srst.brains.domain.DANNBrain
            beta: !ref <beta>

    Arguments
    ---------
    *args, **kwargs
        SpeechBrain's ``Brain`` arguments (``modules``, ``opt_class``,
        ``hparams``, ``run_opts``, ``checkpointer``) and the options.

    Raises
    ------
    TypeError
        An unknown option, a missing required one, or an option left in
        ``hparams`` only (it would be ignored); the message names them.
    """

    OPTIONS = {"lr_annealing": None, "lr_plateau_factor": None}
    """Options and their defaults: ``lr_annealing``, an epoch scheduler
    (e.g. ``LinearScheduler``, or a ``NewBobScheduler`` called with the
    validation loss); ``lr_plateau_factor``, the learning-rate factor of an
    epoch without improvement (with :class:`PlateauEpochCounter`)."""

    consecutive_nonfinite = 0
    skip_step = False

    def __init__(self, *args, **kwargs):
        options = self.options()
        given = {k: kwargs.pop(k) for k in list(kwargs) if k not in BRAIN_ARGUMENTS}
        name = type(self).__name__
        unknown = sorted(set(given) - set(options))
        if unknown:
            raise TypeError(
                f"{name} has no option {unknown}; it has {sorted(options)}."
            )
        hparams = kwargs.get("hparams", args[2] if len(args) > 2 else None) or {}
        ignored = sorted(k for k in options if k in hparams and k not in given)
        if ignored:
            raise TypeError(
                f"{name}: the hparams hold {ignored}, which the Brain takes as "
                "arguments: pass them (in a YAML, below brain_class, e.g. "
                f"'{ignored[0]}: !ref <{ignored[0]}>')."
            )
        missing = sorted(
            k for k, v in options.items() if v is REQUIRED and k not in given
        )
        if missing:
            raise TypeError(f"{name} needs the option(s) {missing}.")
        super().__init__(*args, **kwargs)
        for key, default in options.items():
            setattr(self, key, given.get(key, default))

    @classmethod
    def options(cls):
        """The Brain's options and their defaults, parents' first.

        Example
        -------
        >>> sorted(StageBrain.options())
        ['lr_annealing', 'lr_plateau_factor']
        """
        merged = {}
        for klass in reversed(cls.__mro__):
            merged.update(vars(klass).get("OPTIONS", {}))
        return merged

    def on_fit_start(self):
        """Checkpoints a stateful ``lr_annealing``, then starts (and recovers)."""
        self.checkpoint_lr_annealing()
        super().on_fit_start()

    def checkpoint_lr_annealing(self):
        """Adds a stateful ``lr_annealing`` to the checkpointer's recoverables.

        A ``NewBobScheduler`` remembers the validation losses it has seen
        and its patience: without them in the checkpoint a resumed run would
        anneal at other epochs than an uninterrupted one. Schedulers without
        a SpeechBrain checkpoint hook (``LinearScheduler``, a function of the
        epoch alone) have no state to keep; one the YAML already lists among
        the recoverables is left there. Checkpoints written before it was
        added load without it.
        """
        annealing = self.lr_annealing
        checkpointer = self.checkpointer
        if annealing is None or checkpointer is None:
            return
        if any(obj is annealing for obj in checkpointer.recoverables.values()):
            return
        if get_default_hook(annealing, DEFAULT_SAVE_HOOKS) is None:
            return
        checkpointer.add_recoverable("lr_annealing", annealing, optional_load=True)

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
            self.track_plateau(stats)
            self.save_checkpoint(stats)
        elif stage == sb.Stage.TEST:
            self.hparams.train_logger.log_stats(
                stats_meta={"Epoch loaded": self.hparams.epoch_counter.current},
                test_stats=stats,
            )
            self.test_stats = stats

    def anneal_learning_rate(self, epoch):
        """Sets the next epoch's learning rate from ``lr_annealing``.

        ``lr_annealing`` is optional: a SpeechBrain epoch scheduler called
        with the epoch (e.g. ``LinearScheduler``), or a ``NewBobScheduler``,
        which is called with the validation loss and lowers the rate when it
        stops improving. The learning rate is set before the checkpoint is
        saved, so a resumed run goes on with it.
        """
        annealing = self.lr_annealing
        optimizer = getattr(self, "optimizer", None)
        if annealing is None or optimizer is None:
            return
        if isinstance(annealing, sb.nnet.schedulers.NewBobScheduler):
            _, new_lr = annealing(self.valid_stats["loss"])
        else:
            _, new_lr = annealing(epoch)
        sb.nnet.schedulers.update_learning_rate(optimizer, new_lr)

    def track_plateau(self, stats):
        """Feeds the checkpoint metric to an early-stopping epoch counter.

        With :class:`PlateauEpochCounter` as ``hparams.epoch_counter``,
        training stops after ``patience`` epochs without improvement, and
        each epoch without improvement multiplies the learning rate by
        ``lr_plateau_factor`` (if given; as torch's
        ``ReduceLROnPlateau`` with a patience of 0).
        """
        counter = self.hparams.epoch_counter
        key = getattr(self.hparams, "checkpoint_key", None)
        if not hasattr(counter, "update_metric") or key not in stats:
            return
        counter.update_metric(float(stats[key]))
        factor = self.lr_plateau_factor
        optimizer = getattr(self, "optimizer", None)
        if factor and optimizer is not None and counter.best_limit != counter.current:
            new_lr = optimizer.param_groups[0]["lr"] * factor
            sb.nnet.schedulers.update_learning_rate(optimizer, new_lr)
            logger.info(
                "Epoch %d without improvement: lr -> %.2e", counter.current, new_lr
            )

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
