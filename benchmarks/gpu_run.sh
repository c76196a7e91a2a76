#!/usr/bin/env bash
# Runs the benchmarks on a CUDA GPU, then the whole recipe chain there.
#
#   bash benchmarks/gpu_run.sh OUTPUT_FOLDER [SECONDS]
#
# Prints (and writes to OUTPUT_FOLDER/gpu_run.log): the GPU, model_speed.py
# in fp32 and bf16, inference_peers.py, training_throughput.py with 2 and 8
# data-loader workers, then `train.py hparams/srst.yaml --device cuda` on the
# default built-in benchmark, in OUTPUT_FOLDER/results (a fresh run, apart
# from any earlier one in the recipe folder), whose results (tables,
# per-utterance metrics, stage logs; no audio, no checkpoints) are also packed
# into OUTPUT_FOLDER/recipe_results.tar.gz. Everything stops after SECONDS
# (default 540), a step cut short says so. Run it from the repository root
# with a Python that has the project's requirements (PYTHON, default python3).
set -uo pipefail
out="${1:?usage: gpu_run.sh OUTPUT_FOLDER [SECONDS]}"
deadline=$((SECONDS + ${2:-540}))
python="${PYTHON:-python3}"
threads="$(($(nproc) / 2))"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
results="$out/results"
exec > >(tee "$out/gpu_run.log") 2>&1

step() {  # step NAME COMMAND...: runs COMMAND within the time left
    local name="$1" left=$((deadline - SECONDS))
    shift
    echo "== $name ($(date +%T), ${left} s left)"
    if [ "$left" -le 5 ]; then
        echo "== $name: skipped, no time left"
        return
    fi
    timeout "$left" "$@"
    local status=$?
    [ "$status" -eq 124 ] && echo "== $name: cut short after ${left} s"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && echo "== $name: exit $status"
    return 0
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
"$python" -c "import torch, speechbrain, speechbrain_srst, pesq, pystoi, soundfile; \
print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), \
'speechbrain', speechbrain.__version__)" || exit 1
step model_speed_fp32 "$python" benchmarks/model_speed.py --device cuda \
    --threads "$threads" --repeats 20
step model_speed_bf16 "$python" benchmarks/model_speed.py --device cuda \
    --threads "$threads" --repeats 20 --precision bf16
step inference_peers "$python" benchmarks/inference_peers.py --device cuda \
    --threads "$threads" --repeats 20
step training_throughput_2_workers "$python" benchmarks/training_throughput.py \
    --device cuda --threads "$threads" --steps 30 --results_root "$results"
step training_throughput_8_workers "$python" benchmarks/training_throughput.py \
    --device cuda --threads "$threads" --steps 30 --num_workers 8 \
    --stages supervised dann srst --results_root "$results"
cd recipes/DNS/domain_adaptation || exit 1
step recipe "$python" train.py hparams/srst.yaml --device cuda --num_workers 8 \
    --metric_workers "$(($(nproc) - 2))" --results_root "$results"
cd "$out" || exit 1
find results -path '*/save' -prune -o -path '*/data' -prune -o \
    -type f \( -name '*.md' -o -name '*.csv' -o -name '*.json' -o -name '*.txt' \
    -o -name '*.png' -o -name '*.yaml' \) -print |
    tar -czf "$out/recipe_results.tar.gz" -T -
echo "== done ($(date +%T)); results in $results"
