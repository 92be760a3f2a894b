package dev.envelope.core;

import dev.envelope.core.format.KeyIds;

/**
 * Limits on what an envelope read from untrusted bytes may hold, checked before anything is
 * allocated from a length field. One immutable value; {@link #DEFAULTS} suits almost every use.
 *
 * <p>The same limits apply when sealing, so that an envelope this library writes can be read back
 * by a reader with default limits. Raise one only if both sides raise it.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>limit</th><th>default</th><th>hard cap</th></tr>
 *   <tr><td>{@link #maxRecipients()}</td><td>16</td><td>255</td></tr>
 *   <tr><td>{@link #maxProtectedHeaderBytes()}</td><td>8 KiB</td><td>65535</td></tr>
 *   <tr><td>{@link #maxRecipientsBytes()}</td><td>32 KiB</td><td>65535</td></tr>
 *   <tr><td>{@link #maxWrappedKeyBytes()}</td><td>4 KiB</td><td>65535</td></tr>
 *   <tr><td>{@link #maxKeyIdBytes()}</td><td>128</td><td>128</td></tr>
 *   <tr><td>{@link #maxContextEntries()}</td><td>32</td><td>1024</td></tr>
 *   <tr><td>{@link #maxContextKeyBytes()}</td><td>128</td><td>1024</td></tr>
 *   <tr><td>{@link #maxContextValueBytes()}</td><td>1 KiB</td><td>4096</td></tr>
 *   <tr><td>{@link #maxBufferedBodyBytes()}</td><td>16 MiB</td><td>1 GiB</td></tr>
 * </table>
 */
public final class EnvelopeLimits {
  /** The documented defaults. */
  public static final EnvelopeLimits DEFAULTS = builder().build();

  private final int maxRecipients;
  private final int maxProtectedHeaderBytes;
  private final int maxRecipientsBytes;
  private final int maxWrappedKeyBytes;
  private final int maxKeyIdBytes;
  private final int maxContextEntries;
  private final int maxContextKeyBytes;
  private final int maxContextValueBytes;
  private final int maxBufferedBodyBytes;

