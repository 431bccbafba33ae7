package io.sluice.serde;

/** An item could not be serialized or deserialized; the message names the type. */
public final class SerdeException extends RuntimeException {
  public SerdeException(String message, Throwable cause) {
    super(message, cause);
  }
}
