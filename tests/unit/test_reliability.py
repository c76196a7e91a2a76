"""Non-finite losses, interrupted checkpoint saves and damaged checkpoints."""

import os
import struct
import time

import pytest
import torch
import yaml
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.utils.epoch_loop import EpochCounter
from speechbrain.utils.train_logger import FileTrainLogger

from speechbrain_srst.brains.common import NonFiniteLossError
from speechbrain_srst.brains.enhancement import EnhancementBrain
from speechbrain_srst.checkpoints import (
    AtomicCheckpointer,
    CheckpointLoadError,
    CheckpointSaveError,
)
from speechbrain_srst.lobes.unet import UNet


def items(count, poisoned=()):
    generator = torch.Generator().manual_seed(0)
    data = []
    for index in range(count):
        clean = torch.randn(2000, generator=generator)
        noise = torch.randn(2000, generator=generator)
        if index in poisoned:
            clean = torch.full_like(clean, float("nan"))
        data.append(
            {"id": str(index), "noisy": clean + noise, "clean": clean, "noise": noise}
        )
    return data


def train(tmp_path, data, patience):
    model = UNet([8, 16])
    hparams = {
        "epoch_counter": EpochCounter(1),
        "train_logger": FileTrainLogger(str(tmp_path / "log.txt")),
        "checkpoint_key": None,
    }
    brain = EnhancementBrain(
        modules={"model": model},
        opt_class=lambda params: torch.optim.Adam(params, lr=1e-3),
        hparams=hparams,
        run_opts={"device": "cpu", "nonfinite_patience": patience},
    )
    loader = {"batch_size": 1, "collate_fn": PaddedBatch}
    brain.fit(hparams["epoch_counter"], data, None, train_loader_kwargs=loader)
    return model


def test_non_finite_batches_are_skipped_and_weights_stay_finite(tmp_path, caplog):
    model = train(tmp_path, items(6, poisoned={1, 3}), patience=3)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert all(
        torch.isfinite(b).all() for b in model.buffers() if b.is_floating_point()
    )
    assert "batch skipped" in caplog.text


def test_too_many_non_finite_batches_in_a_row_stop_with_a_clear_error(tmp_path):
    with pytest.raises(NonFiniteLossError, match="in a row"):
        train(tmp_path, items(6, poisoned={1, 2, 3}), patience=2)


def test_checkpoint_interrupted_mid_save_is_never_loaded(tmp_path):
    model = torch.nn.Linear(2, 2)
    checkpointer = AtomicCheckpointer(tmp_path, {"model": model})
    good = checkpointer.save_checkpoint(meta={"step": 1})

    def crash(obj, path):
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    broken = AtomicCheckpointer(
        tmp_path, {"model": model}, custom_save_hooks={"model": crash}
    )
    with pytest.raises(CheckpointSaveError, match="No space left"):
        broken.save_checkpoint(meta={"step": 2})
    assert (
        AtomicCheckpointer(tmp_path, {"model": model}).find_checkpoint().path
        == good.path
    )
    assert len(list(tmp_path.glob("CKPT*"))) == 1, (
        "the partial checkpoint was not removed"
    )


def _checkpoints(tmp_path, count, **kwargs):
    """``count`` checkpoints of a Linear model whose weight is the step."""
    model = torch.nn.Linear(2, 2)
    checkpointer = AtomicCheckpointer(tmp_path, {"model": model}, **kwargs)
    saved = []
    for step in range(1, count + 1):
        with torch.no_grad():
            model.weight.fill_(float(step))
        checkpointer.save_and_keep_only(meta={"step": step})
        saved.append(checkpointer.find_checkpoint())
        time.sleep(0.01)  # distinct unixtime
    return model, checkpointer, saved


def test_save_fsyncs_files_and_folder_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        return real_fsync(descriptor)

    def replace(source, target):
        events.append(("rename", str(source)))
        return real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    model = torch.nn.Linear(2, 2)
    checkpoint = AtomicCheckpointer(tmp_path, {"model": model}).save_checkpoint()
    folder = str(checkpoint.path)
    rename = events.index(("rename", os.path.join(folder, "CKPT.yaml.pending")))
    before = {path for kind, path in events[:rename] if kind == "fsync"}
    assert {
        os.path.join(folder, "model.ckpt"),
        os.path.join(folder, "CKPT.yaml.pending"),
        folder,
    } <= before, events
    after = {path for kind, path in events[rename:] if kind == "fsync"}
    assert {folder, str(tmp_path)} <= after, events


def test_save_and_keep_only_keeps_one_spare(tmp_path):
    _, checkpointer, saved = _checkpoints(tmp_path, 3)
    kept = sorted(c.meta["step"] for c in checkpointer.list_checkpoints())
    assert kept == [2, 3]
    _, checkpointer, _ = _checkpoints(tmp_path / "no_spare", 3, keep_spare=False)
    assert [c.meta["step"] for c in checkpointer.list_checkpoints()] == [3]


@pytest.mark.parametrize("damage", ["truncated", "bit_flip", "no_checksum"])
def test_damaged_newest_checkpoint_warns_and_recovers_the_previous(
    tmp_path, caplog, damage
):
    """Issue 16: a newest checkpoint damaged after a complete save."""
    model, checkpointer, saved = _checkpoints(tmp_path, 2)
    newest = saved[-1]
    weights = newest.path / "model.ckpt"
    data = weights.read_bytes()
    if damage == "bit_flip":  # unpickles fine: only the checksum finds it
        position = data.rindex(struct.pack("<f", 2.0))
        data = data[:position] + struct.pack("<f", 7.0) + data[position + 4 :]
    else:
        data = data[: len(data) // 2]
    weights.write_bytes(data)
    if damage == "no_checksum":  # a checkpoint written before checksums
        meta = dict(newest.meta)
        meta.pop("sha256")
        (newest.path / "CKPT.yaml").write_text(yaml.dump(meta))
    with torch.no_grad():
        model.weight.fill_(0.0)
    fresh = AtomicCheckpointer(tmp_path, {"model": model})
    loaded = fresh.recover_if_possible()
    assert loaded.meta["step"] == 1
    assert torch.equal(model.weight, torch.ones(2, 2)), model.weight
    warning = next(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert str(newest.path) in warning and "model.ckpt" in warning, warning
    assert str(saved[0].path) in warning, warning


def test_every_checkpoint_damaged_is_a_clear_error(tmp_path):
    model, checkpointer, saved = _checkpoints(tmp_path, 2)
    for checkpoint in saved:
        (checkpoint.path / "model.ckpt").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(CheckpointLoadError) as error:
        AtomicCheckpointer(tmp_path, {"model": model}).recover_if_possible()
    message = str(error.value)
    assert all(str(c.path / "model.ckpt") in message for c in saved), message
    assert f"Delete {tmp_path}" in message


def test_unreadable_meta_file_is_skipped_with_a_warning(tmp_path, caplog):
    model, checkpointer, saved = _checkpoints(tmp_path, 2)
    (saved[-1].path / "CKPT.yaml").write_text("")  # zero length after a crash
    loaded = AtomicCheckpointer(tmp_path, {"model": model}).recover_if_possible()
    assert loaded.meta["step"] == 1
    assert str(saved[-1].path) in caplog.text and "CKPT.yaml" in caplog.text
