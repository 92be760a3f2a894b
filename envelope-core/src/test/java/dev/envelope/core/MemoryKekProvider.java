package dev.envelope.core;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A test double of our own SPI (scheme {@code memory}): AES-GCM wraps under per-URI keys held in
 * memory, with a call log and injectable failures. Registered in META-INF/services for the
 * discovery tests. Providers of real KMSs are tested against their real SDKs elsewhere.
 */
public final class MemoryKekProvider implements KekProvider {
  /** Found by ServiceLoader, which needs a public no-argument constructor. */
  public MemoryKekProvider() {}

  static final Map<String, byte[]> KEYS = new ConcurrentHashMap<>();
  static final List<String> CALLS = new CopyOnWriteArrayList<>();
  static final Map<String, Supplier<RuntimeException>> UNWRAP_FAILURES = new ConcurrentHashMap<>();
  static final Map<String, Long> WRAP_DELAY_MILLIS = new ConcurrentHashMap<>();
  static final Map<String, Long> OPEN_DELAY_MILLIS = new ConcurrentHashMap<>();
  static final Map<String, Integer> OPEN_FAILURES = new ConcurrentHashMap<>();

  /** Every data key handed to wrap and returned by unwrap, to check that they get destroyed. */
  static final List<SecretBytes> SEEN_KEYS = new CopyOnWriteArrayList<>();

  /** Copies of every data key wrapped or unwrapped (SEEN_KEYS may be zeroed by then). */
  static final List<byte[]> SEEN_KEY_BYTES = new CopyOnWriteArrayList<>();

  private static final java.util.concurrent.atomic.AtomicLong REQUESTS =
      new java.util.concurrent.atomic.AtomicLong();

  private static final SecureRandom RANDOM = new SecureRandom();

  static void reset() {
    KEYS.clear();
    CALLS.clear();
    UNWRAP_FAILURES.clear();
    WRAP_DELAY_MILLIS.clear();
    OPEN_DELAY_MILLIS.clear();
    OPEN_FAILURES.clear();
    SEEN_KEYS.clear();
    SEEN_KEY_BYTES.clear();
  }

  @Override
  public Set<String> schemes() {
    return Set.of("memory");
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    CALLS.add("open " + uri);
    Long openDelay = OPEN_DELAY_MILLIS.get(uri);
    if (openDelay != null) {
      try {
        Thread.sleep(openDelay); // as a DescribeKey round trip
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (OPEN_FAILURES.merge(uri, -1, Integer::sum) >= 0) {
      throw new KeyUnavailableException("memory KEK " + uri + ": not reachable yet", true);
    }
    byte[] key =
        KEYS.computeIfAbsent(
            uri,
            u -> {
              byte[] k = new byte[32];
              RANDOM.nextBytes(k);
              return k;
            });
    return new Kek() {
      @Override
      public String uri() {
        return uri;
      }

      @Override
      public WrapAlgorithm algorithm() {
        return new WrapAlgorithm(9999, "TEST-AES-GCM");
      }

      @Override
      public String identity() {
        return "memory-principal";
      }

      @Override
      public byte[] wrap(SecretBytes dataKey, WrapContext context) {
        CALLS.add("wrap " + uri);
        SEEN_KEYS.add(dataKey);
        SEEN_KEY_BYTES.add(dataKey.toByteArray());
        dev.envelope.core.spi.CallReference.record("memory-request-" + REQUESTS.incrementAndGet());
        Long delay = WRAP_DELAY_MILLIS.get(uri);
        if (delay != null) {
          try {
            Thread.sleep(delay);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeyUnavailableException("memory KEK " + uri + ": interrupted", true);
          }
        }
        try {
          byte[] iv = new byte[12];
          RANDOM.nextBytes(iv);
          Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
          c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
          c.updateAAD(context.associatedData());
          byte[] ct = c.doFinal(dataKey.toByteArray());
          byte[] out = new byte[12 + ct.length];
          System.arraycopy(iv, 0, out, 0, 12);
          System.arraycopy(ct, 0, out, 12, ct.length);
          return out;
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public SecretBytes unwrap(byte[] wrapped, WrapContext context) {
        CALLS.add("unwrap " + uri);
        Supplier<RuntimeException> failure = UNWRAP_FAILURES.get(uri);
        if (failure != null) {
          throw failure.get();
        }
        try {
          Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
          c.init(
              Cipher.DECRYPT_MODE,
              new SecretKeySpec(key, "AES"),
              new GCMParameterSpec(128, wrapped, 0, 12));
          c.updateAAD(context.associatedData());
          SecretBytes key = SecretBytes.adopt(c.doFinal(wrapped, 12, wrapped.length - 12));
          SEEN_KEYS.add(key);
          SEEN_KEY_BYTES.add(key.toByteArray());
          return key;
        } catch (GeneralSecurityException e) {
          throw new AuthenticationException(
              "memory KEK " + uri + ": wrapped key did not authenticate");
        }
      }
    };
  }
}
