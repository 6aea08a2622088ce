#!/usr/bin/env bash
# One session on a GPU machine that has LibTorch (from a Python torch install), CMake and Ninja but no Qt,
# OpenCV or dlib: build the LibTorch-only targets, benchmark, train the body model (from the last shipped
# weights when given) and the portrait model for time budgets, export fp16 release weights, evaluate them,
# and optionally train and evaluate the four deformation variants with one budget (the paper's Table 2). Everything worth keeping goes to $OUT
# as three files (session.log, results.tar.gz with every log, table and loss curve, and the fp16 weights),
# so that it can be copied back from a machine that returns only a few files.
#
#   OUT=out/gpu tools/gpu/session.sh [--train-minutes 7] [--portrait-minutes 0] [--config default]
#                                    [--init models/body-early.safetensors] [--portrait-init FILE]
#                                    [--table2-steps 0] [--eval-pairs 256] [--skip-bench]
#                                    [--loss-weights attn=5,flow=0,perc=0,face=0,style=0,adv=0,l1=1,warp=5]
# --loss-weights (marionette-train's) applies to the body and portrait runs; pixel L1 is on (1) unless it says
# otherwise.
# Runs unchanged on a CPU-only machine (for checking the script itself, with tiny budgets).
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-out/gpu}
train_minutes=7
portrait_minutes=0
table2_steps=0
config=default
init=""
portrait_init=""
loss_weights=""
bench=1
eval_pairs=256
while [ $# -gt 0 ]; do
  case "$1" in
    --train-minutes) train_minutes=$2; shift 2 ;;
    --portrait-minutes) portrait_minutes=$2; shift 2 ;;
    --table2-steps) table2_steps=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --init) init=$2; shift 2 ;;
    --portrait-init) portrait_init=$2; shift 2 ;;
    --loss-weights) loss_weights=$2; shift 2 ;;
    --eval-pairs) eval_pairs=$2; shift 2 ;;
    --skip-bench) bench=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
