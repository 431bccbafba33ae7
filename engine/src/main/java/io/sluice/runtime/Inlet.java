package io.sluice.runtime;

/** Input {@code input} of {@code node}: where an upstream output delivers. */
record Inlet(Node node, int input) {}
