"""The paper's losses and RemixIT as its authors run it, with known answers.

DANN's eq. 6, mixture consistency, the too-small-batch error, the dithered
source share, the pseudo-label cache, AdaBN and the plateau stopper.
"""

import re
from pathlib import Path

import pytest
import speechbrain as sb
import torch
from speechbrain.dataio.batch import PaddedBatch

# The tiny in-memory data and the Brain builder of the stage tests.
from test_brains import LENGTH, hparams_for, items, make  # noqa: E402

from speechbrain_srst import peers
from speechbrain_srst.adabn import reestimate_batch_norm
from speechbrain_srst.brains.common import PlateauEpochCounter
from speechbrain_srst.brains.domain import DANNBrain
from speechbrain_srst.brains.self_training import (
    SelfTrainingBrain,
    TooFewTargetItemsError,
    check_target_part,
)
from speechbrain_srst.data.datasets import DomainPairDataset
from speechbrain_srst.lobes.domain_classifier import DomainClassifier
from speechbrain_srst.lobes.gradient_reversal import GradientReversal
from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.losses import enhancement_loss, si_sdr
from speechbrain_srst.remix import match_rms, mixture_consistency
from speechbrain_srst.selection import dithered_source_count, source_share
from speechbrain_srst.teachers import ExternalTeacher


# ------------------------------------------------------------------ DANN
def dann_brain(tmp_path, **extra):
    torch.manual_seed(0)
    model = UNet([8, 16])
    modules = {
        "model": model,
        "classifier": DomainClassifier(16, 8),
        "grl": GradientReversal(1.0),
    }
    hparams = hparams_for(tmp_path, **{"beta": 0.05, **extra})
    return make(DANNBrain, modules, hparams), hparams


def dann_batch():
    pairs = DomainPairDataset(items(3, 1), items(3, 2, labelled=False), "src_", "tgt_")
    return PaddedBatch([pairs[i] for i in range(3)])


@pytest.mark.parametrize("target", ["speech", "speech_noise"])
def test_dann_enhancement_term_is_eq6_by_default(tmp_path, target):
    """``speech`` is -SI-SDR(speech) (eq. 6); ``speech_noise`` adds the noise."""
    brain, _ = dann_brain(tmp_path, enhancement_target=target)
    batch = dann_batch()
    outputs = brain.compute_forward(batch, stage=None)
    value = brain.enhancement_term(outputs, batch)
    clean, noise = batch.src_clean.data, batch.src_noise.data
    expected = -si_sdr(outputs["speech"], clean).mean()
    if target == "speech_noise":
        expected = enhancement_loss(outputs["speech"], outputs["noise"], clean, noise)
    assert torch.allclose(value, expected, atol=1e-5), (float(value), float(expected))


def test_dann_default_enhancement_target_is_speech(tmp_path):
    brain, _ = dann_brain(tmp_path)
    batch = dann_batch()
    outputs = brain.compute_forward(batch, stage=None)
    expected = -si_sdr(outputs["speech"], batch.src_clean.data).mean()
    assert torch.allclose(brain.enhancement_term(outputs, batch), expected)


def test_dann_rejects_an_unknown_enhancement_target(tmp_path):
    brain, _ = dann_brain(tmp_path, enhancement_target="noise")
    batch = dann_batch()
    with pytest.raises(ValueError, match="enhancement_target"):
        brain.enhancement_term(brain.compute_forward(batch, None), batch)


def test_dann_logs_gradient_ratio_and_accuracy(tmp_path):
    brain, hparams = dann_brain(tmp_path, grad_probe_interval=1)
    pairs = DomainPairDataset(items(8, 1), items(8, 2, labelled=False), "src_", "tgt_")
    valid = DomainPairDataset(items(4, 3), items(4, 4), "src_", "tgt_", False)
    loader = {"batch_size": 4, "collate_fn": PaddedBatch}
    brain.fit(
        hparams["epoch_counter"],
        pairs,
        valid,
        train_loader_kwargs=loader,
        valid_loader_kwargs=loader,
    )
    log = (tmp_path / "train_log.txt").read_text()
    ratio = float(re.search(r"train grl_grad_ratio: ([0-9.e+-]+)", log).group(1))
    assert 0.0 < ratio < 10.0, log
    assert "grl_grad_ratio_last" in log and "train disc_accuracy" in log


def test_dann_control_without_target_items_sees_source_only(tmp_path):
    brain, _ = dann_brain(tmp_path, use_target=False, beta=0.0)
    outputs = brain.compute_forward(dann_batch(), stage=sb.Stage.TRAIN)
    assert outputs["logits"].shape[0] == 3  # the three source items


