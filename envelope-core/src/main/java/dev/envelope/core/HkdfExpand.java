package dev.envelope.core;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF-Expand of RFC 5869 §2.3 over a JCE HMAC. The JDK 17 has HMAC but no HKDF, and the
 * chunked-encryption spec needs Expand alone (no Extract), which Tink's HKDF helper does not offer.
 */
final class HkdfExpand {
  private HkdfExpand() {}

  /**
   * OKM = T(1) || T(2) || ... truncated to {@code length}, where T(i) = HMAC(prk, T(i-1) || info ||
   * i).
   *
   * @param macAlgorithm a JCE MAC name, e.g. {@code HmacSHA512}
   * @param prk the pseudorandom key (here: the input key itself)
   * @param length 1..255 * hash length
   */
  static byte[] expand(String macAlgorithm, byte[] prk, byte[] info, int length) {
    try {
      Mac mac = Mac.getInstance(macAlgorithm);
      mac.init(new SecretKeySpec(prk, macAlgorithm));
      int hashLen = mac.getMacLength();
      if (length <= 0 || length > 255 * hashLen) {
        throw new IllegalArgumentException("HKDF-Expand output length out of range: " + length);
      }
      byte[] okm = new byte[length];
      byte[] t = new byte[0];
      int written = 0;
      for (int i = 1; written < length; i++) {
        mac.update(t);
        mac.update(info);
        mac.update((byte) i);
        Arrays.fill(t, (byte) 0);
        t = mac.doFinal();
        int n = Math.min(hashLen, length - written);
        System.arraycopy(t, 0, okm, written, n);
        written += n;
      }
      Arrays.fill(t, (byte) 0);
      return okm;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + macAlgorithm, e);
    }
  }
}
