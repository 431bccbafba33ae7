#!/usr/bin/env bash
# Open-loop latency (HdrHistogram) of source -> map -> keyOn(100 keys) -> running count -> sink,
# for both idle profiles, 1 process and 2 in-JVM processes over Aeron. See docs/PERFORMANCE.md, "Latency".
# Build first: ./mvnw -q -P bench -pl benchmarks -am package -DskipTests
# Usage: benchmarks/bin/latency.sh [warmupSec] [measureSec] [idleSec] [rates] [batches] [workers]
set -euo pipefail
cd "$(dirname "$0")/../.."
WARMUP=${1:-2}; MEASURE=${2:-5}; IDLE=${3:-3}
RATES=${4:-"10000 100000 1000000"}; BATCHES=${5:-"10"}; WORKERS=${6:-"1 2"}
JAVA=(java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms1g -Xmx1g
      -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.latency.LatencyBenchmark)
for processes in 1 2; do
  for w in $WORKERS; do
    for rate in $RATES; do
      for batch in $BATCHES; do
        # the two profiles back to back, so each pair saw about the same load
        for profile in throughput latency; do
          echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"
          "${JAVA[@]}" "$rate" "$batch" "$w" "$processes" "$profile" "$WARMUP" "$MEASURE" "$IDLE" 2>&1 | grep '^\[latency\]'
        done
      done
    done
  done
done
