package io.sluice.run;

/**
 * User code in a step threw: the whole run stopped. Names the step, the worker and the item being
 * processed (its {@code toString}, truncated); the user's exception is the cause.
 */
public final class StepFailedException extends RuntimeException {
  private static final int MAX_ITEM_CHARS = 200;

  private final String stepId;
  private final int worker;
  private final String item;
  private final String activity;

  /**
   * @param worker the global worker index, or -1 if the failure happened outside any worker
   * @param item   a description of the item, or null if there was none (e.g. opening a partition)
   */
  public StepFailedException(String stepId, int worker, String item, Throwable cause) {
    this(stepId, worker, item, null, cause);
  }

  private StepFailedException(String stepId, int worker, String item, String activity, Throwable cause) {
    super(message(stepId, worker, item, activity, cause), cause);
    this.stepId = stepId;
    this.worker = worker;
    this.item = item;
    this.activity = activity;
  }

  /**
   * A failure outside any item, e.g. {@code during("lines", 2, "opening partition 'a.txt'", e)}.
   *
   * @param activity what the step was doing, in words
   */
  public static StepFailedException during(String stepId, int worker, String activity, Throwable cause) {
    return new StepFailedException(stepId, worker, null, activity, cause);
  }

  public String stepId() {
    return stepId;
  }

  public int worker() {
    return worker;
  }

  /** The failing item's description, or null if the step failed outside any item. */
  public String item() {
    return item;
  }

  /** What the step was doing when it failed outside any item (e.g. "opening partition 'a'"), or null. */
  public String activity() {
    return activity;
  }

  /** {@code String.valueOf(item)}, cut to 200 characters. */
  public static String describe(Object item) {
    String s;
    try {
      s = String.valueOf(item);
    } catch (RuntimeException e) {
      s = item.getClass().getName() + " (toString failed: " + e + ")";
    }
    return s.length() <= MAX_ITEM_CHARS ? s : s.substring(0, MAX_ITEM_CHARS) + "... (" + s.length() + " chars)";
  }

  private static String message(String stepId, int worker, String item, String activity, Throwable cause) {
    StringBuilder sb = new StringBuilder("step '").append(stepId).append("' failed");
    if (worker >= 0) {
      sb.append(" on worker ").append(worker);
    }
    if (activity != null) {
      sb.append(" while ").append(activity);
    }
    if (item != null) {
      sb.append(" processing item ").append(item);
    }
    return sb.append(": ").append(cause).toString();
  }
}
