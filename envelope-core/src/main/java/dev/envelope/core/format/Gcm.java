package dev.envelope.core.format;

import dev.envelope.core.AuthenticationException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM for both body algorithms, and the A256GCM body ({@code docs/FORMAT.md} §4.2): one
 * AES-GCM message under a per-data-key subkey with a random 96-bit nonce and the authenticated
 * header as associated data.
 *
 * <p>Two kinds of cipher. A one-shot call (seal or open one whole message) borrows this thread's
 * cipher for the duration of the call and never lets it escape: re-initialising a JDK AES-GCM
 * cipher with the key it already holds skips the key schedule, which is most of the fixed cost of a
 * small message. Anything that outlives the call — a stream, which its caller may hand to another
 * thread — owns a cipher of its own ({@link #newCipher()}): a thread-local one would be shared with
 * whatever else the creating thread does next.
 */
public final class Gcm {
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;
  public static final int OVERHEAD = NONCE_BYTES + TAG_BYTES;
  public static final int COMMITMENT_BYTES = 32;

  private static final byte[] KEY_LABEL =
      "dev.envelope/v1/A256GCM/key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] COMMITMENT_LABEL =
      "dev.envelope/v1/A256GCM/commitment".getBytes(StandardCharsets.US_ASCII);

  private static final ThreadLocal<Cipher> BORROWED = ThreadLocal.withInitial(Gcm::newCipher);

  private Gcm() {}

  /**
   * This thread's AES-GCM cipher, for one call that inits it, uses it and is done with it before
   * returning. Never store it, and never call anything that could use it again (a provider, an
   * observer) between its init and its last use.
   */
  public static Cipher borrowed() {
    return BORROWED.get();
  }

  /**
   * A cipher owned by its caller (a stream): never shared with any thread's one-shot calls.
   *
   * <p>From the provider the first lookup chose: a lookup by name walks the whole provider list and
   * parses the transformation on every call, about half the fixed cost of a small stream on JDK 17
   * (issue 20's profile). The provider is chosen once, when this class is first used, so a provider
   * installed later is not picked up.
   */
  public static Cipher newCipher() {
    try {
      return Cipher.getInstance(TRANSFORMATION, Provided.PROVIDER);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + TRANSFORMATION, e);
    }
  }

  private static final String TRANSFORMATION = "AES/GCM/NoPadding";

  /** The provider of AES/GCM, looked up once. */
  private static final class Provided {
    static final java.security.Provider PROVIDER = lookUp();

    private static java.security.Provider lookUp() {
      try {
        return Cipher.getInstance(TRANSFORMATION).getProvider();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK lacks " + TRANSFORMATION, e);
      }
    }
  }

  /** The A256GCM subkey and key commitment of a data key. */
  @SuppressWarnings("ArrayRecordComponent") // zeroed in place when the data key is retired
  public record Subkey(AesKey key, byte[] commitment) {}

  /**
   * key = HKDF-Expand-SHA-512(DEK, "dev.envelope/v1/A256GCM/key", 32); commitment =
   * HKDF-Expand-SHA-512(DEK, "dev.envelope/v1/A256GCM/commitment", 32).
   */
  public static Subkey subkey(KeyedHmac prf) {
    byte[] k = prf.expand(KEY_LABEL, 32);
    try {
      return new Subkey(new AesKey(k, 0, 32), prf.expand(COMMITMENT_LABEL, COMMITMENT_BYTES));
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  /** Writes nonce || ciphertext || tag into {@code out} at {@code off}; returns bytes written. */
  public static int encrypt(
      AesKey key, byte[] nonce, byte[] aad, byte[] plaintext, byte[] out, int off) {
    Cipher c = borrowed();
    try {
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      c.updateAAD(aad);
      System.arraycopy(nonce, 0, out, off, NONCE_BYTES);
      return NONCE_BYTES + c.doFinal(plaintext, 0, plaintext.length, out, off + NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * Opens nonce || ciphertext || tag at {@code body[off, off+len)}.
   *
   * @throws AuthenticationException if it does not authenticate
   */
  public static byte[] decrypt(AesKey key, byte[] aad, byte[] body, int off, int len) {
    if (len < OVERHEAD) {
      throw new AuthenticationException(
          "the envelope body is shorter than a nonce and a tag: it was truncated");
    }
    Cipher c = borrowed();
    try {
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, body, off, NONCE_BYTES));
      c.updateAAD(aad);
      return c.doFinal(body, off + NONCE_BYTES, len - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new AuthenticationException(
          "the envelope body did not authenticate: the envelope was altered or truncated");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed", e);
    }
  }

  /** Constant-time comparison of a header's commitment with a data key's. */
  public static boolean commitmentMatches(byte[] expected, byte[] actual) {
    return actual != null && MessageDigest.isEqual(expected, actual);
  }
}
