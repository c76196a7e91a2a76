"""Self-training with RemixIT pseudo-labels, and SRST's source regularisation.

One Brain serves RemixIT (teacher: the source model), DANN+RemixIT (teacher:
the DANN model) and SRST (teacher: the DANN model, plus labelled source
items from the selected pool in every mini-batch), and their variants with
an installed pretrained enhancer as the teacher
(:class:`speechbrain_srst.teachers.ExternalTeacher`).

Authors
 * speechbrain-srst developers 2026
"""

import logging
import math

import speechbrain as sb
import torch

from speechbrain_srst.brains.common import REQUIRED, StageBrain
from speechbrain_srst.losses import enhancement_loss, si_sdr
from speechbrain_srst.remix import (
    copy_weights,
    ema_update,
    match_rms,
    mixture_consistency,
    remix,
)
from speechbrain_srst.selection import dithered_source_count, source_share
from speechbrain_srst.teachers import (  # noqa: F401 (PseudoLabelCache: API)
    PseudoLabelCache,
    check_teacher_mode,
    teacher_identity,
)

logger = logging.getLogger(__name__)

TEACHER_MODES = ("static", "ema", "sequential")
MIN_TARGET_ITEMS = 2
"""A derangement needs two items: with one, RemixIT would not remix."""


class TooFewTargetItemsError(ValueError):
    """A self-training mini-batch would hold fewer than two target items."""


def check_target_part(batch_size, largest_share):
    """Fails before training when a mini-batch's target part could be < 2.

    With one target item the derangement is the identity: the "remixed"
    mixture is the teacher's own ``s~ + n~`` and nothing is remixed.

    Arguments
    ---------
    batch_size : int
        Items per training mini-batch.
    largest_share : float
        The largest source share of the schedule (its first epoch).

    Raises
    ------
    TooFewTargetItemsError
        With the numbers and the fix.

    Example
    -------
    >>> check_target_part(16, 0.3)
    >>> check_target_part(2, 0.3)
    Traceback (most recent call last):
    ...
    speechbrain_srst...TooFewTargetItemsError: batch_size 2 with a source share
    of 30% leaves 1 target item(s) ... Use --batch_size 3 or more.
    """
    largest_source = math.ceil(batch_size * largest_share) if largest_share > 0 else 0
    target_items = batch_size - largest_source
    if target_items >= MIN_TARGET_ITEMS:
        return
    needed = batch_size
    while (
        needed - (math.ceil(needed * largest_share) if largest_share > 0 else 0)
        < MIN_TARGET_ITEMS
    ):
        needed += 1
    raise TooFewTargetItemsError(
        f"batch_size {batch_size} with a source share of "
        f"{largest_share:.0%} leaves {target_items} target item(s) in some "
        f"mini-batches; RemixIT needs at least {MIN_TARGET_ITEMS} to permute "
        f"the noises (a derangement). Use --batch_size {needed} or more."
    )


def check_range(name, value, low, high):
    """Raises ``ValueError`` naming ``name`` unless ``low <= value <= high``.

    Example
    -------
    >>> check_range("ema_momentum", 0.9, 0.0, 1.0)
    >>> check_range("ema_momentum", 1.5, 0.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: ema_momentum must be a number in [0.0, 1.0], got 1.5.
    """
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}.")


