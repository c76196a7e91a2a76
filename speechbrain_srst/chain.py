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

Planning never builds a YAML's objects (:func:`read_settings` resolves the
references and reads tagged nodes as plain data), so it writes nothing and
does not reseed. The marker records the stage's settings; a finished stage
whose settings differ from those of the current command is an error that
names the differences (:class:`StageSettingsError`), never a silent reuse.
An override that no stage of the chain defines is an error naming the
closest known key (:func:`check_override_keys`).

Authors
 * speechbrain-srst developers 2026
"""

import difflib
import json
import logging
import time
from pathlib import Path

import yaml
from hyperpyyaml import load_hyperpyyaml, resolve_references

logger = logging.getLogger(__name__)

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

LOCATION_SETTINGS = (
    "results_root",
    "experiment_folder",
    "output_folder",
    "data_folder",
)
"""Folders that only say where a run is: in the recorded settings a path
below one of them is written relative to it (``<output_folder>/dann/model``),
so a run folder that was moved or copied compares equal. The data itself
is checked by its identity (:func:`check_same_data`)."""

UNCOMPARED_SETTINGS = (
    "then",
    "num_workers",
    "metric_workers",
    "description",
    "training_data",
    "experiment_name",
    *LOCATION_SETTINGS,
)
"""Settings that do not change what a stage computes (or only say where it
is written): a finished stage is reused whatever their values."""


class UnknownOverrideError(ValueError):
    """An override names a key that no stage of the chain defines."""


class UnknownStageError(UnknownOverrideError):
    """A ``then`` or ``requires`` list names a stage file that does not exist."""


class StageSettingsError(ValueError):
    """A finished stage was trained with other settings than the command's."""


class StageDataError(StageSettingsError):
    """A finished stage was trained on other data than the command's."""


def data_differences(recorded, current):
    """What differs between a finished stage's data identity and the current.

    Arguments
    ---------
    recorded, current : dict
        Data identities (e.g. :func:`speechbrain_srst.data.experiment.data_identity`):
        code versions and a fingerprint of the data. A key whose value is
        ``None`` on either side (data not prepared yet, or not recorded) is
        not compared.

    Returns
    -------
    list of tuple
        ``(key, then, now)``, sorted by key.

    Example
    -------
    >>> then = {"benchmark_version": 5, "manifests": "ab"}
    >>> data_differences(then, {"benchmark_version": 6, "manifests": None})
    [('benchmark_version', 5, 6)]
    >>> data_differences(then, {"benchmark_version": 5, "manifests": "ab"})
    []
    """
    return [
        (key, recorded[key], current[key])
        for key in sorted(set(recorded) & set(current))
        if recorded[key] is not None
        and current[key] is not None
        and recorded[key] != current[key]
    ]


def check_same_data(name, hparams_file, folder, recorded, current):
    """Refuses to reuse a stage trained on other data (see :func:`check_reusable`).

    Raises
    ------
    StageDataError
        Naming each difference, the stage's folder and the two fixes.
    """
    if recorded is None:
        logger.warning(
            "The stage %s (%s) finished before its data was recorded: it is "
            "reused without checking that it was trained on the current data.",
            name,
            folder,
        )
        return
    differences = data_differences(recorded, current)
    if not differences:
        return
    lines = "\n".join(
        f"  {key}: {old!r} in the finished run, {new!r} now"
        for key, old, new in differences
    )
    raise StageDataError(
        f"The stage {name} ({Path(hparams_file).name}) has finished in {folder} "
        f"on other data than this command's:\n{lines}\n"
        "(a new benchmark or preparation version, or rebuilt manifests). Its "
        "model and results belong to the old data and are never mixed with "
        "new stages. Start a new run with --experiment_name NEW_NAME (its "
        "stages are trained on the current data), or delete that run folder "
        "to train its stages again."
    )


class _PlainLoader(yaml.SafeLoader):
    """Reads HyperPyYAML text as plain data: ``!new:x.Y {a: 1}`` becomes
    ``{"!new:x.Y": {"a": 1}}``, without importing or building anything."""