# ------------------------------------------------------- RemixIT pieces
@pytest.mark.parametrize("weighting", ["uniform", "magsq"])
def test_mixture_consistency_adds_up_to_the_mixture(weighting):
    generator = torch.Generator().manual_seed(0)
    speech, noise, mixture = torch.randn(3, 4, 1000, generator=generator)
    s, n = mixture_consistency(3.0 * speech, 0.2 * noise, mixture, weighting)
    assert torch.allclose(s + n, mixture, atol=1e-5)
    assert not torch.allclose(s, 3.0 * speech)


def test_mixture_consistency_keeps_consistent_estimates():
    speech, noise = torch.randn(2, 500), torch.randn(2, 500)
    s, n = mixture_consistency(speech, noise, speech + noise)
    assert torch.allclose(s, speech, atol=1e-6) and torch.allclose(n, noise, atol=1e-6)


def test_consistent_labels_of_a_mis_scaled_teacher_are_the_true_sources():
    """Estimates at arbitrary gains (a scale-invariant loss) are rescaled by
    their least-squares gains before the projection; projecting them as they
    are moves speech into the noise (what collapsed RemixIT on two seeds)."""
    from speechbrain_srst.brains.self_training import teacher_pseudo_labels

    generator = torch.Generator().manual_seed(0)
    speech = torch.randn(3, 8000, generator=generator)
    noise = torch.randn(3, 8000, generator=generator)
    noise -= (
        (noise * speech).sum(-1, keepdim=True)
        / speech.pow(2).sum(-1, keepdim=True)
        * speech
    )
    gains = torch.tensor([[4.0], [0.2], [1.0]]), torch.tensor([[0.3], [5.0], [1.0]])

    def teacher(x):
        return gains[0] * speech, gains[1] * noise

    labels = teacher_pseudo_labels(teacher, speech + noise, "output", True)
    assert torch.allclose(labels[0], speech, atol=1e-3)
    assert torch.allclose(labels[1], noise, atol=1e-3)
    plain = mixture_consistency(*teacher(None), speech + noise)
    assert not torch.allclose(plain[0][:2], speech[:2], atol=0.1)


def test_match_rms_sets_each_level():
    wavs = torch.randn(2, 800) * torch.tensor([[5.0], [0.1]])
    reference = torch.randn(2, 800) * torch.tensor([[0.05], [0.2]])
    matched = match_rms(wavs, reference)
    rms = matched.pow(2).mean(-1).sqrt()
    assert torch.allclose(rms, reference.pow(2).mean(-1).sqrt(), rtol=1e-4)


@pytest.mark.parametrize("batch_size,share", [(1, 0.0), (2, 0.3), (3, 0.5)])
def test_too_few_target_items_is_an_error_with_the_fix(batch_size, share):
    with pytest.raises(TooFewTargetItemsError, match=r"Use --batch_size \d+ or more"):
        check_target_part(batch_size, share)


@pytest.mark.parametrize("batch_size,share", [(2, 0.0), (3, 0.3), (16, 0.3)])
def test_enough_target_items_pass(batch_size, share):
    check_target_part(batch_size, share)


def test_dithered_share_follows_every_point_of_the_schedule():
    """Each 3-point step changes the mean count, with 16 items a batch."""
    means = []
    for epoch in range(1, 12):
        share = source_share(epoch)
        counts = [dithered_source_count(k, 16, share) for k in range(75)]
        assert set(counts) <= {int(16 * share), int(16 * share) + 1}
        means.append(sum(counts) / (75 * 16))
    expected = [round(0.30 - 0.03 * k, 2) for k in range(11)]
    assert [round(m, 2) for m in means] == expected


def self_training_brain(tmp_path, mode="static", batch_size=4, interval=1, **extra):
    torch.manual_seed(0)
    student, teacher = UNet([8, 16]), UNet([8, 16])
    teacher.load_state_dict(student.state_dict())
    hparams = hparams_for(
        tmp_path,
        teacher=teacher,
        teacher_mode=mode,
        teacher_update_interval=interval,
        use_source=False,
        source_share_start=0.3,
        source_share_step=0.03,
        batch_size=batch_size,
        **extra,
    )
    brain = make(SelfTrainingBrain, {"model": student}, hparams)
    train = DomainPairDataset(items(8, 1, False), None, seed=0)
    valid = DomainPairDataset(items(4, 3), items(4, 4), shuffle_secondary=False)
    return brain, hparams, train, valid


def test_self_training_refuses_a_one_item_target_part(tmp_path):
    brain, hparams, train, valid = self_training_brain(tmp_path, batch_size=1)
    loader = {"batch_size": 1, "collate_fn": PaddedBatch}
    with pytest.raises(TooFewTargetItemsError, match="batch_size 1"):
        brain.fit(
            hparams["epoch_counter"],
            train,
            valid,
            train_loader_kwargs=loader,
            valid_loader_kwargs=loader,
        )


