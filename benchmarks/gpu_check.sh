#!/usr/bin/env bash
# The GPU check: the whole test suite on real CuPy, then the MLP, CNN, LSTM and GRU
# benchmarks on kerasette (CuPy) beside PyTorch (CUDA), TF32 off on both sides.
#
#     bash benchmarks/gpu_check.sh OUT_DIR
#
# Needs an NVIDIA GPU with CuPy 14, PyTorch (CUDA build), numpy, h5py, tqdm and pytest
# installed; installs nothing and reaches no network, so it runs from a plain checkout.
# Writes OUT_DIR/pytest.txt (the four shards' outputs), OUT_DIR/<benchmark>.txt and .json,
# and OUT_DIR/summary.md (the Markdown table for benchmarks/README.md). Takes under 8
# minutes on an H100; each part has its own time limit, so one hang costs only its part.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bash benchmarks/gpu_check.sh OUT_DIR}
mkdir -p "$out"
export PYTHONPATH=src KERASETTE_BACKEND=cupy CUPY_TF32=0

{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
    python -c 'import cupy, numpy, torch; print("cupy", cupy.__version__, "numpy",
numpy.__version__, "torch", torch.__version__, "cuda", torch.cuda.is_available())'
} | tee "$out/environment.txt"

echo "== test suite on CuPy, in 4 shards side by side (limit 240 s each)"
# CuPy compiles each new kernel once (then caches it on disk); shards spread that over
# the cores. Each shard gets a quarter of the test files, taken in turn.
mapfile -t files < <(ls tests/test_*.py)
for shard in 0 1 2 3; do
    picked=()
    for index in "${!files[@]}"; do
        (( index % 4 == shard )) && picked+=("${files[$index]}")
    done
    ( timeout 240 python -m pytest -q -p no:cacheprovider -rfE "${picked[@]}" \
          > "$out/pytest.$shard.txt" 2>&1
      echo "pytest exit status $?" >> "$out/pytest.$shard.txt" ) &
done
wait
cat "$out"/pytest.?.txt > "$out/pytest.txt"
grep -h -E "^(FAILED|ERROR) |[0-9]+ (passed|failed)|exit status" "$out"/pytest.?.txt | tail -n 40

run_benchmark() {  # name, time limit in seconds, arguments
    local name=$1 limit=$2
    shift 2
    echo "== benchmarks/$name.py $* (limit $limit s)"
    timeout "$limit" python "benchmarks/$name.py" --json "$out/$name.json" "$@" \
        > "$out/$name.txt" 2>&1
    echo "exit status $?" >> "$out/$name.txt"
    cat "$out/$name.txt"
}
run_benchmark mlp 90 --rounds 3 --samples 40000
run_benchmark cnn 90 --rounds 3 --samples 10240
run_benchmark lstm 120 --rounds 3 --samples 6400

python - "$out" <<'PY' | tee "$out/summary.md"
import json, pathlib, sys

out = pathlib.Path(sys.argv[1])
print("| workload | PyTorch CUDA samples/s | kerasette CuPy samples/s | ratio |")
print("| --- | ---: | ---: | ---: |")
for name in ("mlp", "cnn", "lstm"):
    path = out / f"{name}.json"
    if not path.exists():
        print(f"| {name} | (did not finish: see {name}.txt) | | |")
        continue
    for row in json.loads(path.read_text())["rows"]:
        torch, ours = row["median"]["pytorch"], row["median"]["kerasette"]
        print(f"| {row['title']} | {torch:,.0f} | {ours:,.0f} | {ours / torch:.2f}x |")
PY
