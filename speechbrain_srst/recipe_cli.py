"""Console side of the recipe's ``train.py``: help, readable summaries, notices.

``python train.py --help`` lists SpeechBrain's generic options only; the
recipe's own options are the top-level keys of its stage YAMLs, which
:func:`recipe_help` lists from the YAML files themselves (value and inline
comment), so an option added to a YAML appears without changing this module.
:func:`format_results` turns a stage's result dict into one readable line,
:func:`smoke_notice` marks results of the smoke benchmark as meaningless and
:func:`finished_results` finds the results table of a finished command.

Authors
 * speechbrain-srst developers 2026
"""

import contextlib
import logging
import os
import re
import textwrap
from pathlib import Path

from speechbrain_srst.chain import (
    STAGE_ONLY_KEYS,
    read_marker,
    read_settings,
    stage_folder,
)

_KEY_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*):(.*)$")
_OBJECT_TAGS = ("!new:", "!name:", "!apply:", "!module:")


def _split_comment(text):
    """Splits ``value  # comment`` (a ``#`` inside quotes is kept)."""
    quote = None
    for index, char in enumerate(text):
        if char in "\"'":
            quote = None if quote == char else (quote or char)
        elif char == "#" and quote is None and (index == 0 or text[index - 1] == " "):
            return text[:index].strip(), text[index + 1 :].strip()
    return text.strip(), ""


def yaml_options(hparams_file):
    """The options a stage YAML offers: ``{key: (value text, comment)}``.

    Top-level keys holding a value (``!ref`` expressions are shown as
    written) or a block of values; keys that build objects (``!new:``,
    ``!name:``, ``!apply:``) and keys starting with ``_`` are left out.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.yaml")
    >>> _ = open(path, "w").write(
    ...     "seed: 1  # random seed\\n"
    ...     "name: !ref run_<seed>\\n"
    ...     "sizes:\\n    a: 1\\n"
    ...     "model: !new:torch.nn.Identity\\n")
    >>> for key, value in yaml_options(path).items():
    ...     print(key, value)
    seed ('1', 'random seed')
    name ('!ref run_<seed>', '')
    sizes ('(a block of values, see the YAML)', '')
    """
    options = {}
    with open(hparams_file, encoding="utf-8") as handle:
        for line in handle:
            match = _KEY_LINE.match(line.rstrip("\n"))
            if not match:
                continue
            key, rest = match.groups()
            value, comment = _split_comment(rest)
            if value.startswith(_OBJECT_TAGS):
                continue
            if not value:
                value = "(a block of values, see the YAML)"
            options[key] = (value, comment)
    return options


def recipe_help(hparams_files, command_options=()):
    """Help text listing the recipe options defined by ``hparams_files``.

    Arguments
    ---------
    hparams_files : list of str or Path
        The stage YAMLs (e.g. every file of ``hparams/``).
    command_options : sequence of (str, str)
        Options of the command itself, ``(usage, what it does)``, listed
        first; a YAML key of the same name is not listed again.

    Returns
    -------
    str

    Example
    -------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> for name, text in [("a", "seed: 1  # random seed\\nlr: 0.2\\n"),
    ...                    ("b", "seed: 1  # random seed\\nlr: 0.1\\nbeta: 3\\n")]:
    ...     _ = open(os.path.join(folder, name + ".yaml"), "w").write(text)
    >>> print(recipe_help(sorted(Path(folder).glob("*.yaml"))))
    Recipe options: ...
    Options of every stage:
      --seed 1                random seed
      --lr (differs per stage)
    Options of some stages:
      --beta 3                [b]
    """
    files = [Path(path) for path in hparams_files]
    own = {head.split()[0].lstrip("-") for head, _ in command_options}
    merged = {}
    for path in files:
        for key, (value, comment) in yaml_options(path).items():
            if key in own:
                continue
            entry = merged.setdefault(key, {"values": [], "comment": "", "in": []})
            entry["values"].append(value)
            entry["comment"] = entry["comment"] or comment
            entry["in"].append(path.stem)
    blocks = [k for k, e in merged.items() if e["values"][0].startswith("(a block")]
    everywhere, some = [], []
    for key, entry in merged.items():
        if key in blocks:
            continue
        values = set(entry["values"])
        value = entry["values"][0] if len(values) == 1 else "(differs per stage)"
        if len(entry["in"]) == len(files):
            everywhere.append((f"--{key} {value}", entry["comment"]))
        else:
            where = f"[{', '.join(entry['in'])}]"
            if len(entry["in"]) > 4:
                others = [p.stem for p in files if p.stem not in entry["in"]]
                where = f"[all but {', '.join(others)}]"
            tail = "  ".join(part for part in (entry["comment"], where) if part)
            some.append((f"--{key} {value}", tail))
    width = min(max((len(head) for head, _ in everywhere + some), default=0), 22)

    def rows(pairs):
        out = []
        for head, tail in pairs:
            if len(head) > width and tail:
                out += [f"  {head}", f"  {'':{width}}  {tail}"]
            else:
                out.append(f"  {head:{width}}  {tail}".rstrip())
        return out

    stage_only = ", ".join(k for k in STAGE_ONLY_KEYS if k in merged)
    intro = (
        "Recipe options: python train.py hparams/<stage>.yaml --option VALUE. "
        "Every top-level key of a stage YAML is an option; it reaches every "
        "stage of the chain whose YAML defines it"
        + (
            f", except {stage_only}, which reach only the YAML named on the "
            "command line"
            if stage_only
            else ""
        )
        + ". Defaults as written in the YAMLs ([stages] that define an option "
        "when not all do). A mistyped option is an error. A finished stage is "
        "reused; if its settings or data differ from the command's, the run stops and "
        "names them (start anew with another --experiment_name)."
    )
    lines = [*textwrap.wrap(intro, 79), ""]
    if command_options:
        lines += ["Options of the command:", *rows(list(command_options))]
    lines += ["Options of every stage:", *rows(everywhere)]
    if some:
        lines += ["Options of some stages:", *rows(some)]
    if blocks:
        lines += [
            "Blocks of values (give the whole block as YAML, e.g. "
            '--train_dataloader_opts "{batch_size: 8}"):',
            *textwrap.wrap(
                ", ".join(blocks), 77, initial_indent="  ", subsequent_indent="  "
            ),
        ]
    return "\n".join(lines)


