"""The self-training Brain with an external teacher, on tiny in-memory data.

A synthetic peer with a known delay stands for DeepFilterNet 3: the Brain's
pseudo-labels are aligned to the sample, computed once per item (in memory
and on disk, under the teacher's identity), recomputed for another teacher,
and the teacher only ever sees the noisy target mixtures.
"""

import numpy as np
import pytest
import torch

# The tiny in-memory data and the Brain builder of the stage tests.
from test_brains import LENGTH, fit, hparams_for, items, make  # noqa: E402

from speechbrain_srst import peers
from speechbrain_srst.brains.self_training import SelfTrainingBrain
from speechbrain_srst.data.datasets import DomainPairDataset
from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.teachers import ExternalTeacher, fingerprint


class CountingPeer(peers.Peer):
    """Keeps 80 % of its input, ``lag`` samples late (declared); logs inputs.

    ``seen`` holds the fingerprint of each mixture it was given (a replayed
    input, two equal halves, counts as its first half: the warm-up of
    :class:`ExternalTeacher`), ``replays`` how many inputs were replayed.
    """

    def __init__(self, lag=37, name="counting"):
        self.name, self.lag, self.delay, self.frame = name, lag, lag, 160
        self.seen, self.replays = [], 0

    def enhance(self, wave):
        wave = torch.as_tensor(wave)
        half = wave.shape[-1] // 2
        if wave.shape[-1] % 2 == 0 and torch.equal(wave[:half], wave[half:]):
            self.replays += 1
            self.seen.append(fingerprint(wave[:half]))
        else:
            self.seen.append(fingerprint(wave))
        return super().enhance(wave)

    def process(self, wave):
        late = np.concatenate([np.zeros(self.lag, np.float32), wave])[: wave.size]
        return (0.8 * late).astype(np.float32)


def external_brain(tmp_path, peer, mode="static", epochs=1, use_source=False, **extra):
    tmp_path.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    student = UNet([8, 16])
    teacher = ExternalTeacher(peer, check_alignment=False)
    options = {
        "teacher": teacher,
        "teacher_mode": mode,
        "use_source": use_source,
        "source_share_start": 0.5,
        "source_share_step": 0.25,
        "remix_consistency": True,
        **extra,
    }
    hparams = hparams_for(tmp_path, epochs=epochs, **options)
    brain = make(SelfTrainingBrain, {"model": student}, hparams)
    source = items(8, 5) if use_source else None
    train = DomainPairDataset(items(8, 1, False), source, seed=0)
    valid = DomainPairDataset(items(4, 3), items(4, 4), shuffle_secondary=False)
    return brain, hparams, train, valid


def test_pseudo_labels_are_the_aligned_peer_output_and_the_residual(tmp_path):
    brain, _, train, _ = external_brain(tmp_path, CountingPeer(37))
    brain.on_fit_start()
    noisy = torch.stack([train[i]["tgt_noisy"] for i in range(4)])
    ids = [train[i]["tgt_id"] for i in range(4)]
    speech, noise = brain.pseudo_labels(noisy, ids, full_length=True)
    assert speech.shape == noise.shape == (4, LENGTH)
    # aligned to the sample: 80 % of the mixture, not a shifted copy of it
    assert torch.allclose(speech, 0.8 * noisy, atol=1e-6)
    assert torch.allclose(noise, 0.2 * noisy, atol=1e-6)
    assert torch.allclose(speech + noise, noisy, atol=1e-6)


def test_a_static_external_teacher_trains_the_student_and_labels_once(tmp_path):
    peer = CountingPeer()
    brain, hparams, train, valid = external_brain(
        tmp_path, peer, epochs=2, use_source=True
    )
    student = brain.modules.model
    before = {k: v.clone() for k, v in student.state_dict().items()}
    fit(brain, hparams, train, valid)
    assert any(not torch.equal(v, before[k]) for k, v in student.state_dict().items())
    # no mixture went through the peer twice (the source items take part of
    # each mini-batch, so not every target item is drawn)
    assert len(peer.seen) == len(set(peer.seen)) > 4
    log = (tmp_path / "train_log.txt").read_text()
    assert "valid teacher_tgt_si_sdr" in log and "source_loss" in log


def test_the_teacher_sees_the_noisy_target_mixtures_only(tmp_path):
    peer = CountingPeer()
    brain, hparams, train, valid = external_brain(tmp_path, peer, use_source=True)
    fit(brain, hparams, train, valid)
    # target: items(8, 1) (training, unlabelled), items(4, 3) (validation)
    noisy = {fingerprint(item["noisy"]) for item in items(8, 1) + items(4, 3)}
    references = {
        fingerprint(item[key])
        for item in items(8, 1) + items(4, 4) + items(8, 5) + items(4, 3)
        for key in ("clean", "noise")
    }
    assert set(peer.seen) <= noisy
    assert not set(peer.seen) & references
    # each one given twice in a row (the default replay warm-up)
    assert peer.replays == len(peer.seen) > 0


@pytest.mark.parametrize("mode", ["ema", "sequential"])
def test_updating_teacher_modes_are_refused_before_training(tmp_path, mode):
    brain, hparams, train, valid = external_brain(tmp_path, CountingPeer(), mode=mode)
    with pytest.raises(ValueError, match=f"teacher_mode '{mode}'.*static"):
        fit(brain, hparams, train, valid)


def test_disk_cache_is_reused_for_the_same_teacher_and_not_for_another(tmp_path):
    cache = tmp_path / "pseudo_labels"
    first = CountingPeer(37)
    brain, hparams, train, valid = external_brain(
        tmp_path / "a", first, pseudo_label_cache_folder=str(cache)
    )
    fit(brain, hparams, train, valid)
    # each target training and validation mixture went through the peer once
    assert len(first.seen) == len(set(first.seen)) == 8 + 4
    # a resumed or later stage with the same teacher: nothing recomputed
    same = CountingPeer(37)
    brain, hparams, train, valid = external_brain(
        tmp_path / "b", same, pseudo_label_cache_folder=str(cache)
    )
    fit(brain, hparams, train, valid)
    assert same.seen == []
    # another teacher (here: another delay under the same name): recomputed
    other = CountingPeer(38)
    brain, hparams, train, valid = external_brain(
        tmp_path / "c", other, pseudo_label_cache_folder=str(cache)
    )
    fit(brain, hparams, train, valid)
    assert len(other.seen) == 12
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 2
