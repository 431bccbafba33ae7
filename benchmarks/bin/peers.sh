#!/usr/bin/env bash
# Sluice beside Flink 1.20.1 (local environment), interleaved: for every round, job and worker count,
# one Sluice JVM then one Flink JVM (the order flips every round), each running the job once (one-shot:
# a fresh JVM, the whole job timed). Prints each run and the ratio Sluice / Flink of items/s and of
# CPU ns/item per pair. See docs/PERFORMANCE.md, "Peers". q5, q7, q8 are NEXMark's windowed queries (event
# time); for them Sluice also reports the items its window steps found late (sluice-late, expected 0).
# Build first: ./mvnw -q -P bench -pl benchmarks/peers -am package -DskipTests
# Usage: [RUNS=n] [LOG=file] benchmarks/bin/peers.sh [rounds] [jobs] [workers] [keyedItems] [nexmarkEvents]
# RUNS>1 runs the job n times per JVM and pairs the last runs (warm JVM; Flink still starts a MiniCluster per job);
# LOG collects every run's line.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-1}  # runs per JVM; the ratio uses the last (RUNS>1: warm JVM)
ROUNDS=${1:-2}; JOBS=${2:-"keyed100 keyed1m q0 q1 q2 q3 q5 q7 q8"}; WORKERS=${3:-"1 2"}
KEYED_ITEMS=${4:-10000000}; EVENTS=${5:-5000000}
CP=benchmarks/peers/target/sluice-benchmarks-peers-0.1.0-SNAPSHOT.jar:$(cat benchmarks/peers/target/classpath.txt)
JAVA=(java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED
      --add-opens java.base/java.lang=ALL-UNNAMED -Xms2g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=error
      -cp "$CP" io.sluice.peers.PeerRun)
one() { # engine job workers items -> the [peer] line
  "${JAVA[@]}" "$@" "$RUNS" 2>&1 | grep "^\[peer\]" | tail -n "$RUNS" | tee -a "${LOG:-/dev/null}" | tail -1 || echo "[peer] engine=$1 job=$2 workers=$3 FAILED"
}
field() { sed -n "s|.* $1=\([^ ]*\).*|\1|p" <<<"$2"; }
for round in $(seq 1 "$ROUNDS"); do
  for job in $JOBS; do
    case $job in keyed*) n=$KEYED_ITEMS ;; *) n=$EVENTS ;; esac
    for w in $WORKERS; do
      echo "# round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
      if (( round % 2 )); then s=$(one sluice "$job" "$w" "$n"); f=$(one flink "$job" "$w" "$n")
      else f=$(one flink "$job" "$w" "$n"); s=$(one sluice "$job" "$w" "$n"); fi
      echo "$s"; echo "$f"
      awk -v job="$job" -v w="$w" -v si="$(field 'items/s' "$s")" -v fi="$(field 'items/s' "$f")" \
          -v sc="$(field 'cpu-ns/item' "$s")" -v fc="$(field 'cpu-ns/item' "$f")" \
          -v so="$(field outputs "$s")" -v fo="$(field outputs "$f")" -v late="$(field late "$s")" \
          'BEGIN { if (si == "" || fi == "") { print "[ratio] " job " workers=" w " FAILED"; exit }
                   printf "[ratio] job=%s workers=%s sluice/flink items/s=%.2f flink/sluice cpu-ns/item=%.2f outputs-equal=%s%s\n",
                          job, w, si / fi, fc / sc, (so == fo ? "yes" : "NO"), (late == "" ? "" : " sluice-late=" late) }'
    done
  done
done
