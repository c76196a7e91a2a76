"""A Checkpointer whose checkpoints become visible only once durable and whole.

SpeechBrain 1.1's ``Checkpointer`` writes ``CKPT.yaml`` (the file that makes
a folder count as a checkpoint) *before* the parameter files, so a run
killed in the middle of a save, or a full disk, leaves a half-written
checkpoint that the next run loads. :class:`AtomicCheckpointer` writes the
meta file under a pending name, flushes every file and the folder to disk
(``fsync``), and only then renames it, so a power loss cannot publish a
checkpoint whose data is still in the page cache. The meta file records a
SHA-256 of every parameter file; a checkpoint that was damaged anyway (a
disk error, a copy cut short) is found before it is loaded, named in a
warning, and the previous checkpoint (one spare is kept) is loaded instead.
:func:`share_debug_checkpoints` keeps ``--debug`` runs under ``torchrun``
from hanging (one temporary checkpoint folder for all processes).

Authors
 * speechbrain-srst developers 2026
"""

import hashlib
import logging
import os
import shutil
from pathlib import Path

import torch
import yaml
from speechbrain.utils.checkpoints import METAFNAME, PARAMFILE_EXT, Checkpointer
from speechbrain.utils.distributed import ddp_barrier, ddp_broadcast, if_main_process

logger = logging.getLogger(__name__)

PENDING_SUFFIX = ".pending"
CHECKSUM_KEY = "sha256"
"""Meta key holding ``{parameter file name: SHA-256 hex digest}``."""


class CheckpointSaveError(OSError):
    """A checkpoint could not be written (disk full, no permission...)."""


class CheckpointLoadError(RuntimeError):
    """No checkpoint could be loaded: every candidate is damaged."""


def _fsync_path(path, directory=False):
    """Flushes a file (or a folder's entries) to the disk."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        if directory:  # some systems cannot open folders: nothing to flush
            return
        raise
    try:
        os.fsync(descriptor)
    except OSError:
        if not directory:  # some file systems refuse fsync on folders
            raise
    finally:
        os.close(descriptor)


def file_sha256(path, chunk_size=1 << 20):
    """SHA-256 hex digest of a file.

    Arguments
    ---------
    path : str or os.PathLike
        The file.
    chunk_size : int
        Bytes read at a time.

    Returns
    -------
    str
        64 hex digits.

    Example
    -------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x")
    >>> _ = open(path, "wb").write(b"abc")
    >>> file_sha256(path)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


