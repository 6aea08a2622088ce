#!/usr/bin/env bash
# Kills a tiny training run with SIGKILL N times (default 20), at random moments and, every third time, in the
# middle of a checkpoint write (as soon as its temporary file appears), and resumes it each time with
# --resume. Checks that every resume starts from the newest complete checkpoint, that a kill loses at most
# one checkpoint interval, and that losses.csv stays one readable CSV (the header once, rising steps, no torn
# rows); then trains the run to its end and checks the log row by row. docs/reliability.md has the figures.
#
# usage: tools/soak/kill-resume.sh [N]
#   MARIONETTE_TRAIN  the trainer (default build/app/marionette-train)
#   SOAK_DIR          where the run folder and the logs go (default a new temporary folder, removed on success)
#   SOAK_SEED         seed of the kill times (default 1)
set -euo pipefail

kills=${1:-20}
train=${MARIONETTE_TRAIN:-build/app/marionette-train}
seed=${SOAK_SEED:-1}
every=5       # --checkpoint-every
log_every=10  # the trainer's loss log interval
[[ -x $train ]] || { echo "no trainer at $train (build it, or set MARIONETTE_TRAIN)" >&2; exit 2; }
own_dir=0
if [[ -z ${SOAK_DIR:-} ]]; then
    SOAK_DIR=$(mktemp -d)
    own_dir=1
fi
run=$SOAK_DIR/run
mkdir -p "$run"
RANDOM=$seed
export OMP_NUM_THREADS=1

# The options of every session; a session trains until it is killed (the step count is out of reach).
options=(--data synth-body --run "$run" --config small --width 4 --size 64x48 --batch 2 --threads 1 --workers 1
         --checkpoint-every "$every" --sample-every 25 --resume)
endless=(--stage1 1000000 --stage2 0)

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# The step of the newest checkpoint in the run folder (0 when none).
newest_checkpoint() {
    local newest=0 f step
    for f in "$run"/checkpoint-*.pt; do
        [[ -e $f ]] || continue
        step=$(basename "$f" .pt)
        step=$((10#${step#checkpoint-}))
        ((step > newest)) && newest=$step
    done
    echo "$newest"
}

# Checks losses.csv. $1 = strict: every row complete (after a clean end); else the last row may be cut
# short by the kill (the next session drops it). Prints the number of rows cut short.
check_log() {
    local strict=$1 csv=$run/losses.csv
    [[ -e $csv ]] || { echo 0; return; }
    awk -F, -v strict="$strict" '
        NR == 1 { header = $0; columns = NF; if ($1 != "step") { print "no header" > "/dev/stderr"; bad = 1 }; next }
        $0 == header { print "header repeated at line " NR > "/dev/stderr"; bad = 1; next }
        NF != columns || $1 !~ /^[0-9]+$/ { torn++; last_torn = NR; next }
        $1 + 0 <= previous { print "step " $1 " after step " previous " at line " NR > "/dev/stderr"; bad = 1 }
        { previous = $1 + 0 }
        END {
            if (torn > 1 || (torn == 1 && (strict || last_torn != NR))) { print torn " torn rows" > "/dev/stderr"; bad = 1 }
            print torn + 0
            exit bad
        }' "$csv"
}

resumes_ok=0 trained=0 checkpoint_kills=0 rows_dropped=0 lost_max=0 lost_sum=0 torn_seen=0 leftovers_seen=0
for ((i = 1; i <= kills; i++)); do
    expected=$(newest_checkpoint)
    log=$SOAK_DIR/session-$i.log
    : >"$log"
    "$train" "${options[@]}" "${endless[@]}" >"$log" 2>&1 &
    pid=$!
    mode=random
    if ((i % 3 == 0)); then
        # As soon as a checkpoint's temporary file appears, the write is under way: kill then.
        # Once it trains: a file an earlier session left unfinished is gone by then (the trainer removes it).
        mode=checkpoint
        deadline=$((SECONDS + 60))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)) && ! grep -q 'from step' "$log"; do
            sleep 0.05
        done
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            compgen -G "$run/.checkpoint-*.tmp" >/dev/null && break
        done
        if compgen -G "$run/.checkpoint-*.tmp" >/dev/null; then
            checkpoint_kills=$((checkpoint_kills + 1))
        else
            mode="random (no checkpoint write seen)"
        fi
    else
        # 0.5 to 8 s: some kills fall in the start (loading LibTorch, reading the checkpoint), most in training.
        sleep "$((RANDOM % 8)).$((RANDOM % 10))5"
    fi
    kill -KILL "$pid" 2>/dev/null || fail "session $i ended before it was killed"
    wait "$pid" 2>/dev/null || true

    tr '\r' '\n' <"$log" >"$log.lines"
    started=$(grep -oE 'from step [0-9]+ to' "$log.lines" | head -1 | grep -oE '[0-9]+' | head -1 || true)
    reached=$(grep -oE 'step [0-9]+/' "$log.lines" | tail -1 | grep -oE '[0-9]+' || true)
    dropped=$(grep -oE 'dropped [0-9]+ rows?' "$log.lines" | grep -oE '[0-9]+' || true)
    rows_dropped=$((rows_dropped + ${dropped:-0}))
    if grep -q 'cannot be used' "$log.lines"; then
        fail "session $i passed over a checkpoint: $(grep 'cannot be used' "$log.lines" | head -1)"
    fi
    if [[ -z $started ]]; then
        mode="$mode, while starting"
    elif ((started == expected)); then
        resumes_ok=$((resumes_ok + 1))
        trained=$((trained + 1))
    else
        trained=$((trained + 1))
        fail "session $i started at step $started, the newest checkpoint was step $expected"
    fi
    after=$(newest_checkpoint)
    reached=${reached:-$expected}
    lost=$((reached > after ? reached - after : 0))
    ((lost > every)) && fail "kill $i lost $lost steps (more than the checkpoint interval $every)"
    ((lost > lost_max)) && lost_max=$lost
    lost_sum=$((lost_sum + lost))
    torn=$(check_log 0) || fail "losses.csv after kill $i is not one readable log"
    torn_seen=$((torn_seen + torn))
    leftovers=$(find "$run" -name '.*' -type f | wc -l)
    leftovers_seen=$((leftovers_seen + leftovers))
    echo "kill $i ($mode): session from step ${started:-?} reached step $reached; newest checkpoint $after; lost $lost;" \
         "rows cut short $torn; temporary files left $leftovers"
