#!/bin/bash
# Runs SpeechBrain's own checks on this recipe, as on a contributor's pull
# request: the recipe and its rows are placed into a SpeechBrain checkout,
# then its consistency tests, its YAML-loading test, its recipe-row runner and
# its linters run there.
#
#   bash tests/recipes/speechbrain_checks.sh SPEECHBRAIN_CHECKOUT [rows|static]
#
# SPEECHBRAIN_CHECKOUT: a clone of https://github.com/speechbrain/speechbrain
# (tag v1.1.0 or later) that this script may modify: it replaces
# recipes/DNS/domain_adaptation and tests/recipes/DNS.csv there (restored from
# git first), and writes tests/tmp/ and results/ there. Nothing of SpeechBrain
# is copied into this project. "static" skips the row runner (about a minute
# per row on 2 CPU cores). PYTHON (default: this project's .venv/bin/python)
# must have speechbrain, speechbrain_srst and pytest installed; yamllint and
# codespell run when they are installed (pip install yamllint codespell).
set -euo pipefail

speechbrain=$(cd "${1:?usage: $0 SPEECHBRAIN_CHECKOUT [rows|static]}" && pwd)
mode=${2:-rows}
project=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-$project/.venv/bin/python}
python=$(cd "$(dirname "$python")" && pwd)/$(basename "$python")
recipe=recipes/DNS/domain_adaptation

echo "=== Placing the recipe and its rows into $speechbrain"
git -C "$speechbrain" checkout -q -- tests/recipes/DNS.csv
rm -rf "${speechbrain:?}/$recipe"
mkdir -p "$speechbrain/$recipe"
(cd "$project" && git ls-files -co --exclude-standard "$recipe" | tar -cf - -T -) |
    tar -xf - -C "$speechbrain"
tail -n +2 "$project/tests/recipes/DNS.csv" >>"$speechbrain/tests/recipes/DNS.csv"

cd "$speechbrain"
status=0
echo "=== tests/consistency"
"$python" -m pytest tests/consistency -q -p no:cacheprovider || status=1

echo "=== tests/utils/recipe_tests.py: load_yaml_test (every YAML loads)"
PATH="$(dirname "$python"):$PATH" "$python" -c '
from tests.utils.recipe_tests import load_yaml_test
passed = load_yaml_test(
    filters_fields=["Script_file"],
    filters=[["recipes/DNS/domain_adaptation/train.py"]],
)
print("TEST PASSED" if passed else "TEST FAILED!")
raise SystemExit(0 if passed else 1)
' 2>&1 | grep -v "Skipped\|Loading recipes" || status=1

if command -v yamllint >/dev/null; then
    echo "=== yamllint (SpeechBrain's .yamllint.yaml)"
    yamllint -c .yamllint.yaml "$recipe"/hparams/*.yaml || status=1
fi
if command -v codespell >/dev/null; then
    echo "=== codespell (SpeechBrain's word list)"
    codespell --ignore-words=.dict-speechbrain.txt "$recipe" || status=1
fi

if [ "$mode" = rows ]; then
    echo "=== tests/utils/recipe_tests.py: the rows of $recipe/train.py"
    rm -rf tests/tmp/DNS_row_*
    PATH="$(dirname "$python"):$PATH" "$python" -c '
from tests.utils.recipe_tests import run_recipe_tests
passed = run_recipe_tests(
    filters_fields=["Script_file"],
    filters=[["recipes/DNS/domain_adaptation/train.py"]],
    do_checks=True,
    run_opts="--device=cpu",
)
print("TEST PASSED" if passed else "TEST FAILED!")
raise SystemExit(0 if passed else 1)
' 2>&1 | grep -v "Skipped\|Loading recipes" || status=1
fi
exit $status