def test_consistent_pseudo_labels_add_up_to_the_mixture(tmp_path):
    brain, hparams, train, valid = self_training_brain(tmp_path, remix_consistency=True)
    brain.on_fit_start()
    noisy = torch.stack([train[i]["tgt_noisy"] for i in range(4)])
    speech, noise = brain.pseudo_labels(noisy)
    assert torch.allclose(speech + noise, noisy, atol=1e-4)


def test_residual_noise_keeps_the_teacher_speech(tmp_path):
    """noise_estimate: residual takes s~ as the teacher gives it and n~ = x - s~,
    whatever the teacher's noise output (untrained in a DANN model of eq. 6)."""
    brain, hparams, train, valid = self_training_brain(
        tmp_path, remix_consistency=True, noise_estimate="residual"
    )
    brain.on_fit_start()
    brain.teacher.mask_head.bias.data[2:] += 50.0  # a noise mask gone astray
    noisy = torch.stack([train[i]["tgt_noisy"] for i in range(4)])
    speech, noise = brain.pseudo_labels(noisy)
    teacher_speech = brain.teacher(noisy)[0]
    # The teacher's speech at its least-squares gain: the same SI-SDR target,
    # and the residual holds no part of it.
    gain = (speech * teacher_speech).sum(-1) / teacher_speech.pow(2).sum(-1)
    assert torch.allclose(speech, gain[:, None] * teacher_speech, atol=1e-6)
    assert torch.allclose((noise * speech).sum(-1), torch.zeros(4), atol=1e-3)
    assert torch.allclose(speech + noise, noisy, atol=1e-6)
    # The student's noise is its residual too, so no loss term reaches the
    # (untrained) noise output.
    brain.modules.model.mask_head.bias.data[2:] += 50.0
    student_speech, student_noise = brain.student(noisy)
    assert torch.equal(student_speech, brain.modules.model(noisy)[0])
    scaled = noisy - student_noise
    gain = (scaled * student_speech).sum(-1) / student_speech.pow(2).sum(-1)
    assert torch.allclose(scaled, gain[:, None] * student_speech, atol=1e-5)


class HalvingPeer(peers.Peer):
    """An installed enhancer stand-in: halves its input, no delay."""

    name, sample_rate, frame, delay = "halving", 16000, 1, 0

    def process(self, wave):
        return 0.5 * wave


@pytest.mark.parametrize("noise_estimate", ["output", "residual"])
@pytest.mark.parametrize("consistency", [False, True])
def test_external_teacher_labels_are_its_speech_and_the_residual(
    tmp_path, noise_estimate, consistency
):
    """An external teacher's labels are (s~, x - s~) as it gives them, whatever
    noise_estimate (which sets the student's noise) and remix_consistency say:
    the least-squares gain of ``residual`` would turn a halved s~ into x, and
    both stages that share the teacher share one cache identity."""
    brain, hparams, train, valid = self_training_brain(
        tmp_path, remix_consistency=consistency, noise_estimate=noise_estimate
    )
    brain.hparams.teacher = ExternalTeacher(HalvingPeer(), check_alignment=False)
    brain.on_fit_start()
    noisy = torch.stack([train[i]["tgt_noisy"] for i in range(4)])
    ids = [train[i]["tgt_id"] for i in range(4)]
    for labels in (brain.pseudo_labels(noisy), brain.pseudo_labels(noisy, ids, True)):
        assert torch.allclose(labels[0], 0.5 * noisy, atol=1e-6)
        assert torch.allclose(labels[1], 0.5 * noisy, atol=1e-6)
    assert brain.cache_identity() == {"teacher": brain.teacher.identity()}
    unet = self_training_brain(tmp_path / "unet", noise_estimate=noise_estimate)[0]
    unet.on_fit_start()
    assert unet.cache_identity()["noise_estimate"] == noise_estimate


def test_unknown_noise_estimate_is_refused(tmp_path):
    brain, *_ = self_training_brain(tmp_path, noise_estimate="residue")
    with pytest.raises(ValueError, match="noise_estimate must be one of"):
        brain.on_fit_start()


@pytest.mark.parametrize(
    "stage",
    [
        "remixit",
        "dann_remixit",
        "srst",
        "srst_random",
        "remixit_external",
        "srst_external",
    ],
)
def test_noise_pseudo_label_matches_what_trained_the_teacher(stage):
    """A teacher whose noise output no loss trained (DANN with the eq. 6 loss)
    gives residual noise pseudo-labels; one trained on speech and noise (the
    source model) gives its own estimate, as RemixIT does. An external
    teacher's noise is ``x - s~`` either way: there the student, whose noise
    output the loss trains with ``output``, decides (``student_folder``)."""
    hparams = Path(__file__).parents[2] / "recipes/DNS/domain_adaptation/hparams"

    def value(name, key):
        match = re.search(rf"^{key}: *([^#\n]*)", (hparams / name).read_text(), re.M)
        return match.group(1).strip() if match else None

    teacher = value(f"{stage}.yaml", "teacher_folder")
    if teacher is None:  # an external teacher: the student's model decides
        teacher = value(f"{stage}.yaml", "student_folder")
    speech_only = value("dann.yaml", "enhancement_target") == "speech"
    expected = "residual" if "dann/model" in teacher and speech_only else "output"
    assert value(f"{stage}.yaml", "noise_estimate") == expected, teacher


