#!/usr/bin/env bash
# The transport's threading modes (SHARED, INVOKER) back to back, 2 in-JVM processes x 1 worker, per rate,
# batch and profile; repeated ROUNDS times, alternating which mode goes first. See docs/PERFORMANCE.md,
# "Fewer threads per hop". Build first: ./mvnw -q -P bench -pl benchmarks -am package -DskipTests
# Usage: benchmarks/bin/threading-pairs.sh [warmupSec] [measureSec] [idleSec] [rates] [batches] [profiles] [rounds] [workers]
set -euo pipefail
cd "$(dirname "$0")/../.."
WARMUP=${1:-3}; MEASURE=${2:-5}; IDLE=${3:-2}
RATES=${4:-"10000 100000 1000000"}; BATCHES=${5:-"1 10 100"}; PROFILES=${6:-"throughput latency"}
ROUNDS=${7:-1}; WORKERS=${8:-1}
JAVA=(java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms1g -Xmx1g
      -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.latency.LatencyBenchmark)
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then ORDER="shared invoker"; else ORDER="invoker shared"; fi
  for rate in $RATES; do
    for batch in $BATCHES; do
      for profile in $PROFILES; do
        for threading in $ORDER; do
          echo "# round $round load: $(cut -d' ' -f1-3 /proc/loadavg)"
          "${JAVA[@]}" "$rate" "$batch" "$WORKERS" 2 "$profile" "$WARMUP" "$MEASURE" "$IDLE" "$threading" 2>&1 | grep '^\[latency\]'
        done
      done
    done
  done
done
