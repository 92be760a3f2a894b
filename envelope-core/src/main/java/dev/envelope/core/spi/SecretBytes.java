package dev.envelope.core.spi;

import java.security.MessageDigest;
import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * Key material in memory: a data key (DEK) or a KEK's raw bytes.
 *
 * <p>The bytes are copied in and out, so no caller can alias them; {@link #destroy()} zeroes them
 * and every later access fails. {@link #toString()} never shows the bytes and {@link
 * #contentEquals(SecretBytes)} compares in constant time. Instances are thread-safe, but destroying
 * one while another thread reads it is the caller's mistake: the reader may see zeroes.
 */
public final class SecretBytes implements Destroyable {
  private final byte[] bytes;
  private volatile boolean destroyed;

  private SecretBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Copies {@code bytes} into a new holder. The caller should zero its own array afterwards.
   *
   * @throws IllegalArgumentException if {@code bytes} is null
   */
  public static SecretBytes copyOf(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("key bytes must not be null");
    }
    return new SecretBytes(bytes.clone());
  }

  /**
   * Takes ownership of {@code bytes} without copying: the caller must not use the array again. Used
   * where a fresh array was just produced (a cipher's output) to avoid a second copy.
   */
  public static SecretBytes adopt(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("key bytes must not be null");
    }
    return new SecretBytes(bytes);
  }

  /** Number of bytes held. Available even after {@link #destroy()}. */
  public int length() {
    return bytes.length;
  }

  /**
   * A copy of the bytes. The caller owns the copy and should zero it ({@code Arrays.fill}) as soon
   * as it is done with it.
   *
   * @throws IllegalStateException if this holder was destroyed
   */
  public byte[] toByteArray() {
    checkNotDestroyed();
    return bytes.clone();
  }

  /** Constant-time comparison of the contents; false if either side was destroyed. */
  public boolean contentEquals(SecretBytes other) {
    if (other == null || destroyed || other.destroyed) {
      return false;
    }
    return MessageDigest.isEqual(bytes, other.bytes);
  }

  /** Zeroes the bytes. Idempotent. */
  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(bytes, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  private void checkNotDestroyed() {
    if (destroyed) {
      throw new IllegalStateException("key material was destroyed and can no longer be used");
    }
  }

  /** Shows the length only, never the bytes. */
  @Override
  public String toString() {
    return "SecretBytes[" + bytes.length + " bytes" + (destroyed ? ", destroyed]" : "]");
  }
}