def test_static_teacher_pseudo_labels_are_cached_and_equal(tmp_path):
    brain, hparams, train, valid = self_training_brain(tmp_path)
    brain.on_fit_start()
    noisy = torch.stack([train[i]["tgt_noisy"] for i in range(4)])
    ids = [train[i]["tgt_id"] for i in range(4)]
    first = brain.pseudo_labels(noisy, ids, full_length=True)
    assert len(brain.label_cache.items) == 4
    brain.teacher.mask_head.weight.data.zero_()  # a cached answer ignores this
    second = brain.pseudo_labels(noisy, ids, full_length=True)
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])


def test_teacher_update_clears_the_cache(tmp_path):
    brain, hparams, train, valid = self_training_brain(
        tmp_path, mode="sequential", interval=2
    )
    brain.on_fit_start()
    noisy = torch.stack([train[i]["tgt_noisy"] for i in range(4)])
    ids = [train[i]["tgt_id"] for i in range(4)]
    brain.pseudo_labels(noisy, ids, full_length=True)
    brain.update_teacher(epoch=1)  # not a teacher update at interval 2
    assert len(brain.label_cache.items) == 4
    brain.update_teacher(epoch=2)
    assert brain.label_cache.items == {}


@pytest.mark.parametrize("mode", ["ema", "sequential"])
def test_a_teacher_changed_every_epoch_caches_nothing(tmp_path, mode):
    """Each item comes once an epoch: such a cache would never be read."""
    brain, *_ = self_training_brain(tmp_path, mode=mode)
    brain.on_fit_start()
    assert brain.label_cache is None


def test_cached_pseudo_labels_do_not_depend_on_the_first_batch(tmp_path):
    """A resumed run starts with an empty cache and sees an item first in
    another batch: its labels must be the same numbers as the cached ones
    of the uninterrupted run (the cache is not checkpointed)."""
    first, _, train, _ = self_training_brain(tmp_path / "a", remix_consistency=True)
    resumed, *_ = self_training_brain(tmp_path / "b", remix_consistency=True)
    first.on_fit_start()
    resumed.on_fit_start()
    data = [train[i] for i in range(8)]
    noisy = torch.stack([item["tgt_noisy"] for item in data])
    ids = [item["tgt_id"] for item in data]
    straight = first.pseudo_labels(noisy[:5], ids[:5], full_length=True)
    other = [4, 6, 7]  # item 4 first seen with other items, in a smaller batch
    later = resumed.pseudo_labels(noisy[other], [ids[i] for i in other], True)
    assert torch.equal(straight[0][4], later[0][0])
    assert torch.equal(straight[1][4], later[1][0])
    # and the cache gives what the teacher gives for the item alone
    alone = first.teacher_estimates(noisy[2:3])
    assert torch.equal(first.pseudo_labels(noisy[2:3], ids[2:3], True)[0], alone[0])


# ------------------------------------------------------------- controls
def test_adabn_takes_the_target_statistics_and_keeps_the_weights():
    torch.manual_seed(0)
    model = UNet([8, 16])
    weights = {
        k: v.clone() for k, v in model.state_dict().items() if "running" not in k
    }
    loud = [torch.randn(4, LENGTH) * 3.0 for _ in range(3)]
    assert reestimate_batch_norm(model, loud) == 12
    norm = model.encoder[0].layers[1]
    features = model.features(model.stft(torch.cat(loud)))
    expected = model.encoder[0].layers[0](features).mean(dim=(0, 2, 3))
    assert torch.allclose(norm.running_mean, expected, atol=1e-4)
    for name, value in model.state_dict().items():
        if name in weights and "num_batches" not in name:
            assert torch.equal(value, weights[name]), name


def test_plateau_counter_stops_after_patience_without_gain():
    counter = PlateauEpochCounter(limit=50, patience=3, min_delta=0.05)
    values = [1.0, 2.0, 2.5, 2.51, 2.53, 2.54, 9.0]
    seen = []
    for epoch in counter:
        seen.append(epoch)
        counter.update_metric(values[epoch - 1])
    assert seen == [1, 2, 3, 4, 5, 6]
    assert counter.best_limit == 3 and counter.best_score == 2.5
