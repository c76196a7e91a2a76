"""SpeechBrain-style recipe checks: rows, YAML conventions and used keys.

The rows in ``tests/recipes/DNS.csv`` are run end to end by
``tests/integration/test_recipe_chain.py``; here the static checks.
"""

import csv
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "DNS" / "domain_adaptation"
HPARAMS = sorted((RECIPE / "hparams").glob("*.yaml"))
ROWS_FILE = ROOT / "tests" / "recipes" / "DNS.csv"
COLUMNS = [
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
SHARED_BLOCK_END = "input_compression:"
PACKAGE_READERS = [
    ROOT / "speechbrain_srst" / "chain.py",
    ROOT / "speechbrain_srst" / "data" / "experiment.py",
]


def read_rows():
    with open(ROWS_FILE, newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def top_level_keys(path):
    keys = []
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):", line)
        if match:
            keys.append(match.group(1))
    return keys


def test_every_yaml_has_exactly_one_row_with_existing_files():
    rows = read_rows()
    named = sorted(row["Hparam_file"] for row in rows)
    assert named == sorted(str(p.relative_to(ROOT)) for p in HPARAMS)
    for row in rows:
        for column in ("Script_file", "Hparam_file", "Data_prep_file", "Readme_file"):
            assert (ROOT / row[column]).is_file(), (column, row[column])
        assert row["test_debug_flags"].startswith("--")
        assert row["test_debug_checks"].startswith("file_exists=[")


@pytest.mark.parametrize("hparams_file", HPARAMS, ids=lambda p: p.name)
def test_yaml_booleans_are_capitalised(hparams_file):
    for number, line in enumerate(hparams_file.read_text().splitlines(), 1):
        code = line.split("#", 1)[0]
        assert not re.search(r":\s*(true|false|yes|no|on|off)\s*$", code), (
            f"{hparams_file.name}:{number}: use True/False"
        )


@pytest.mark.parametrize("hparams_file", HPARAMS, ids=lambda p: p.name)
def test_every_top_level_key_is_used(hparams_file):
    text = hparams_file.read_text()
    script = (RECIPE / "train.py").read_text()
    package = "".join(path.read_text() for path in PACKAGE_READERS)
    brains = "".join(p.read_text() for p in (ROOT / "speechbrain_srst").rglob("*.py"))
    unused = []
    for key in top_level_keys(hparams_file):
        if key.startswith("__"):
            continue
        in_yaml = f"<{key}>" in text or f"<{key}[" in text
        in_script = f'"{key}"' in script or f"hparams.{key}" in brains
        # Optional keys a Brain reads with getattr(self.hparams, "key", default).
        in_script = in_script or f'self.hparams, "{key}"' in brains
        in_package = f'"{key}"' in package
        if not (in_yaml or in_script or in_package):
            unused.append(key)
    assert not unused, f"{hparams_file.name}: unused keys {unused}"


def shared_block(path):
    text = path.read_text()
    start = text.index("seed: ")
    end = text.index(SHARED_BLOCK_END)
    return text[start:end]


def test_shared_experiment_block_is_identical_in_every_yaml():
    reference = shared_block(HPARAMS[0])
    for path in HPARAMS[1:]:
        assert shared_block(path) == reference, path.name


def test_stage_prerequisites_exist():
    for path in HPARAMS:
        text = path.read_text()
        flow = re.search(r"^requires: \[(.*)\]$", text, re.M)
        block = re.search(r"^requires:\n((?:    - .*\n)+)", text, re.M)
        assert flow or block, path.name
        names = flow.group(1).split(",") if flow else re.findall(r"- (.*)", block[1])
        for name in filter(None, (n.strip() for n in names)):
            assert (RECIPE / "hparams" / name).is_file(), (path.name, name)
