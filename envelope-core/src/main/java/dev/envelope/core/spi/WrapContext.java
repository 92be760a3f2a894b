package dev.envelope.core.spi;

import java.nio.charset.StandardCharsets;

/**
 * What a KEK binds a wrapped data key to: the logical key id of the envelope.
 *
 * <p>A data key is reused for many messages (each with its own context), so the wrap can only bind
 * what all those messages share: the logical key id. The per-message context is authenticated by
 * the envelope body instead. Providers whose KMS takes binary associated data use {@link
 * #associatedData()}; providers whose KMS takes a string map (AWS's EncryptionContext) use {@link
 * #logicalKeyId()} under the key {@code envelope:key}. Both are specified in {@code
 * docs/FORMAT.md}.
 *
 * @param logicalKeyId the policy's logical key id, e.g. {@code payments}
 */
public record WrapContext(String logicalKeyId) {
  private static final byte[] LABEL = "dev.envelope/wrap/v1".getBytes(StandardCharsets.US_ASCII);

  /** Requires a non-empty logical key id. */
  public WrapContext {
    if (logicalKeyId == null || logicalKeyId.isEmpty()) {
      throw new IllegalArgumentException("logical key id must be a non-empty string");
    }
  }

  /**
   * The associated data for AEAD-style wraps: {@code "dev.envelope/wrap/v1" || 0x00 ||
   * UTF-8(logicalKeyId)}.
   */
  public byte[] associatedData() {
    byte[] id = logicalKeyId.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[LABEL.length + 1 + id.length];
    System.arraycopy(LABEL, 0, out, 0, LABEL.length);
    System.arraycopy(id, 0, out, LABEL.length + 1, id.length);
    return out;
  }
}
