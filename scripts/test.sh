#!/usr/bin/env bash
# Installs what the tests need, then runs the linters and the whole test
# suite (unit tests, doctests, tiny end-to-end runs of every stage, recipe
# checks). Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$root/scripts/install.sh"
cd "$root"
ruff check .
ruff format --check .
python -m pytest "$@"