def _plain_tagged(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
    return {f"!{suffix}": value}


_PlainLoader.add_multi_constructor("!", _plain_tagged)


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


def read_settings(hparams_file, overrides=None):
    """Reads a stage YAML as plain data, with references resolved.

    Unlike :func:`load_stage` nothing is built (no checkpointer creates its
    folder, no seed is set): tagged nodes such as ``!new:...`` become
    one-key dicts ``{"!new:...": arguments}``.

    Arguments
    ---------
    hparams_file : str or Path
        The stage YAML.
    overrides : str or dict, optional
        Overrides (the keys the file defines are applied).

    Returns
    -------
    dict

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.yaml")
    >>> _ = open(path, "w").write(
    ...     "a: 1\\nb: !ref <a>/x\\nm: !new:torch.nn.Linear [!ref <a>, 2]\\n")
    >>> read_settings(path, {"a": 3})
    {'a': 3, 'b': '3/x', 'm': {'!new:torch.nn.Linear': [3, 2]}}
    """
    with open(hparams_file) as handle:
        resolved = resolve_references(handle, overrides_for(hparams_file, overrides))
    return yaml.load(resolved, Loader=_PlainLoader) or {}


def _flatten(value, prefix, flat):
    if isinstance(value, dict) and value:
        for key, item in value.items():
            key = str(key)
            if key.startswith("_") or key in UNCOMPARED_SETTINGS:
                continue
            _flatten(item, f"{prefix}.{key}" if prefix else key, flat)
    else:
        flat[prefix] = value


def stage_settings(hparams_file, overrides=None, run_opts=None):
    """The settings of a stage as recorded in its marker and compared on reuse.

    Every value of the YAML (with the overrides the stage takes), nested
    keys joined with dots, except :data:`UNCOMPARED_SETTINGS` and keys
    starting with ``_``; a path below one of :data:`LOCATION_SETTINGS` is
    written relative to it (``<output_folder>/dann/model``), so another
    spelling of the same root, or a moved or copied run folder, compares
    equal.
    ``run_opts`` adds ``--debug`` (a debug run's stage is not a real one).

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.yaml")
    >>> _ = open(path, "w").write(
    ...     "results_root: /r\\nout: !ref <results_root>/s\\nopts: {lr: 0.1}\\n")
    >>> stage_settings(path, {"opts": {"lr": 0.2}}, {"debug": True})
    {'out': '<results_root>/s', 'opts.lr': 0.2, '--debug': True}
    """
    settings = read_settings(hparams_file, overrides)
    flat = {}
    _flatten(settings, "", flat)
    roots = sorted(
        (
            (str(settings[key]), key)
            for key in LOCATION_SETTINGS
            if isinstance(settings.get(key), str) and settings[key]
        ),
        key=lambda pair: -len(pair[0]),
    )

    def relative(value):
        for root, key in roots:  # the most specific folder first
            if isinstance(value, str) and value.startswith(root):
                return f"<{key}>" + value[len(root) :]
        return value

    flat = {key: relative(value) for key, value in flat.items()}
    if run_opts is not None:
        flat["--debug"] = bool(run_opts.get("debug", False))
    return json.loads(json.dumps(flat, default=str))


def settings_differences(recorded, current):
    """``(key, recorded, current)`` for every key both define with other values.

    Keys present on one side only (an option added to or removed from the
    YAML since) are not differences.

    Example
    -------
    >>> settings_differences({"lr": 0.1, "a": 1, "old": 2}, {"lr": 0.2, "a": 1})
    [('lr', 0.1, 0.2)]
    """
    return [
        (key, recorded[key], current[key])
        for key in recorded
        if key in current and recorded[key] != current[key]
    ]


def check_reusable(hparams_file, overrides=None, run_opts=None, data_identity=None):
    """Compares a finished stage's recorded settings and data with the command's.

    A setting the command gives explicitly (an override, or ``--debug``
    either way) that differs from the finished run's is an error; other
    differences (a YAML default changed since, an option the command leaves
    at its default while the finished run set it) are logged as a warning
    and the stage is reused. Data is never reused across a change: with
    ``data_identity``, a stage whose recorded data identity differs from the
    current one (:func:`data_differences`) is an error.

    Arguments
    ---------
    hparams_file : str or Path
        A stage whose ``stage_folder`` holds a completion marker.
    overrides : str or dict, optional
        The overrides this stage takes in the current command.
    run_opts : dict, optional
        SpeechBrain's run options (``debug`` is compared).
    data_identity : callable, optional
        ``data_identity(settings)`` gives the current data identity (a dict,
        compared with the marker's ``data``).

    Returns
    -------
    list of tuple
        The differences that were only warned about, ``(key, then, now)``.

    Raises
    ------
    StageDataError
        The stage was trained on other data (:func:`check_same_data`).
    StageSettingsError
        Naming every differing setting the command gives, the folder of the
        finished run and how to start a new one. Markers written before
        settings were recorded are reused without a check.
    """
    settings = read_settings(hparams_file, overrides)
    folder = stage_folder(settings, hparams_file)
    marker = read_marker(folder)
    where = Path(folder).resolve()
    name = f"'{settings.get('stage_name', Path(hparams_file).stem)}'"
    if data_identity is not None:
        current = data_identity(settings)
        check_same_data(name, hparams_file, where, marker.get("data"), current)
    if "settings" not in marker:
        return []
    current = stage_settings(hparams_file, overrides, run_opts)
    differences = settings_differences(marker["settings"], current)
    given = set(parse_overrides(overrides)) | {"--debug"}
    explicit = [d for d in differences if d[0].split(".")[0] in given]
    implicit = [d for d in differences if d not in explicit]
    if explicit:
        lines = "\n".join(
            f"  {key}: {old!r} in the finished run, {new!r} now"
            for key, old, new in explicit
        )
        if "output_folder" in given:  # the run folder was named explicitly
            anew = "--output_folder NEW_FOLDER (another run folder"
        else:
            anew = "--experiment_name NEW_NAME (written to <results_root>/NEW_NAME/"
        raise StageSettingsError(
            f"The stage {name} ({Path(hparams_file).name}) has finished in "
            f"{where} with other settings than this command gives it:\n{lines}\n"
            "A finished stage is reused, never trained again over its results. "
            f"To train with these settings, start a new run with {anew}; "
            "the stages it needs are trained there with the same settings)."
        )
    if implicit:
        shown = [d for d in implicit if ".!" not in d[0]] or implicit
        logger.warning(
            "Reusing the stage %s finished in %s, whose settings differ from "
            "this command's defaults: %s. Give the setting explicitly to be "
            "stopped on a difference, or use a new --experiment_name to "
            "train anew.",
            name,
            where,
            "; ".join(f"{k}: {old!r} then, {new!r} now" for k, old, new in shown),
        )
    return implicit


def chain_files(hparams_file, overrides=None, *, prerequisites, next_stages):
    """Every stage file a command can run: the stage, its follow-ups and all
    their prerequisites, whether finished or not.

    Arguments
    ---------
    hparams_file : str or Path
        The stage named on the command line.
    overrides : str or dict, optional
        The overrides (each file takes the keys it defines).
    prerequisites, next_stages : callable
        As in :func:`stage_plan` and :func:`follow_ups` (the recipe reads
        ``requires`` and ``then``).

    Returns
    -------
    list of Path
        The named stage first.

    Example
    -------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, "a.yaml"), "w").write("requires: []\\n")
    >>> _ = open(os.path.join(folder, "b.yaml"), "w").write(
    ...     "requires: [a.yaml]\\nthen: [c.yaml]\\n")
    >>> _ = open(os.path.join(folder, "c.yaml"), "w").write("requires: [b.yaml]\\n")
    >>> files = chain_files(
    ...     os.path.join(folder, "b.yaml"),
    ...     prerequisites=lambda h: h["requires"],
    ...     next_stages=lambda h: h.get("then", []),
    ... )
    >>> [p.name for p in files]
    ['b.yaml', 'a.yaml', 'c.yaml']
    """
    pending = [Path(hparams_file).resolve()]
    seen = []
    while pending:
        current = pending.pop(0)
        if current in seen or not current.is_file():
            continue
        seen.append(current)
        settings = read_settings(current, overrides)
        names = [*(prerequisites(settings) or [])]
        if current == seen[0]:
            names += next_stages(settings) or []
        pending += sibling_files(current, names)
    return seen


CHAIN_KEYS = ("then",)
"""Keys the chain itself reads, known for every stage: ``--then "[]"`` stops
the chain after any stage, whether or not its YAML names stages to follow."""


def check_override_keys(hparams_file, overrides, *, prerequisites, next_stages):
    """Raises unless every override is a key of some stage of the chain
    (or one of :data:`CHAIN_KEYS`).

    The known keys are read from the YAML files of :func:`chain_files`, so
    an option added to a YAML is known without changing this function.

    Arguments
    ---------
    hparams_file : str or Path
        The stage named on the command line.
    overrides : str or dict
        The user's overrides.
    prerequisites, next_stages : callable
        As in :func:`chain_files`.

    Raises
    ------
    UnknownOverrideError
        Naming the unknown key and the closest known one.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.yaml")
    >>> _ = open(path, "w").write("number_of_epochs: 2\\nseed: 1\\n")
    >>> chain = {"prerequisites": lambda h: [], "next_stages": lambda h: []}
    >>> check_override_keys(path, {"seed": 3}, **chain)
    >>> check_override_keys(path, {"then": []}, **chain)
    >>> check_override_keys(path, {"numbr_of_epochs": 3}, **chain)
    Traceback (most recent call last):
    ...
    speechbrain_srst.chain.UnknownOverrideError: Unknown option --numbr_of_epochs:
    ... Did you mean --number_of_epochs?
    `python train.py ... --help` lists the options.
    """
    given = parse_overrides(overrides)
    if not given:
        return
    files = chain_files(
        hparams_file,
        shared_overrides(given),
        prerequisites=prerequisites,
        next_stages=next_stages,
    )
    known = set(CHAIN_KEYS)
    for path in files:
        known.update(top_level_keys(path))
    unknown = [key for key in given if key not in known]
    if not unknown:
        return
    messages = []
    for key in unknown:
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        hint = f" Did you mean --{close[0]}?" if close else ""
        messages.append(
            f"Unknown option --{key}: no stage that {Path(hparams_file).name} "
            f"runs ({', '.join(p.name for p in files)}) defines it.{hint}"
        )
    raise UnknownOverrideError(
        "\n".join(messages)
        + f"\n`python train.py {hparams_file} --help` lists the options."
    )


def sibling_files(hparams_file, names):
    """Absolute paths of YAML files named relative to ``hparams_file``'s folder.

    Example
    -------
    >>> [p.name for p in sibling_files("/r/hparams/srst.yaml", ["dann.yaml"])]
    ['dann.yaml']

    Raises
    ------
    UnknownStageError
        A named file is missing while the folder exists (a ``then`` or
        ``requires`` entry with a typo), with the closest stage file.
    """
    folder = Path(hparams_file).resolve().parent
    paths = [folder / name for name in names or []]
    missing = [path for path in paths if not path.is_file()]
    if missing and folder.is_dir():
        known = sorted(p.name for p in folder.glob("*.yaml"))
        close = difflib.get_close_matches(missing[0].name, known, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise UnknownStageError(
            f"{Path(hparams_file).name} names the stage {missing[0].name}, "
            f"which is not a stage file in {folder}.{hint} Stage files: "
            f"{', '.join(known)}."
        )
    return paths


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
        A chain key given on the command line (:data:`CHAIN_KEYS`, e.g.
        ``--then "[evaluate.yaml]"``) takes effect on a stage whose YAML does
        not name it too.
    """
    hparams = read_settings(hparams_file, overrides)
    given = parse_overrides(overrides)
    for key in CHAIN_KEYS:
        if key in given and key not in hparams:
            hparams[key] = given[key]
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


def stage_is_finished(hparams, hparams_file, finished=None):
    """Whether a stage can be reused: ``finished(hparams, hparams_file)``, or
    by default whether its folder holds the completion marker (:func:`is_done`)."""
    if finished is not None:
        return finished(hparams, hparams_file)
    return is_done(stage_folder(hparams, hparams_file))


def check_finished_prerequisites(
    hparams_file,
    hparams,
    overrides=None,
    *,
    prerequisites,
    run_opts=None,
    finished=None,
    data_identity=None,
    _checked=None,
):
    """Checks the finished prerequisites of a finished stage, all the way down.

    A finished stage is reused without planning its prerequisites, yet its
    results came from them: each finished one is checked as the stage is
    (:func:`check_reusable`), so a command whose stages have all finished
    still stops when one of them was trained on other data or with other
    settings than the command gives. A prerequisite that has not finished
    (deleted since) is not trained again for a finished stage.

    Arguments
    ---------
    hparams_file : str or Path
        The finished stage.
    hparams : dict
        Its settings (:func:`read_settings`).
    overrides, prerequisites, run_opts, finished, data_identity
        As in :func:`stage_plan`.

    Raises
    ------
    StageDataError, StageSettingsError
        See :func:`check_reusable`.
    """
    checked = _checked if _checked is not None else set()
    for required in sibling_files(hparams_file, prerequisites(hparams)):
        required = required.resolve()
        if required in checked:
            continue
        checked.add(required)
        required_overrides = shared_overrides(overrides)
        settings = read_settings(required, required_overrides)
        if not stage_is_finished(settings, required, finished):
            continue
        check_reusable(required, required_overrides, run_opts, data_identity)
        check_finished_prerequisites(
            required,
            settings,
            required_overrides,
            prerequisites=prerequisites,
            run_opts=run_opts,
            finished=finished,
            data_identity=data_identity,
            _checked=checked,
        )


def stage_plan(
    hparams_file,
    overrides=None,
    *,
    prerequisites,
    run_opts=None,
    finished=None,
    data_identity=None,
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
    run_opts : dict, optional
        SpeechBrain's run options, compared (``debug``) with a finished
        stage's.
    finished : callable, optional
        ``finished(hparams, hparams_file)`` (``hparams``: the stage's
        :func:`read_settings`) says whether a stage can be reused; default:
        its folder holds the completion marker (:func:`is_done`). The recipe
        also runs its evaluation again when a stage whose row it adds has
        finished since (``optional_methods``).
    data_identity : callable, optional
        ``data_identity(settings)``: the current data identity, compared with
        each finished stage's (:func:`check_reusable`).

    Returns
    -------
    list of Path
        Stage files in running order; the requested stage is last. A finished
        stage is left out together with everything it required.

    Raises
    ------
    UnknownStageError
        A required YAML file does not exist (:func:`sibling_files`).
    StageSettingsError
        A finished stage was trained with other settings
        (:func:`check_reusable`).
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
    hparams = read_settings(hparams_file, overrides)
    if stage_is_finished(hparams, hparams_file, finished):
        check_reusable(hparams_file, overrides, run_opts, data_identity)
        check_finished_prerequisites(
            hparams_file,
            hparams,
            overrides,
            prerequisites=prerequisites,
            run_opts=run_opts,
            finished=finished,
            data_identity=data_identity,
        )
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
                run_opts=run_opts,
                finished=finished,
                data_identity=data_identity,
                _seen=seen,
                _stack=(*_stack, hparams_file),
            )
        )
    plan.append(hparams_file)
    return plan
