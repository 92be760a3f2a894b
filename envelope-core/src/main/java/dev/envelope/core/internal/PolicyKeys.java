package dev.envelope.core.internal;

import dev.envelope.core.KeyPolicy;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LogicalKey;

/** Looks logical keys up in a policy, with the errors callers and envelopes get. */
public final class PolicyKeys {
  private PolicyKeys() {}

  /**
   * The logical key a caller names, to seal under or check.
   *
   * @throws IllegalArgumentException if {@code id} is null or empty
   * @throws KeyUnavailableException if the policy has no such key
   */
  public static LogicalKey require(KeyPolicy policy, String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("logical key id must be a non-empty string");
    }
    return policy
        .key(id)
        .orElseThrow(
            () ->
                new KeyUnavailableException(
                    "the key policy ("
                        + policy.source()
                        + ") has no logical key '"
                        + id
                        + "'; it has: "
                        + String.join(", ", policy.keyIds()),
                    false));
  }

  /**
   * The logical key an envelope says it was sealed under.
   *
   * @throws KeyUnavailableException if the policy does not name it
   */
  public static LogicalKey requireSealedUnder(KeyPolicy policy, String id) {
    return policy
        .key(id)
        .orElseThrow(
            () ->
                new KeyUnavailableException(
                    "the envelope was sealed under logical key '"
                        + id
                        + "', which the key policy ("
                        + policy.source()
                        + ") does not name",
                    false));
  }
}