class SelfTrainingBrain(StageBrain):
    """Student-teacher training on remixed pseudo-labels (RemixIT and SRST).

    For each target mixture the frozen teacher (``hparams.teacher``, kept out
    of ``modules`` so that ``fit`` never puts it in train mode, never wraps it
    for DDP and never optimises it) estimates speech ``s~`` and noise ``n~``;
    the noises are permuted with a derangement and remixed,
    ``x~ = s~ + P n~``, and the student (``modules.model``) learns to output
    ``s~`` and ``P n~``. With ``hparams.use_source`` (SRST), the first
    ``round(share * B)`` places of each mini-batch of ``B`` are given to
    labelled source items from the selected pool; the share follows
    :func:`speechbrain_srst.selection.source_share` (30 %, 27 %, ... 0 %) and
    the loss is ``(n_tgt L_RemixIT + n_src L_source) / B``, so the weight of
    the source term (lambda) falls with the share.

    Teacher updates (``teacher_mode``): ``static`` never changes the
    teacher; ``ema`` sets ``teacher = m teacher + (1 - m) student`` at the end
    of every epoch (``ema_momentum``); ``sequential`` copies the
    student into the teacher every ``teacher_update_interval`` epochs.

    ``remix_consistency`` follows the official RemixIT code: the
    teacher's estimates are projected to mixture consistency (``s~ + n~ =
    x``, :func:`~speechbrain_srst.remix.mixture_consistency`) and each
    remixed mixture is brought to the level of its target mixture
    (:func:`~speechbrain_srst.remix.match_rms`). Without it the levels of
    ``s~`` and ``n~`` are free (SI-SDR ignores gain), so ``x~`` has an
    arbitrary SNR and level. The number of source items per mini-batch is dithered
    (:func:`~speechbrain_srst.selection.dithered_source_count`) so that each
    epoch's mean share follows the schedule exactly.

    The teacher (``hparams.teacher``) is a U-Net giving ``s~`` and ``n~``, or
    an :class:`~speechbrain_srst.teachers.ExternalTeacher` (an installed
    enhancer: ``s~`` its aligned output, ``n~ = x - s~``), which only
    ``teacher_mode: static`` accepts. A teacher's pseudo-labels are computed
    once per item and kept while the teacher is unchanged
    (:class:`~speechbrain_srst.teachers.PseudoLabelCache`, under the
    teacher's identity: the peer, its package version, delay and rate, or
    the hash of the U-Net's weights); with ``pseudo_label_cache_folder`` and
    a static teacher they are also stored on disk there, so a resumed stage,
    or another stage with the same teacher, reads them back.

    Validation watches pseudo-label quality: the student's SI-SDR on a
    labelled held-out source set (``src_``, the source items closest to the
    target) and, for analysis only, on a labelled target set (``tgt_``),
    with the teacher's SI-SDR on the same target items
    (``teacher_tgt_si_sdr``: how good the pseudo-labels are, epoch by epoch). The
    loss used to keep checkpoints is the source enhancement loss, never a
    target one. With ``valid_dnsmos`` set (a
    :class:`speechbrain_srst.dnsmos.ValidationDNSMOS`), the student's DNSMOS
    on the noisy target items is logged too (``tgt_dnsmos_*``, no label used).
    """

    valid_dnsmos = None

    OPTIONS = {
        "teacher_mode": REQUIRED,
        "ema_momentum": 0.9,
        "teacher_update_interval": 1,
        "source_share_start": 0.3,
        "source_share_step": 0.03,
        "remix_consistency": False,
        "pseudo_label_cache_mb": 2048.0,
        "pseudo_label_cache_folder": None,
    }
    """Constructor arguments (see
    :class:`~speechbrain_srst.brains.common.StageBrain`), checked when
    training starts."""

    def check_options(self):
        """Raises ``ValueError`` naming the first option out of its range."""
        mode = self.teacher_mode
        if mode not in TEACHER_MODES:
            raise ValueError(
                f"teacher_mode must be one of {TEACHER_MODES}, got '{mode}'."
            )
        check_range("ema_momentum", self.ema_momentum, 0.0, 1.0)
        check_range("source_share_start", self.source_share_start, 0.0, 1.0)
        check_range("source_share_step", self.source_share_step, 0.0, 1.0)
        check_range("pseudo_label_cache_mb", self.pseudo_label_cache_mb, 0.0, 1e9)
        interval = self.teacher_update_interval
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(
                f"teacher_update_interval must be an integer >= 1, got {interval!r}."
            )

    def on_fit_start(self):
        """Prepares the frozen teacher before the usual start (and recovery)."""
        self.check_options()
        batch_size = getattr(self.hparams, "batch_size", None)
        if batch_size is not None:
            check_target_part(batch_size, self.current_share(1))
        self.teacher = self.hparams.teacher.to(self.device)
        check_teacher_mode(self.teacher, self.teacher_mode)
        if getattr(self.teacher, "is_static", False):
            self.teacher.load()  # an external teacher: missing or misaligned
        self.teacher.eval()
        for parameter in self.teacher.parameters():
            parameter.requires_grad_(False)
        super().on_fit_start()  # recovers the checkpoint (and the teacher)
        folder = self.pseudo_label_cache_folder
        self.label_cache = PseudoLabelCache(
            self.pseudo_label_cache_mb,
            folder if self.teacher_mode == "static" else None,
        )
        self.label_cache.bind(self.cache_identity())
        logger.info("Teacher: %s", self.label_cache.identity["teacher"])

    def cache_identity(self):
        """What the cached pseudo-labels depend on: teacher and consistency."""
        return {
            "teacher": teacher_identity(self.teacher),
            "remix_consistency": bool(self.remix_consistency),
        }

    def on_stage_start(self, stage, epoch=None):
        """Sets the source share of the epoch."""
        super().on_stage_start(stage, epoch)
        if stage == sb.Stage.TRAIN:
            self.share = self.current_share(epoch)
            dataset = getattr(self, "train_dataset", None)
            if dataset is not None and hasattr(dataset, "set_epoch"):
                dataset.set_epoch(epoch)

    def current_share(self, epoch):
        """The source share for ``epoch`` (0 without source regularisation)."""
        if not self.hparams.use_source:
            return 0.0
        return source_share(epoch, self.source_share_start, self.source_share_step)

    def remix_generator(self):
        """Random source of this step's derangement.

        Seeded from (seed, epoch, step), which SpeechBrain checkpoints, so a
        run resumed from an intra-epoch checkpoint draws the same
        permutations as an uninterrupted one.
        """
        epoch = self.hparams.epoch_counter.current
        seed = self.hparams.seed * 1_000_003 + epoch * 100_003 + self.step
        return torch.Generator().manual_seed(seed)

    @torch.no_grad()
    def pseudo_labels(self, noisy, ids=None, full_length=False):
        """The teacher's speech and noise estimates for ``noisy`` [batch, time].

        With ``remix_consistency`` the estimates are projected to mixture
        consistency. Cached per item id when ``ids`` are given and every item
        has its full length: only the items missing from the cache go
        through the teacher.
        """
        use_cache = ids is not None and full_length
        found = self.label_cache.lookup(ids, noisy) if use_cache else None
        if found is not None and all(entry is not None for entry in found):
            speech, noise = (torch.stack(part) for part in zip(*found, strict=True))
            return speech.to(noisy.device), noise.to(noisy.device)
        missing = list(range(noisy.shape[0]))
        if found is not None:
            missing = [index for index, entry in enumerate(found) if entry is None]
        subset = noisy if len(missing) == noisy.shape[0] else noisy[missing]
        self.teacher.eval()
        speech, noise = self.teacher(subset)
        if self.remix_consistency:
            speech, noise = mixture_consistency(speech, noise, subset)
        if use_cache:
            self.label_cache.put([ids[i] for i in missing], speech, noise, subset)
        if subset is noisy:
            return speech, noise
        all_speech, all_noise = torch.empty_like(noisy), torch.empty_like(noisy)
        for index, entry in enumerate(found):
            if entry is not None:
                all_speech[index], all_noise[index] = entry
        all_speech[missing], all_noise[missing] = speech, noise
        return all_speech, all_noise

    def source_count(self, batch_size):
        """Source items in this step's mini-batch (dithered share)."""
        if self.share <= 0:
            return 0
        count = dithered_source_count(self.step - 1, batch_size, self.share)
        return min(count, batch_size - MIN_TARGET_ITEMS)

    def compute_forward(self, batch, stage):
        """Runs the teacher, remixes, and runs the student."""
        batch = batch.to(self.device)
        if stage != sb.Stage.TRAIN:
            return self.forward_validation(batch)
        target_noisy, lengths = batch.tgt_noisy
        batch_size = target_noisy.shape[0]
        num_source = self.source_count(batch_size)
        num_target = batch_size - num_source
        if num_target < MIN_TARGET_ITEMS:
            raise TooFewTargetItemsError(
                f"A training mini-batch of {batch_size} item(s) leaves "
                f"{num_target} target item(s) (source share {self.share:.0%}); "
                f"RemixIT needs at least {MIN_TARGET_ITEMS}. Use a larger "
                "--batch_size and keep drop_last: True in train_dataloader_opts."
            )
        if num_source and not hasattr(batch, "src_noisy"):
            raise ValueError("SRST needs source items in the batch (src_noisy).")
        ids = list(getattr(batch, "tgt_id", []) or [])[:num_target] or None
        full_length = bool((lengths[:num_target] >= 1.0).all())
        teacher_speech, teacher_noise = self.pseudo_labels(
            target_noisy[:num_target], ids, full_length
        )
        mixture, speech_target, noise_target, _ = remix(
            teacher_speech, teacher_noise, self.remix_generator()
        )
        if self.remix_consistency:
            mixture = match_rms(mixture, target_noisy[:num_target])
        inputs = mixture
        if num_source:
            source = batch.src_noisy.data[:num_source]
            length = min(mixture.shape[-1], source.shape[-1])
            inputs = torch.cat([mixture[..., :length], source[..., :length]])
        # One student call per step: remixed target items, then source items.
        speech, noise = self.modules.model(inputs)
        self.metrics.append(
            "source_share_realized", torch.tensor([num_source / batch_size])
        )
        outputs = {
            "speech": speech[:num_target],
            "noise": noise[:num_target],
            "speech_target": speech_target,
            "noise_target": noise_target,
            "num_source": num_source,
        }
        if num_source:
            outputs["source_speech"] = speech[num_target:]
            outputs["source_noise"] = noise[num_target:]
        return outputs

    def forward_validation(self, batch):
        """Student estimates for the labelled source and target items."""
        outputs = {"source_speech": None, "target_speech": None}
        if hasattr(batch, "src_noisy"):
            speech, noise = self.modules.model(batch.src_noisy.data)
            outputs.update(source_speech=speech, source_noise=noise)
        if hasattr(batch, "tgt_clean"):
            outputs["target_speech"] = self.modules.model(batch.tgt_noisy.data)[0]
            # The pseudo-labels' quality (analysis only, never for selection).
            noisy, lengths = batch.tgt_noisy
            ids = [f"valid/{i}" for i in getattr(batch, "tgt_id", None) or []]
            outputs["teacher_speech"] = self.pseudo_labels(
                noisy, ids or None, bool((lengths >= 1.0).all())
            )[0]
        return outputs

    def compute_objectives(self, outputs, batch, stage):
        """``(n_tgt L_RemixIT + n_src L_source) / B`` in training."""
        if stage != sb.Stage.TRAIN:
            return self.validation_objectives(outputs, batch)
        remix_loss = enhancement_loss(
            outputs["speech"],
            outputs["noise"],
            outputs["speech_target"],
            outputs["noise_target"],
        )
        self.metrics.append("remixit_loss", remix_loss.detach())
        num_source = outputs["num_source"]
        num_target = outputs["speech"].shape[0]
        if not num_source:
            return remix_loss
        source_loss = enhancement_loss(
            outputs["source_speech"],
            outputs["source_noise"],
            batch.src_clean.data[:num_source],
            batch.src_noise.data[:num_source],
        )
        self.metrics.append("source_loss", source_loss.detach())
        return (num_target * remix_loss + num_source * source_loss) / (
            num_target + num_source
        )

    def validation_objectives(self, outputs, batch):
        """Source enhancement loss; SI-SDR on the source and the target sets."""
        loss = torch.zeros((), device=self.device)
        if outputs["source_speech"] is not None:
            clean = batch.src_clean.data
            loss = enhancement_loss(
                outputs["source_speech"],
                outputs["source_noise"],
                clean,
                batch.src_noise.data,
            )
            self.metrics.append("src_si_sdr", si_sdr(outputs["source_speech"], clean))
        if outputs["target_speech"] is not None:
            self.metrics.append(
                "tgt_si_sdr", si_sdr(outputs["target_speech"], batch.tgt_clean.data)
            )
            self.metrics.append(
                "teacher_tgt_si_sdr",
                si_sdr(outputs["teacher_speech"], batch.tgt_clean.data),
            )
            if self.valid_dnsmos is not None:  # label-free, logged only
                scores = self.valid_dnsmos(outputs["target_speech"])
                for name, values in scores.items():
                    self.metrics.append(name, values)
        return loss

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Updates the teacher after each training epoch, then logs."""
        if stage == sb.Stage.TRAIN:
            self.update_teacher(epoch)
            self.metrics.append("source_share", torch.tensor([self.share]))
        super().on_stage_end(stage, stage_loss, epoch)

    def update_teacher(self, epoch):
        """Applies the teacher update mode at the end of ``epoch``."""
        mode = self.teacher_mode
        if mode == "ema":
            ema_update(self.teacher, self.student_module(), self.ema_momentum)
        elif mode == "sequential" and epoch % self.teacher_update_interval == 0:
            copy_weights(self.teacher, self.student_module())
            logger.info("Epoch %d: the student became the teacher.", epoch)
        else:
            return
        self.label_cache.clear()
        self.label_cache.bind(self.cache_identity())

    def student_module(self):
        """The student without a DDP wrapper."""
        model = self.modules.model
        return getattr(model, "module", model)
