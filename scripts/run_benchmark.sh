#!/usr/bin/env bash
# Installs speechbrain-srst, then runs the SRST recipe on the built-in
# benchmark: every stage of the chain, then the evaluation of every method,
# ending with the results table. Extra arguments go to train.py
# (e.g. --benchmark_size smoke for a run of a few minutes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
source "$root/scripts/install.sh"
cd "$root/recipes/DNS/domain_adaptation"
python train.py hparams/srst.yaml "$@"
