package io.sluice.dataflow;

/**
 * The two outputs of a {@code try*} operator ({@link Stream#tryMap} and friends): what the user
 * code produced, and the items it threw on.
 *
 * @param out    the results, on the worker that produced them
 * @param errors one {@link StepError} per item the user code threw on, on the same worker
 * @param <U>    the result type
 * @param <T>    the input item type
 */
public record Tried<U, T>(Stream<U> out, Stream<StepError<T>> errors) {}
