"""A Checkpointer whose checkpoints become visible only once complete.

SpeechBrain 1.1's ``Checkpointer`` writes ``CKPT.yaml`` (the file that makes
a folder count as a checkpoint) *before* the parameter files, so a run
killed in the middle of a save, or a full disk, leaves a half-written
checkpoint that the next run loads. :class:`AtomicCheckpointer` writes the
meta file under a pending name and renames it when every file is on disk.

Authors
 * speechbrain-srst developers 2026
"""

import logging
import os
import shutil
from pathlib import Path

from speechbrain.utils.checkpoints import METAFNAME, Checkpointer
from speechbrain.utils.distributed import if_main_process

logger = logging.getLogger(__name__)

PENDING_SUFFIX = ".pending"


class CheckpointSaveError(OSError):
    """A checkpoint could not be written (disk full, no permission...)."""


class AtomicCheckpointer(Checkpointer):
    """``Checkpointer`` that never leaves a half-written checkpoint behind.

    Takes the arguments of :class:`speechbrain.utils.checkpoints.Checkpointer`.
    Folders left by an interrupted save are removed when the checkpointer is
    created.

    Example
    -------
    >>> import tempfile, torch
    >>> folder = tempfile.mkdtemp()
    >>> model = torch.nn.Linear(2, 2)
    >>> checkpointer = AtomicCheckpointer(folder, {"model": model})
    >>> checkpoint = checkpointer.save_checkpoint()
    >>> sorted(p.name for p in checkpoint.path.iterdir())
    ['CKPT.yaml', 'model.ckpt']
    """

    def __init__(self, checkpoints_dir, *args, **kwargs):
        super().__init__(checkpoints_dir, *args, **kwargs)
        if if_main_process():
            self.remove_incomplete()

    def remove_incomplete(self):
        """Deletes checkpoint folders whose save never finished."""
        if not self.checkpoints_dir.is_dir():
            return
        for folder in self.checkpoints_dir.iterdir():
            pending = folder / (METAFNAME + PENDING_SUFFIX)
            if folder.is_dir() and pending.exists():
                logger.warning("Removing the incomplete checkpoint %s.", folder)
                shutil.rmtree(folder, ignore_errors=True)

    def _save_checkpoint_metafile(self, fpath, meta_to_include=None, end_of_epoch=True):
        pending = Path(str(fpath) + PENDING_SUFFIX)
        return super()._save_checkpoint_metafile(
            pending, meta_to_include or {}, end_of_epoch
        )

    def save_checkpoint(self, meta=None, end_of_epoch=True, name=None, **kwargs):
        """Saves every recoverable, then publishes the checkpoint."""
        meta = meta or {}
        try:
            checkpoint = super().save_checkpoint(meta, end_of_epoch, name, **kwargs)
        except (OSError, RuntimeError) as error:
            raise CheckpointSaveError(
                f"Could not save a checkpoint in {self.checkpoints_dir}: {error}. "
                "The partial checkpoint will be ignored; free some disk space (or "
                "fix the permissions) and run the same command again to resume."
            ) from error
        if checkpoint is not None:
            pending = checkpoint.path / (METAFNAME + PENDING_SUFFIX)
            os.replace(pending, checkpoint.path / METAFNAME)
        return checkpoint
