package io.sluice.dataflow;

/** The two outputs of {@link Stream#branch}: items the predicate accepted, and the rest. */
public record Branched<T>(Stream<T> trues, Stream<T> falses) {}