  private EnvelopeLimits(Builder b) {
    this.maxBufferedBodyBytes = b.maxBufferedBodyBytes;
    this.maxRecipients = b.maxRecipients;
    this.maxProtectedHeaderBytes = b.maxProtectedHeaderBytes;
    this.maxRecipientsBytes = b.maxRecipientsBytes;
    this.maxWrappedKeyBytes = b.maxWrappedKeyBytes;
    this.maxKeyIdBytes = b.maxKeyIdBytes;
    this.maxContextEntries = b.maxContextEntries;
    this.maxContextKeyBytes = b.maxContextKeyBytes;
    this.maxContextValueBytes = b.maxContextValueBytes;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Most recipients (wrapped copies of the data key) in one envelope. */
  public int maxRecipients() {
    return maxRecipients;
  }

  /** Largest protected header (algorithm, key id, context) in bytes. */
  public int maxProtectedHeaderBytes() {
    return maxProtectedHeaderBytes;
  }

  /** Largest encoded recipient list in bytes. */
  public int maxRecipientsBytes() {
    return maxRecipientsBytes;
  }

  /** Largest wrapped data key of one recipient in bytes. */
  public int maxWrappedKeyBytes() {
    return maxWrappedKeyBytes;
  }

  /** Longest logical key id, in UTF-8 bytes. */
  public int maxKeyIdBytes() {
    return maxKeyIdBytes;
  }

  /** Most context entries. */
  public int maxContextEntries() {
    return maxContextEntries;
  }

  /** Longest context key, in UTF-8 bytes. */
  public int maxContextKeyBytes() {
    return maxContextKeyBytes;
  }

  /** Longest context value, in UTF-8 bytes. */
  public int maxContextValueBytes() {
    return maxContextValueBytes;
  }

  /**
   * Largest A256GCM body: the {@code byte[]} API seals messages up to this size with A256GCM (and
   * larger ones with Cobblestone-256), and a decrypting stream buffers an A256GCM body up to this
   * size, since AES-GCM releases nothing before its tag verified.
   */
  public int maxBufferedBodyBytes() {
    return maxBufferedBodyBytes;
  }

  @Override
  public String toString() {
    return "EnvelopeLimits[maxRecipients="
        + maxRecipients
        + ", maxProtectedHeaderBytes="
        + maxProtectedHeaderBytes
        + ", maxRecipientsBytes="
        + maxRecipientsBytes
        + ", maxWrappedKeyBytes="
        + maxWrappedKeyBytes
        + ", maxKeyIdBytes="
        + maxKeyIdBytes
        + ", maxContextEntries="
        + maxContextEntries
        + ", maxContextKeyBytes="
        + maxContextKeyBytes
        + ", maxContextValueBytes="
        + maxContextValueBytes
        + ", maxBufferedBodyBytes="
        + maxBufferedBodyBytes
        + "]";
  }

  /** Builds {@link EnvelopeLimits}; every setter checks its range and names it on error. */
  public static final class Builder {
    private int maxRecipients = 16;
    private int maxProtectedHeaderBytes = 8 * 1024;
    private int maxRecipientsBytes = 32 * 1024;
    private int maxWrappedKeyBytes = 4 * 1024;
    private int maxKeyIdBytes = 128;
    private int maxContextEntries = 32;
    private int maxContextKeyBytes = 128;
    private int maxContextValueBytes = 1024;
    private int maxBufferedBodyBytes = 16 << 20;

    private Builder() {}

    /**
     * @param n 0..1 GiB; 0 makes the {@code byte[]} API always use Cobblestone-256
     */
    public Builder maxBufferedBodyBytes(int n) {
      maxBufferedBodyBytes = check("maxBufferedBodyBytes", n, 0, 1 << 30);
      return this;
    }

    /**
     * @param n 1..255
     */
    public Builder maxRecipients(int n) {
      maxRecipients = check("maxRecipients", n, 1, 255);
      return this;
    }

    /**
     * @param n 64..65535
     */
    public Builder maxProtectedHeaderBytes(int n) {
      maxProtectedHeaderBytes = check("maxProtectedHeaderBytes", n, 64, 65535);
      return this;
    }

    /**
     * @param n 64..65535
     */
    public Builder maxRecipientsBytes(int n) {
      maxRecipientsBytes = check("maxRecipientsBytes", n, 64, 65535);
      return this;
    }

    /**
     * @param n 16..65535
     */
    public Builder maxWrappedKeyBytes(int n) {
      maxWrappedKeyBytes = check("maxWrappedKeyBytes", n, 16, 65535);
      return this;
    }

    /**
     * @param n 1..128: the format's key id rule allows 128 ASCII characters at most
     */
    public Builder maxKeyIdBytes(int n) {
      maxKeyIdBytes = check("maxKeyIdBytes", n, 1, KeyIds.MAX_LENGTH);
      return this;
    }

    /**
     * @param n 0..1024
     */
    public Builder maxContextEntries(int n) {
      maxContextEntries = check("maxContextEntries", n, 0, 1024);
      return this;
    }

    /**
     * @param n 1..1024
     */
    public Builder maxContextKeyBytes(int n) {
      maxContextKeyBytes = check("maxContextKeyBytes", n, 1, 1024);
      return this;
    }

    /**
     * @param n 0..4096
     */
    public Builder maxContextValueBytes(int n) {
      maxContextValueBytes = check("maxContextValueBytes", n, 0, 4096);
      return this;
    }

    /** The limits. */
    public EnvelopeLimits build() {
      return new EnvelopeLimits(this);
    }

    private static int check(String name, int n, int min, int max) {
      if (n < min || n > max) {
        throw new IllegalArgumentException(
            "EnvelopeLimits." + name + " must be in " + min + ".." + max + ", got " + n);
      }
      return n;
    }
  }
}