class AtomicCheckpointer(Checkpointer):
    """``Checkpointer`` that never publishes, nor loads, a damaged checkpoint.

    Takes the arguments of :class:`speechbrain.utils.checkpoints.Checkpointer`.
    Folders left by an interrupted save are removed when the checkpointer is
    created. A save writes every file, records their SHA-256 in the pending
    meta file, flushes the files and the folder to disk, renames the meta
    file to ``CKPT.yaml`` and flushes the folders again.
    :meth:`save_and_keep_only` keeps one checkpoint more than asked (the
    previous one), so that :meth:`recover_if_possible` can fall back to it:
    a chosen checkpoint whose files are missing, fail their checksum or
    fail to load is named in a warning and the next candidate is tried.

    Arguments
    ---------
    checkpoints_dir : str or os.PathLike
        Where the checkpoints go.
    *args
        Passed to ``Checkpointer``.
    keep_spare : bool
        Whether ``save_and_keep_only`` keeps one previous checkpoint more
        than its ``num_to_keep`` (twice the disk space of one checkpoint when
        ``num_to_keep=1``).
    **kwargs
        Passed to ``Checkpointer``.

    Example
    -------
    >>> import tempfile, torch
    >>> folder = tempfile.mkdtemp()
    >>> model = torch.nn.Linear(2, 2)
    >>> checkpointer = AtomicCheckpointer(folder, {"model": model})
    >>> checkpoint = checkpointer.save_checkpoint()
    >>> sorted(p.name for p in checkpoint.path.iterdir())
    ['CKPT.yaml', 'model.ckpt']
    >>> sorted(checkpoint.meta["sha256"])
    ['model.ckpt']
    """

    def __init__(self, checkpoints_dir, *args, keep_spare=True, **kwargs):
        super().__init__(checkpoints_dir, *args, **kwargs)
        self.keep_spare = keep_spare
        self._reported = set()
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
        """Saves every recoverable, flushes it to disk, then publishes it."""
        meta = meta or {}
        try:
            checkpoint = super().save_checkpoint(meta, end_of_epoch, name, **kwargs)
            if checkpoint is not None:
                checkpoint = self._publish(checkpoint)
        except (OSError, RuntimeError) as error:
            raise CheckpointSaveError(
                f"Could not save a checkpoint in {self.checkpoints_dir}: {error}. "
                "The partial checkpoint will be ignored; free some disk space (or "
                "fix the permissions) and run the same command again to resume."
            ) from error
        # Under DDP the other processes return from the save as soon as the
        # folder name is broadcast; without this barrier they list the
        # checkpoints before the main process has published the new one,
        # choose other checkpoints to delete, and ``delete_checkpoints``'s
        # collective calls no longer match (a hang).
        ddp_barrier()
        return checkpoint

    def _publish(self, checkpoint):
        """Checksums, fsyncs and renames the pending meta file of a checkpoint."""
        folder = checkpoint.path
        pending = folder / (METAFNAME + PENDING_SUFFIX)
        files = sorted(p for p in folder.iterdir() if p.suffix == PARAMFILE_EXT)
        meta = dict(checkpoint.meta)
        meta[CHECKSUM_KEY] = {path.name: file_sha256(path) for path in files}
        with open(pending, "w", encoding="utf-8") as handle:
            handle.write("# yamllint disable\n")
            handle.write(yaml.dump(meta))
        for path in files + [pending]:
            _fsync_path(path)
        _fsync_path(folder, directory=True)
        os.replace(pending, folder / METAFNAME)
        _fsync_path(folder, directory=True)
        _fsync_path(self.checkpoints_dir, directory=True)
        return checkpoint._replace(meta=meta)

    def save_and_keep_only(
        self, meta=None, end_of_epoch=True, name=None, num_to_keep=1, **kwargs
    ):
        """Saves, then deletes all but ``num_to_keep`` (+1 spare) checkpoints."""
        spare = 1 if self.keep_spare and num_to_keep > 0 else 0
        return super().save_and_keep_only(
            meta or {}, end_of_epoch, name, num_to_keep=num_to_keep + spare, **kwargs
        )

    def _warn_once(self, path, message, *values):
        if path not in self._reported:
            self._reported.add(path)
            logger.warning(message, *values)

    def list_checkpoints(self):
        """Lists the checkpoints; one whose ``CKPT.yaml`` is unreadable is skipped.

        Returns
        -------
        list
            ``Checkpoint`` namedtuples.
        """
        checkpoints = []
        for folder in self._list_checkpoint_dirs():
            try:
                found = self._construct_checkpoint_objects([folder])
                if not isinstance(found[0].meta, dict) or (
                    "end-of-epoch" not in found[0].meta
                ):
                    raise ValueError("no meta data")
            except (OSError, ValueError, yaml.YAMLError) as error:
                self._warn_once(
                    folder,
                    "Checkpoint %s is damaged (its %s cannot be read: %s); it is "
                    "ignored. Delete it to free the space.",
                    folder,
                    METAFNAME,
                    error,
                )
                continue
            checkpoints.extend(found)
        return checkpoints

    def verify_checkpoint(self, checkpoint):
        """Checks every parameter file of a checkpoint against its SHA-256.

        Checkpoints written without checksums (older ones) pass.

        Arguments
        ---------
        checkpoint : Checkpoint
            The checkpoint to check.

        Raises
        ------
        CheckpointLoadError
            Naming the first missing or damaged file.
        """
        for file_name, expected in (checkpoint.meta.get(CHECKSUM_KEY) or {}).items():
            path = checkpoint.path / file_name
            if not path.is_file():
                raise CheckpointLoadError(f"{path} is missing")
            if file_sha256(path) != expected:
                raise CheckpointLoadError(
                    f"{path} does not match the SHA-256 recorded when it was saved"
                )

    def load_checkpoint(self, checkpoint):
        """Verifies, then loads a checkpoint; errors name the checkpoint.

        Arguments
        ---------
        checkpoint : Checkpoint
            The checkpoint to load.

        Raises
        ------
        CheckpointLoadError
            When a file is missing, damaged or cannot be loaded.
        """
        self.verify_checkpoint(checkpoint)
        recoverables = self.recoverables
        try:  # one recoverable at a time, so that an error names its file
            for name, obj in recoverables.items():
                self.recoverables = {name: obj}
                try:
                    super().load_checkpoint(checkpoint)
                except Exception as error:  # torch's unpickling errors name no file
                    path = checkpoint.paramfiles.get(name, checkpoint.path)
                    raise CheckpointLoadError(
                        f"{path} cannot be loaded: {type(error).__name__}: {error}"
                    ) from error
        finally:
            self.recoverables = recoverables

    def recover_if_possible(
        self, importance_key=None, max_key=None, min_key=None, ckpt_predicate=None
    ):
        """Loads the preferred checkpoint, or the next one if it is damaged.

        Candidates are ranked as by ``Checkpointer.find_checkpoints`` (the
        newest first by default). A damaged one is named in a warning and the
        next one (the previous checkpoint, or the next best by ``max_key``) is
        loaded instead.

        Arguments
        ---------
        importance_key : callable, optional
            As in ``Checkpointer.recover_if_possible``.
        max_key : str, optional
            As in ``Checkpointer.recover_if_possible``.
        min_key : str, optional
            As in ``Checkpointer.recover_if_possible``.
        ckpt_predicate : callable, optional
            As in ``Checkpointer.recover_if_possible``.

        Returns
        -------
        Checkpoint or None
            The checkpoint loaded; None when there is none.

        Raises
        ------
        CheckpointLoadError
            When checkpoints exist but every one is damaged (each named).
        """
        candidates = self.find_checkpoints(
            importance_key=importance_key,
            max_key=max_key,
            min_key=min_key,
            ckpt_predicate=ckpt_predicate,
        )
        if not candidates:
            logger.info("Would load a checkpoint here, but none found yet.")
            return None
        failures = []
        for index, checkpoint in enumerate(candidates):
            try:
                self.load_checkpoint(checkpoint)
            except CheckpointLoadError as error:
                failures.append(str(error))
                following = candidates[index + 1 : index + 2]
                logger.warning(
                    "Checkpoint %s is damaged (%s); %s",
                    checkpoint.path,
                    error,
                    f"recovering from the next one, {following[0].path}."
                    if following
                    else "no other checkpoint to recover from.",
                )
                continue
            return checkpoint
        raise CheckpointLoadError(
            f"Every checkpoint in {self.checkpoints_dir} is damaged:\n  "
            + "\n  ".join(failures)
            + f"\nDelete {self.checkpoints_dir} to train this stage from the start."
        )


