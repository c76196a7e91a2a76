#!/usr/bin/env bash
# Creates .venv (if missing) and installs speechbrain-srst with the tested
# versions from constraints.txt. Sourced by the other scripts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SRST_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# shellcheck disable=SC1091
source "$venv/bin/activate"
stamp="$venv/.srst-installed"
if [ ! -f "$stamp" ] || [ "$root/constraints.txt" -nt "$stamp" ] || [ "$root/setup.py" -nt "$stamp" ]; then
    python -m pip install --quiet --upgrade pip
    # peers, dnsmos: the optional off-the-shelf denoisers and DNSMOS scored by
    # the evaluation (about 200 MB of wheels; SRST_EXTRAS=dev leaves them out)
    python -m pip install --quiet -c "$root/constraints.txt" -e "$root[${SRST_EXTRAS:-dev,peers,dnsmos}]"
    touch "$stamp"
fi
