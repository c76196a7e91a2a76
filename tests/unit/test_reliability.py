"""Non-finite losses and interrupted checkpoint saves."""

import pytest
import torch
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.utils.epoch_loop import EpochCounter
from speechbrain.utils.train_logger import FileTrainLogger

from speechbrain_srst.brains.common import NonFiniteLossError
from speechbrain_srst.brains.enhancement import EnhancementBrain
from speechbrain_srst.checkpoints import AtomicCheckpointer, CheckpointSaveError
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
