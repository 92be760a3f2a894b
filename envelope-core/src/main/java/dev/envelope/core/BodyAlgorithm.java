package dev.envelope.core;

/**
 * How an envelope's body is encrypted under its data key ({@code docs/FORMAT.md} §4). Streams
 * always write {@link #COBBLESTONE_256}; the {@code byte[]} API writes {@link #A256GCM} up to
 * {@link EnvelopeLimits#maxBufferedBodyBytes()} and Cobblestone beyond. Both are read by both APIs.
 */
public enum BodyAlgorithm {
  /**
   * c2sp.org/chunked-encryption instantiated with AES-256-GCM and HKDF-Expand-SHA-512 (16 KiB
   * chunks, 24-byte salt, 32-byte key commitment). Id 1 in the header.
   */
  COBBLESTONE_256(1, "cobblestone-256"),
  /**
   * One AES-256-GCM message under a subkey derived once per data key, with a random 96-bit nonce
   * and a per-data-key key commitment in the header. Id 2 in the header.
   */
  A256GCM(2, "a256gcm");

  private final int id;
  private final String label;

  BodyAlgorithm(int id, String label) {
    this.id = id;
    this.label = label;
  }

  /** The number written in the header. */
  public int id() {
    return id;
  }

  /** The name shown by {@code inspect}. */
  public String label() {
    return label;
  }

  /**
   * The algorithm a header's {@code alg} names.
   *
   * @throws MalformedEnvelopeException for any other id
   */
  public static BodyAlgorithm fromId(long id) {
    for (BodyAlgorithm a : values()) {
      if (a.id == id) {
        return a;
      }
    }
    throw new MalformedEnvelopeException(
        "unsupported body algorithm "
            + id
            + "; this version reads: cobblestone-256 (1), a256gcm (2)");
  }
}
