package dev.envelope.core;

import org.jspecify.annotations.Nullable;

/**
 * A key policy, local config or provider setting is malformed. The message names the file, the
 * field and what is allowed there.
 */
public final class InvalidPolicyException extends EnvelopeException {
  private static final long serialVersionUID = 1L;
  private final String source;
  private final String field;

  /**
   * @param source the file or resource, e.g. {@code /etc/envelope/policy.yaml}
   * @param field the field path, e.g. {@code keys.payments.keks[1]}; empty for the whole document
   * @param problem what is wrong and what is allowed
   */
  public InvalidPolicyException(String source, @Nullable String field, String problem) {
    this(source, field, problem, null);
  }

  /** As {@link #InvalidPolicyException(String, String, String)}, with the parser's error. */
  public InvalidPolicyException(
      String source, @Nullable String field, String problem, @Nullable Throwable cause) {
    super(source + (field == null || field.isEmpty() ? "" : ": " + field) + ": " + problem, cause);
    this.source = source;
    this.field = field == null ? "" : field;
  }

  /** The file or resource that holds the error. */
  public String source() {
    return source;
  }

  /** The path of the offending field, empty for the whole document. */
  public String field() {
    return field;
  }
}