done

# One last session, to an end a few checkpoints on: it must finish and leave one complete log.
expected=$(newest_checkpoint)
final=$((expected + 4 * every))
"$train" "${options[@]}" --stage1 "$final" --stage2 0 >"$SOAK_DIR/final.log" 2>&1 || fail "the last session failed"
tr '\r' '\n' <"$SOAK_DIR/final.log" >"$SOAK_DIR/final.log.lines"
grep -q "from step $expected to $final" "$SOAK_DIR/final.log.lines" || fail "the last session did not start at $expected"
[[ -e $run/checkpoint-$(printf %09d "$final").pt ]] || fail "no checkpoint at the last step $final"
check_log 1 >/dev/null || fail "losses.csv at the end is not one complete log"
want=$( (seq "$log_every" "$log_every" "$final"; ((final % log_every == 0)) || echo "$final") | tr '\n' ' ')  # and the last step
have=$(tail -n +2 "$run/losses.csv" | cut -d, -f1 | tr '\n' ' ')
[[ $have == "$want" ]] || fail "losses.csv rows are for steps [$have], expected [$want]"
left=$(find "$run" -name '.*' -type f | wc -l)
((left == 0)) || fail "$left temporary files left in the run folder: $(find "$run" -name '.*' -type f | xargs -n1 basename | tr '\n' ' ')"

echo
echo "kills: $kills ($checkpoint_kills during a checkpoint write)"
echo "sessions resumed from the newest complete checkpoint: $resumes_ok of $trained that got as far as training" \
     "(the other $((kills - trained)) were killed while starting)"
echo "steps lost per kill: max $lost_max, mean $(awk -v s="$lost_sum" -v n="$kills" 'BEGIN { printf "%.1f", s / n }')" \
     "(checkpoint interval $every)"
echo "loss log: rows cut short by a kill $torn_seen; rows past the checkpoint dropped on resume $rows_dropped;" \
     "temporary files seen after kills: $leftovers_seen"
echo "last session: steps $expected to $final; log rows $(($(wc -l <"$run/losses.csv") - 1)), header once; temporary files left: $left"
if ((failures > 0)); then
    echo "$failures failures; the run folder and session logs are in $SOAK_DIR" >&2
    exit 1
fi
((own_dir)) && rm -rf "$SOAK_DIR"
echo "ok"
