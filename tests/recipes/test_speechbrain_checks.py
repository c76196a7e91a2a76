"""SpeechBrain's own recipe checks, applied here without its repository.

SpeechBrain runs two checks on a contributed recipe (see the recipe README,
"Contributing to SpeechBrain"):

- ``tests/consistency/test_yaml.py``: every top-level YAML key is used in
  the YAML itself (a ``<key>`` reference after its definition) or in the
  training script (``hparams["key"]``, ``hparams.key``, ``modules.key``,
  ``hparams.get("key"``); SpeechBrain's run options are exempt. The same rule
  is applied here, with only the documented patterns, so a key it accepts
  SpeechBrain accepts too.
- ``tests/utils/recipe_tests.py``: each row of ``tests/recipes/DNS.csv`` runs
  as ``python <Script_file> <Hparam_file> <test_debug_flags> --device=cpu
  --output_folder=tests/tmp/<row> --debug --debug_persistently`` and the
  files of ``test_debug_checks`` must exist below ``tests/tmp/<row>``. Here
  the same command line goes through SpeechBrain's argument parser and the
  stage planner (no training): the row's stage, and every prerequisite it
  would train, must write below the folder given.
  ``tests/integration/test_recipe_chain.py`` runs the rows with
  ``--output_folder`` end to end.
"""

import csv
import re
from pathlib import Path

import pytest
import speechbrain as sb
from speechbrain.utils.run_opts import RunOptions

from speechbrain_srst.chain import (
    load_stage,
    mark_done,
    shared_overrides,
    stage_folder,
    stage_plan,
)

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "DNS" / "domain_adaptation"
SCRIPT = RECIPE / "train.py"
ROWS_FILE = ROOT / "tests" / "recipes" / "DNS.csv"
HPARAMS = sorted((RECIPE / "hparams").glob("*.yaml"))
SPEECHBRAIN_DNS_COLUMNS = [
    "Task",
    "Dataset",
    "Script_file",
    "Hparam_file",
    "Data_prep_file",
    "Readme_file",
    "Result_url",
    "HF_repo",
    "test_debug_flags",
    "test_debug_checks",
    "test_download",
    "performance",
]
"""The header of SpeechBrain's ``tests/recipes/DNS.csv`` (1.1): the rows are
appended to it as they are."""
SCRIPT_PATTERNS = ('["{}"]', "hparams.{}", "modules.{}", 'hparams.get("{}"')


def yaml_keys_to_check(path):
    """Top-level keys of a YAML that its own later lines do not reference.

    As SpeechBrain's check: comment lines and the Pretrainer line are
    skipped; keys on ``!!`` or ``!apply`` lines are not checked; a key
    referenced as ``<key>`` (or ``<key[...]``) on a ``!ref`` line after its
    definition counts as used.
    """
    keys = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if (
            len(line) < 1
            or line.startswith("#")
            or "parameter_transfer.Pretrainer" in line
        ):
            continue
        if ":" in line and not line[0].isspace():
            if "!!" not in line and "!apply" not in line:
                keys.append(line[: line.index(":")])
        if "!ref" not in line:
            continue
        for reference in re.findall(r"<([A-Za-z_][A-Za-z0-9_]*)[>\[]", line):
            if reference in keys:
                keys.remove(reference)
    return keys


def unused_in_script(keys, script_text):
    """The keys that none of the script's access patterns mentions."""
    exempt = set(RunOptions().as_dict())
    return [
        key
        for key in keys
        if key not in exempt
        and not any(pattern.format(key) in script_text for pattern in SCRIPT_PATTERNS)
    ]


def read_rows():
    with open(ROWS_FILE, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, skipinitialspace=True)
        return reader.fieldnames, list(reader)


