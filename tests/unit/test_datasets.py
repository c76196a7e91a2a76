"""Tests of the training datasets: labels, pairing, bad files, manifests."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from speechbrain_srst.data.audio import AudioError
from speechbrain_srst.data.datasets import (
    DomainPairDataset,
    MixtureDataset,
    load_manifest,
)


def write_wav(path, seconds=1.0, seed=0):
    signal = np.random.default_rng(seed).standard_normal(int(16000 * seconds))
    sf.write(path, 0.1 * signal, 16000)
    return str(path)


def spec(speech, noise):
    return {
        "speech": speech,
        "noise": noise,
        "snr": 5.0,
        "speech_start": 0,
        "noise_start": 0,
        "length": 8000,
        "level_dbfs": -25.0,
        "language": "fr",
    }


@pytest.fixture
def entries(tmp_path):
    speech = write_wav(tmp_path / "speech.wav", seed=1)
    noise = write_wav(tmp_path / "noise.wav", seed=2)
    return {"m0": spec(speech, noise), "m1": spec(speech, noise)}


def test_labelled_items_carry_references_and_unlabelled_do_not(entries):
    labelled = MixtureDataset(entries)[0]
    unlabelled = MixtureDataset(entries, labelled=False)[0]
    assert set(labelled) == {"id", "noisy", "clean", "noise", "language"}
    assert set(unlabelled) == {"id", "noisy", "language"}
    assert torch.allclose(labelled["noisy"], labelled["clean"] + labelled["noise"])
    assert torch.equal(unlabelled["noisy"], labelled["noisy"])


def test_file_broken_after_preparation_is_named(entries, tmp_path):
    broken = tmp_path / "speech.wav"
    broken.write_bytes(b"RIFF....not audio any more")
    with pytest.raises(AudioError, match="speech.wav"):
        MixtureDataset(entries)[0]


def test_pairs_cycle_the_secondary_set_and_reshuffle_per_epoch():
    primary = [{"x": i} for i in range(6)]
    secondary = [{"x": 10 + i} for i in range(3)]
    pairs = DomainPairDataset(primary, secondary, "tgt_", "src_", seed=1)
    first = [pairs[i]["src_x"] for i in range(6)]
    assert sorted(first) == [10, 10, 11, 11, 12, 12]
    orders = set()
    for epoch in range(1, 6):
        pairs.set_epoch(epoch)
        orders.add(tuple(pairs[i]["src_x"] for i in range(3)))
    assert len(orders) > 1
    fixed = DomainPairDataset(primary, secondary, shuffle_secondary=False)
    assert [fixed[i]["src_x"] for i in range(4)] == [10, 11, 12, 10]


def test_empty_sets_are_refused():
    with pytest.raises(ValueError, match="primary"):
        DomainPairDataset([], [{"x": 1}])
    with pytest.raises(ValueError, match="secondary"):
        DomainPairDataset([{"x": 1}], [])


def test_manifest_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="data preparation"):
        load_manifest(tmp_path / "missing.json")
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"a": {}, "b": {}}))
    with pytest.raises(KeyError, match="different preparations"):
        load_manifest(path, ids=["a", "zz"])
