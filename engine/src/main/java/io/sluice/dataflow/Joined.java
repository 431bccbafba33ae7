package io.sluice.dataflow;

/**
 * The output of a two-sided {@link KeyedStream#join}: the latest value of each side for a key.
 * In {@link JoinMode#COMPLETE} both are present; in the other modes either may be {@code null}.
 */
public record Joined<L, R>(L left, R right) implements java.io.Serializable {}
