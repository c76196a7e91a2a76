"""Self-training with RemixIT pseudo-labels, and SRST's source regularisation.

One Brain serves RemixIT (teacher: the source model), DANN+RemixIT (teacher:
the DANN model) and SRST (teacher: the DANN model, plus labelled source
items from the selected pool in every mini-batch).

Authors
 * speechbrain-srst developers 2026
"""

import logging

import speechbrain as sb
import torch

from speechbrain_srst.brains.common import StageBrain
from speechbrain_srst.losses import enhancement_loss, si_sdr
from speechbrain_srst.remix import copy_weights, ema_update, remix
from speechbrain_srst.selection import source_share, split_batch_sizes

logger = logging.getLogger(__name__)

TEACHER_MODES = ("static", "ema", "sequential")


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

    Teacher updates (``hparams.teacher_mode``): ``static`` never changes the
    teacher; ``ema`` sets ``teacher = m teacher + (1 - m) student`` at the end
    of every epoch (``hparams.ema_momentum``); ``sequential`` copies the
    student into the teacher every ``hparams.teacher_update_interval`` epochs.

    Validation watches pseudo-label quality: the student's SI-SDR on a
    labelled held-out source set (``src_``, the source items closest to the
    target) and, for analysis only, on a labelled target set (``tgt_``). The
    loss used to keep checkpoints is the source enhancement loss, never a
    target one.
    """

    def on_fit_start(self):
        """Prepares the frozen teacher before the usual start (and recovery)."""
        mode = self.hparams.teacher_mode
        if mode not in TEACHER_MODES:
            raise ValueError(
                f"teacher_mode must be one of {TEACHER_MODES}, got '{mode}'."
            )
        self.teacher = self.hparams.teacher.to(self.device)
        self.teacher.eval()
        for parameter in self.teacher.parameters():
            parameter.requires_grad_(False)
        super().on_fit_start()

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
        return source_share(
            epoch, self.hparams.source_share_start, self.hparams.source_share_step
        )

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
    def pseudo_labels(self, noisy):
        """Returns the teacher's speech and noise estimates for ``noisy``."""
        self.teacher.eval()
        return self.teacher(noisy)

    def compute_forward(self, batch, stage):
        """Runs the teacher, remixes, and runs the student."""
        batch = batch.to(self.device)
        if stage != sb.Stage.TRAIN:
            return self.forward_validation(batch)
        target_noisy = batch.tgt_noisy.data
        num_target, num_source = split_batch_sizes(target_noisy.shape[0], self.share)
        if num_source and not hasattr(batch, "src_noisy"):
            raise ValueError("SRST needs source items in the batch (src_noisy).")
        teacher_speech, teacher_noise = self.pseudo_labels(target_noisy[:num_target])
        mixture, speech_target, noise_target, _ = remix(
            teacher_speech, teacher_noise, self.remix_generator()
        )
        inputs = mixture
        if num_source:
            source = batch.src_noisy.data[:num_source]
            length = min(mixture.shape[-1], source.shape[-1])
            inputs = torch.cat([mixture[..., :length], source[..., :length]])
        # One student call per step: remixed target items, then source items.
        speech, noise = self.modules.model(inputs)
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
        return loss

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Updates the teacher after each training epoch, then logs."""
        if stage == sb.Stage.TRAIN:
            self.update_teacher(epoch)
            self.metrics.append("source_share", torch.tensor([self.share]))
        super().on_stage_end(stage, stage_loss, epoch)

    def update_teacher(self, epoch):
        """Applies the teacher update mode at the end of ``epoch``."""
        mode = self.hparams.teacher_mode
        if mode == "ema":
            ema_update(self.teacher, self.student_module(), self.hparams.ema_momentum)
        elif mode == "sequential" and epoch % self.hparams.teacher_update_interval == 0:
            copy_weights(self.teacher, self.student_module())
            logger.info("Epoch %d: the student became the teacher.", epoch)

    def student_module(self):
        """The student without a DDP wrapper."""
        model = self.modules.model
        return getattr(model, "module", model)
