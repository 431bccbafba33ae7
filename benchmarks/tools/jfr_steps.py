#!/usr/bin/env python3
"""Attribute JFR CPU samples (jdk.ExecutionSample) of Sluice worker threads to pipeline stages.

Usage: jfr print --json --events jdk.ExecutionSample --stack-depth 64 rec.jfr | python3 jfr_steps.py

Each sample goes to the innermost (closest to the top of the stack) frame that names a stage;
samples with no such frame count as "other". Also prints the top self-time frames.
"""
import collections
import json
import sys

# (stage, predicate on "Class.method") checked from the top frame down; first match wins.
STAGES = [
    ("source: generate batch (Integer boxing, list)", lambda f: "RangeSource" in f or "IterableSource" in f or "IntRange" in f),
    ("user statefulMap lambda (Long boxing)", lambda f: "PipelineBenchmark.lambda$flow$2" in f),
    ("statefulMap wrapper (MapLogic, singletonList, emitter KV)", lambda f: "StatefulLogics$MapLogic" in f or "StatefulReceiver$Emitter" in f or "KeyedStream.lambda$statefulMap" in f),
    ("stateful receiver: group by key, logic lookup", lambda f: f.startswith("io.sluice.runtime.StatefulReceiver.process")),
    ("exchange: route (murmur3) + per-target lists", lambda f: "ExchangeSender.push" in f or "Router" in f or "Routing" in f),
    ("exchange: channel poll/offer", lambda f: "OneToOneConcurrentArrayQueue" in f or "ExchangeReceiver.doWork" in f or "ExchangeSender.flush" in f),
    ("keyOn (KV per item, list)", lambda f: "Stream.lambda$keyOn" in f),
    ("map (user fn, list)", lambda f: "PipelineBenchmark.lambda$flow$0" in f),
    ("map/flatMapBatch wrapper (output list)", lambda f: "Stream.lambda$map" in f or "FlatMapBatchNode" in f),
    ("sink", lambda f: "CountingSink" in f or "DynamicOutputNode" in f),
    ("worker loop / idle", lambda f: "Worker.loop" in f or "IdleStrategy" in f or "SourceTasklet" in f),
]


def frame_name(fr):
    m = fr["method"]
    t = m["type"]["name"].replace("/", ".")
    return t + "." + m["name"]


def main():
    data = json.load(sys.stdin)
    events = data["recording"]["events"]
    by_stage = collections.Counter()
    top = collections.Counter()
    threads = collections.Counter()
    total = 0
    for e in events:
        v = e["values"]
        th = (v.get("sampledThread") or {}).get("javaName") or "?"
        if not th.startswith("sluice-"):
            continue
        frames = [frame_name(f) for f in (v.get("stackTrace") or {}).get("frames", [])]
        if not frames:
            continue
        total += 1
        threads[th] += 1
        top[frames[0]] += 1
        stage = "other"
        for f in frames:
            hit = next((name for name, pred in STAGES if pred(f)), None)
            if hit:
                stage = hit
                break
        by_stage[stage] += 1
    print(f"worker samples: {total}  threads: {dict(threads)}")
    print("\nby stage (innermost stage frame on the stack):")
    for s, n in by_stage.most_common():
        print(f"  {100.0 * n / total:5.1f}%  {n:6d}  {s}")
    print("\ntop frames (self):")
    for s, n in top.most_common(15):
        print(f"  {100.0 * n / total:5.1f}%  {n:6d}  {s}")


if __name__ == "__main__":
    main()
