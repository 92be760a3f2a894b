package dev.envelope.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The contract every KEK provider's tests run against a real backend (a file, SoftHSM2, or a
 * loopback fake of the cloud service): round trip, the logical key binding, tampering, an
 * unreachable backend, 16 threads, idempotent close, no key bytes in any text, and the whole path
 * through the core's API. A provider's test extends it and says how to reach its backend.
 */
public abstract class KekContract {
  private static final WrapContext PAYMENTS = new WrapContext("payments");
  private static final WrapContext ORDERS = new WrapContext("orders");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The provider under test, configured for this test's backend. */
  protected abstract KekProvider provider();

  /** A KEK URI that the backend holds. */
  protected abstract String kekUri();

  /** The {@code providers.<scheme>} settings that reach the backend. */
  protected abstract Map<String, String> settings();

  /**
   * Whether a wrap binds the logical key id (FORMAT.md §5: only where the wrap algorithm takes
   * associated data); where it does not, the body binds it and an unwrap under another logical key
   * returns the same data key.
   */
  protected abstract boolean bindsLogicalKey();

  /**
   * Opens the KEK against a backend that is not there — a closed port, a token not plugged in; the
   * open may already fail — or null if the KEK has no backend to lose (key files).
   */
  protected abstract Callable<Kek> unreachable();

  /** The scheme of {@link #kekUri()}. */
  protected final String scheme() {
    return kekUri().substring(0, kekUri().indexOf("://"));
  }

  protected final Kek open() {
    return provider().open(kekUri(), new ProviderSettings("contract", scheme(), settings()));
  }

  protected static SecretBytes randomDataKey() {
    byte[] dek = new byte[Kek.DATA_KEY_BYTES];
    RANDOM.nextBytes(dek);
    return SecretBytes.adopt(dek);
  }

  @Test
  void wrapsAndUnwrapsADataKey() {
    try (Kek kek = open()) {
      assertThat(kek.uri()).isEqualTo(kekUri());
      SecretBytes dek = randomDataKey();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      assertThat(wrapped).isNotEmpty().isNotEqualTo(dek.toByteArray());
      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
    }
  }

  @Test
  void anotherLogicalKeyCannotUnwrapWhereTheWrapBindsIt() {
    try (Kek kek = open()) {
      SecretBytes dek = randomDataKey();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      if (bindsLogicalKey()) {
        assertThatThrownBy(() -> kek.unwrap(wrapped, ORDERS))
            .isInstanceOf(AuthenticationException.class);
      } else {
        assertThat(kek.unwrap(wrapped, ORDERS).toByteArray()).isEqualTo(dek.toByteArray());
      }
    }
  }

  @Test
  void aTamperedWrappedKeyFailsAsAnAuthenticationError() {
    try (Kek kek = open()) {
      SecretBytes dek = randomDataKey();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      for (int position : new int[] {wrapped.length - 1, wrapped.length / 2}) {
        byte[] tampered = wrapped.clone();
        tampered[position] ^= 0x01;
        assertThatThrownBy(() -> kek.unwrap(tampered, PAYMENTS))
            .as("byte %d of %d flipped", position, wrapped.length)
            .isInstanceOf(AuthenticationException.class)
            .satisfies(e -> assertNoKeyBytes(e.getMessage(), dek));
      }
    }
  }

  @Test
  void anUnreachableBackendIsARetryableKeyUnavailableError() {
    Callable<Kek> unreachable = unreachable();
    Assumptions.assumeTrue(unreachable != null, "a KEK in a file has no backend to lose");
    SecretBytes dek = randomDataKey();
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> {
              try (Kek kek = unreachable.call()) {
                kek.unwrap(kek.wrap(dek, PAYMENTS), PAYMENTS);
              }
            })
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> {
              assertThat(e.retryable()).as("retryable: " + e.getMessage()).isTrue();
              assertThat(e.getMessage()).as("names the KEK").contains(scheme() + "://");
              assertNoKeyBytes(e.getMessage(), dek);
            });
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
        .as("bounded by the configured deadlines")
        .isLessThan(30);
  }

  @Test
  void sixteenThreadsShareOneKek() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (Kek kek = open()) {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 10; i++) {
                    SecretBytes dek = randomDataKey();
                    WrapContext context = new WrapContext("key-" + (i % 3));
                    assertThat(kek.unwrap(kek.wrap(dek, context), context).toByteArray())
                        .isEqualTo(dek.toByteArray());
                  }
                  return 10;
                }));
      }
      int done = 0;
      for (Future<Integer> f : results) {
        done += f.get(2, TimeUnit.MINUTES);
      }
      assertThat(done).isEqualTo(160);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closeIsIdempotent() {
    Kek kek = open();
    kek.wrap(randomDataKey(), PAYMENTS);
    kek.close();
    kek.close();
  }

  @Test
  void noKeyBytesInToStringOrMessages() {
    SecretBytes dek = randomDataKey();
    try (Kek kek = open()) {
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      assertNoKeyBytes(kek.toString(), dek);
      assertNoKeyBytes(dek.toString(), dek);
      assertNoKeyBytes(provider().toString(), dek);
      SecretBytes unwrapped = kek.unwrap(wrapped, PAYMENTS);
      assertNoKeyBytes(unwrapped.toString(), dek);
    }
  }

  @Test
  void sealsAndOpensThroughTheCoreApi() {
    KeyPolicy policy = KeyPolicy.builder().key("payments", List.of(kekUri()), List.of()).build();
    LocalConfig config = LocalConfig.builder().provider(scheme(), settings()).build();
    byte[] message = "contract: through the core".getBytes(StandardCharsets.UTF_8);
    Map<String, String> context = Map.of("tenant", "acme");
    byte[] sealed;
    try (Envelope writer =
        Envelope.builder().policy(policy).localConfig(config).provider(provider()).build()) {
      sealed = writer.encrypt("payments", message, context);
      assertThat(writer.checkKek("payments", kekUri()).canWrap()).isTrue();
    }
    // Another facade (another process, in practice) opens it with a KEK of its own.
    try (Envelope reader =
        Envelope.builder().policy(policy).localConfig(config).provider(provider()).build()) {
      assertThat(reader.decrypt(sealed, context)).isEqualTo(message);
      assertThatThrownBy(() -> reader.decrypt(sealed, Map.of("tenant", "evil")))
          .isInstanceOf(AuthenticationException.class);
    }
  }

  /** Neither the hex nor the base64 of the data key, nor its raw bytes as text, in {@code text}. */
  protected static void assertNoKeyBytes(String text, SecretBytes dek) {
    byte[] raw = dek.toByteArray();
    assertThat(text)
        .doesNotContainIgnoringCase(HexFormat.of().formatHex(raw))
        .doesNotContain(Base64.getEncoder().encodeToString(raw))
        .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(raw))
        .doesNotContain(new String(raw, StandardCharsets.ISO_8859_1));
  }
}
