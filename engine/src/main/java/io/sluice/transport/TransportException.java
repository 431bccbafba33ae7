package io.sluice.transport;

/** The cluster could not be formed or was lost: a peer missing, an address unusable, a peer gone. */
public class TransportException extends RuntimeException {
  public TransportException(String message) {
    super(message);
  }

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
