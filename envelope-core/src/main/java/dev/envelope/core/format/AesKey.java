package dev.envelope.core.format;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * An AES key whose bytes this library can zero: {@code javax.crypto.spec.SecretKeySpec} cannot be
 * destroyed on JDK 17. The JDK's cipher copies the bytes on every init ({@link #getEncoded()}), so
 * zeroing here leaves only the expanded key schedule inside a thread's cipher, which the next init
 * with another key overwrites.
 */
public final class AesKey implements SecretKey {
  private static final long serialVersionUID = 1L;
  private final byte[] bytes;
  private volatile boolean destroyed;

  public AesKey(byte[] source, int offset, int length) {
    this.bytes = Arrays.copyOfRange(source, offset, offset + length);
  }

  @Override
  public String getAlgorithm() {
    return "AES";
  }

  @Override
  public String getFormat() {
    return "RAW";
  }

  @Override
  public byte[] getEncoded() {
    if (destroyed) {
      throw new IllegalStateException("the key was destroyed");
    }
    return bytes.clone();
  }

  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(bytes, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "AesKey[" + bytes.length * 8 + " bits]";
  }
}