final=$OUT
OUT=$final/results
mkdir -p "$OUT"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/session.log"; }
# Whatever happens, pack the results: the weights and the session log stay beside the archive.
pack() {
  mv "$OUT"/*.safetensors "$final"/ 2> /dev/null || true
  cp "$OUT/session.log" "$final/" 2> /dev/null || true
  tar -czf "$final/results.tar.gz" -C "$OUT" . && rm -rf "$OUT"
}
trap pack EXIT

# --- build ---------------------------------------------------------------------------------------------
prefix_args=()
if prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null); then
  prefix_args=(-DCMAKE_PREFIX_PATH="$prefix")
  log "LibTorch from Python torch $(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)')"
fi
build=${BUILD:-build-gpu}
log "configure"
if ! cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMARIONETTE_TORCH_ONLY=ON "${prefix_args[@]}" \
     > "$OUT/configure.log" 2>&1; then
  tail -40 "$OUT/configure.log"; exit 1
fi
log "build ($(nproc) jobs)"
targets=(marionette-cli marionette-train model_tests train_tests)
if ! ninja -C "$build" -j"$(nproc)" "${targets[@]}" > "$OUT/build.log" 2>&1; then
  grep -B2 -A12 -m5 "error" "$OUT/build.log" | head -120
  # The CUDA graph and NCCL code are the parts no CPU machine compiles: without them the engine runs eager
  # CUDA and data-parallel training uses gloo, and the session's GPU time still measures and trains.
  log "BUILD FAILED (see build.log): building again without the CUDA graph and NCCL"
  cmake "$build" -DMARIONETTE_CUDA_GRAPH=OFF -DMARIONETTE_NCCL=OFF > "$OUT/configure-no-graph.log" 2>&1 || { tail -40 "$OUT/configure-no-graph.log"; exit 1; }
  if ! ninja -C "$build" -j"$(nproc)" "${targets[@]}" > "$OUT/build-no-graph.log" 2>&1; then
    grep -B2 -A12 -m5 "error" "$OUT/build-no-graph.log" | head -120; exit 1
  fi
fi
log "model and trainer tests"
(cd "$build" && ctest -R '^(model|safetensors|engine|loss|train)$' --output-on-failure > "$OUT/tests.log" 2>&1) \
  || { tail -60 "$OUT/tests.log"; log "TESTS FAILED (see tests.log): going on, so that the session's GPU time still trains"; }
cli=$build/app/marionette-cli
trainer=$build/app/marionette-train
device=auto

# --- benchmark -----------------------------------------------------------------------------------------
if [ "$bench" = 1 ]; then
  log "bench"
  "$cli" bench --device $device --widths 16,32 --repeat 50 --warmup 10 --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt" \
    || log "BENCH FAILED (see bench.txt): going on with training"
  # Model > Adapt to This Photo on this device: the shipped weights, 150 steps (the default), on a procedural stand-in.
  for shipped in models/body-early.safetensors models/portrait-early.safetensors; do
    [ -f "$shipped" ] || continue
    "$cli" bench --device $device --weights "$shipped" --adapt 150 2>&1 | tee -a "$OUT/bench.txt" \
      || log "ADAPTATION BENCH FAILED for $shipped (see bench.txt)"
  done
  # One loader thread's rate: the trainer below feeds the GPU with nproc - 2 of them.
  "$cli" bench --data synth-body --batches 16 --threads 1 2>&1 | tee -a "$OUT/bench.txt" || log "DATA BENCH FAILED"
  [ -f models/portrait-early.safetensors ] && { "$cli" bench --data synth-portrait --weights models/portrait-early.safetensors \
    --batches 16 --threads 1 2>&1 | tee -a "$OUT/bench.txt" || log "DATA BENCH FAILED"; }
fi

# --- body and portrait models ------------------------------------------------------------------------------
amp=()
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  amp=(--amp)
fi
workers=$(( $(nproc) > 4 ? $(nproc) - 2 : 2 ))

# train_model body|portrait MINUTES [INIT]: resumes runs/gpu-<kind>-<config> when this machine still has it
# (with the stage-1 length it started with); else starts from INIT (stage 2 only), else from scratch.
train_model() {
  local kind=$1 minutes=$2 from=${3:-}
  local semantics=body; [ "$kind" = portrait ] && semantics=face
  local run=runs/gpu-$kind-$config start=() stage1=1000 weights=(--pixel-l1 1) data=synth-$kind
  # Bodies train on re-framed pairs and the editor's kind of edits, half each on average (models/BODY_MODEL_CARD.md).
  [ "$kind" = body ] && data=synth-body+synth-body-edits
  [ -n "$loss_weights" ] && weights+=(--loss-weights "$loss_weights")
  if ls "$run"/checkpoint-*.pt > /dev/null 2>&1; then
    start=(--resume); stage1=$(cat "$run/stage1.txt")
  else
    [ -n "$from" ] && { start=(--init "$from"); stage1=0; }
    mkdir -p "$run" && echo "$stage1" > "$run/stage1.txt"
  fi
  log "train $kind ($config) for $minutes minutes ${start[*]} ${amp[*]}"
  "$trainer" --data "$data" --semantics $semantics --run "$run" --config "$config" --stage1 "$stage1" \
    --stage2 100000000 --batch 8 --device $device "${amp[@]}" "${weights[@]}" --workers "$workers" \
    --checkpoint-every 1000 --sample-every 100000000 --time-limit "$minutes" "${start[@]}" \
    2> >(tr '\r' '\n' | tail -n 5 > "$OUT/train-progress-$kind.log") | tee -a "$OUT/session.log"
  cp "$run/losses.csv" "$OUT/losses-$kind-$config.csv"
  "$trainer" export --run "$run" --out "$OUT/$kind-$config.safetensors" | tee -a "$OUT/session.log"
  log "evaluate $kind"
  "$trainer" eval --weights "$OUT/$kind-$config.safetensors" --data "synth-$kind:report" --pairs "$eval_pairs" \
    --device $device --json "$OUT/eval-$kind-$config.json" | tee "$OUT/eval-$kind-$config.txt"
  if [ "$kind" = body ]; then
    "$trainer" eval --weights "$OUT/$kind-$config.safetensors" --data "synth-body-edits:report" --pairs "$eval_pairs" \
      --device $device --json "$OUT/eval-$kind-edits-$config.json" | tee "$OUT/eval-$kind-edits-$config.txt"
  fi
}
if [ "$train_minutes" != 0 ]; then train_model body "$train_minutes" "$init"; fi
# A portrait run starts from portrait weights, or from body weights of the same width (all but the first
# convolutions carry over), or from scratch.
if [ "$portrait_minutes" != 0 ]; then train_model portrait "$portrait_minutes" "$portrait_init"; fi

# --- Table 2: the four deformation variants with one budget of steps (batch 8), small config ---------------
if [ "$table2_steps" != 0 ]; then
  log "table 2: four variants, $table2_steps steps each"
  tools/table2.sh --trainer "$trainer" --steps "$table2_steps" --batch 8 --device "$device" "${amp[@]}" \
    ${loss_weights:+--loss-weights "$loss_weights"} \
    --pairs "$eval_pairs" --workers "$workers" --out "$OUT/table2" | tee -a "$OUT/session.log"
fi
log "done"
