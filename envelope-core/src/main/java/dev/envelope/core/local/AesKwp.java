package dev.envelope.core.local;

import dev.envelope.core.AuthenticationException;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/** AES key wrap with padding (RFC 5649) through the JDK's {@code AES/KWP/NoPadding} (JDK 17+). */
final class AesKwp {
  private static final String TRANSFORMATION = "AES/KWP/NoPadding";

  private AesKwp() {}

  static byte[] wrap(byte[] kek, byte[] key) {
    try {
      Cipher c = Cipher.getInstance(TRANSFORMATION);
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"));
      return c.doFinal(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-KWP wrap failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * @throws AuthenticationException if the wrapped bytes do not authenticate under {@code kek}
   */
  static byte[] unwrap(byte[] kek, byte[] wrapped, String kekUri) {
    // RFC 5649: at least two 64-bit blocks, a multiple of 8 bytes.
    if (wrapped.length < 16 || wrapped.length % 8 != 0) {
      throw new AuthenticationException(
          "the wrapped data key for " + kekUri + " has an impossible length for AES-KWP");
    }
    try {
      Cipher c = Cipher.getInstance(TRANSFORMATION);
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"));
      return c.doFinal(wrapped);
    } catch (GeneralSecurityException e) {
      throw new AuthenticationException(
          "the wrapped data key did not authenticate under "
              + kekUri
              + " (a different key file, or the envelope was altered)");
    }
  }
}
