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
    fit_gains,
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


NOISE_ESTIMATES = ("output", "residual")
"""Where the teacher's and the student's noise come from (``noise_estimate``)."""


def scaled_residual(speech, noisy, eps=1e-8):
    """Speech scaled to the mixture and the residual noise, ``(a s, x - a s)``.

    A model trained with the scale-invariant ``-SI-SDR(speech)`` alone gives
    its speech estimate at an arbitrary gain, so ``x - s`` would keep a part
    of the speech. The least-squares gain ``a = <x, s> / <s, s>`` (the
    projection of the mixture on the estimate; ``a s`` is the speech when
    speech and noise are uncorrelated) removes that part.

    Arguments
    ---------
    speech : torch.Tensor
        Speech estimate [batch, time].
    noisy : torch.Tensor
        Mixture [batch, time'] with time' >= time.
    eps : float
        Keeps the gain finite for a silent estimate.

    Returns
    -------
    speech, noise : torch.Tensor
        [batch, time] each; ``speech + noise`` is the mixture.

    Example
    -------
    >>> clean, noise = torch.randn(1, 16000), torch.randn(1, 16000)
    >>> clean, noise = clean - clean.mean(), noise - noise.mean()
    >>> noise = noise - (noise * clean).sum() / (clean * clean).sum() * clean
    >>> s, n = scaled_residual(3.0 * clean, clean + noise)
    >>> torch.allclose(s, clean, atol=1e-4), torch.allclose(n, noise, atol=1e-4)
    (True, True)
    """
    noisy = noisy[..., : speech.shape[-1]]
    gain = (noisy * speech).sum(-1, keepdim=True) / (
        speech.pow(2).sum(-1, keepdim=True) + eps
    )
    speech = gain * speech
    return speech, noisy - speech