def format_value(value):
    """A number with 4 significant digits, anything else as ``str``.

    Example
    -------
    >>> format_value(3.14159265358979), format_value(-0.000123456), format_value(7)
    ('3.142', '-0.0001235', '7')
    """
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_results(results, prefix=""):
    """One readable line for a stage's (nested) result dict.

    Example
    -------
    >>> format_results({"test": {"snr-5": 1.23456789, "snr0": 4.5}, "kept": 3})
    'test: snr-5 1.235, snr0 4.5; kept: 3'
    >>> format_results({})
    'nothing to report'
    """
    if not isinstance(results, dict):
        return format_value(results)
    parts = []
    for key, value in results.items():
        if (
            isinstance(value, dict)
            and value
            and not any(isinstance(v, dict) for v in value.values())
        ):
            inner = ", ".join(f"{k} {format_value(v)}" for k, v in value.items())
            parts.append(f"{prefix}{key}: {inner}")
        elif isinstance(value, dict):
            parts.append(format_results(value, f"{prefix}{key} "))
        else:
            parts.append(f"{prefix}{key}: {format_value(value)}")
    return "; ".join(parts) or "nothing to report"


def smoke_notice(settings):
    """A warning for results of the smoke benchmark, or None for other runs.

    Arguments
    ---------
    settings : dict
        The stage's settings (``benchmark_size``, the corpus folders and
        ``prepare_sizes``).

    Example
    -------
    >>> smoke_notice({"benchmark_size": "default"}) is None
    True
    >>> print(smoke_notice({"benchmark_size": "smoke", "prepare_sizes":
    ...     {"smoke": {"num_source_mixtures": 24, "num_test_per_snr": 4}}}))
    **Smoke size: these numbers are meaningless.** ...
    """
    corpora = ("librispeech_folder", "wham_folder", "dns_folder")
    if settings.get("benchmark_size") != "smoke" or any(
        settings.get(key) for key in corpora
    ):
        return None
    sizes = (settings.get("prepare_sizes") or {}).get("smoke", {})
    return (
        "**Smoke size: these numbers are meaningless.** The smoke benchmark "
        f"({sizes.get('num_source_mixtures', '?')} source training mixtures, "
        f"{sizes.get('num_test_per_snr', '?')} test utterances per SNR) only "
        "checks that every stage runs; its models are barely trained, so any "
        "method may make the audio worse. For results, run the default size "
        "(`bash scripts/run_benchmark.sh`) or the real corpora."
    )


def finished_results(hparams_files, overrides_of):
    """Where a finished command's results are: ``(markdown, path)`` or None.

    Arguments
    ---------
    hparams_files : list of Path
        The stages of the command, the last one first consulted.
    overrides_of : callable
        Returns the overrides a stage file takes.

    Returns
    -------
    tuple or None
        The text of the ``results.md`` recorded by the last stage that has
        one (the evaluation), and its path; None when no stage recorded one.
    """
    for path in reversed(list(hparams_files)):
        settings = read_settings(path, overrides_of(path))
        recorded = read_marker(stage_folder(settings, path)).get("results", {})
        results = recorded.get("results") if isinstance(recorded, dict) else None
        if results and Path(results).is_file():
            return Path(results).read_text(encoding="utf-8"), Path(results).resolve()
    return None


def console_logging():
    """SpeechBrain's console logging, before any experiment folder exists.

    ``sb.create_experiment_directory`` sets logging up (console and the
    stage's ``log.txt``); the recipe checks the corpora and prepares the data
    before creating a stage folder, so this shows those messages (e.g. the
    benchmark being built) on the console meanwhile, writing no file. As in
    SpeechBrain, only the main process logs to the console.
    """
    import speechbrain as sb
    from speechbrain.core import DEFAULT_LOG_CONFIG
    from speechbrain.utils.distributed import if_main_process

    if not if_main_process():
        return
    sb.utils.logger.setup_logging(
        DEFAULT_LOG_CONFIG, {"handlers": {"file_handler": {"filename": os.devnull}}}
    )


@contextlib.contextmanager
def quiet_seed_log():
    """Silences SpeechBrain's "Setting seed to N" while a stage YAML loads.

    Every stage YAML seeds the run when it is built, so a whole chain logged
    the line once per stage (18 times when planning also built the YAMLs);
    the recipe names the seed in its one "Stage ..." line instead.

    Example
    -------
    >>> with quiet_seed_log():
    ...     logging.getLogger("speechbrain.utils.seed").info("not shown")
    """
    seed_logger = logging.getLogger("speechbrain.utils.seed")
    level = seed_logger.level
    seed_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        seed_logger.setLevel(level)