def test_rule_finds_an_unused_key_and_accepts_used_ones(tmp_path):
    yaml_file = tmp_path / "x.yaml"
    yaml_file.write_text(
        "# comment: not a key\n"
        "seed: 1\n"
        "__set_seed: !apply:torch.manual_seed [!ref <seed>]\n"
        "lr: 0.1\n"
        "opt_class: !name:torch.optim.Adam\n"
        "    lr: !ref <lr>\n"
        "beta: 0.05\n"
        "gamma: 2\n"
        "device: cpu\n"
    )
    keys = yaml_keys_to_check(yaml_file)
    assert keys == ["opt_class", "beta", "gamma", "device"]
    script = 'opt = hparams["opt_class"]\nb = hparams.get("beta", 0)\n'
    assert unused_in_script(keys, script) == ["gamma"]


@pytest.mark.parametrize("hparams_file", HPARAMS, ids=lambda p: p.name)
def test_every_yaml_key_is_used_in_the_yaml_or_in_train_py(hparams_file):
    unused = unused_in_script(
        yaml_keys_to_check(hparams_file), SCRIPT.read_text(encoding="utf-8")
    )
    assert not unused, (
        f"{hparams_file.name}: {unused} not used in train.py; use each where it "
        "is needed (hparams[...] in train.py, or !ref <key> in the YAML, e.g. "
        "as an argument of brain_class)."
    )


def test_rows_can_be_appended_to_speechbrains_dns_csv():
    columns, rows = read_rows()
    assert columns == SPEECHBRAIN_DNS_COLUMNS
    readme = (ROOT / rows[0]["Readme_file"]).read_text(encoding="utf-8")
    for row in rows:
        # SpeechBrain's runner evaluates each ;-separated download command of
        # a row that has the column; an empty one is a SyntaxError there.
        for command in row["test_download"].split(";"):
            compile(command, "test_download", "eval")
        for link in (row["Result_url"] + " " + row["HF_repo"]).split():
            assert link in readme, link
        assert "--output_folder" not in row["test_debug_flags"]


def row_command(row, output_folder):
    """The arguments SpeechBrain's runner gives the script for a row."""
    return [
        str(ROOT / row["Hparam_file"]),
        *row["test_debug_flags"].split(),
        "--device=cpu",
        f"--output_folder={output_folder}",
        "--debug",
        "--debug_persistently",
    ]


def listed_files(row):
    return re.search(r"file_exists=\[(.*?)\]", row["test_debug_checks"])[1].split(",")


def prerequisites(hparams):
    return hparams["requires"]


@pytest.mark.parametrize(
    "row", read_rows()[1], ids=lambda row: Path(row["Hparam_file"]).stem
)
def test_row_writes_below_the_output_folder_it_is_given(row, tmp_path):
    folder = tmp_path / "tests" / "tmp" / "DNS_row"
    hparams_file, run_opts, overrides = sb.parse_arguments(row_command(row, folder))
    assert run_opts["debug"] and run_opts["device"] == "cpu"
    hparams = load_stage(hparams_file, overrides)
    stage = Path(stage_folder(hparams, hparams_file))
    assert stage.parent == folder, stage
    for name in listed_files(row):
        path = folder / name
        assert path.parent == stage or stage in path.parents, (name, stage)
    for key in ("save_folder", "model_folder", "train_log"):
        if key in hparams:
            assert stage in Path(hparams[key]).parents, (key, hparams[key])
    # Every prerequisite the row would train writes below the same folder,
    # and one finished there is reused.
    plan = stage_plan(hparams_file, overrides, prerequisites=prerequisites)
    assert plan[-1] == Path(hparams_file).resolve()
    first = load_stage(plan[0], shared_overrides(overrides))
    assert Path(stage_folder(first)).parent == folder
    if len(plan) > 1:
        Path(stage_folder(first)).mkdir(parents=True, exist_ok=True)
        mark_done(stage_folder(first))
        again = stage_plan(hparams_file, overrides, prerequisites=prerequisites)
        assert plan[0] not in again and again[-1] == plan[-1]
