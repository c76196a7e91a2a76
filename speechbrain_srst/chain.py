"""Chaining of recipe stages: prerequisites, reuse of finished stages, markers.

Every stage YAML names the YAML files it needs in ``requires`` (paths relative
to its own folder). :func:`stage_plan` lists what must run, in order, so that
``python train.py hparams/srst.yaml`` trains every missing prerequisite first;
a stage whose ``stage_folder`` holds a completion marker
(:data:`DONE_MARKER`, written by :func:`mark_done` after the model is saved)
is reused.

``output_folder`` is the folder of one run (one experiment, one seed:
``results/<experiment>/<seed>`` by default) and reaches every stage of the
chain; each stage writes below it, in ``stage_folder``
(``<output_folder>/<stage_name>``). ``--output_folder X`` thus moves the
whole chain to ``X/<stage>/``, as SpeechBrain's recipe tests expect.

A stage that was interrupted has no marker and runs again, and
SpeechBrain's checkpointer resumes it where it stopped.

Authors
 * speechbrain-srst developers 2026
"""

import json
import time
from pathlib import Path

import yaml
from hyperpyyaml import load_hyperpyyaml

DONE_MARKER = "stage_done.json"

STAGE_ONLY_KEYS = (
    "stage",
    "stage_name",
    "requires",
    "then",
    "stage_folder",
    "save_folder",
    "model_folder",
    "train_log",
)
"""Keys that name one stage and its outputs: an override of one of them
reaches the stage the user named, never its prerequisites or follow-ups
(``--stage_name dann_b2`` must not rename the supervised stage too)."""


def parse_overrides(overrides):
    """Turns SpeechBrain's override string (or a dict) into a dict.

    Example
    -------
    >>> parse_overrides("seed: 3\\nbenchmark_size: smoke")
    {'seed': 3, 'benchmark_size': 'smoke'}
    >>> parse_overrides(None)
    {}
    """
    if not overrides:
        return {}
    if isinstance(overrides, dict):
        return dict(overrides)
    parsed = yaml.safe_load(overrides)
    return dict(parsed or {})


def top_level_keys(hparams_file):
    """Returns the top-level keys of a YAML file without building its objects.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.yaml")
    >>> _ = open(path, "w").write("a: 1\\nmodel: !new:torch.nn.Identity\\n")
    >>> sorted(top_level_keys(path))
    ['a', 'model']
    """
    keys = []
    with open(hparams_file) as handle:
        for line in handle:
            if line[:1].isalpha() or line[:1] == "_":
                key = line.split(":", 1)[0].strip()
                if key and " " not in key:
                    keys.append(key)
    return keys


def overrides_for(hparams_file, overrides):
    """Keeps the overrides whose keys the YAML file defines.

    A user's ``--seed 3 --benchmark_size smoke`` thus reaches every stage of
    the chain, while a key only one stage knows (e.g. ``teacher_mode``) does
    not break the others.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.yaml")
    >>> _ = open(path, "w").write("seed: 1\\n")
    >>> overrides_for(path, {"seed": 2, "teacher_mode": "ema"})
    {'seed': 2}
    """
    keys = set(top_level_keys(hparams_file))
    return {
        key: value for key, value in parse_overrides(overrides).items() if key in keys
    }


def shared_overrides(overrides):
    """The overrides that also reach prerequisites and follow-ups.

    Example
    -------
    >>> shared_overrides({"seed": 3, "stage_name": "dann_b2"})
    {'seed': 3}
    """
    return {
        key: value
        for key, value in parse_overrides(overrides).items()
        if key not in STAGE_ONLY_KEYS
    }


def load_stage(hparams_file, overrides=None):
    """Loads a stage YAML with the overrides it understands.

    Returns
    -------
    dict
        The loaded hyperparameters.
    """
    with open(hparams_file) as handle:
        return load_hyperpyyaml(handle, overrides_for(hparams_file, overrides))


def sibling_files(hparams_file, names):
    """Absolute paths of YAML files named relative to ``hparams_file``'s folder.

    Example
    -------
    >>> [p.name for p in sibling_files("/r/hparams/srst.yaml", ["dann.yaml"])]
    ['dann.yaml']
    """
    folder = Path(hparams_file).resolve().parent
    return [folder / name for name in names or []]


def stage_folder(hparams, hparams_file="the stage YAML"):
    """The folder a stage writes to (its YAML's ``stage_folder``).

    Arguments
    ---------
    hparams : dict
        The stage's loaded hyperparameters.
    hparams_file : str or Path
        The YAML file, named in the error.

    Returns
    -------
    str
        ``hparams["stage_folder"]``.

    Raises
    ------
    KeyError
        The YAML has no ``stage_folder`` (a YAML written for the layout where
        ``output_folder`` was the stage's own folder).

    Example
    -------
    >>> stage_folder({"stage_folder": "results/x/1/dann"})
    'results/x/1/dann'
    """
    if "stage_folder" not in hparams:
        raise KeyError(
            f"{hparams_file} has no 'stage_folder'. output_folder is the run "
            "folder (results/<experiment>/<seed>) shared by every stage; add "
            "'stage_folder: !ref <output_folder>/<stage_name>' and write the "
            "stage's files (save_folder, model_folder, train_log) below it."
        )
    return hparams["stage_folder"]


