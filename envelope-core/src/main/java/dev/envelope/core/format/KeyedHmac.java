package dev.envelope.core.format;

import java.security.DigestException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * HMAC (RFC 2104) over a JDK {@link MessageDigest} whose keyed inner and outer states are computed
 * once, when the key is set, and cloned per use. Every HKDF-Expand of a cached data key then skips
 * the two key-block compressions a {@code javax.crypto.Mac} repeats on each message. Checked
 * against the JDK's {@code HmacSHA512} in {@code KeyedHmacTest}.
 *
 * <p>Thread-safe: the prepared states are never updated, only cloned.
 */
public final class KeyedHmac {
  private final MessageDigest inner;
  private final MessageDigest outer;
  private final int length;

  /**
   * @param algorithm a JDK digest with a 128-byte block (SHA-512) or a 64-byte block (SHA-256)
   * @param key at most one block long (longer keys are hashed first, as RFC 2104 says)
   */
  public KeyedHmac(String algorithm, byte[] key) {
    try {
      MessageDigest md = MessageDigest.getInstance(algorithm);
      int block = algorithm.equals("SHA-512") || algorithm.equals("SHA-384") ? 128 : 64;
      byte[] k = key.length > block ? md.digest(key) : key;
      byte[] pad = new byte[block];
      try {
        for (int i = 0; i < block; i++) {
          pad[i] = (byte) ((i < k.length ? k[i] : 0) ^ 0x36);
        }
        md.update(pad);
        this.inner = (MessageDigest) md.clone();
        md.reset();
        for (int i = 0; i < block; i++) {
          pad[i] = (byte) ((i < k.length ? k[i] : 0) ^ 0x5c);
        }
        md.update(pad);
        this.outer = (MessageDigest) md.clone();
        this.length = md.getDigestLength();
      } finally {
        Arrays.fill(pad, (byte) 0);
        if (k != key) {
          Arrays.fill(k, (byte) 0);
        }
      }
    } catch (GeneralSecurityException | CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's " + algorithm + " cannot serve HMAC", e);
    }
  }

  /** Clears the keyed states; the caller guarantees no use follows. */
  public void destroy() {
    inner.reset();
    outer.reset();
  }

  public int length() {
    return length;
  }

  /** HMAC(key, a || b || c) into {@code out} at {@code off}; any part may be empty. */
  public void mac(byte[] a, byte[] b, byte[] c, byte[] out, int off) {
    try {
      MessageDigest in = (MessageDigest) inner.clone();
      in.update(a);
      in.update(b);
      in.update(c);
      byte[] innerHash = in.digest();
      MessageDigest o = (MessageDigest) outer.clone();
      o.update(innerHash);
      o.digest(out, off, length);
    } catch (CloneNotSupportedException | DigestException e) {
      throw new IllegalStateException("HMAC failed", e);
    }
  }

  /** HKDF-Expand (RFC 5869 §2.3) with this HMAC keyed by the PRK. */
  public byte[] expand(byte[] info, int outputLength) {
    if (outputLength <= 0 || outputLength > 255 * length) {
      throw new IllegalArgumentException("HKDF-Expand output length out of range: " + outputLength);
    }
    int blocks = (outputLength + length - 1) / length;
    byte[] t = new byte[blocks * length];
    byte[] counter = new byte[1];
    byte[] previous = new byte[0];
    for (int i = 0; i < blocks; i++) {
      counter[0] = (byte) (i + 1);
      mac(previous, info, counter, t, i * length);
      previous = Arrays.copyOfRange(t, i * length, (i + 1) * length);
    }
    Arrays.fill(previous, (byte) 0);
    if (t.length == outputLength) {
      return t;
    }
    byte[] okm = Arrays.copyOf(t, outputLength);
    Arrays.fill(t, (byte) 0);
    return okm;
  }
}