def teacher_pseudo_labels(teacher, noisy, noise_estimate="output", consistency=False):
    """The teacher's speech and noise pseudo-labels ``(s~, n~)`` of ``noisy``.

    Arguments
    ---------
    teacher : callable
        Maps ``noisy`` [batch, time] to ``(speech, noise)``, each [batch, time].
    noisy : torch.Tensor
        Mixtures ``x`` [batch, time].
    noise_estimate : str
        ``"output"``: the teacher's noise output (RemixIT, Tzinis et al.
        2022); ``"residual"``: ``x - a s~`` with ``s~`` scaled by the
        least-squares gain ``a`` (:func:`scaled_residual`), for a teacher
        whose noise output was not trained (the DANN model of the paper's eq. 6).
    consistency : bool
        With ``"output"``, rescale both by their least-squares gains
        (:func:`~speechbrain_srst.remix.fit_gains`: estimates of a
        scale-invariant loss have arbitrary gains) and project them to
        ``s~ + n~ = x`` (uniform mixture consistency, Wisdom et al. 2019, as
        the official RemixIT code does; its models are trained with the
        projection inside, this U-Net is not). A residual is consistent by construction.

    Returns
    -------
    speech, noise : torch.Tensor
        [batch, time] each.

    Example
    -------
    >>> noisy = torch.randn(2, 100)
    >>> drifting = lambda x: (0.5 * x, 100 * torch.randn_like(x))
    >>> s, n = teacher_pseudo_labels(drifting, noisy, "residual")
    >>> torch.allclose(s, noisy, atol=1e-5), torch.allclose(s + n, noisy)
    (True, True)
    >>> s, n = teacher_pseudo_labels(drifting, noisy, "output", True)
    >>> torch.allclose(s + n, noisy, atol=1e-4), torch.allclose(s, 0.5 * noisy)
    (True, False)
    """
    speech, noise = teacher(noisy)
    if noise_estimate == "residual":
        return scaled_residual(speech, noisy)
    if noise_estimate != "output":
        raise ValueError(f"noise_estimate must be one of {NOISE_ESTIMATES}.")
    if consistency:
        speech, noise = fit_gains(speech, noise, noisy)
        speech, noise = mixture_consistency(speech, noise, noisy)
    return speech, noise


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
    arbitrary SNR and level.

    ``noise_estimate`` says where the noise of the teacher and of the
    student comes from: ``output`` takes the model's noise output (RemixIT;
    right for a model trained on ``-SI-SDR(s) - SI-SDR(n)``, such as the
    source model); ``residual`` takes ``x - a s`` for both, with the speech
    estimate at its least-squares gain ``a`` (:func:`scaled_residual`: the
    speech output of a scale-invariant loss has an arbitrary gain, and an
    unscaled ``x - s`` keeps part of the speech, which cost the SRST student
    of seed 1236 4.2 dB of source validation SI-SDR): the teacher's
    pseudo-labels ``a s~, x - a s~`` and the student's noise ``x~ - a s``, which
    is right for models whose noise output no loss trained: the DANN model of
    eq. 6 learns from ``-SI-SDR(speech)`` only, so its noise output drifts
    while its speech output improves. Projecting such estimates to mixture
    consistency spread the drift into ``s~`` (seen: a teacher at -21.5 dB on
    target validation while the same model's speech output scored +7.3 dB),
    and a student retraining that drifted output lost up to 2.4 dB of
    source validation SI-SDR over its epochs. With ``residual`` the
    pseudo-labels add up to the mixture by construction and every term of
    the loss trains the speech output.

    The number of source items per mini-batch is dithered
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
        "noise_estimate": "output",
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
        if self.noise_estimate not in NOISE_ESTIMATES:
            raise ValueError(
                f"noise_estimate must be one of {NOISE_ESTIMATES}, "
                f"got {self.noise_estimate!r}."
            )
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
        if self.external_teacher():
            self.teacher.load()  # an external teacher: missing or misaligned
        self.teacher.eval()
        for parameter in self.teacher.parameters():
            parameter.requires_grad_(False)
        super().on_fit_start()  # recovers the checkpoint (and the teacher)
        identity = self.cache_identity()
        self.label_cache = None
        if self.reuses_pseudo_labels():
            folder = self.pseudo_label_cache_folder
            self.label_cache = PseudoLabelCache(
                self.pseudo_label_cache_mb,
                folder if self.teacher_mode == "static" else None,
                identity,
            )
        logger.info("Teacher: %s", identity["teacher"])

    def cache_identity(self):
        """What the cached pseudo-labels depend on.

        A U-Net teacher's labels depend on the teacher, on where its noise
        comes from (``noise_estimate``) and on ``remix_consistency``. An
        external teacher's are ``(s~, x - s~)`` whatever those say
        (:meth:`teacher_estimates`), so its identity alone keys them and
        every stage that uses that teacher shares one cache.
        """
        identity = {"teacher": teacher_identity(self.teacher)}
        if not self.external_teacher():
            identity["noise_estimate"] = self.noise_estimate
            identity["remix_consistency"] = bool(self.remix_consistency)
        return identity

    def external_teacher(self):
        """Whether the teacher is an installed enhancer
        (:class:`~speechbrain_srst.teachers.ExternalTeacher`), not a U-Net."""
        return bool(getattr(self.teacher, "is_static", False))

    def reuses_pseudo_labels(self):
        """Whether a cache of pseudo-labels can be read before it is cleared.

        An item comes once per epoch, so a teacher that changes after every
        epoch (``ema``; ``sequential`` with an interval of 1) would only fill
        a cache; it is kept for teachers fixed over more than one epoch. A
        static teacher with ``pseudo_label_cache_folder`` keeps its labels on
        disk even when none are held in memory.
        """
        if self.teacher_mode == "static" and self.pseudo_label_cache_folder:
            return True
        if self.pseudo_label_cache_mb <= 0:
            return False
        if self.teacher_mode == "static":
            return True
        return self.teacher_mode == "sequential" and self.teacher_update_interval > 1

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
        consistency. Cached per item id when ``ids`` are given, every item
        has its full length and the teacher stays fixed for more than one
        epoch (:meth:`reuses_pseudo_labels`).

        Cached labels are computed one item at a time: a batched convolution
        rounds differently with the batch's size and its other items, so
        labels computed with a first batch and stored would differ (by about
        1e-7, which training amplifies) from those a resumed run, starting
        with an empty cache, computes with another batch. From the item
        alone they are the same in both runs: the cache, which is not
        checkpointed, then changes the speed and never the result.
        """
        if ids is None or not full_length or self.label_cache is None:
            return self.teacher_estimates(noisy)
        found = self.label_cache.lookup(ids, noisy)
        speech, noise = [], []
        for row, (item_id, labels) in enumerate(zip(ids, found, strict=True)):
            if labels is None:
                item = noisy[row : row + 1]
                computed = self.teacher_estimates(item)
                self.label_cache.put([item_id], *computed, item)
                labels = (computed[0][0].float(), computed[1][0].float())
            speech.append(labels[0].to(noisy.device))
            noise.append(labels[1].to(noisy.device))
        return torch.stack(speech), torch.stack(noise)

    @torch.no_grad()
    def teacher_estimates(self, noisy):
        """The teacher's (consistent, with ``remix_consistency``) estimates.

        An external teacher's ``s~, x - s~`` are taken as they are, whatever
        ``noise_estimate`` and ``remix_consistency`` say (issue 19: its noise
        is the mixture residual). They are consistent by construction; its
        speech is calibrated (not trained with a scale-invariant loss), so
        the least-squares gain of ``residual`` has nothing to correct; and
        :func:`fit_gains` would have no unique solution when ``s~`` is close
        to a multiple of ``x``. ``noise_estimate`` still sets the student's
        noise (:meth:`student`).
        """
        self.teacher.eval()
        if self.external_teacher():
            return self.teacher(noisy)
        return teacher_pseudo_labels(
            self.teacher, noisy, self.noise_estimate, self.remix_consistency
        )

    def source_count(self, batch_size):
        """Source items in this step's mini-batch (dithered share)."""
        if self.share <= 0:
            return 0
        count = dithered_source_count(self.step - 1, batch_size, self.share)
        return min(count, batch_size - MIN_TARGET_ITEMS)

    def student(self, noisy):
        """The student's ``(speech, noise)`` of ``noisy`` [batch, time]; the
        noise is ``noisy - speech`` when ``noise_estimate`` is residual."""
        speech, noise = self.modules.model(noisy)
        if self.noise_estimate == "residual":
            noise = scaled_residual(speech, noisy)[1]
        return speech, noise

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
        speech, noise = self.student(inputs)
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
            speech, noise = self.student(batch.src_noisy.data)
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
        if self.label_cache is not None:
            self.label_cache.clear()
            self.label_cache.bind(self.cache_identity())

    def student_module(self):
        """The student without a DDP wrapper."""
        model = self.modules.model
        return getattr(model, "module", model)
