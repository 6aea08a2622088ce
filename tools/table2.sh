#!/usr/bin/env bash
# The paper's Table 2 on held-out synthetic pairs: trains the four deformation variants (full, flow,
# attention, none) from scratch with one budget of steps, evaluates each on the report seeds and writes a
# Markdown table with the copy-the-reference baseline. Runs resume where a variant's run folder exists.
#
#   tools/table2.sh --trainer build/app/marionette-train --steps 60 --batch 4 [--device cpu] [--threads 1]
#                   [--pairs 64] [--runs runs] [--out out/table2] [--workers 1] [--amp]
#                   [--stage1 STEPS (default: a tenth)] [--loss-weights SPEC (marionette-train's; pixel L1 is 1 unless it says)]
#                   [--flow-prior (the variants with flow, full and flow, each refining the skeletons' limb warp)]
set -euo pipefail
cd "$(dirname "$0")/.."

trainer=build/app/marionette-train
steps=0
batch=8
device=auto
threads=0
pairs=64
runs=runs
out=out/table2
workers=1
amp=()
stage1=""
loss_weights=()
prior=()
variants=(full flow attention none)
suffix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --trainer) trainer=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --amp) amp=(--amp); shift ;;
    --stage1) stage1=$2; shift 2 ;;
    --loss-weights) loss_weights=(--loss-weights "$2"); shift 2 ;;
    --flow-prior) prior=(--flow-prior); variants=(full flow); suffix="-prior"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$steps" -gt 0 ] || { echo "--steps must be positive" >&2; exit 2; }
mkdir -p "$out"
[ -n "$stage1" ] || stage1=$(( steps / 10 ))
for variant in "${variants[@]}"; do
  run=$runs/table2-$variant$suffix-$steps
  resume=(); ls "$run"/checkpoint-*.pt > /dev/null 2>&1 && resume=(--resume)
  echo "[$(date +%H:%M:%S)] table 2: $variant, $steps steps of batch $batch" >&2
  start=$(date +%s)
  "$trainer" --data synth-body --run "$run" --config small --deformation "$variant" "${prior[@]}" --stage1 "$stage1" \
    --stage2 $(( steps - stage1 )) --batch "$batch" --device "$device" --threads "$threads" "${amp[@]}" --pixel-l1 1 "${loss_weights[@]}" \
    --workers "$workers" --checkpoint-every 25 --sample-every 100000000 "${resume[@]}" > "$out/train-$variant$suffix.log" 2>&1
  echo "$(( $(date +%s) - start ))" > "$out/seconds-$variant$suffix.txt"
  "$trainer" export --run "$run" --out "$run/weights.safetensors" > /dev/null
  "$trainer" eval --weights "$run/weights.safetensors" --data synth-body:report --pairs "$pairs" --device "$device" \
    --threads "$threads" --json "$out/$variant$suffix.json" > "$out/eval-$variant$suffix.txt"
done

# One table from the four reports (the copy baseline is the same in each: same pairs).
python3 - "$out" "$steps" "$batch" "$pairs" "${loss_weights[1]:-model.md defaults with pixel L1 1}" "$suffix" "${variants[@]}" > "$out/table2$suffix.md" <<'PY'
import json, sys
out, steps, batch, pairs, weights, suffix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
variants = sys.argv[7:]
names = {"full": "full (attention + flow)", "flow": "flow only", "attention": "attention only", "none": "baseline (no deformation)"}
if suffix:
    names = {v: n + " + flow prior" for v, n in names.items()}
rows, copy = [], None
for v in variants:
    r = json.load(open(f"{out}/{v}{suffix}.json"))
    copy = r["copy_reference"]
    prior_warp = r.get("prior_warp")
    rows.append((names[v], r["model"]))
def row(name, m):
    detail = f" {m['detail']:.3f} |" if "detail" in m else " |"
    return f"| {name} | {m['ssim']:.4f} | {m['psnr']:.2f} | {m['l1']:.4f} |{detail}"
print(f"{steps} steps of batch {batch} ({steps * batch:,} images) per variant; loss weights: {weights}; {pairs} held-out report pairs.\n")
print("| model | SSIM | PSNR (dB) | L1 | detail |\n|---|---|---|---|---|")
print("\n".join(row(n, m) for n, m in rows))
if prior_warp:
    print(row("the skeletons' limb warp alone (the prior)", prior_warp))
print(row("copy the reference image", copy))
# The deformation alone (eval's 1/4-scale rows), for the variants that warp.
warps = []
for v in [v for v in variants if v != "none"]:
    d = json.load(open(f"{out}/{v}{suffix}.json")).get("deformation_quarter_scale")
    if not d:
        continue
    for key, label in (("attention_warped", "attention-warped"), ("flow_warped", "flow-warped")):
        if key in d:
            w = d[key]
            warps.append(f"| {names[v]} | {label} | {w.get('ssim', float('nan')):.4f} | {w['psnr']:.2f} | {w['l1']:.4f} |")
    quarter_copy = d["copy_reference"]
if warps:
    print("\nThe deformation alone at 1/4 scale (the warped downsampled reference against the downsampled target):\n")
    print("| model | warp | SSIM | PSNR (dB) | L1 |\n|---|---|---|---|---|")
    print("\n".join(warps))
    print(f"| copy the reference image | | {quarter_copy.get('ssim', float('nan')):.4f} | {quarter_copy['psnr']:.2f} | {quarter_copy['l1']:.4f} |")
PY
cat "$out/table2$suffix.md"