def share_debug_checkpoints(brain):
    """Makes every process of a ``--debug`` run use the main process's folder.

    In debug mode SpeechBrain's ``Brain`` moves its checkpointer to a fresh
    temporary folder in *each* process. Under ``torchrun`` only the main
    process writes checkpoints, so the others see an empty folder, and
    ``Checkpointer.delete_checkpoints`` calls the collective
    ``_delete_checkpoint`` once per checkpoint it lists: the main process
    waits in a broadcast that the others never join, and the run hangs
    after its first saved epoch. Here the main process's temporary folder is
    broadcast and used by all processes, as the stage's real ``save`` folder
    is outside debug mode. Does nothing outside debug mode or without DDP.

    Arguments
    ---------
    brain : speechbrain.core.Brain
        A Brain just built (all processes must call this together).

    Raises
    ------
    RuntimeError
        When a process cannot see the main process's folder (processes on
        several machines without a shared temporary folder); the message
        suggests ``--debug_persistently``.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> share_debug_checkpoints(SimpleNamespace(debug=False, checkpointer=None))
    """
    checkpointer = getattr(brain, "checkpointer", None)
    if (
        not getattr(brain, "debug", False)
        or getattr(brain, "debug_persistently", False)
        or checkpointer is None
        or not hasattr(checkpointer, "checkpoints_dir")
        or not torch.distributed.is_available()
        or not torch.distributed.is_initialized()
        or torch.distributed.get_world_size() < 2
    ):
        return
    shared = Path(ddp_broadcast(str(checkpointer.checkpoints_dir), src=0))
    if shared == Path(checkpointer.checkpoints_dir):
        return
    if not shared.is_dir():
        raise RuntimeError(
            f"--debug: this process cannot see the main process's temporary "
            f"checkpoint folder {shared} (processes on several machines?). "
            "Add --debug_persistently to keep debug checkpoints in the stage's "
            "save folder, which every process can see."
        )
    own = getattr(checkpointer, "tempdir", None)
    checkpointer.checkpoints_dir = shared
    checkpointer.tempdir = None  # the main process owns (and removes) the folder
    if own is not None:
        own.cleanup()
