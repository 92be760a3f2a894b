package dev.envelope.core;

import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Random bytes for data keys, salts and nonces from a per-thread NIST SP 800-90A DRBG (the JDK's
 * {@code DRBG}, 256-bit strength, seeded from the operating system). One shared {@code
 * SecureRandom} serialised every encrypt on its lock: with two threads, nonce generation alone
 * capped the throughput of raw AES-GCM at one core.
 */
final class Randoms {
  private static final ThreadLocal<SecureRandom> DRBG = ThreadLocal.withInitial(() -> {
    try {
      return SecureRandom.getInstance("DRBG",
          DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
    } catch (NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  });

  private Randoms() {}

  static void fill(byte[] bytes) {
    DRBG.get().nextBytes(bytes);
  }
}
