"""Loading a model folder: local only, strict, ``weights_only``.

A model folder is what :func:`speechbrain_srst.export.export_model` writes
(``hyperparams.yaml`` with a ``pretrainer`` and one ``<key>.ckpt`` per
loadable). It is only ever read from the local disk: a missing folder is a
:class:`FileNotFoundError`, never a request to the HuggingFace hub. A stage
folder of the recipe (which also holds a ``hyperparams.yaml``, the stage's)
is refused before anything is built, with the model folder it holds.

Authors
 * speechbrain-srst developers 2026
"""

import os
from pathlib import Path

import torch
from hyperpyyaml import load_hyperpyyaml
from speechbrain.utils.fetching import (
    FetchConfig,
    FetchFrom,
    FetchSource,
    LocalStrategy,
)

MODEL_KEYS = ("pretrainer", "modules")
"""Top-level keys every model folder's hyperparameters define."""

STAGE_KEYS = ("stage", "checkpointer", "epoch_counter")
"""Top-level keys of a recipe stage's YAML, which a model folder never has
(SpeechBrain copies the stage YAML into the stage folder as
``hyperparams.yaml``; building it would create the stage's folders)."""


def _top_level_keys(path):
    keys = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line[:1].isalpha():
                keys.add(line.split(":", 1)[0].strip())
    return keys


def check_model_folder(source, hparams_file="hyperparams.yaml"):
    """Returns the absolute model folder, or raises if it is not a usable folder.

    Arguments
    ---------
    source : str or os.PathLike
        A local model folder.
    hparams_file : str
        The hyperparameters file that must be inside it.

    Returns
    -------
    pathlib.Path
        The resolved folder.

    Raises
    ------
    FileNotFoundError
        When ``source`` is a file (e.g. the ``model.ckpt`` inside the
        folder: the message names the folder) or not a folder, holds no
        ``hparams_file``, or its
        ``hparams_file`` is not a model's (no ``pretrainer``: a recipe stage
        folder); the message names the path and, for a stage folder, its
        ``model`` subfolder. Nothing is built or written.

    Example
    -------
    >>> check_model_folder("/no/such/model")
    Traceback (most recent call last):
    ...
    FileNotFoundError: Model folder not found: /no/such/model ...
    """
    folder = Path(os.fspath(source)).expanduser()
    if folder.is_file():
        raise FileNotFoundError(
            f"{source} is a file, not a model folder; give the folder that "
            f"holds it and {hparams_file}: {folder.parent}"
        )
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Model folder not found: {source} (SRSTEnhancer only loads local "
            "folders written by speechbrain_srst.export.export_model)"
        )
    inner = folder / "model" / hparams_file
    suggested = os.path.normpath(folder / "model")  # "x/model/.." -> "x/model"
    hint = f"; did you mean {suggested}?" if inner.is_file() else ""
    if not (folder / hparams_file).is_file():
        raise FileNotFoundError(
            f"Model folder {source} holds no {hparams_file}: not a model folder{hint}"
        )
    keys = _top_level_keys(folder / hparams_file)
    missing = [k for k in MODEL_KEYS if k not in keys]
    stage = [k for k in STAGE_KEYS if k in keys]
    if missing or stage:
        why = (
            f"defines {', '.join(stage)}: a recipe stage's YAML"
            if stage
            else f"defines no {' or '.join(missing)}"
        )
        raise FileNotFoundError(
            f"{source} is not a model folder (its {hparams_file} {why}){hint}"
        )
    return folder.resolve()


def load_checkpoint(module, path):
    """Loads a ``state_dict`` into ``module`` safely and strictly.

    Arguments
    ---------
    module : torch.nn.Module
        The module to fill.
    path : str or os.PathLike
        A file written with ``torch.save(module.state_dict(), path)``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    RuntimeError
        When the keys or shapes do not match the module (the message names
        the file).

    Example
    -------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "lin.ckpt")
    >>> torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    >>> load_checkpoint(torch.nn.Linear(2, 2), path)
    >>> load_checkpoint(torch.nn.Linear(2, 3), path)
    Traceback (most recent call last):
    ...
    RuntimeError: Checkpoint ...lin.ckpt does not match the model ...
    """
    path = Path(os.fspath(path))
    if not path.exists():
        raise FileNotFoundError(f"Checkpoint not found: {path}")
    state_dict = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state_dict, dict):
        raise RuntimeError(f"Checkpoint {path} does not hold a state_dict")
    try:
        module.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise RuntimeError(
            f"Checkpoint {path} does not match the model built by "
            f"hyperparams.yaml: {error}"
        ) from error


def load_model_folder(
    source,
    hparams_file="hyperparams.yaml",
    overrides=None,
    overrides_must_match=True,
    savedir=None,
    local_strategy=LocalStrategy.SYMLINK,
    download_only=False,
):
    """Builds a model folder's hyperparameters and loads its checkpoints.

    Arguments are those of :meth:`SRSTEnhancer.from_hparams
    <speechbrain_srst.inference.SRSTEnhancer.from_hparams>`.

    Returns
    -------
    dict or None
        The hyperparameters with every loadable of the ``pretrainer``
        filled strictly; None with ``download_only``.

    Raises
    ------
    FileNotFoundError
        See :func:`check_model_folder`, or a checkpoint is missing.
    RuntimeError
        A checkpoint does not match the model (see :func:`load_checkpoint`).
    """
    folder = check_model_folder(source, hparams_file)
    with open(folder / hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides or {}, overrides_must_match)
    hparams["savedir"] = savedir
    pretrainer = hparams["pretrainer"]
    pretrainer.set_collect_in(savedir)
    paths = pretrainer.collect_files(
        default_source=FetchSource(FetchFrom.LOCAL, str(folder)),
        local_strategy=local_strategy,
        fetch_config=FetchConfig(allow_network=False, overwrite=True),
    )
    if download_only:
        return None
    for name, module in pretrainer.loadables.items():
        if name in paths:
            load_checkpoint(module, paths[name])
    return hparams
