package dev.envelope.core.format;

import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Random bytes from a per-thread NIST SP 800-90A DRBG (the JDK's {@code DRBG}, 256-bit strength,
 * seeded by the operating system). Per thread, because one shared {@code SecureRandom} serialised
 * every encrypt on its lock: with two threads, nonce generation alone held raw AES-GCM to one core.
 * Public values (nonces, salts) are drawn from a small per-thread buffer of DRBG output: each DRBG
 * call has a fixed cost of about two SHA-256 blocks, which one 384-byte call spreads over 32
 * nonces. Keys never pass through the buffer.
 */
public final class Randoms {
  private static final int BUFFER_BYTES = 384;

  private static final class PerThread {
    final SecureRandom drbg = newDrbg();
    final byte[] buffer = new byte[BUFFER_BYTES];
    int used = BUFFER_BYTES;
  }

  private static final ThreadLocal<PerThread> THREAD = ThreadLocal.withInitial(PerThread::new);

  private Randoms() {}

  private static SecureRandom newDrbg() {
    try {
      return SecureRandom.getInstance(
          "DRBG", DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
    } catch (NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  }

  /** Key material: straight from the DRBG. */
  public static void key(byte[] bytes) {
    THREAD.get().drbg.nextBytes(bytes);
  }

  /** A public random value (nonce, salt) of at most 64 bytes, each buffered byte used once. */
  public static void publicValue(byte[] bytes) {
    PerThread t = THREAD.get();
    if (t.used + bytes.length > BUFFER_BYTES) {
      t.drbg.nextBytes(t.buffer);
      t.used = 0;
    }
    System.arraycopy(t.buffer, t.used, bytes, 0, bytes.length);
    java.util.Arrays.fill(t.buffer, t.used, t.used + bytes.length, (byte) 0);
    t.used += bytes.length;
  }
}