def read_marker(folder):
    """Returns what :func:`mark_done` recorded in a stage folder, or ``{}``."""
    marker = Path(folder) / DONE_MARKER
    if not marker.is_file():
        return {}
    return json.loads(marker.read_text())


def follow_ups(hparams_file, overrides=None, *, next_stages):
    """The YAML files to run after a stage, as paths.

    Arguments
    ---------
    hparams_file : str or Path
        The stage the user asked for.
    overrides : str or dict, optional
        The user's overrides.
    next_stages : callable
        ``next_stages(hparams)`` returns the names of the YAML files to run
        after the stage (the recipe reads its YAML's ``then`` list:
        ``srst.yaml`` names ``evaluate.yaml`` there, so the main command ends
        with the results of every method; ``--then "[]"`` skips it).

    Returns
    -------
    list of Path
    """
    hparams = load_stage(hparams_file, overrides)
    return sibling_files(hparams_file, next_stages(hparams))


def overrides_for_planned(planned_file, requested_file, overrides):
    """The overrides one planned stage runs with.

    The stage the user named takes them all; its prerequisites and
    follow-ups take :func:`shared_overrides`.
    """
    if Path(planned_file).resolve() == Path(requested_file).resolve():
        return parse_overrides(overrides)
    return shared_overrides(overrides)


def check_writable(folder):
    """Fails early, naming the folder, when a stage cannot write its outputs.

    Creates ``folder`` if needed and writes then removes a probe file, so a
    read-only or full disk is reported before any training starts.

    Example
    -------
    >>> import tempfile, os
    >>> check_writable(os.path.join(tempfile.mkdtemp(), "stage"))
    """
    folder = Path(folder)
    probe = folder / ".write_probe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"0" * 4096)
        probe.unlink()
    except OSError as error:
        raise PermissionError(
            f"Cannot write into the output folder {folder}: {error.strerror or error}."
            " Choose another --results_root or free some disk space."
        ) from error


def is_done(folder):
    """Whether a stage finished in its stage folder ``folder``."""
    return (Path(folder) / DONE_MARKER).is_file()


def mark_done(folder, info=None):
    """Writes the completion marker of a stage (last, after the model is saved).

    Example
    -------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> is_done(folder)
    False
    >>> mark_done(folder, {"stage": "supervised"})
    >>> is_done(folder)
    True
    """
    marker = Path(folder) / DONE_MARKER
    temporary = marker.with_suffix(".tmp")
    record = {"finished": time.strftime("%Y-%m-%d %H:%M:%S"), **(info or {})}
    temporary.write_text(json.dumps(record, indent=2))
    temporary.replace(marker)


def stage_plan(
    hparams_file,
    overrides=None,
    *,
    prerequisites,
    finished=None,
    _seen=None,
    _stack=(),
):
    """Lists the stage files to run, prerequisites first, skipping finished ones.

    Arguments
    ---------
    hparams_file : str or Path
        The stage the user asked for.
    overrides : str or dict, optional
        The user's overrides (each stage takes the keys it defines).
    prerequisites : callable
        ``prerequisites(hparams)`` returns the names of the YAML files (next
        to the stage's own) that a stage needs first; the recipe reads its
        YAML's ``requires`` list.
    finished : callable, optional
        ``finished(hparams, hparams_file)`` says whether a stage can be
        reused; default: its folder holds the completion marker
        (:func:`is_done`). The recipe also runs its evaluation again when a
        stage whose row it adds has finished since (``optional_methods``).

    Returns
    -------
    list of Path
        Stage files in running order; the requested stage is last. A finished
        stage is left out together with everything it required.

    Raises
    ------
    FileNotFoundError
        A required YAML file does not exist.
    ValueError
        The requirements form a cycle.
    """
    hparams_file = Path(hparams_file).resolve()
    if hparams_file in _stack:
        cycle = " -> ".join(p.name for p in (*_stack, hparams_file))
        raise ValueError(f"The stage requirements form a cycle: {cycle}")
    seen = _seen if _seen is not None else set()
    if hparams_file in seen:
        return []
    seen.add(hparams_file)
    hparams = load_stage(hparams_file, overrides)
    if finished is not None:
        done = finished(hparams, hparams_file)
    else:
        done = is_done(stage_folder(hparams, hparams_file))
    if done:
        return []
    plan = []
    for required in sibling_files(hparams_file, prerequisites(hparams)):
        if not required.is_file():
            raise FileNotFoundError(
                f"{hparams_file.name} requires {required}, which does not exist."
            )
        plan.extend(
            stage_plan(
                required,
                shared_overrides(overrides),
                prerequisites=prerequisites,
                finished=finished,
                _seen=seen,
                _stack=(*_stack, hparams_file),
            )
        )
    plan.append(hparams_file)
    return plan
